"""Whatever a therapist types is shown as typed: markup, escapes, emoji, RTL, long notes."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kapsession.cli import main
from kapsession.config import Config
from kapsession.model.text import NOTE_MAX, clean_text, visible
from kapsession.ui.app import KapsessionApp
from kapsession.ui.screens.detail import DetailScreen
from kapsession.ui.widgets.timeline import Timeline

from .helpers import screen_text, visible_text

MARKUP = "[bold red]x[/] [/] [link=http://evil]y[/link]"
ESCAPES = "\x1b[31mred\x1b[0m \x1b]0;title\x07 \x9b2J"
EMOJI = "🙂 breathing 🌊"
RTL = "שלום עולם · مرحبا"


def fill(archive) -> str:  # noqa: ANN001
    s = archive.new_session(client="[b]C-1[/b]", route="im", dose_mg=50, live=True,
                            intention=MARKUP + " " + ESCAPES, therapist="[i]")
    archive.mark_dose(s.id)
    for text in (MARKUP, ESCAPES, EMOJI, RTL, "long " + "x" * (NOTE_MAX - 5)):
        archive.add_note(s.id, text)
    return s.id


async def test_timeline_and_detail_show_text_literally(archive, clock) -> None:  # noqa: ANN001
    sid = fill(archive)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(160, 50)) as pilot:
        shown = screen_text(app.screen)
        assert "[b]C-1[/b]" in shown  # the home list
        await pilot.press("r")
        await pilot.pause()
        timeline = visible_text(app.screen.query_one(Timeline))
        for text in (MARKUP, clean_text(ESCAPES), EMOJI, RTL):
            assert text in timeline, text
        assert "\x1b" not in timeline
        archive_text = screen_text(app.screen)
        assert clean_text(MARKUP + " " + ESCAPES).split(" [link")[0] in archive_text
        app.pop_screen()
        await app.push_screen(DetailScreen(sid))
        await pilot.pause()
        detail = screen_text(app.screen)
        assert "[i]" in detail and "[bold red]x[/]" in detail


def test_list_and_show_print_text_literally(tmp_path, capsys) -> None:  # noqa: ANN001
    from kapsession import Archive

    with Archive.open(tmp_path / "a") as archive:
        sid = fill(archive)
    assert main(["list", "--archive", str(tmp_path / "a")]) == 0
    out = capsys.readouterr().out
    assert "[b]C-1[/b]" in out and "\x1b[31m" not in out
    assert main(["show", sid, "--archive", str(tmp_path / "a")]) == 0
    out = capsys.readouterr().out
    for text in (MARKUP, clean_text(ESCAPES), EMOJI, RTL):
        assert text in out.replace("\n", ""), text


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1,
               max_size=60).filter(lambda t: clean_text(t).strip()))
def test_any_note_renders_in_a_timeline_row(text: str) -> None:
    """Rendering a row never raises, whatever the text (markup errors would)."""
    from datetime import datetime, timedelta, timezone

    from rich.console import Console

    from kapsession.model import Session
    from kapsession.ui.widgets.timeline import entry_row

    now = datetime(2026, 11, 3, 10, tzinfo=timezone(timedelta(hours=1)))
    s = Session.create(id="d" * 32, now=now, client="C-1", session_no=1, route="im")
    s.go_live(now)
    entry = s.add_note(now, text)
    console = Console(width=100, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(entry_row(s, entry, None))
    shown = visible(entry.text)  # invisible formatting characters are shown as ⟨U+…⟩
    assert shown.split()[0][:10] in console.export_text().replace("\n", "") or \
        not shown.split()


@pytest.mark.parametrize("text", [MARKUP, ESCAPES, EMOJI, RTL])
async def test_typed_into_the_note_box_and_saved(archive, clock, text: str) -> None:  # noqa: ANN001
    s = archive.new_session(client="C-2", route="im", live=True)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test() as pilot:
        await pilot.press("r")
        await pilot.pause()
        app.screen.query_one("#note").value = text
        await pilot.press("enter")
        await pilot.pause()
    assert archive.get(s.id).entries[-1].text == clean_text(text).strip()
