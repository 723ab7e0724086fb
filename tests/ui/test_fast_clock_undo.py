"""--fast-clock N runs the session clock N times faster for practice; undo stays two real
minutes (2·N minutes of that clock), not 2/N of a real minute."""

from __future__ import annotations

from kapsession import Archive
from kapsession.config import Config
from kapsession.ui.app import KapsessionApp
from kapsession.ui.widgets.confirm_dialog import ConfirmDialog

from ..conftest import FrozenClock
from .helpers import resume, visible_text


class PracticeClock(FrozenClock):
    rate = 30  # as cli.fast_clock(30) says of itself


async def test_undo_stays_two_real_minutes_on_a_fast_clock(tmp_path) -> None:  # noqa: ANN001
    clock = PracticeClock()
    archive = Archive.open(tmp_path / "archive", clock=clock)
    try:
        s = archive.new_session(client="C-1", route="im", dose_mg=50, live=True)
        archive.add_note(s.id, "first")
        clock.advance(minutes=40)  # 80 real seconds later
        app = KapsessionApp(archive, config=Config(), clock=clock)
        async with app.run_test(size=(120, 36)) as pilot:
            screen = await resume(app, pilot)
            await pilot.press("ctrl+z")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmDialog)
            await pilot.press("y")
            await pilot.pause()
            archive.add_note(s.id, "second")
            clock.advance(minutes=61)  # 122 real seconds
            await pilot.press("ctrl+z")
            await pilot.pause()
            assert app.screen is screen
            assert "(real time; the practice clock runs faster)" in visible_text(
                screen.query_one("#note-status"))
        notes = [e for e in archive.get(s.id).entries if e.kind == "note"]
        assert [n.struck is not None for n in notes] == [True, False]
    finally:
        archive.close()
