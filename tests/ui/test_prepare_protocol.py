"""The preparation form picks a monitoring protocol by medicine and route; a REMS protocol
asks the medicines question; the live clock follows the protocol's schedule."""

from __future__ import annotations

from textual.widgets import Input, Select

from kapsession.config import Config
from kapsession.ui.app import KapsessionApp
from kapsession.ui.screens.live import LiveScreen
from kapsession.ui.screens.prepare import PrepareScreen
from kapsession.ui.widgets.clock_panel import ClockPanel
from kapsession.ui.widgets.proceed_dialog import ProceedDialog

from .helpers import burst, screen_text, visible_text


async def test_esketamine_intranasal_picks_rems_and_asks_the_medicines_question(
        archive, clock) -> None:  # noqa: ANN001
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 50)) as pilot:
        await app.push_screen(PrepareScreen())
        await pilot.pause()
        screen = app.screen
        protocol = screen.query_one("#protocol", Select)
        assert protocol.value == "sublingual-clinic"
        assert not screen.query_one("#benzodiazepines").parent.display
        screen.query_one("#client", Input).value = "C-0042"
        screen.query_one("#dose", Input).value = "56"
        screen.query_one("#medicine", Select).value = "esketamine"
        screen.query_one("#route", Select).value = "intranasal"
        await pilot.pause()
        assert protocol.value == "esketamine-rems"
        assert "vitals at 40 min and once more before discharge" in str(
            screen.query_one("#protocol-note").render())
        assert screen.query_one("#benzodiazepines").parent.display
        screen.query_one("#benzodiazepines", Select).value = "no"
        screen.query_one("#maois", Select).value = "yes"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ProceedDialog)
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, LiveScreen)
        sid = app.screen.session_id
        await pilot.press("ctrl+t")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        panel = app.screen.query_one(ClockPanel)
        assert visible_text(panel.query_one("#checkin")).strip() == "Vitals due in 40 min 00 s"
    s = archive.get(sid)
    assert s.protocol.name == "esketamine-rems" and s.protocol.rems
    assert s.rems == {"benzodiazepines": False, "maois": True}


async def test_a_protocol_chosen_by_hand_stays_when_the_route_changes(archive, clock) -> None:  # noqa: ANN001,E501
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 50)) as pilot:
        await app.push_screen(PrepareScreen())
        await pilot.pause()
        screen = app.screen
        screen.query_one("#protocol", Select).value = "remote-lozenge"
        await pilot.pause()
        screen.query_one("#route", Select).value = "im"
        await pilot.pause()
        assert screen.query_one("#protocol", Select).value == "remote-lozenge"
        screen.query_one("#protocol", Select).value = "none"
        screen.query_one("#client", Input).value = "C-9"
        await pilot.pause()
        await pilot.press("escape")  # kept as planned, with no protocol
        await pilot.pause()
    (summary,) = archive.sessions()
    assert archive.get(summary.id).protocol is None


async def test_the_pre_dose_decision_is_recorded_with_its_reason_never_blocked(
        archive, clock) -> None:  # noqa: ANN001
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 50)) as pilot:
        await app.push_screen(PrepareScreen())
        await pilot.pause()
        screen = app.screen
        screen.query_one("#client", Input).value = "C-0042"
        for key, value in (("systolic", "152"), ("diastolic", "94"), ("heart_rate", "80"),
                           ("spo2", "98")):
            screen.query_one(f"#{key}", Input).value = value
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ProceedDialog)
        shown = screen_text(app.screen)
        assert "⚑ Flagged (not blocking): baseline BP 152/94" in shown
        assert "systolic above 140" in shown and "Consent reviewed" in shown
        # Typed as fast as a terminal delivers it: r opens the field, and the y, n and r in
        # the reason are letters, not answers.
        await burst(pilot, "rrepeat BP 138/86, ready now", ["enter"])
        assert isinstance(app.screen, LiveScreen)
        sid = app.screen.session_id
    s = archive.get(sid)
    assert s.proceeded.reason == "repeat BP 138/86, ready now"
    assert s.proceeded.flags[0].startswith("baseline BP 152/94")
    assert "Consent reviewed" in s.proceeded.unticked
    (line,) = [e.text for e in s.entries if e.text.startswith("Proceeded")]
    assert "reason: repeat BP 138/86, ready now" in line and "not done: Consent reviewed" in line


async def test_n_goes_back_to_the_form_and_nothing_goes_live(archive, clock) -> None:  # noqa: ANN001,E501
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 50)) as pilot:
        await app.push_screen(PrepareScreen())
        await pilot.pause()
        app.screen.query_one("#client", Input).value = "C-0042"
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, PrepareScreen)
    assert archive.sessions() == []
