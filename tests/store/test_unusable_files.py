"""An unusable index or lock file, or a full disk, never keeps the therapist from their notes.

The archive opens anyway: read-only when it may not write (and says why), with the index
kept in memory when it cannot be written, a damaged file left in place (and named) when it
cannot be set aside. A live session can be resumed after a crash on a full disk.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kapsession import Archive, ArchiveReadOnly, StorageError
from kapsession.cli import main


def make(root: Path, clock) -> tuple[str, str]:  # noqa: ANN001
    """An archive with a live session (a dose, two notes) and a planned one."""
    with Archive.open(root, clock=clock) as a:
        live = a.new_session(client="C-0042", route="im", dose_mg=50, live=True).id
        a.mark_dose(live)
        a.add_note(live, "first note")
        a.add_note(live, "second note")
        planned = a.new_session(client="C-0043", route="oral").id
    return live, planned


def notes(archive: Archive, sid: str) -> list[str]:
    return [e.text for e in archive.get(sid).entries if e.kind == "note"]


@pytest.mark.parametrize("read_only", [False, True])
def test_an_index_that_is_a_folder_does_not_stop_the_archive(
        tmp_path: Path, clock, read_only: bool) -> None:  # noqa: ANN001
    root = tmp_path / "a"
    live, planned = make(root, clock)
    (root / "index.json").unlink()
    (root / "index.json").mkdir()
    with Archive.open(root, clock=clock, read_only=read_only) as a:
        assert {s.id for s in a.sessions()} == {live, planned}
        assert notes(a, live) == ["first note", "second note"]
        assert any(p.startswith("index.json: cannot be read") for p in a.problems)
    if not read_only:  # the folder was set aside, never deleted, and the index rebuilt
        assert (root / "index.json").is_file()
        assert [p.is_dir() for p in (root / "damaged").iterdir()] == [True]
        with Archive.open(root, clock=clock) as a:
            assert a.problems == [] and len(a.sessions()) == 2


def test_a_lock_file_that_is_a_folder_opens_read_only_and_says_why(
        tmp_path: Path, clock, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    root = tmp_path / "a"
    live, planned = make(root, clock)
    (root / "archive.lock").unlink()
    (root / "archive.lock").mkdir()
    with Archive.open(root, clock=clock) as a:
        assert a.read_only
        assert "archive.lock cannot be used" in a.read_only_reason
        assert {s.id for s in a.sessions()} == {live, planned}
        assert notes(a, live) == ["first note", "second note"]
        with pytest.raises(ArchiveReadOnly, match="archive.lock cannot be used"):
            a.add_note(live, "not written")
    # A command that writes says the same, in one line.
    code = main(["demo-data", "--sessions", "1", "--archive", str(root)])
    err = capsys.readouterr().err
    assert code == 1 and "archive.lock cannot be used" in err and "Traceback" not in err
    # Once the folder is gone, the archive is writable again.
    (root / "archive.lock").rmdir()
    with Archive.open(root, clock=clock) as a:
        assert not a.read_only and a.read_only_reason is None


@pytest.mark.parametrize("name", ["index.json", "archive.lock"])
def test_an_index_or_lock_of_mode_000(tmp_path: Path, clock, name: str) -> None:  # noqa: ANN001
    if os.geteuid() == 0:
        pytest.skip("running as root, which opens a file of mode 000 anyway; the folder "
                    "tests above make these files unusable instead")
    root = tmp_path / "a"
    live, planned = make(root, clock)
    (root / name).chmod(0)
    try:
        with Archive.open(root, clock=clock) as a:
            assert {s.id for s in a.sessions()} == {live, planned}
            assert notes(a, live) == ["first note", "second note"]
            assert a.read_only == (name == "archive.lock")
    finally:
        if (root / name).exists():
            (root / name).chmod(0o600)


def crash_with_damage(root: Path, clock, live: str) -> Path:  # noqa: ANN001
    """As a killed writer leaves it: a note the index does not know about yet, and a torn
    session file."""
    with Archive.open(root, clock=clock) as a:
        a.flush_index()
        a.add_note(live, "after the index was written")
        a._index_dirty = False  # killed before closing  # noqa: SLF001
        torn = a.new_session(client="C-0044", route="iv").id
        a._index_dirty = False  # noqa: SLF001
    path = root / "sessions" / f"{torn}.json"
    path.write_bytes(path.read_bytes()[:40])
    return path


def resume_on_a_full_disk(root: Path, clock, live: str, torn: Path,  # noqa: ANN001
                          free_space: object) -> None:
    """Open after the crash with the disk full: everything readable, the live session
    resumable, each problem named; once there is space again, notes save."""
    with Archive.open(root, clock=clock) as a:
        assert not a.read_only
        assert [s.id for s in a.live_sessions()] == [live]
        assert notes(a, live) == ["first note", "second note", "after the index was written"]
        assert any(p.startswith("index.json: could not be written") for p in a.problems)
        assert any(p.startswith(torn.name) and "left in place" in p for p in a.problems)
        assert torn.exists()  # not lost: set aside on a later open
        with pytest.raises(StorageError, match="No space left"):
            a.add_note(live, "while the disk is full")
        free_space()  # type: ignore[operator]
        a.add_note(live, "once there is space")
    with Archive.open(root, clock=clock) as a:
        assert notes(a, live)[-1] == "once there is space"
        assert any(torn.name in p and "moved to" in p for p in a.problems)
    assert not torn.exists()


def test_a_full_disk_after_a_crash_still_opens_writable(
        tmp_path: Path, clock, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    # As test_archive's full-disk test does it: the system calls that need space fail.
    root = tmp_path / "a"
    live, _ = make(root, clock)
    torn = crash_with_damage(root, clock, live)

    def no_space(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    monkeypatch.setattr(os, "mkdir", no_space)
    resume_on_a_full_disk(root, clock, live, torn, monkeypatch.undo)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 256 KB file system with 64 inodes (tmpfs), or a skip saying why there is none."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if not sys.platform.startswith("linux"):
        pytest.skip("a small tmpfs needs Linux; the ENOSPC test above covers the same paths")
    try:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k,nr_inodes=64,mode=0700",
                               "tmpfs", str(mount)], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        pytest.skip("no mount command; the ENOSPC test above covers the same paths")
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({done.stderr.strip() or 'not permitted'}); "
                    "the ENOSPC test above covers the same paths")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path) -> list[Path]:
    """Use up every block and every inode of ``disk``; returns what to delete to free it."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"x" * 4096)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)
    made = [filler]
    try:
        while True:
            path = disk / f"inode-{len(made)}"
            path.touch()
            made.append(path)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC
    return made


def test_a_really_full_disk_after_a_crash_still_opens_writable(
        small_disk: Path, clock) -> None:  # noqa: ANN001
    root = small_disk / "a"
    live, _ = make(root, clock)
    torn = crash_with_damage(root, clock, live)
    made = fill(small_disk)

    def free_space() -> None:
        for path in made:
            path.unlink()

    resume_on_a_full_disk(root, clock, live, torn, free_space)
