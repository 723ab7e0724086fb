"""No note text in logs, error messages or tracebacks the app writes."""

from __future__ import annotations

import errno
import logging
import os
from pathlib import Path

import pytest

from kapsession import Archive, StorageError
from kapsession.cli import main

MARKER = "ZZ-PRIVATE-MARKER-7731"


def test_no_note_text_in_logs_or_errors(tmp_path: Path, caplog: pytest.LogCaptureFixture,
                                        capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    caplog.set_level(logging.DEBUG)
    messages: list[str] = []
    with Archive.open(tmp_path / "a") as archive:
        s = archive.new_session(client="C-1", route="im", dose_mg=50, live=True,
                                intention=f"intention {MARKER}")
        archive.add_note(s.id, f"note {MARKER}")
        archive.save_draft(s.id, f"draft {MARKER}")
        for bad in (lambda: archive.add_note(s.id, f"{MARKER} " * 3000),
                    lambda: archive.add_note(s.id, f"#bogus {MARKER}", category="bogus"),
                    lambda: archive.strike_entry(s.id, "e99", MARKER),
                    lambda: archive.log_side_effect(s.id, MARKER)):
            with pytest.raises(ValueError) as err:
                bad()
            messages.append(str(err.value))

        def broken_fsync(fd: int) -> None:
            raise OSError(errno.EIO, "Input/output error")

        monkeypatch.setattr(os, "fsync", broken_fsync)
        with pytest.raises(StorageError) as err:
            archive.add_note(s.id, f"failing {MARKER}")
        messages.append(str(err.value))
        monkeypatch.undo()
        sid = s.id
    # A damaged file is reported by name only.
    path = tmp_path / "a" / "sessions" / f"{sid}.json"
    path.write_text(path.read_text()[:-40])
    assert main(["list", "--archive", str(tmp_path / "a")]) == 0
    assert main(["show", sid, "--archive", str(tmp_path / "a")]) == 1
    out, err = capsys.readouterr()
    with Archive.open(tmp_path / "a") as archive:
        messages.extend(archive.problems)
    everything = "\n".join([caplog.text, err, *messages])
    assert f"{sid}.json" in everything  # the file is named …
    assert MARKER not in everything  # … but nothing the therapist wrote is repeated


def test_every_folder_kapsession_creates_is_private_whatever_the_umask(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from kapsession.config import save_setting

    # The default places: the user data and config folders (under tmp_path/home, made here).
    monkeypatch.delenv("KAPSESSION_ARCHIVE")
    monkeypatch.delenv("KAPSESSION_CONFIG")
    old = os.umask(0)
    try:
        assert main(["demo-data", "--sessions", "3"]) == 0
        assert main(["config", "--init"]) == 0
        for fmt in ("md", "json"):
            assert main(["export", "--all", "--format", fmt,
                         "--out", str(tmp_path / "out" / fmt / "deep")]) == 0
        Archive.open(tmp_path / "a1" / "a2" / "archive").close()
        save_setting(tmp_path / "c1" / "c2" / "config.toml", "theme", "kap-light")
    finally:
        os.umask(old)
    capsys.readouterr()
    folders = [p for top in ("home", "out", "a1", "c1") for p in
               [tmp_path / top, *(tmp_path / top).rglob("*")] if p.is_dir()]
    assert len(folders) >= 14
    assert {str(p.relative_to(tmp_path)): oct(p.stat().st_mode & 0o777) for p in folders
            if p.stat().st_mode & 0o777 != 0o700} == {}
