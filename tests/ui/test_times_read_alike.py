"""One entry, one T+: the live timeline, the clock, the detail screen, ``kapsession show`` and
the markdown export all read a time the same way (kapsession/model/times.py has the one rule).

The dose falls between two seconds on purpose, and the entries sit just before and after the
minute and second boundaries, where one renderer rounding and another truncating would differ.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.widgets import Digits

from kapsession import Archive
from kapsession.cli import main
from kapsession.config import Config
from kapsession.ui.app import KapsessionApp
from kapsession.ui.screens.detail import DetailScreen
from kapsession.ui.screens.live import LiveScreen
from kapsession.ui.widgets.clock_panel import ClockPanel

from .helpers import screen_text, visible_text

MINUS = "\u2212"

# note text → how its time reads against the dose (dose at 10:12:10.6, arrival at 10:00:00)
EXPECTED = {
    "Session started": f"T{MINUS}13 min",   # 12 min 10.6 s before: the 13th minute before it
    "just before": f"T{MINUS}1 min",      # 30.3 s before the dose: before it, never -00:00
    "just after": "T+00:00",              # 59.7 s after
    "late note": "T+00:37",               # 37 min 59.9 s after: a clock shows 00:37
}


def build(archive: Archive, clock) -> str:  # noqa: ANN001
    s = archive.new_session(client="C-0042", route="im", dose_mg=50, live=True)  # 10:00:00
    clock.advance(minutes=11, seconds=40, microseconds=300_000)
    archive.add_note(s.id, "just before")
    clock.advance(seconds=30, microseconds=300_000)                   # 10:12:10.6
    archive.mark_dose(s.id)
    clock.advance(seconds=59, microseconds=700_000)
    archive.add_note(s.id, "just after")
    clock.advance(minutes=37, seconds=0, microseconds=200_000)        # dose + 37:59.9
    archive.add_note(s.id, "late note")
    return s.id


# Every way a time against the dose has been written: T+00:37, T−5 min, T-00:05, pre(-dose).
READING = re.compile(rf"T\+\d+:\d\d|T{MINUS}\d+ min|T-\d+:\d\d|\bpre(?:-dose)?\b")


def t_plus_by_marker(text: str) -> dict[str, str]:
    """For each marker, the time readings on the line that shows it."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        for marker in EXPECTED:
            if marker in line:
                found[marker] = " ".join(READING.findall(line))
    return found


@pytest.fixture
def session_path(tmp_path: Path, clock) -> tuple[Path, str]:  # noqa: ANN001
    path = tmp_path / "archive"
    with Archive.open(path, clock=clock) as archive:
        sid = build(archive, clock)
    return path, sid


async def test_the_same_entry_reads_the_same_everywhere(session_path, clock, capsys,  # noqa: ANN001
                                                        tmp_path: Path) -> None:
    path, sid = session_path
    with Archive.open(path, clock=clock) as archive:
        app = KapsessionApp(archive, config=Config(), clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("r")
            await pilot.pause()
            assert isinstance(app.screen, LiveScreen)
            timeline = visible_text(app.screen.query_one("#timeline"))
            # The big clock at the last note's moment reads the same minute as its T+.
            digits = app.screen.query_one(ClockPanel).query_one("#elapsed", Digits).value
            assert digits == "00:37:59"
            await app.push_screen(DetailScreen(sid))
            await pilot.pause()
            detail = screen_text(app.screen)

    assert main(["show", sid, "--archive", str(path)]) == 0
    shown = capsys.readouterr().out
    assert main(["export", sid, "--archive", str(path), "--out", str(tmp_path / "out")]) == 0
    capsys.readouterr()
    (exported,) = (tmp_path / "out").glob("*.md")
    markdown = exported.read_text(encoding="utf-8")
    timeline_md = markdown.split("## Timeline", 1)[1].split("## Vitals", 1)[0]

    for where, text in [("live timeline", timeline), ("detail screen", detail),
                        ("show", shown), ("markdown export", timeline_md)]:
        assert t_plus_by_marker(text) == EXPECTED, where
    # The time from arrival to the dose is the number the arrival's T− shows.
    assert "- From arrival to the dose: 13 min" in markdown
