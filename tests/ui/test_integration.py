"""After the dose: discharge, integration, sign and lock, read-only detail, addenda."""

from __future__ import annotations

from textual.widgets import Input, SelectionList, TextArea

from kapsession.config import Config
from kapsession.model.outcomes import ITEM9_REMINDER
from kapsession.ui.app import KapsessionApp
from kapsession.ui.screens.detail import DetailScreen
from kapsession.ui.screens.integration import IntegrationScreen
from kapsession.ui.widgets.confirm_dialog import ConfirmDialog

from .helpers import screen_text


def ended_session(archive, clock, *, observed_min: int = 130) -> str:  # noqa: ANN001
    s = archive.new_session(client="C-0042", route="sublingual", dose_mg=200, live=True)
    archive.mark_dose(s.id)
    archive.add_note(s.id, "calm")
    archive.record_vitals(s.id, systolic=128, diastolic=82, heart_rate=70, spo2=98)
    clock.advance(minutes=observed_min)
    archive.end_session(s.id)
    return s.id


async def open_integration(app, pilot, sid: str) -> IntegrationScreen:  # noqa: ANN001
    await app.push_screen(IntegrationScreen(sid))
    await pilot.pause()
    return app.screen


async def test_observation_time_is_computed_not_ticked(archive, clock) -> None:  # noqa: ANN001
    early = ended_session(archive, clock, observed_min=90)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 50)) as pilot:
        screen = await open_integration(app, pilot, early)
        text = str(screen.query_one("#observation").render())
        assert "not yet passed" in text and "30 min left of 120 min" in text
        labels = [str(o.prompt) for o in screen.query_one("#discharge", SelectionList)._options]
        assert not any("observation" in label.lower() for label in labels)
        clock.advance(minutes=40)
        await pilot.press("escape")
        screen = await open_integration(app, pilot, early)
        assert "[x] Minimum observation time passed" in str(
            screen.query_one("#observation").render())


async def test_item9_reminder_and_bands(archive, clock) -> None:  # noqa: ANN001
    sid = ended_session(archive, clock)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 50)) as pilot:
        screen = await open_integration(app, pilot, sid)
        screen.query_one("#phq9_pre", Input).value = "16"
        screen.query_one("#phq9_item9", Input).value = "1"
        await pilot.pause()
        assert str(screen.query_one("#phq9_pre-band").render()) == "moderately severe"
        assert ITEM9_REMINDER in str(screen.query_one("#item9").render())
        screen.query_one("#phq9_item9", Input).value = "0"
        await pilot.pause()
        assert str(screen.query_one("#item9").render()) == ""
        await pilot.press("f5")  # save now (ctrl+s logs an effect, as live)
        await pilot.pause()
    assert archive.get(sid).outcomes == {"phq9_pre": 16, "phq9_item9": 0}


async def test_finish_integrate_sign_reopen_and_add_an_addendum(archive, clock) -> None:  # noqa: ANN001,E501
    sid = ended_session(archive, clock)
    app = KapsessionApp(archive, config=Config().with_values(signer_initials="JM"), clock=clock)
    async with app.run_test(size=(120, 50)) as pilot:
        screen = await open_integration(app, pilot, sid)
        discharge = screen.query_one("#discharge", SelectionList)
        discharge.focus()
        await pilot.press("space")  # tick the first discharge item
        screen.query_one("#integration-date", Input).value = "2026-11-07"
        screen.query_one("#notes", TextArea).text = "Themes: rest. \"I can put it down.\""
        await pilot.press("ctrl+k")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        assert "Still unticked" in screen_text(app.screen)
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        assert "I can put it down." in screen_text(app.screen)
        assert " by JM" in screen_text(app.screen)  # who signed, from the config
        await pilot.press("a")
        await pilot.pause()
        app.screen.query_one("#text", TextArea).text = "Called next day: slept well."
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        assert "Called next day: slept well." in screen_text(app.screen)
    s = archive.get(sid)
    assert s.status == "signed" and s.signed == clock.now and s.signed_by == "JM"
    assert s.discharge_checklist[0].done and not s.discharge_checklist[1].done
    assert s.integration_date.isoformat() == "2026-11-07"
    assert s.integration_notes.startswith("Themes: rest.")
    assert [a.text for a in s.addenda] == ["Called next day: slept well."]


async def test_integration_autosaves_as_you_go(archive, clock) -> None:  # noqa: ANN001
    sid = ended_session(archive, clock)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 50)) as pilot:
        screen = await open_integration(app, pilot, sid)
        screen.query_one("#notes", TextArea).text = "typed, never saved by hand"
        await pilot.pause()
        screen.save()  # what the timer calls
        app.exit()
    assert archive.get(sid).integration_notes == "typed, never saved by hand"


async def test_a_signed_session_offers_no_edit_paths(archive, clock) -> None:  # noqa: ANN001
    sid = ended_session(archive, clock)
    archive.sign(sid)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 50)) as pilot:
        await app.push_screen(DetailScreen(sid))
        await pilot.pause()
        await pilot.press("i")  # integration is for ended sessions only
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        assert app.screen.check_action("integration", ()) is False
        assert app.screen.check_action("add_addendum", ()) is True


async def test_signing_without_a_signer_says_no_one_is_named(archive, clock) -> None:  # noqa: ANN001
    sid = ended_session(archive, clock)  # no therapist on the session, no initials configured
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 50)) as pilot:
        await open_integration(app, pilot, sid)
        await pilot.press("ctrl+k")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        assert "No one is named as signing" in screen_text(app.screen)
    named = archive.new_session(client="C-0043", route="im", dose_mg=50, therapist="AB",
                                live=True)
    archive.mark_dose(named.id)
    archive.end_session(named.id)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 50)) as pilot:
        await open_integration(app, pilot, named.id)
        await pilot.press("ctrl+k")
        await pilot.pause()
        assert "No one is named" not in screen_text(app.screen)


async def test_leaving_with_a_half_typed_date_says_why_it_stays(archive, clock) -> None:  # noqa: ANN001
    sid = ended_session(archive, clock)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    said: list[str] = []
    notify = app.notify
    app.notify = lambda message, **kw: (said.append(message), notify(message, **kw))[1]  # type: ignore[method-assign]
    async with app.run_test(size=(120, 50)) as pilot:
        screen = await open_integration(app, pilot, sid)
        screen.query_one("#integration-date", Input).value = "2026-12-4"
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen and app.focused is screen.query_one("#integration-date")
        assert any("'Integration on' is not a date yet" in m for m in said)
