"""The home list: filter by client, date and words (summaries and notes), open, help."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from kapsession.config import Config
from kapsession.ui.app import KapsessionApp
from kapsession.ui.screens import home
from kapsession.ui.screens.course import CourseScreen
from kapsession.ui.screens.detail import DetailScreen
from kapsession.ui.screens.help import HelpScreen
from kapsession.ui.widgets.course_list import CourseList
from kapsession.ui.widgets.session_table import SessionTable

from .helpers import burst, screen_text


def fill(archive, clock) -> dict[str, str]:  # noqa: ANN001
    ids = {}
    for client, intention, note in [("C-0001", "grief and rest", "hands open"),
                                    ("C-0002", "control at work", "spoke of the ocean"),
                                    ("C-0001", "body again", "tearful, relieved")]:
        s = archive.new_session(client=client, route="im", dose_mg=50, intention=intention,
                                live=True)
        archive.mark_dose(s.id)
        archive.add_note(s.id, note)
        archive.end_session(s.id)
        ids[note] = s.id
        clock.advance(days=20)
    return ids


@pytest.fixture(autouse=True)
def no_typing_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    # The note search waits for a pause in typing; tests search at once (no wall-clock waits).
    monkeypatch.setattr(home, "SEARCH_PAUSE_S", 0)


async def filtered(pilot, app, text: str) -> list[str]:  # noqa: ANN001
    app.screen.query_one("#filter", Input).value = text
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    table = app.screen.query_one("#sessions", SessionTable)
    return [table.row_key(r) for r in range(table.row_count)]


async def test_filter_by_client_date_and_words(archive, clock) -> None:  # noqa: ANN001
    ids = fill(archive, clock)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 30)) as pilot:
        assert await filtered(pilot, app, "") == [ids["tearful, relieved"],
                                                  ids["spoke of the ocean"], ids["hands open"]]
        assert await filtered(pilot, app, "c-0001") == [ids["tearful, relieved"],
                                                        ids["hands open"]]
        assert await filtered(pilot, app, "grief") == [ids["hands open"]]
        assert await filtered(pilot, app, "ocean") == [ids["spoke of the ocean"]]  # in a note
        assert await filtered(pilot, app, "c-0001 relieved") == [ids["tearful, relieved"]]
        # The sessions are on 2026-11-03, 2026-11-23 and 2026-12-13.
        assert await filtered(pilot, app, "2026-11") == [ids["spoke of the ocean"],
                                                         ids["hands open"]]
        assert await filtered(pilot, app, "<2026-11-10") == [ids["hands open"]]
        assert await filtered(pilot, app, ">=2026-11-20") == [ids["tearful, relieved"],
                                                              ids["spoke of the ocean"]]
        assert await filtered(pilot, app, "nothing-like-this") == []
        assert "No session matches" in str(app.screen.query_one("#empty").render())
        await filtered(pilot, app, "2026-13")
        assert "not a real date" in str(app.screen.query_one("#filter-error").render())


async def test_open_detail_history_and_help_by_keys(archive, clock) -> None:  # noqa: ANN001
    fill(archive, clock)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        await pilot.press("escape")
        await pilot.press("c")
        await app.workers.wait_for_complete()  # the course is read in a worker
        await pilot.pause()
        assert isinstance(app.screen, CourseScreen) and app.screen.client == "C-0001"
        assert len(app.screen.query_one(CourseList).items) == 2
        await pilot.press("escape")
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app.screen)
        assert "ctrl+p opens the command palette" in text
        assert "Prepare a new session" in text and "(new_session)" not in text


async def test_welcome_on_an_empty_archive(archive, clock) -> None:  # noqa: ANN001
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test() as pilot:
        await pilot.pause()
        text = str(app.screen.query_one("#empty").render())
        assert "press n" in text and "--demo" in text


async def test_sort_by_client_and_back(archive, clock) -> None:  # noqa: ANN001
    ids = fill(archive, clock)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("s")
        order = await filtered(pilot, app, "")
        assert order == [ids["tearful, relieved"], ids["hands open"], ids["spoke of the ocean"]]
        await pilot.press("s")
        assert await filtered(pilot, app, "") == [ids["tearful, relieved"],
                                                  ids["spoke of the ocean"], ids["hands open"]]


async def test_rows_come_a_page_at_a_time(archive, clock) -> None:  # noqa: ANN001
    from kapsession.demo import demo_sessions

    with archive.bulk():
        for s in demo_sessions(450, seed=5, now=clock.now):
            archive.add_existing(s)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 30)) as pilot:
        table = app.screen.query_one("#sessions", SessionTable)
        assert table.row_count == home.PAGE
        assert "100 of 450" in str(app.screen.query_one("#empty").render())
        await pilot.press("ctrl+end")
        await pilot.pause()
        assert table.row_count == 2 * home.PAGE
        for _page in range(3):  # 300, 400, then the last 50
            await pilot.press("ctrl+end")
            await pilot.pause()
        assert table.row_count == 450
        keys = [table.row_key(r) for r in range(450)]
        assert keys == [s.id for s in archive.sessions()]


async def test_a_client_code_being_typed_does_not_search_the_notes(archive, clock) -> None:  # noqa: ANN001,E501
    fill(archive, clock)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 30)) as pilot:
        app.screen.query_one("#filter", Input).value = "c-00"
        await pilot.pause()
        assert not app.screen.query_one("#progress").display
        assert not list(app.workers)


async def test_the_banner_says_why_the_archive_is_read_only(tmp_path, clock) -> None:  # noqa: ANN001
    from kapsession import Archive

    root = tmp_path / "a"
    with Archive.open(root, clock=clock) as a:
        a.new_session(client="C-1", route="im")
    (root / "archive.lock").unlink()
    (root / "archive.lock").mkdir()  # a lock file that cannot be used
    with Archive.open(root, clock=clock) as archive:
        assert archive.read_only
        app = KapsessionApp(archive, config=Config(), clock=clock)
        async with app.run_test() as pilot:
            await pilot.pause()
            banner = str(app.screen.query_one("#banner").render())
    assert "Read-only: its lock file archive.lock cannot be used" in banner


async def test_a_lazily_opened_archive_draws_its_first_page_then_reads_the_rest(
        tmp_path, clock) -> None:  # noqa: ANN001
    """kapsession opens the archive lazily: the newest rows come from the index's head and are
    painted before the rest is read; then the banner, the resume key and paging follow."""
    from kapsession import Archive
    from kapsession.store.index import HEAD_ROWS

    root = tmp_path / "lazy"
    with Archive.open(root, clock=clock) as a:
        with a.bulk():
            for i in range(HEAD_ROWS + 5):
                s = a.new_session(client=f"C-{i:04d}", route="im", dose_mg=50)
                clock.advance(days=1)
        live = a.new_session(client="C-0999", route="im", dose_mg=50, live=True)
    archive = Archive.open(root, clock=clock, lazy=True)
    seen: list[tuple[int, bool]] = []
    finish = archive.finish_loading

    def finish_loading() -> None:
        table = app.screen.query_one("#sessions", SessionTable)
        seen.append((table.row_count, app.screen.is_current))
        finish()

    archive.finish_loading = finish_loading  # type: ignore[method-assign]
    app = KapsessionApp(archive, config=Config(), clock=clock)
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.pause()
            assert seen[0] == (HEAD_ROWS, True)  # the first page was shown before the rest
            assert archive.loaded
            table = app.screen.query_one("#sessions", SessionTable)
            assert table.row_key(0) == live.id
            text = screen_text(app.screen)
            assert "Live: C-0999 session 1" in text and "press r to return" in text
            assert f"{HEAD_ROWS} of {HEAD_ROWS + 6} sessions shown" in text
            assert app.screen.check_action("resume", ()) is True
            await pilot.press("ctrl+end")
            await pilot.pause()
            assert table.row_count == HEAD_ROWS + 6  # paging reaches the rows beyond the head
            assert s.id in [table.row_key(r) for r in range(table.row_count)]
    finally:
        archive.close()


async def test_when_the_rest_cannot_be_read_the_first_page_stays_and_says_why(
        tmp_path, clock) -> None:  # noqa: ANN001
    """The sessions folder went away after the head was read (a sync tool, a disk unplugged):
    the first page stays, the screen says the rest could not be read, and nothing of the
    archive is taken from the head alone (asked again, it tries again)."""
    from kapsession import Archive

    root = tmp_path / "lazy"
    with Archive.open(root, clock=clock) as a:
        sid = a.new_session(client="C-0001", route="im", dose_mg=50).id
    archive = Archive.open(root, clock=clock, lazy=True)
    sessions = root / "sessions"
    sessions.rename(root / "elsewhere")
    sessions.write_bytes(b"")  # a file where the folder was: listing it fails
    app = KapsessionApp(archive, config=Config(), clock=clock)
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.pause()
            assert app.crash is None and not archive.loaded
            table = app.screen.query_one("#sessions", SessionTable)
            assert table.row_key(0) == sid  # the first page stays on the screen
            said = [n.message for n in app._notifications]  # noqa: SLF001
            assert any("The rest of the archive could not be read" in m for m in said)
            assert "The next key that needs it tries again" in screen_text(app.screen)
            # Keys and timers that need the rest ask again, say nothing more, close nothing.
            await burst(pilot, "/C-00", ["enter"], "c", "d", "n")
            app.screen._tick_banner()  # what the banner's timer does  # noqa: SLF001
            await pilot.pause()
            assert app.crash is None and isinstance(app.screen, home.HomeScreen)
            assert not archive.loaded and len(app._notifications) == len(said)  # noqa: SLF001
            sessions.unlink()
            (root / "elsewhere").rename(sessions)
            await pilot.press("d")  # the next key reads the rest, and acts
            await pilot.pause()
            assert archive.loaded and not isinstance(app.screen, home.HomeScreen)
            assert archive.summary(sid).client == "C-0001"
    finally:
        archive.close()


async def test_a_conflict_copy_arriving_while_the_app_runs_is_merged_and_shown(
        tmp_path, clock) -> None:  # noqa: ANN001
    import shutil

    from kapsession import Archive
    from kapsession.ui import app as app_module

    laptop, desk = tmp_path / "laptop", tmp_path / "desk"
    with Archive.open(laptop, clock=clock) as a:
        sid = a.new_session(client="C-0042", route="im", dose_mg=50, live=True).id
        a.add_note(sid, "arrived calm")
    archive = Archive.open(laptop, clock=clock)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            assert app_module.SYNC_CHECK_S <= 10  # the app looks every few seconds
            shutil.copytree(laptop, desk)
            with Archive.open(desk, clock=clock) as d:
                d.add_note(sid, "written on the desk")
            copy = f"{sid}.sync-conflict-20261201-105617-ABCDEFG.json"
            shutil.copyfile(desk / "sessions" / f"{sid}.json", laptop / "sessions" / copy)
            app.merge_arrived_copies()  # what the interval calls
            await pilot.pause()
            table = app.screen.query_one("#sessions", SessionTable)
            assert table.row_cells(0)[-1] == "2"  # the entries column counts the desk's
            assert "Sync: 1 conflict copy from another device" in screen_text(app.screen)
    finally:
        archive.close()


async def test_opening_a_session_whose_file_went_away_says_so_and_lists_again(
        tmp_path, clock) -> None:  # noqa: ANN001
    from kapsession import Archive

    with Archive.open(tmp_path / "a", clock=clock) as before:  # written by an earlier run
        s = before.new_session(client="C-0001", route="im", dose_mg=50, live=True)
        before.mark_dose(s.id)
        before.end_session(s.id)
        other = before.new_session(client="C-0002", route="im", dose_mg=50)
    archive = Archive.open(tmp_path / "a", clock=clock)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 30)) as pilot:
        table = app.screen.query_one("#sessions", SessionTable)
        table.move_cursor(table.row_index(s.id))
        (archive.path / "sessions" / f"{s.id}.json").unlink()  # by hand, or a sync tool
        await pilot.press("enter")
        await pilot.pause()
        assert app.crash is None and isinstance(app.screen, home.HomeScreen)
        keys = [table.row_key(r) for r in range(table.row_count)]
        assert keys == [other.id]
    archive.close()


async def test_keys_typed_in_one_go_land_where_the_first_key_sends_them(
        archive, clock) -> None:  # noqa: ANN001
    """A terminal delivers "/C-0042" or "nC-0077" typed fast as one burst: every key is read
    before the list has handled the first. The filter and the new session's client field
    must get the rest, and letters typed into the filter are letters, not list keys."""
    from kapsession.ui.screens.prepare import PrepareScreen

    from .helpers import burst

    archive.new_session(client="C-0042", route="im", dose_mg=50)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await burst(pilot, "/C-0042 quiet need")  # q quits, n prepares, e exports… elsewhere
        assert app.screen.query_one("#filter", Input).value == "C-0042 quiet need"
        assert isinstance(app.screen, home.HomeScreen) and app.is_running
        await burst(pilot, ["escape"], "nC-0077")  # escape: the list again, filter cleared
        await pilot.pause()
        assert isinstance(app.screen, PrepareScreen)
        assert app.screen.query_one("#client", Input).value == "C-0077"


async def test_enter_in_the_filter_goes_back_to_the_list_before_the_next_key(
        archive, clock) -> None:  # noqa: ANN001
    from kapsession.ui.screens.prepare import PrepareScreen

    from .helpers import burst

    archive.new_session(client="C-0042", route="im", dose_mg=50)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await burst(pilot, "/C-00", ["enter"], "nC-0078")
        await pilot.pause()
        assert isinstance(app.screen, PrepareScreen)
        assert app.screen.query_one("#client", Input).value == "C-0078"


async def test_an_empty_archive_opened_lazily_still_says_welcome(tmp_path, clock) -> None:  # noqa: ANN001
    from kapsession import Archive

    Archive.open(tmp_path / "a", clock=clock).close()  # an index of no rows, with its head
    archive = Archive.open(tmp_path / "a", clock=clock, lazy=True)
    assert not archive.loaded
    app = KapsessionApp(archive, config=Config(), clock=clock)
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.pause()
            assert archive.loaded
            assert "Welcome. No sessions yet" in screen_text(app.screen)
    finally:
        archive.close()


def _newest_first(archive, clock, n: int) -> list[str]:  # noqa: ANN001
    ids = []
    for i in range(n):
        ids.append(archive.new_session(client=f"C-{i:04d}", route="im", dose_mg=50).id)
        clock.advance(days=1)
    return ids[::-1]


async def test_arrows_typed_in_one_go_with_a_key_move_before_the_key_acts(
        archive, clock) -> None:  # noqa: ANN001
    """"↓↓c" typed faster than the app draws opens the third row's course, not the first's:
    the arrows act as they are read, like the letter keys (a slow start-up, a note search)."""
    ids = _newest_first(archive, clock, 4)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 30)) as pilot:
        table = app.screen.query_one("#sessions", SessionTable)
        await burst(pilot, ["down", "down"], "c")
        await pilot.pause()
        assert table.cursor_key == ids[2]
        assert isinstance(app.screen, CourseScreen) and app.screen.client == "C-0001"


async def test_back_from_a_session_past_the_first_page_the_cursor_is_where_it_was(
        archive, clock) -> None:  # noqa: ANN001
    ids = _newest_first(archive, clock, home.PAGE + 50)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 30)) as pilot:
        table = app.screen.query_one("#sessions", SessionTable)
        for _ in range(2):  # the end of the first page, then of the second (the last)
            await pilot.press("ctrl+end")
            await pilot.pause()
        assert table.cursor_key == ids[-1]
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, home.HomeScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, home.HomeScreen) and table.cursor_key == ids[-1]
        assert table.cursor_row == len(ids) - 1


async def test_at_80_columns_every_heading_shows_and_a_long_route_is_cut_visibly(
        archive, clock) -> None:  # noqa: ANN001
    long_id = archive.new_session(client="C-" + "W" * 12, route="sublingual", dose_mg=200).id
    archive.new_session(client="C-0001", route="im", dose_mg=50)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#sessions", SessionTable)
        lines = screen_text(table).splitlines()
        for heading in ("date", "client", "#", "route and dose", "duration", "status",
                        "entries"):
            assert heading in lines[0], heading
        assert all(len(line) <= 80 for line in lines)
        long = next(line for line in lines if "C-WWW" in line)
        assert "…" in long and long.rstrip().endswith("0")  # cut, and the entries still there
        assert table.row_cells(table.row_index(long_id))[3] == "sublingual-buccal 200 mg"
        # (the whole text is kept; only its drawing is cut)
