"""Private folders and atomic, durable file writes.

A write goes to a temp file in the same folder, is flushed and fsynced, renamed over the
target, and the folder is fsynced: after a crash the target holds the old bytes or the new
bytes, never a mix, and never a truncated file.
"""

from __future__ import annotations

import os
import re
import secrets
import stat
from pathlib import Path

from ..model.errors import KapsessionError
from ..model.text import printable_line

FILE_MODE = 0o600
DIR_MODE = 0o700


def shown_path(path: str | os.PathLike[str]) -> str:
    """A path as a message may show it: a file name may hold any character but ``/``, ESC
    and newlines included (see :func:`~kapsession.model.text.printable_line`)."""
    return printable_line(os.fspath(path))


class NotARegularFile(KapsessionError, ValueError):
    """A device, pipe, socket or folder where a file to read was expected."""


class FileTooLarge(KapsessionError, ValueError):
    """A file over the size limit of what reads it; ``size`` is what was seen (at least)."""

    def __init__(self, size: int) -> None:
        super().__init__(f"{size:,} bytes")
        self.size = size


def read_limited(path: str | os.PathLike[str], limit: int) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them.

    Raises :class:`NotARegularFile` for anything else (``/dev/zero`` would be read until
    memory runs out, a pipe would block: neither is read at all) and :class:`FileTooLarge`
    past ``limit`` (the size on disk is checked first, and the bytes are counted while
    reading, for a file that grows meanwhile). ``OSError`` as usual (missing, no access).
    """
    # O_NONBLOCK: opening a pipe with no writer returns at once instead of waiting.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotARegularFile(os.fspath(path))
        if st.st_size > limit:
            raise FileTooLarge(st.st_size)
    except BaseException:
        os.close(fd)
        raise
    with open(fd, "rb") as fh:
        data = fh.read(st.st_size + 1)
        if len(data) > st.st_size:  # it grew since: read on, to one byte past the limit
            data += fh.read(limit + 1 - len(data))
    if len(data) > limit:
        raise FileTooLarge(len(data))
    return data


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` if needed and make it readable by the owner only (0700).

    Every missing parent is created 0700 too, whatever the umask (``mkdir(parents=True)``
    would give them the umask's default, 0777 under ``umask 000``); parents that exist
    already are left as they are.
    """
    missing = []
    folder = path
    while not os.path.lexists(folder) and folder.parent != folder:
        missing.append(folder)
        folder = folder.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DIR_MODE)
        except FileExistsError:
            continue  # made meanwhile by someone else: not ours to change (unless it is path)
        os.chmod(folder, DIR_MODE)  # the umask may have narrowed it
    if (path.stat().st_mode & 0o777) != DIR_MODE:
        os.chmod(path, DIR_MODE)
    return path


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes, *, durable: bool = True,
                 sync_folder: bool = True) -> None:
    """Replace ``path`` with ``data`` atomically; with ``durable``, on disk when this returns.

    ``sync_folder=False`` (with ``durable``): the new data is on disk before it replaces the
    old, so a crash leaves one whole version, but the replacement itself is made durable by
    the caller's one fsync of the folder for many files. On any error the temp file is
    removed and the old file is untouched.
    """
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        try:
            os.fchmod(fd, FILE_MODE)  # a permissive umask cannot widen it; be explicit anyway
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    if durable and sync_folder:
        fsync_dir(path.parent)


#: The temp files :func:`atomic_write` makes: ``.<name>.<8 hex>.tmp``. Only these are ours to
#: remove: a file-sync tool writes its own beside them (Syncthing ``.syncthing.<name>.tmp``)
#: while a file arrives, and removing one would break that transfer.
_OWN_TEMP = re.compile(r"\..+\.[0-9a-f]{8}\.tmp\Z", re.DOTALL)
_SYNC_TEMP_PREFIXES = (".syncthing.", "~syncthing~")


def is_own_temp(name: str) -> bool:
    """Whether ``name`` is a temp file of :func:`atomic_write` (and not a sync tool's)."""
    return _OWN_TEMP.match(name) is not None and not name.startswith(_SYNC_TEMP_PREFIXES)


def remove_stale_temp(path: str | Path) -> None:
    """Remove one temp file a killed writer left behind (never the only copy of data)."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def remove_stale_temps(folder: Path) -> int:
    """Remove every temp file a killed writer left in ``folder``."""
    count = 0
    for entry in os.scandir(folder):
        if is_own_temp(entry.name):
            remove_stale_temp(entry.path)
            count += 1
    return count
