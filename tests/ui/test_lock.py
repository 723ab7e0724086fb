"""The idle lock: hides everything after the idle time; a live session keeps its clock."""

from __future__ import annotations

from kapsession.config import Config
from kapsession.ui.app import KapsessionApp
from kapsession.ui.screens.home import HomeScreen
from kapsession.ui.screens.live import LiveScreen
from kapsession.ui.screens.lock import LockScreen

from .helpers import screen_text


async def test_idle_lock_outside_a_session_and_any_key_unlocks(archive, clock) -> None:  # noqa: ANN001,E501
    s = archive.new_session(client="C-SECRET", route="im", intention="SECRET-INTENTION")
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        clock.advance(minutes=9)
        app.lock_if_idle()
        assert not app.locked
        clock.advance(minutes=1)
        app.lock_if_idle()
        await pilot.pause()
        assert isinstance(app.screen, LockScreen)
        assert "C-SECRET" not in screen_text(app.screen)
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen) and not app.locked
    assert s.id


async def test_lock_during_a_live_session_shows_only_the_clock(archive, clock) -> None:  # noqa: ANN001,E501
    s = archive.new_session(client="C-1", route="im", dose_mg=50, live=True)
    archive.mark_dose(s.id)
    archive.add_note(s.id, "SECRET-NOTE")
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("r")
        await pilot.pause()
        app.screen.query_one("#note").value = "SECRET-DRAFT"
        clock.advance(minutes=10)
        app.lock_if_idle()
        await pilot.pause()
        assert isinstance(app.screen, LockScreen)
        shown = screen_text(app.screen)
        assert "SECRET" not in shown and "T+ since the dose" in shown
        await pilot.press("space")
        await pilot.pause()
        assert isinstance(app.screen, LiveScreen)
    assert archive.get(s.id).draft == "SECRET-DRAFT"  # saved when the screen locked


async def test_passphrase_lock(archive, clock) -> None:  # noqa: ANN001
    app = KapsessionApp(archive, config=Config(), clock=clock,
                        check_passphrase=lambda p: p == "correct horse")
    async with app.run_test() as pilot:
        app.lock()
        await pilot.pause()
        await pilot.press("ctrl+p")  # no command palette while locked
        await pilot.pause()
        assert isinstance(app.screen, LockScreen)
        box = app.screen.query_one("#passphrase")
        box.value = "wrong"
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, LockScreen)
        assert "not the passphrase" in str(app.screen.query_one("#lock-error").render())
        box.value = "correct horse"
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)


async def test_zero_disables_the_lock(archive, clock) -> None:  # noqa: ANN001
    app = KapsessionApp(archive, config=Config().with_values(idle_lock_minutes=0), clock=clock)
    async with app.run_test():
        clock.advance(hours=5)
        app.lock_if_idle()
        assert not app.locked
