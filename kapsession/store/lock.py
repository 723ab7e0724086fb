"""The archive lock: the one process that may write to an archive holds it.

The lock is an ``flock`` on the archive *folder* itself (an ``O_RDONLY`` descriptor of the
directory). A lock on a file inside it is not enough: deleting or replacing that file while a
writer holds it lets a second writer lock a new file of the same name, and two writers each
overwrite the other's notes. The folder cannot be deleted while it holds the archive, and a
folder moved elsewhere keeps its lock.

``archive.lock`` is locked too, after the folder, because that is the only lock earlier
versions of kapsession take: an older copy still running (or started) beside this one sees
the archive as held. Both are ``flock``, so the kernel releases them when the process dies, even by
``kill -9``.

Before each write the holder checks (:meth:`ArchiveLock.check`) that the archive's path still
names the folder it locked; writes go by path, so after the folder was moved or replaced they
would land in another archive, perhaps one another window holds. A deleted or replaced
``archive.lock`` is locked again for the older versions' sake.
"""

from __future__ import annotations

import errno
import fcntl
import os
from pathlib import Path

from .errors import ArchiveError, StorageError
from .layout import LOCK_FILE


class ArchiveHeld(ArchiveError):
    """Another process holds the archive lock."""

    def __init__(self, root: Path) -> None:
        super().__init__(f"the archive {root} is open in another kapsession window: close "
                         "it and try again")


class LockLost(StorageError):
    """The archive folder this process locked is no longer at its path: writing refused."""

    def __init__(self, root: Path, why: str) -> None:
        self.errno = None
        ArchiveError.__init__(
            self, f"could not save: {why}, so this window no longer holds the archive "
            f"{root}. Nothing was written; close this window and open the archive again")


def _flock(fd: int) -> bool:
    """Lock ``fd`` exclusively without waiting; ``False`` if another process holds it."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
            return False
        raise
    return True


def _identity(st: os.stat_result) -> tuple[int, int]:
    return st.st_dev, st.st_ino


class ArchiveLock:
    """The lock of the archive folder ``root``, held until :meth:`release`."""

    __slots__ = ("root", "_dir_fd", "_file_fd", "_dir_id", "_file_id", "_file_path")

    def __init__(self, root: Path, dir_fd: int, file_fd: int) -> None:
        self.root = root
        self._dir_fd = dir_fd
        self._file_fd = file_fd
        # What the descriptors are never changes: fstat them once, not before every write.
        self._dir_id = _identity(os.fstat(dir_fd))
        self._file_id = _identity(os.fstat(file_fd))
        self._file_path = root / LOCK_FILE

    @classmethod
    def acquire(cls, root: Path) -> ArchiveLock:
        """Take the lock of the existing folder ``root`` without waiting.

        Raises :class:`ArchiveHeld` if another process holds it, ``OSError`` if it cannot be
        taken at all (the folder or ``archive.lock`` cannot be opened, or the file system has
        no ``flock``).
        """
        dir_fd = os.open(root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | os.O_CLOEXEC)
        try:
            if not _flock(dir_fd):
                raise ArchiveHeld(root)
            file_fd = _open_lock_file(root)
        except BaseException:
            os.close(dir_fd)  # closing releases the flock
            raise
        return cls(root, dir_fd, file_fd)

    def check(self) -> None:
        """Before a write: raise :class:`LockLost` unless ``root`` still names the folder
        this lock holds; lock ``archive.lock`` again if it was deleted or replaced."""
        try:
            here = _identity(os.stat(self.root))
        except OSError:
            here = None
        if here != self._dir_id:
            raise LockLost(self.root, "the archive folder was moved or replaced")
        try:
            same_file = _identity(os.stat(self._file_path)) == self._file_id
        except FileNotFoundError:
            same_file = False
        if not same_file:
            self._relock_file()

    def _relock_file(self) -> None:
        # archive.lock was deleted or replaced: lock the file now at that name, so an older
        # kapsession keeps seeing the archive as held. If one got in meanwhile, stop writing.
        try:
            fd = _open_lock_file(self.root)
        except ArchiveHeld:
            raise LockLost(self.root, f"{LOCK_FILE} was replaced and another kapsession "
                           "window took it") from None
        except OSError as exc:
            raise StorageError(LOCK_FILE, exc) from exc
        os.close(self._file_fd)
        self._file_fd = fd
        self._file_id = _identity(os.fstat(fd))

    def release(self) -> None:
        """Release both locks. Safe to call twice."""
        for fd in (self._file_fd, self._dir_fd):
            if fd >= 0:
                os.close(fd)
        self._file_fd = self._dir_fd = -1


def _open_lock_file(root: Path) -> int:
    fd = os.open(root / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        if not _flock(fd):
            raise ArchiveHeld(root)
    except BaseException:
        os.close(fd)
        raise
    return fd
