"""The ``sessions/`` folder: one session per file, a TinyDB document, written atomically.

This module is the only one that knows a session file is TinyDB document 1 of table
``session``; the archive hands it sessions and gets sessions back. TinyDB reads the files;
a write replaces the whole file with that one document, through the same
:class:`~.storage.AtomicJSONStorage` TinyDB would use, without reading the old file first.
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tinydb import TinyDB

from ..model import Session
from .conflicts import is_conflict_copy_name, is_session_file_name
from .fsutil import (
    ensure_private_dir,
    fsync_dir,
    is_own_temp,
    remove_stale_temp,
    shown_path,
)
from .layout import (
    SESSION_DOC_ID,
    SESSION_TABLE,
    Layout,
    Stat,
    session_file_name,
    session_id_of,
)
from .migrations import migrate
from .storage import (
    AtomicJSONStorage,
    Codec,
    DamagedFile,
    json_fragment,
    plain_json,
    read_json_file,
)

log = logging.getLogger(__name__)

def load_session_file(path: Path, codec: Codec | None = None) -> tuple[Session, bool]:
    """Read one session file and migrate it to the current schema.

    Returns ``(session, whether it was migrated)``. Raises :class:`DamagedFile` (with the
    problem) for anything unreadable, :class:`FutureSchema` for a newer kapsession's file.
    Touches no archive state, so exports may call it from worker processes.
    """
    db = TinyDB(path, storage=AtomicJSONStorage, read_only=True, codec=codec)
    try:
        try:
            doc = db.table(SESSION_TABLE).get(doc_id=SESSION_DOC_ID)
        except (ValueError, TypeError, AttributeError):
            raise DamagedFile(path, "is not a session file") from None
        if doc is None:
            raise DamagedFile(path, "holds no session")
        try:
            data, changed = migrate(dict(doc))
            session = Session.from_dict(data)
        except ValueError as exc:
            raise DamagedFile(path, f"has a bad field: {exc}") from None
        if session_file_name(session.id) != path.name:
            raise DamagedFile(path, "has a bad field: id: does not match the file name")
        return session, changed
    finally:
        db.close()


class SessionFiles:
    """The session files of one archive, and ``damaged/`` where unreadable ones go."""

    def __init__(self, layout: Layout, *, codec: Codec | None, read_only: bool) -> None:
        self.layout = layout
        self.codec = codec
        self.read_only = read_only
        #: ``False`` for bulk loads: no fsync per file (the caller syncs once at the end).
        self.durable = True
        #: Off while several files are written, each durably, and the folder synced once.
        self.sync_folder = True

    def path(self, sid: str) -> Path:
        return self.layout.session(sid)

    def exists(self, sid: str) -> bool:
        return self.path(sid).exists()

    def scan(self) -> Iterator[tuple[str, Stat]]:
        """Every session file's id and stat. A writer removes a killed writer's temp files
        on the way (text may be in them; the lock says no one else is writing). Sync tools'
        conflict copies are listed in :attr:`conflict_copies` for the archive to merge."""
        self.conflict_copies: list[str] = []
        try:
            entries = list(os.scandir(self.layout.sessions))
        except FileNotFoundError:
            return
        for entry in entries:
            name = entry.name
            if is_session_file_name(name):  # nearly every name: one cheap test
                st = entry.stat()
                yield name[:-len(".json")], (st.st_mtime_ns, st.st_size)
            elif is_own_temp(name):
                if not self.read_only:
                    remove_stale_temp(entry.path)
            elif is_conflict_copy_name(name):
                self.conflict_copies.append(name)
            elif (sid := session_id_of(name)) is not None:
                # Not an id kapsession makes: read, and set aside as damaged, like any file
                # whose name and contents disagree.
                st = entry.stat()
                yield sid, (st.st_mtime_ns, st.st_size)

    def load(self, sid: str) -> tuple[Session, bool]:
        """See :func:`load_session_file`."""
        return load_session_file(self.path(sid), self.codec)

    @staticmethod
    def stored(session: Session) -> dict[str, Any]:
        """What :meth:`write` writes for ``session``: its stored shape, with each entry
        encoded once and remembered until it changes (a save of a session of 2,000 entries
        encodes the one that is new). Hand it to :meth:`write`, :meth:`session_of`."""
        return session.to_dict(entry_form=json_fragment)

    @staticmethod
    def session_of(stored: dict[str, Any]) -> Session:
        """The session :meth:`stored` was made from, as it was then (a new object)."""
        return Session.from_dict(plain_json(stored))

    def write(self, session_data: dict[str, Any], sid: str) -> Stat:
        """Replace the session's file (atomically; durably unless :attr:`durable` is off)
        with ``session_data`` (:meth:`stored`, or plain JSON values), and nothing else.
        Raises ``OSError``; what was stored before is then untouched."""
        path = self.path(sid)
        storage = AtomicJSONStorage(path, read_only=self.read_only, durable=self.durable,
                                    codec=self.codec)
        storage.sync_folder = self.sync_folder
        storage.write({SESSION_TABLE: {str(SESSION_DOC_ID): session_data}})
        st = os.stat(path)
        return st.st_mtime_ns, st.st_size

    def raw(self, sid: str) -> dict[str, Any] | None:
        """The stored session as plain JSON values, read directly (no cache touched, so it
        may run in a worker thread); ``None`` if it cannot be read."""
        try:
            data = read_json_file(self.path(sid), self.codec)
            doc = data[SESSION_TABLE][str(SESSION_DOC_ID)]
        except (DamagedFile, KeyError, TypeError):
            return None
        return doc if isinstance(doc, dict) else None

    def set_aside(self, path: Path, problem: str, note: str = "") -> str:
        """Move a damaged file into ``damaged/`` (never overwritten); return the message that
        says so. Read-only, or when it cannot be moved, it stays where it is."""
        name = shown_path(path.name)  # a file name may hold anything, ESC included
        if self.read_only:
            return f"{name}: {problem}; not opened (read-only, left in place)"
        stamp = time.strftime("%Y%m%dT%H%M%S")
        target = self.layout.damaged / f"{path.name}.{stamp}.{secrets.token_hex(2)}"
        try:
            ensure_private_dir(self.layout.damaged)
            os.replace(path, target)
            fsync_dir(path.parent)
        except OSError as exc:
            # A full disk, a damaged/ that is a file: the rest must still open.
            log.warning("could not set aside damaged file %s: %s", name, problem)
            return (f"{name}: {problem}; not opened, and it could not be set aside "
                    f"({exc.strerror or type(exc).__name__}), so it is left in place")
        log.warning("set aside damaged file %s: %s", name, problem)
        extra = f"; {note}" if note else ""
        return f"{name}: {problem}; moved to {shown_path(target)}{extra}"

    def sync(self) -> None:
        """After a bulk load: everything written reaches the disk."""
        os.sync()
        fsync_dir(self.layout.sessions)

    def sync_folder_now(self) -> None:
        """After files written with :attr:`sync_folder` off: their replacements reach the
        disk. Raises ``OSError``."""
        fsync_dir(self.layout.sessions)
