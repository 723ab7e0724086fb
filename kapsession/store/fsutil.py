"""Private folders and atomic, durable file writes.

A write goes to a temp file in the same folder, is flushed and fsynced, renamed over the
target, and the folder is fsynced: after a crash the target holds the old bytes or the new
bytes, never a mix, and never a truncated file.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


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


def atomic_write(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Replace ``path`` with ``data`` atomically; with ``durable``, on disk when this returns.

    On any error the temp file is removed and the old file is untouched.
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
    if durable:
        fsync_dir(path.parent)


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
        if entry.name.startswith(".") and entry.name.endswith(".tmp"):
            remove_stale_temp(entry.path)
            count += 1
    return count
