"""A sync conflict copy arriving while a screen shows its session (issue 19): what is typed
here is saved before the merge, and the screen shows the merged record, so no save from the
form writes over what the other device added."""

from __future__ import annotations

import shutil

from textual.widgets import TextArea

from kapsession import Archive
from kapsession.config import Config
from kapsession.ui.app import KapsessionApp

from .helpers import screen_text
from .test_integration import ended_session, open_integration


def desk_writes(root, tmp_path, clock, sid: str, **fields: object) -> None:  # noqa: ANN001
    """The desk's copy of the archive changes the session; its file lands as a conflict copy."""
    desk = tmp_path / "desk"
    shutil.copytree(root, desk)
    with Archive.open(desk, clock=clock) as d:
        d.update_integration(sid, **fields)
    shutil.copyfile(desk / "sessions" / f"{sid}.json",
                    root / "sessions" / f"{sid}.sync-conflict-20261201-105617-ABCDEFG.json")


async def test_integration_notes_typed_here_and_written_there_are_both_kept(
        tmp_path, clock) -> None:  # noqa: ANN001
    root = tmp_path / "laptop"
    archive = Archive.open(root, clock=clock)
    sid = ended_session(archive, clock)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    try:
        async with app.run_test(size=(120, 50)) as pilot:
            screen = await open_integration(app, pilot, sid)
            desk_writes(root, tmp_path, clock, sid, integration_notes="Desk: slept well after")
            screen.query_one("#notes", TextArea).text = "Laptop: spoke of the sea"  # not saved
            await pilot.pause()
            app.merge_arrived_copies()  # what the app's interval calls
            await app.workers.wait_for_complete()
            await pilot.pause()
            screen = app.screen
            shown = screen.query_one("#notes", TextArea).text
            assert "Laptop: spoke of the sea" in shown and "Desk: slept well after" in shown
            assert "Merged in what another device recorded" in screen_text(screen)
            screen.save()  # the next autosave keeps both
            await pilot.pause()
        notes = archive.get(sid).integration_notes
        assert "Laptop: spoke of the sea" in notes and "Desk: slept well after" in notes
    finally:
        archive.close()
