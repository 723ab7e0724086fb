"""This device's secret key, which vouches for the archive indexes it writes (see :mod:`.index`).

It lives outside every archive (in the user's data folder, 0600 in a 0700 folder), so whoever
can change an archive folder, or a sync tool bringing another device's files, cannot forge an
index this device believes. It protects no note: losing it only means the next open reads
every session file once and writes a new index.
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
from pathlib import Path

from .. import paths
from .fsutil import FILE_MODE, ensure_private_dir

log = logging.getLogger(__name__)

KEY_FILE = "device.key"
_KEY_BYTES = 32


def key_path() -> Path:
    return paths.device_key_file()


def device_key(path: Path | None = None) -> bytes | None:
    """The key, made on first use; ``None`` if it can neither be read nor made (a read-only
    home, a file system without hard links): the archive then works, reading its session
    files on every open."""
    path = path or key_path()
    for _attempt in range(2):  # a second process may make it between our read and write
        try:
            with open(path, "rb") as fh:
                key = fh.read(_KEY_BYTES + 1)
                private = stat.S_IMODE(os.fstat(fh.fileno()).st_mode) & 0o077 == 0
        except FileNotFoundError:
            key, private = None, True
        except OSError as exc:
            log.warning("the device key cannot be read (%s)", exc.strerror)
            return None
        if key is not None and len(key) == _KEY_BYTES and private:
            return key
        try:
            return _make(path, replace=key is not None or path.is_symlink())
        except FileExistsError:
            continue
        except OSError as exc:
            log.warning("the device key cannot be made (%s)", exc.strerror)
            return None
    return None


def _make(path: Path, *, replace: bool) -> bytes:
    """Write a new key. A damaged, readable-by-others or dangling one is replaced; a missing
    one is created only if no other process made it meanwhile (``FileExistsError``)."""
    key = secrets.token_bytes(_KEY_BYTES)
    ensure_private_dir(path.parent)
    tmp = path.with_name(f".{KEY_FILE}.{secrets.token_hex(4)}.tmp")
    try:
        _write_new(tmp, key)
        if replace:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # never replaces a key another process made meanwhile
            except FileExistsError:
                raise
            except OSError:  # no hard links here (FAT, some network shares)
                _write_new(path, key)
    finally:
        if tmp.exists():
            tmp.unlink()
    return key


def _write_new(path: Path, key: bytes) -> None:
    """Create ``path`` (never an existing file) holding ``key``, synced. Written straight to
    the key's own path where there are no hard links: not atomic, but a key cut short by a
    crash has the wrong length and is replaced on the next open."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
        fh.flush()
        os.fsync(fh.fileno())
