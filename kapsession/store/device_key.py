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
from pathlib import Path

import platformdirs

from .fsutil import FILE_MODE, ensure_private_dir

log = logging.getLogger(__name__)

KEY_FILE = "device.key"
_KEY_BYTES = 32


def key_path() -> Path:
    return platformdirs.user_data_path("kapsession") / KEY_FILE


def device_key(path: Path | None = None) -> bytes | None:
    """The key, made on first use; ``None`` if it can neither be read nor made (a read-only
    home): the archive then works, reading its session files on every open."""
    path = path or key_path()
    try:
        old: bytes | None = path.read_bytes()
    except FileNotFoundError:
        old = None
    except OSError as exc:
        log.warning("the device key cannot be read (%s)", exc.strerror)
        return None
    if old is not None and len(old) == _KEY_BYTES:
        return old
    key = secrets.token_bytes(_KEY_BYTES)
    try:
        ensure_private_dir(path.parent)
        tmp = path.with_name(f".{KEY_FILE}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key)
            fh.flush()
            os.fsync(fh.fileno())
        if old is not None:  # a damaged key: replace it
            os.replace(tmp, path)
            return key
        try:
            os.link(tmp, path)  # never replaces a key another process made meanwhile
        except FileExistsError:
            return device_key(path)
        finally:
            os.unlink(tmp)
    except OSError as exc:
        log.warning("the device key cannot be made (%s)", exc.strerror)
        return None
    return key
