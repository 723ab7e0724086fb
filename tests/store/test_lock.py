"""The archive lock, between real processes: only one kapsession window may ever write."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kapsession import Archive, StorageError

CHILD = Path(__file__).with_name("lock_child.py")
REPO = Path(__file__).parents[2]


class Window:
    """A kapsession process holding the archive open (see ``lock_child.py``)."""

    def __init__(self, root: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.proc = subprocess.Popen([sys.executable, str(CHILD), str(root)], env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        ready, self.session_id, self.mode = self._line().split()
        assert ready == "ready"

    def _line(self) -> str:
        assert self.proc.stdout is not None
        return self.proc.stdout.readline().strip()

    def note(self, text: str) -> bool:
        """Add a note; whether the window acknowledged it (its call returned)."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"note {text}\n")
        self.proc.stdin.flush()
        answer = self._line()
        assert answer in (f"saved {text}", "refused ArchiveReadOnly"), answer
        return answer.startswith("saved")

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None and self.proc.stdout is not None
            self.proc.stdin.close()
            assert self._line() == "closed"
            self.proc.stdout.close()
        assert self.proc.wait(timeout=30) == 0


@pytest.fixture
def windows():  # noqa: ANN201
    opened: list[Window] = []

    def start(root: Path) -> Window:
        opened.append(Window(root))
        return opened[-1]

    yield start
    for window in reversed(opened):
        if window.proc.poll() is None:
            window.proc.kill()
            window.proc.wait()


def stored_notes(root: Path) -> list[str]:
    with Archive.open(root, read_only=True) as archive:
        (live,) = archive.live_sessions()
        return [e.text for e in archive.get(live.id).entries if e.kind == "note"]


def test_deleting_the_lock_file_lets_no_second_writer_in(tmp_path: Path, windows) -> None:  # noqa: ANN001
    root = tmp_path / "archive"
    first = windows(root)
    assert first.mode == "writable"
    acknowledged = [t for t in ("first-1",) if first.note(t)]
    (root / "archive.lock").unlink()  # "tidying up" while a session is live
    second = windows(root)
    acknowledged += [t for t in ("second-1",) if second.note(t)]
    acknowledged += [t for t in ("first-2",) if first.note(t)]
    second.close()
    first.close()
    # Every note whose save returned is on disk: with two writers, the first window's
    # next save would have written over the second's note.
    assert sorted(stored_notes(root)) == sorted(acknowledged)
    assert second.mode == "read-only"
    assert acknowledged == ["first-1", "first-2"]
    # Once both are closed the archive is free again.
    third = windows(root)
    assert third.mode == "writable"
    third.close()


def test_a_lock_file_replaced_by_another_file_lets_no_second_writer_in(
        tmp_path: Path, windows) -> None:  # noqa: ANN001
    root = tmp_path / "archive"
    first = windows(root)
    (root / "archive.lock").unlink()
    (root / "archive.lock").write_bytes(b"")
    second = windows(root)
    assert (first.mode, second.mode) == ("writable", "read-only")
    assert first.note("after the replacement")
    second.close()
    first.close()
    assert stored_notes(root) == ["after the replacement"]


def test_an_archive_folder_moved_away_while_open_refuses_further_writes(
        tmp_path: Path, clock) -> None:  # noqa: ANN001
    root = tmp_path / "archive"
    first = Archive.open(root, clock=clock)
    try:
        sid = first.new_session(client="C-1", route="im", live=True).id
        first.add_note(sid, "before the move")
        root.rename(tmp_path / "moved")
        with Archive.open(root, clock=clock) as second:  # a new archive where it was
            assert not second.read_only
            with pytest.raises(StorageError, match="moved or replaced") as err:
                first.add_note(sid, "after the move")
            assert "after the move" not in str(err.value)
            assert len(second) == 0
        assert not (root / "sessions" / f"{sid}.json").exists()
    finally:
        first.close()
    with Archive.open(tmp_path / "moved", clock=clock) as archive:
        assert [e.text for e in archive.get(sid).entries if e.kind == "note"] == [
            "before the move"]


def flock_file(path: Path) -> int | None:
    """Lock ``path`` as kapsession did before the folder lock (``flock`` on archive.lock
    only); the descriptor, or ``None`` if it is held."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def test_an_older_kapsession_and_this_one_keep_each_other_out(tmp_path: Path, clock) -> None:  # noqa: ANN001,E501
    root = tmp_path / "archive"
    Archive.open(root, clock=clock).close()
    older = flock_file(root / "archive.lock")
    assert older is not None
    try:
        with Archive.open(root, clock=clock) as archive:
            assert archive.read_only
    finally:
        os.close(older)
    with Archive.open(root, clock=clock) as archive:
        assert not archive.read_only
        assert flock_file(root / "archive.lock") is None
        # Deleted while held: the next write locks a new archive.lock before writing.
        (root / "archive.lock").unlink()
        archive.new_session(client="C-1", route="im")
        assert flock_file(root / "archive.lock") is None
        # An older kapsession that took the new file first: this one stops writing.
        (root / "archive.lock").unlink()
        older = flock_file(root / "archive.lock")
        try:
            with pytest.raises(StorageError, match="another kapsession window"):
                archive.new_session(client="C-2", route="im")
        finally:
            os.close(older)
        assert [s.client for s in archive.sessions()] == ["C-1"]
