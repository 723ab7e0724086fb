"""`kapsession client CODE` and `kapsession due`: the course in full, what is due, no Textual."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from kapsession import Archive
from kapsession.cli import main
from tests.conftest import FrozenClock

LONG = ("Meet the grief for my father without closing down, and stay with the body when it "
        "tightens; [bold red]not markup[/] and 100% of it: the last words ARE-HERE")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def course_archive(tmp_path: Path) -> Path:
    """A course ten days old (so things are due now): a preparation visit, two dosing
    sessions (the second unsigned), and another client."""
    clock = FrozenClock(datetime.now().astimezone() - timedelta(days=10))
    path = tmp_path / "a"
    with Archive.open(path, clock=clock) as a:
        prep = a.new_session(client="C-0042", kind="preparation", intention="Feel safe first",
                             live=True)
        a.update_integration(prep.id, outcomes={"phq9_pre": 20, "gad7_pre": 15})
        a.sign(prep.id)
        clock.advance(days=2)
        s = a.new_session(client="C-0042", route="im", dose_mg=50, intention=LONG, live=True)
        a.mark_dose(s.id)
        clock.advance(hours=2)
        a.end_session(s.id)
        a.update_integration(s.id, outcomes={"phq9_pre": 16, "phq9_item9": 1})
        a.sign(s.id)
        clock.advance(days=3)
        s2 = a.new_session(client="C-0042", route="sublingual", dose_mg=200, live=True)
        a.mark_dose(s2.id)
        clock.advance(hours=2)
        a.end_session(s2.id)
        a.update_integration(s2.id, outcomes={"phq9_pre": 9})
        a.new_session(client="C-0099", route="iv", dose_mg=35)
    return path


def test_client_prints_every_session_and_visit_with_the_intention_whole(
        course_archive: Path, capsys) -> None:  # noqa: ANN001
    code, out, err = run(capsys, "client", "c-0042", "--archive", str(course_archive))
    assert code == 0 and err == ""
    flat = " ".join(out.split())
    assert "Course of C-0042 · 2 dosing sessions, 1 visit · PHQ-9 20 → 9 · response" in flat
    assert " ".join(LONG.split()) in flat  # wrapped, never cut, markup shown as typed
    assert flat.index("preparation visit · signed") < flat.index(
        "dosing session 1 · IM 50 mg · signed") < flat.index(
        "dosing session 2 · sublingual-buccal 200 mg · ended")
    assert "PHQ-9 before 16 moderately severe (−4 from first)" in flat
    assert "PHQ-9 before 9 mild (−11 from first) · response" in flat
    assert "! PHQ-9 item 9 above 0: follow up (scored 1)" in flat
    assert "C-0099" not in out


def test_client_fits_80_columns_in_a_terminal(course_archive: Path, monkeypatch,
                                              capsys) -> None:  # noqa: ANN001
    monkeypatch.setenv("COLUMNS", "80")
    _, out, _ = run(capsys, "client", "C-0042", "--archive", str(course_archive))
    assert max(len(line) for line in out.splitlines()) <= 100  # a pipe: at most 100
    assert "ARE-HERE" in out


def test_client_unknown_is_one_clear_line(course_archive: Path, capsys) -> None:  # noqa: ANN001
    code, out, err = run(capsys, "client", "C-7777", "--archive", str(course_archive))
    assert code == 1 and out == "" and err.strip() == "kapsession: no sessions for client C-7777"


def test_due_lists_booking_check_ins_and_signing_oldest_first(course_archive: Path,
                                                              capsys) -> None:  # noqa: ANN001
    code, out, err = run(capsys, "due", "--archive", str(course_archive))
    assert code == 0 and err == ""
    lines = [" ".join(line.split()) for line in out.splitlines() if "C-0042" in line]
    # Session #3 ended five days ago: book at once, sign after a day, 72 h check-in after 3.
    assert [line.split(" C-0042 ")[1].split(" (")[0] for line in lines] == [
        "book the integration visit after session #3",
        "sign session #3",
        "72 h check-in after session #3",
    ]
    since = [line[:16] for line in lines]
    assert since == sorted(since)
    assert out.startswith("3 things due, oldest first")
    assert "C-0099" not in out  # planned, nothing due


def test_client_and_due_do_not_import_textual(course_archive: Path) -> None:
    code = ("import sys\nfrom kapsession.cli import main\n"
            f"for cmd in (['client', 'C-0042'], ['due']):\n"
            f"    assert main([*cmd, '--archive', {str(course_archive)!r}]) == 0\n"
            "assert 'textual' not in sys.modules, 'textual was imported'\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=Path(__file__).parents[2])
    assert done.returncode == 0, done.stderr


def test_list_names_a_visit_by_its_kind(course_archive: Path, capsys) -> None:  # noqa: ANN001
    code, out, _ = run(capsys, "list", "--client", "C-0042", "--archive", str(course_archive))
    rows = [" ".join(line.split()) for line in out.splitlines() if "C-0042" in line]
    assert code == 0 and len(rows) == 3
    assert " preparation visit — " in rows[-1] and " IM 50 mg " in rows[1]


@pytest.mark.parametrize("argv", [["client", "C-0042"], ["due"], ["list"], ["show", "FIRST"]])
def test_printed_lines_end_without_trailing_spaces(course_archive: Path, monkeypatch,
                                                   capsys, argv) -> None:  # noqa: ANN001
    # Rich pads table cells to the width; what is printed (and pasted, diffed) must not.
    if argv[0] == "show":
        from kapsession import Archive

        with Archive.open(course_archive, read_only=True) as a:
            argv = ["show", a.sessions()[-1].id]
    for columns in ("80", "160"):
        monkeypatch.setenv("COLUMNS", columns)
        code, out, _ = run(capsys, *argv, "--archive", str(course_archive))
        lines = out.splitlines()
        assert code == 0 and len(lines) > 3
        assert [line for line in lines if line != line.rstrip()] == []
        assert out.endswith("\n") and not out.endswith("\n\n")
