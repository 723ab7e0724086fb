"""ctrl+t charts the next step of the route: intranasal devices one by one, an IV infusion's
start, rate changes and stop; other routes keep the dose dialog."""

from __future__ import annotations

from textual.widgets import Input

from kapsession.config import Config
from kapsession.ui.app import KapsessionApp
from kapsession.ui.widgets.choice_dialog import ChoiceDialog
from kapsession.ui.widgets.dose_dialog import DoseDialog
from kapsession.ui.widgets.text_dialog import TextDialog


async def test_intranasal_devices_take_two_keys_each(archive, clock) -> None:  # noqa: ANN001
    s = archive.new_session(client="C-1", route="intranasal", medicine="esketamine",
                            dose_mg=84, live=True)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        app.open_live(s.id)
        await pilot.pause()
        for minute in (0, 5, 5):
            clock.advance(minutes=minute)
            await pilot.press("ctrl+t")
            await pilot.pause()
            assert isinstance(app.screen, ChoiceDialog)
            await pilot.press("enter")
            await pilot.pause()
        assert "Device 3 marked." in str(app.screen.query_one("#note-status").render())
    done = archive.get(s.id)
    devices = [e for e in done.entries if e.kind == "device"]
    assert [e.values["n"] for e in devices] == [1, 2, 3]
    assert devices[2].at - devices[0].at == (clock.now - done.dosed)
    assert done.total_dose_mg == 84 and len(done.doses) == 1


async def test_an_iv_infusion_start_rate_and_stop_by_keys(archive, clock) -> None:  # noqa: ANN001
    s = archive.new_session(client="C-2", route="iv", dose_mg=35, live=True)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        app.open_live(s.id)
        await pilot.pause()
        await pilot.press("ctrl+t", "enter")  # infusion start: asks the rate
        await pilot.pause()
        assert isinstance(app.screen, TextDialog)
        app.screen.query_one("#text", Input).value = "0.5 mg/kg over 40 min"
        await pilot.press("enter")
        await pilot.pause()
        clock.advance(minutes=20)
        await pilot.press("ctrl+t", "enter")  # rate change
        await pilot.pause()
        app.screen.query_one("#text", Input).value = "0.4 mg/kg/h"
        await pilot.press("enter")
        await pilot.pause()
        clock.advance(minutes=20)
        await pilot.press("ctrl+t", "down", "enter")  # stop
        await pilot.pause()
        await pilot.press("ctrl+t", "down", "down", "enter")  # a booster: the dose dialog
        await pilot.pause()
        assert isinstance(app.screen, DoseDialog)
    done = archive.get(s.id)
    assert [e.text for e in done.entries if e.kind == "infusion"] == [
        "Infusion started · 0.5 mg/kg over 40 min", "Infusion rate changed · 0.4 mg/kg/h",
        "Infusion stopped"]
    assert done.observation(clock.now).since == clock.now  # counts from the stop
