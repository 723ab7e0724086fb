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
