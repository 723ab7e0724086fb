"""Resume after a restart, drafts, literal display of markup, the veil, failed saves."""

from __future__ import annotations

import errno
import os
from datetime import timedelta

import pytest
from textual.widgets import Input

from kapsession import Archive
from kapsession.config import Config
from kapsession.ui.app import KapsessionApp
from kapsession.ui.screens.live import LiveScreen
from kapsession.ui.widgets.clock_panel import ClockPanel
from kapsession.ui.widgets.timeline import Timeline

from .helpers import screen_text, visible_text


@pytest.fixture
def two_windows(tmp_path, clock):  # noqa: ANN001, ANN201
    """A writing window with a live session, and a second, read-only window on it."""
    first = Archive.open(tmp_path / "a", clock=clock)
    start_live(first, clock)
    second = Archive.open(tmp_path / "a", clock=clock)
    yield first, second
    second.close()
    first.close()


def start_live(archive: Archive, clock) -> str:  # noqa: ANN001
    s = archive.new_session(client="C-0042", route="im", dose_mg=50, live=True)
    clock.advance(minutes=5)
    archive.mark_dose(s.id)
    return s.id


async def test_home_offers_resume_and_the_clock_is_right_after_restart(archive, clock) -> None:  # noqa: ANN001,E501
    sid = start_live(archive, clock)
    archive.add_note(sid, "before the crash")
    archive.save_draft(sid, "half a sentence")
    clock.advance(minutes=37, seconds=12)  # the app was closed (or crashed) meanwhile
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        banner = str(app.screen.query_one("#banner").render())
        assert "Live: C-0042 session 1" in banner and "press r" in banner
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, LiveScreen)
        assert app.screen.query_one("#note", Input).value == "half a sentence"
        assert app.focused is app.screen.query_one("#note", Input)
        panel = app.screen.query_one(ClockPanel)
        assert panel.state is not None and panel.state.since_dose == timedelta(minutes=37,
                                                                                seconds=12)
        assert "before the crash" in visible_text(app.screen.query_one(Timeline))


async def test_the_unsent_note_survives_an_abrupt_close(archive, clock) -> None:  # noqa: ANN001
    sid = start_live(archive, clock)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test() as pilot:
        await pilot.press("r")
        await pilot.pause()
        for ch in "client sighs":
            await pilot.press(ch if ch != " " else "space")
        app.screen.save_draft()  # what the draft timer does every few seconds
        app.exit()  # abrupt: no quit action, no unmount handling
    assert archive.get(sid).draft == "client sighs"


async def test_quitting_keeps_the_draft_and_says_the_session_stays_live(archive, clock) -> None:  # noqa: ANN001,E501
    sid = start_live(archive, clock)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test() as pilot:
        await pilot.press("r")
        await pilot.pause()
        app.screen.query_one("#note", Input).value = "typed, never sent"
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert archive.get(sid).draft == "typed, never sent"
    assert app.return_code == 0


HOSTILE = "[bold red]x[/] and [/] and \x1b[31mred\x1b[0m \x1b]8;;http://x\x07link"


async def test_markup_and_escape_sequences_show_literally(archive, clock) -> None:  # noqa: ANN001
    sid = start_live(archive, clock)
    archive.add_note(sid, HOSTILE)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.press("r")
        await pilot.pause()
        shown = visible_text(app.screen.query_one(Timeline))
    assert "[bold red]x[/] and [/] and [31mred[0m ]8;;http://x" in shown
    assert "\x1b" not in shown


async def test_a_failed_save_keeps_the_note_in_the_box(archive, clock,  # noqa: ANN001
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    sid = start_live(archive, clock)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test() as pilot:
        await pilot.press("r")
        await pilot.pause()
        note = app.screen.query_one("#note", Input)
        note.value = "must not be lost"

        def full(fd: int) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(os, "fsync", full)
        await pilot.press("enter")
        await pilot.pause()
        assert note.value == "must not be lost"
        assert "No space left" in str(app.screen.query_one("#note-status").render())
        monkeypatch.undo()
        await pilot.press("enter")  # retried (the screen also retries by itself)
        await pilot.pause()
        assert note.value == ""
    assert [e.text for e in archive.get(sid).entries][-1] == "must not be lost"


async def test_veil_hides_note_text_but_keeps_the_clock(archive, clock) -> None:  # noqa: ANN001
    sid = start_live(archive, clock)
    archive.add_note(sid, "SECRET-NOTE")
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("r")
        await pilot.pause()
        app.screen.query_one("#note", Input).value = "SECRET-DRAFT"
        await pilot.press("ctrl+o")
        await pilot.pause()
        shown = screen_text(app.screen)
        assert "SECRET" not in shown
        assert "T+ since the dose" in shown and "Veiled" in shown


async def test_bad_tag_keeps_the_note_and_explains(archive, clock) -> None:  # noqa: ANN001
    start_live(archive, clock)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test() as pilot:
        await pilot.press("r")
        await pilot.pause()
        note = app.screen.query_one("#note", Input)
        note.value = "#in something"
        await pilot.press("enter")
        await pilot.pause()
        assert note.value == "#in something"
        assert "#insight or #intervention" in str(app.screen.query_one("#note-status").render())


async def test_second_instance_home_says_read_only(two_windows, clock) -> None:  # noqa: ANN001
    _, second = two_windows
    app = KapsessionApp(second, config=Config(), clock=clock)
    async with app.run_test() as pilot:
        assert "Read-only" in str(app.screen.query_one("#banner").render())
        await pilot.press("n")
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"


async def test_typing_from_the_timeline_keeps_the_unsent_note(archive, clock) -> None:  # noqa: ANN001,E501
    from textual import events

    sid = start_live(archive, clock)
    archive.add_note(sid, "an earlier note")
    archive.save_draft(sid, "half typed")
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test() as pilot:
        await pilot.press("r")
        await pilot.pause()
        note = app.screen.query_one("#note", Input)
        await pilot.press("space", "a")  # the restored draft is not selected: keys append
        assert note.value == "half typed a"
        await pilot.press("escape")
        await pilot.press(*"hello dizzy")  # "e" and "d" inside words are text, not commands
        await pilot.pause()
        assert isinstance(app.screen, LiveScreen)
        assert note.value == "half typed ahello dizzy"
        note.post_message(events.Paste("line one\nline two\n\nline three"))
        await pilot.pause()
        assert note.value.endswith("line one / line two / line three")
    assert archive.get(sid).entries[-1].text == "an earlier note"  # nothing edited


async def test_a_read_only_window_does_not_resume_a_live_session(two_windows, clock) -> None:  # noqa: ANN001,E501
    _, second = two_windows
    app = KapsessionApp(second, config=Config(), clock=clock)
    async with app.run_test() as pilot:
        await pilot.press("r")
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"
        await pilot.press("enter")  # it can still be read
        await pilot.pause()
        assert type(app.screen).__name__ == "DetailScreen"


async def test_the_veiled_timeline_cannot_be_reached(archive, clock) -> None:  # noqa: ANN001
    sid = start_live(archive, clock)
    archive.add_note(sid, "SECRET-NOTE")
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test() as pilot:
        await pilot.press("r")
        await pilot.pause()
        await pilot.press("ctrl+o", "escape", "e")
        await pilot.pause()
        assert isinstance(app.screen, LiveScreen)
        assert "SECRET" not in screen_text(app.screen)


async def test_quitting_with_a_client_code_full_of_markup(archive, clock, capsys) -> None:  # noqa: ANN001,E501
    archive.new_session(client="C-[/]", route="im", live=True)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test() as pilot:
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert "C-[/] session 1 is still live" in capsys.readouterr().err.replace("\n", " ")


async def test_a_read_only_window_sees_the_other_windows_changes(two_windows, clock) -> None:  # noqa: ANN001,E501
    first, second = two_windows
    app = KapsessionApp(second, config=Config(), clock=clock)
    async with app.run_test() as pilot:
        table = app.screen.query_one("#sessions")
        assert table.row_count == 1
        first.new_session(client="C-NEW", route="oral")
        app.screen._reread()  # what the refresh timer does  # noqa: SLF001
        await pilot.pause()
        assert table.row_count == 2


async def test_the_palette_names_every_live_action_once(archive, clock) -> None:  # noqa: ANN001
    start_live(archive, clock)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test() as pilot:
        await pilot.press("r")
        await pilot.pause()
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for name in ("Save note", "Mark dose", "Record vitals", "Log side effect or rating",
                     "Next grounding prompt", "Choose prompt situation", "Log prompt used",
                     "Privacy veil", "Finish session", "Quit", "Theme"):
            assert titles.count(name) == 1, (name, titles)
        assert not any("Scroll" in t or "Copy" in t for t in titles)


async def test_f3_shows_the_vitals_chart_beside_the_clock_and_back(archive, clock) -> None:  # noqa: ANN001
    from kapsession.ui.widgets.chart import VitalsChart

    s = archive.new_session(client="C-0042", route="im", dose_mg=50, live=True)
    archive.mark_dose(s.id)
    clock.advance(minutes=40)
    archive.record_vitals(s.id, systolic=138, diastolic=86, heart_rate=80, spo2=97)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 36)) as pilot:
        app.open_live(s.id)
        await pilot.pause()
        chart = app.screen.query_one("#live-chart", VitalsChart)
        prompt = app.screen.query_one("#prompt")
        assert not chart.display and prompt.display
        await pilot.press("f3")
        await pilot.pause()
        assert chart.display and not prompt.display
        assert len(chart.points) == 1 and "T+" in chart.render().plain
        await pilot.press("f3")
        await pilot.pause()
        assert not chart.display and prompt.display
