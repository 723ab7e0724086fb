"""The command line: every command, the flags, and one clear line for every mistake."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from kapsession import Archive
from kapsession.cli import main
from kapsession.model import ChecklistItem


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def filled(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "arch"
    code, out, _ = run(capsys, "demo-data", "--sessions", "30", "--seed", "2", "--archive",
                       str(path))
    assert code == 0 and "added 30" in out
    return path


def test_list_json_has_the_promised_fields(filled: Path, capsys) -> None:  # noqa: ANN001
    code, out, _ = run(capsys, "list", "--json", "--archive", str(filled))
    rows = json.loads(out)
    assert code == 0 and len(rows) == 30
    for key in ("id", "client", "session_no", "started", "route", "dose_mg", "status",
                "entries"):
        assert key in rows[0]
    assert [r["started"] for r in rows] == sorted((r["started"] for r in rows), reverse=True)


def test_archive_flag_works_after_and_before_the_command(filled: Path, capsys) -> None:  # noqa: ANN001,E501
    _, after, _ = run(capsys, "list", "--json", "--archive", str(filled))
    _, before, _ = run(capsys, "--archive", str(filled), "list", "--json")
    assert json.loads(after) == json.loads(before)


def test_env_var_names_the_archive(filled: Path, capsys, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("KAPSESSION_ARCHIVE", str(filled))
    code, out, _ = run(capsys, "list", "--json")
    assert code == 0 and len(json.loads(out)) == 30


def test_list_filters_by_client_and_since(filled: Path, capsys) -> None:  # noqa: ANN001
    rows = json.loads(run(capsys, "list", "--json", "--archive", str(filled))[1])
    client = rows[0]["client"]
    mine = json.loads(run(capsys, "list", "--json", "--client", client, "--archive",
                          str(filled))[1])
    assert mine and all(r["client"] == client for r in mine)
    day = rows[5]["started"][:10]
    since = json.loads(run(capsys, "list", "--json", "--since", day, "--archive",
                           str(filled))[1])
    assert since and all(r["started"][:10] >= day for r in since)


def test_list_table_and_show_by_prefix(filled: Path, capsys) -> None:  # noqa: ANN001
    code, out, _ = run(capsys, "list", "--archive", str(filled))
    assert code == 0 and "30 sessions" in out
    sid = json.loads(run(capsys, "list", "--json", "--archive", str(filled))[1])[0]["id"]
    code, out, _ = run(capsys, "show", sid[:8], "--archive", str(filled))
    assert code == 0 and sid in out and "Timeline" in out


def test_list_into_a_pipe_prints_every_value_whole(tmp_path: Path, capsys) -> None:  # noqa: ANN001,E501
    from datetime import UTC, datetime, timedelta

    now = [datetime(2020, 1, 6, 9, 0, tzinfo=UTC)]
    wide = "C-" + "Ｗ" * 30  # 32 characters, 62 columns: the widest client code there is
    with Archive.open(tmp_path / "a", clock=lambda: now[0]) as a:
        s = a.new_session(client=wide, route="sublingual", dose_mg=999.5, live=True)
        a.mark_dose(s.id)
        now[0] += timedelta(days=2000)  # a session never ended for years: the longest duration
        a.end_session(s.id)
        a.new_session(client="C-2", route="intranasal", dose_mg=84)
    code, out, _ = run(capsys, "list", "--archive", str(tmp_path / "a"))
    assert code == 0
    for value in (wide, "sublingual-buccal", "999.5 mg", "48000 h 00 min", "ended", "planned",
                  "2020-01-06 10:00", s.id[:8]):
        assert value in out, value
    assert "…" not in out and "..." not in out


def test_list_shows_ids_long_enough_to_tell_apart(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    from kapsession.model import Session

    with Archive.open(tmp_path / "a") as a:
        for tail in "01":
            s = Session.create(id="abcdef0123" + tail * 22, now=a.clock(), client="C-1",
                               session_no=int(tail) + 1, route="im")
            a.add_existing(s)
        other = a.new_session(client="C-2", route="oral").id
    code, out, _ = run(capsys, "list", "--archive", str(tmp_path / "a"))
    assert code == 0 and "abcdef01230 " in out and "abcdef01231 " in out
    assert f"{other[:8]} " in out and other[:9] not in out
    code, out, _ = run(capsys, "show", "abcdef01231", "--archive", str(tmp_path / "a"))
    assert code == 0 and "abcdef0123" + "1" * 22 in out


@pytest.mark.parametrize("argv", [
    ("--client", "NOBODY"),
    ("--since", "2999-01-01"),
])
def test_list_says_when_nothing_matches(filled: Path, capsys, argv) -> None:  # noqa: ANN001
    code, out, err = run(capsys, "list", *argv, "--archive", str(filled))
    assert code == 0 and out.strip() == "No sessions match." and not err
    code, out, _ = run(capsys, "list", "--json", *argv, "--archive", str(filled))
    assert code == 0 and json.loads(out) == []


def test_list_of_an_empty_archive_says_so(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    assert run(capsys, "init", "--archive", str(tmp_path / "a"))[0] == 0
    code, out, err = run(capsys, "list", "--archive", str(tmp_path / "a"))
    assert code == 0 and out.strip() == "The archive holds no sessions yet." and not err


def test_show_prints_markup_and_escapes_literally(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    with Archive.open(tmp_path / "a") as a:
        s = a.new_session(client="[bold]C-1[/]", route="im", dose_mg=50, live=True)
        a.add_note(s.id, "[bold red]x[/] and [/] and \x1b[31mred\x1b[0m")
    code, out, _ = run(capsys, "show", s.id, "--archive", str(tmp_path / "a"))
    assert code == 0
    assert "[bold red]x[/] and [/] and [31mred[0m" in out
    assert "\x1b[31m" not in out and "[bold]C-1[/]" in out


@pytest.mark.parametrize("argv,message", [
    (["show", "ffffffffffff"], "no session"),
    (["list", "--since", "yesterday"], "not a date"),
    (["demo-data", "--sessions", "0"], "1–100,000"),
    (["demo-data", "--sessions", "many"], "not a whole number"),
    (["bogus"], "invalid choice"),
    (["export"], "say which sessions"),
    (["export", "--client", "NOBODY"], "no session matches"),
])
def test_user_mistakes_give_one_line_and_exit_1(filled: Path, capsys, argv, message) -> None:  # noqa: ANN001,E501
    code, out, err = run(capsys, *argv, "--archive", str(filled))
    assert code == 1
    assert message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) <= 2


def test_missing_archive_is_a_clear_error(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    code, _, err = run(capsys, "list", "--archive", str(tmp_path / "nowhere"))
    assert code == 1 and "no archive" in err


def test_config_path_and_init(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    cfg = tmp_path / "c" / "config.toml"
    code, out, _ = run(capsys, "config", "--path", "--config", str(cfg))
    assert code == 0 and str(cfg) in out.replace("\n", "")
    code, out, _ = run(capsys, "config", "--init", "--config", str(cfg))
    assert code == 0 and cfg.exists() and oct(cfg.stat().st_mode & 0o777) == "0o600"
    code, _, err = run(capsys, "config", "--init", "--config", str(cfg))
    assert code == 1 and "already exists" in err


def test_bad_config_names_file_line_and_key(tmp_path: Path, capsys, filled: Path) -> None:  # noqa: ANN001,E501
    cfg = tmp_path / "bad.toml"
    cfg.write_text('theme = "kap-dark"\n\n[checkins]\nfirst_min = "soon"\n')
    code, _, err = run(capsys, "list", "--config", str(cfg), "--archive", str(filled))
    assert code == 1
    assert "bad.toml, line 4" in err.replace("\n", "") and "checkins.first_min" in err


def test_version(capsys) -> None:  # noqa: ANN001
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0 and "kapsession 0.1.0" in capsys.readouterr().out


def test_demo_data_is_realistic(filled: Path) -> None:
    with Archive.open(filled) as a:
        sessions = list(a.iter_sessions())
    routes = {s.route for s in sessions}
    assert len(routes) >= 2  # each client keeps one route through a course
    statuses = {s.status for s in sessions}
    assert "signed" in statuses
    non_planned = [s for s in sessions if s.status != "planned"]
    assert all(20 <= len([e for e in s.entries if e.kind != "system"]) <= 121
               for s in non_planned)
    assert any(s.vitals_entries for s in sessions)
    assert any(e.kind == "prompt" for s in sessions for e in s.entries)


def test_demo_archive_is_throwaway_and_never_the_real_one(tmp_path: Path) -> None:
    import os

    from kapsession.cli import make_demo_archive
    from kapsession.config import Config

    real = Path(os.environ["KAPSESSION_ARCHIVE"])
    archive = make_demo_archive(Config())
    try:
        assert not archive.path.is_relative_to(real) and "kapsession-demo-" in str(archive.path)
        assert len(archive.live_sessions()) == 1 and len(archive.sessions()) == 40
        assert oct(archive.path.parent.stat().st_mode & 0o777) == "0o700"
    finally:
        archive.close()
    assert not real.exists()


def test_fast_clock_needs_demo(capsys) -> None:  # noqa: ANN001
    from kapsession.launch import main as kapsession_command

    code = kapsession_command(["--fast-clock", "60"])
    assert code == 1 and "--demo" in capsys.readouterr().err


def test_show_prints_ticked_boxes_literally(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    with Archive.open(tmp_path / "a") as a:
        s = a.new_session(client="C-1", route="im", dose_mg=50, live=True,
                          prep_checklist=["Consent reviewed"])
        a.update_preparation(s.id, prep_checklist=[ChecklistItem("Consent reviewed", True)])
    code, out, _ = run(capsys, "show", s.id, "--archive", str(tmp_path / "a"))
    assert code == 0 and "[x]" in out and "Consent reviewed" in out


def test_show_keeps_a_stored_vitals_flag_as_a_word(tmp_path: Path, capsys) -> None:  # noqa: ANN001,E501
    # Flagged when recorded (150/95 > 140/90); the clinic has since raised its limits. The
    # stored flag is part of the record, so `show` still says so, in a word (as the export).
    with Archive.open(tmp_path / "a") as a:
        s = a.new_session(client="C-1", route="im", dose_mg=50, live=True)
        a.mark_dose(s.id)
        a.record_vitals(s.id, systolic=150, diastolic=95, heart_rate=72, spo2=98)
    cfg = tmp_path / "wider.toml"
    cfg.write_text("[thresholds]\nsystolic_high = 160\ndiastolic_high = 100\n")
    code, out, _ = run(capsys, "show", s.id, "--archive", str(tmp_path / "a"),
                       "--config", str(cfg))
    vitals_row = next(line for line in out.split("Vitals", 1)[1].splitlines()
                      if "150/95" in line)  # the vitals table, not the timeline
    assert code == 0 and "flagged" in vitals_row


def test_control_characters_in_file_names_never_reach_the_terminal(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    evil = "\x1b]0;owned\x07\x1b[31m\x9b2J"  # set the title, turn red, clear the screen
    root = tmp_path / f"arch{evil}"
    with Archive.open(root) as a:
        a.new_session(client="C-1", route="im")
    (root / "sessions" / f"{evil}.json").write_bytes(b"not json")  # set aside, named
    bad = tmp_path / f"backup{evil}.json"
    bad.write_bytes(b"not json")
    config = tmp_path / f"config{evil}.toml"
    config.write_text("theme = 5\n")
    said = [
        run(capsys, "list", "--archive", str(root)),
        run(capsys, "import", str(bad), "--archive", str(root)),
        run(capsys, "import", str(tmp_path / f"gone{evil}.json"), "--archive", str(root)),
        run(capsys, "list", "--config", str(config), "--archive", str(root)),
        run(capsys, "export", "--all", "--out", str(tmp_path / f"out{evil}"), "--archive",
            str(root)),
        run(capsys, "config", "--init", "--config", str(tmp_path / f"new{evil}.toml")),
        run(capsys, "list", "--archive", str(tmp_path / f"none{evil}")),
    ]
    assert [code for code, _, _ in said] == [0, 1, 1, 1, 0, 0, 1]
    assert "]0;owned[31m2J.json: " in said[0][2]  # the damaged file, named all the same
    for _, out, err in said:
        assert not any(ch in out + err for ch in "\x1b\x07\x9b"), (out, err)
    assert caplog.records and not any("\x1b" in r.getMessage() for r in caplog.records)


def test_the_list_is_laid_out_as_richs_table_would_lay_it_out() -> None:
    """``list`` lays its table out itself (Rich took 7 s for 10,000 rows): line for line what
    Rich's borderless table printed, wide characters, numbers set right and all."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from kapsession.cli import LIST_COLUMNS, fitted_table
    from kapsession.course_view import Trimmed

    rows = [("a1b2c3d4", "2026-11-05 09:30", "C-0042", "12", "IM", "75 mg", "2 h 05 min",
             "signed", "104"),
            ("e5f6a7b8", "2026-11-04 10:00", "C-" + "Ｗ" * 5, "1", "sublingual-buccal",
             "—", "—", "planned", "0"),
            ("c9d0e1f2", "2026-11-03 14:15", "C-9", "3", "intranasal", "999.5 mg",
             "1,234 h 00 min", "live", "7")]
    table = Table(title="3 sessions", box=None, header_style="bold")
    for label, right in LIST_COLUMNS:
        table.add_column(label, justify="right" if right else "left")
    for row in rows:
        table.add_row(*(Text(c) for c in row))
    with open(os.devnull, "w") as devnull:
        console = Console(width=500, record=True, file=devnull)
        console.print(Trimmed(table))
    lines, width = fitted_table(LIST_COLUMNS, rows)
    assert console.export_text().splitlines() == [" " * ((width - 10) // 2) + "3 sessions",
                                                *lines]
    # What the terminal cannot show is never printed: a control character is escaped.
    hostile = (*rows[0][:2], "C-\x1b[2J", *rows[0][3:])
    assert "\x1b" not in fitted_table(LIST_COLUMNS, [hostile])[0][1]
