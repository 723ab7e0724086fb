"""Monitoring until discharge, by keys: Finish → vitals → effect → note → ready → discharge →
sign, on the screen the therapist is on after Finish."""

from __future__ import annotations

from textual.widgets import Input

from kapsession.config import Config
from kapsession.model.protocols import DEFAULT_PROTOCOLS
from kapsession.ui.app import KapsessionApp
from kapsession.ui.screens.detail import DetailScreen
from kapsession.ui.screens.integration import IntegrationScreen
from kapsession.ui.screens.live import LiveScreen
from kapsession.ui.widgets.choice_dialog import ChoiceDialog
from kapsession.ui.widgets.confirm_dialog import ConfirmDialog
from kapsession.ui.widgets.rems_dialog import RemsDialog
from kapsession.ui.widgets.text_dialog import TextDialog
from kapsession.ui.widgets.vitals_dialog import VitalsDialog

from .helpers import open_rems_dialog, screen_text

REMS = DEFAULT_PROTOCOLS[0]


def ended_on_rems(archive):  # noqa: ANN001, ANN201
    """An esketamine session on the REMS protocol, dosed and ended: monitoring goes on."""
    s = archive.new_session(client="C-1", route="intranasal", medicine="esketamine",
                            dose_mg=56, protocol=REMS, live=True)
    archive.mark_dose(s.id)
    archive.end_session(s.id)
    return s


async def test_finish_then_vitals_ready_discharge_and_sign_by_keys(archive, clock) -> None:  # noqa: ANN001,E501
    s = archive.new_session(client="C-0042", route="intranasal", medicine="esketamine",
                            dose_mg=84, protocol=REMS, live=True,
                            baseline={"systolic": 128, "diastolic": 80, "heart_rate": 70,
                                      "spo2": 98})
    archive.mark_dose(s.id, lot="XK42")
    clock.advance(minutes=30)
    archive.mark_dose(s.id, 28)  # a booster at T+30: observation counts from here
    clock.advance(minutes=60)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 50)) as pilot:
        app.open_live(s.id)
        await pilot.pause()
        assert isinstance(app.screen, LiveScreen)
        await pilot.press("ctrl+f")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, IntegrationScreen)
        text = screen_text(app.screen)
        assert "Esketamine (Spravato REMS)" in text
        # T+1:30, 60 min after the booster: 60 min of observation still to go.
        assert "1 h 00 min left of 120 min" in text
        # The 40-minute check was never taken: it shows as overdue, with a glyph.
        check = app.screen.query_one("#next-check")
        assert check.has_class("overdue") and "Vitals overdue by" in str(check.render())

        clock.advance(minutes=5)
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert isinstance(app.screen, VitalsDialog)
        for digits in ("132", "84", "72", "97"):
            for ch in digits:
                await pilot.press(ch)
            await pilot.press("enter")
        await pilot.press("enter")  # the respiratory rate, left empty: saves
        await pilot.pause()
        assert isinstance(app.screen, IntegrationScreen)
        assert "Vitals saved." in screen_text(app.screen)
        assert "Discharge vitals due in" in str(app.screen.query_one("#next-check").render())

        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("n", "enter")  # typed to filter: nausea; the same flow as live
        await pilot.pause()
        await pilot.press("2")  # its severity
        await pilot.pause()
        assert "Side effect logged: nausea, moderate." in screen_text(app.screen)
        assert app.archive.get(s.id).entries[-1].values["severity"] == "moderate"

        await pilot.press("ctrl+n")
        await pilot.pause()
        assert isinstance(app.screen, TextDialog)
        app.screen.query_one("#text", Input).value = "walking steadily"
        await pilot.press("enter")
        await pilot.pause()

        clock.advance(minutes=10)
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        # Early: said in the dialog, as for the discharge, and recorded as it is.
        assert "⚑ The minimum observation" in screen_text(app.screen)
        await pilot.press("y")
        await pilot.pause()
        assert "Ready to leave: " in screen_text(app.screen)

        clock.advance(minutes=30)  # T+2:15: 105 min after the booster
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        assert "15 min to go" in screen_text(app.screen)  # said, never blocked
        await pilot.press("enter")  # irreversible: a stray enter does not discharge
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await pilot.pause()
        assert "Discharged: " in screen_text(app.screen)
        for key in ("ctrl+r", "ctrl+s", "ctrl+n"):  # monitoring has ended: said, no dialog
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, IntegrationScreen)
            assert "discharged" in str(app.screen.query_one("#save-status").render())

        await pilot.press("ctrl+k")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        sign_text = screen_text(app.screen)
        assert "REMS fields missing" in sign_text and "Sedation" in sign_text
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
    done = archive.get(s.id)
    assert done.status == "signed"
    assert [e.kind for e in done.entries if e.at > done.ended][:3] == [
        "vitals", "side_effect", "note"]
    assert done.minutes_to_ready == 105 and done.monitoring_minutes == 135
    assert "sedation" in done.signed_missing and "lot" not in done.signed_missing


async def test_the_monitoring_keys_fit_80_columns_on_a_rems_session(archive, clock) -> None:  # noqa: ANN001,E501
    s = ended_on_rems(archive)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(IntegrationScreen(s.id))
        await pilot.pause()
        footer = screen_text(app.screen.query_one("KapFooter"))
        for label in ("Vitals", "Effect", "Ready", "Discharge", "REMS", "Sign and lock",
                      "? Keys"):
            assert label in footer


async def test_the_rems_questions_are_answered_by_keys(archive, clock) -> None:  # noqa: ANN001
    s = archive.new_session(client="C-1", route="intranasal", medicine="esketamine",
                            dose_mg=56, protocol=REMS, live=True,
                            baseline={"systolic": 128, "diastolic": 80})
    archive.mark_dose(s.id)
    archive.log_rating(s.id, "dissociation", 2)
    clock.advance(minutes=40)
    archive.record_vitals(s.id, systolic=150, diastolic=92, heart_rate=80, spo2=97)
    clock.advance(minutes=5)
    archive.record_vitals(s.id, systolic=140, diastolic=88, heart_rate=76, spo2=98)
    archive.end_session(s.id)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 50)) as pilot:
        fields, keys = await open_rems_dialog(app, pilot, s.id)
        assert "patient_name" not in keys and "dose" not in keys  # not the therapist's

        def line(key: str) -> str:
            return str(fields.get_option_at_index(keys.index(key)).prompt)

        assert line("dissociation") == "Dissociation: yes (proposed: confirm)"
        assert line("lot") == "Lot number: — ⚑ missing"
        assert line("bp_40").startswith("BP at about 40 minutes: 150/92 (")

        async def choose(key: str) -> None:
            steps = keys.index(key) - (fields.highlighted or 0)
            for _ in range(abs(steps)):
                await pilot.press("down" if steps > 0 else "up")
            await pilot.press("enter")
            await pilot.pause()

        await choose("dissociation")
        await pilot.press("enter")  # "yes": confirmed
        await pilot.pause()
        assert isinstance(app.screen, RemsDialog)
        assert line("dissociation") == "Dissociation: yes"
        await choose("bp_40")  # the therapist picks the 45-minute BP instead
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("down", "down", "enter")  # baseline, 150/92, 140/88
        await pilot.pause()
        assert line("bp_40").startswith("BP at about 40 minutes: 140/88 (")
        await choose("lot")
        assert isinstance(app.screen, TextDialog)
        app.screen.query_one("#text", Input).value = "24B07X"
        await pilot.press("enter")
        await pilot.pause()
        assert line("lot") == "Lot number: 24B07X"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, IntegrationScreen)
    stored = archive.get(s.id)
    assert stored.rems == {"dissociation": True, "lot": "24B07X",
                           "bp_40": stored.vitals_entries[1].id}


async def test_ready_to_leave_leaves_the_theme_key_to_the_app(archive, clock) -> None:  # noqa: ANN001,E501
    """ctrl+y switches the theme everywhere, the integration screen too (it used to mean
    "ready to leave" there); ready to leave is ctrl+l, named so in the footer and help."""
    from kapsession.ui.screens.help import HelpScreen

    s = ended_on_rems(archive)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(IntegrationScreen(s.id))
        await pilot.pause()
        assert "^l Ready" in screen_text(app.screen.query_one("KapFooter"))
        assert "(ctrl+l)" in str(app.screen.query_one("#moments").render())
        theme = app.theme
        await pilot.press("ctrl+y")
        await pilot.pause()
        assert isinstance(app.screen, IntegrationScreen)  # no "ready to leave?" dialog
        assert app.theme != theme
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        shown = screen_text(app.screen)
        assert "Switch between the low-light and the light theme" in shown
        assert "Record that the client would be ready to leave" in shown
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await pilot.pause()
    assert archive.get(s.id).ready is not None
