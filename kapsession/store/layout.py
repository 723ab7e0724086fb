"""Every name kapsession uses on disk, in one place.

An archive folder (0700; every file 0600)::

    sessions/<id>.json   one session per file: TinyDB document 1 of table "session"
    index.json           a summary of each session, for the list (see :mod:`.index`)
    damaged/             files that could not be read, set aside and never overwritten
    conflicts/           sync tools' conflict copies after they were merged (to-decide/:
                         two signed versions a person chooses between; see :mod:`.conflicts`)
    archive.lock         locked, with the folder itself, by the one process that may write
                         (see :mod:`.lock`)
    encryption.json      only in an encrypted archive: the header that opens it
                         (see :mod:`.crypto`)
    .stignore            what Syncthing leaves on each computer: the index (vouched for by
                         each computer's own key), the lock, temp files

A sealed (encrypted) file starts with :data:`SEALED_MAGIC`. Temp files of an atomic write
are hidden (``.<name>.<random>.tmp``, see :mod:`.fsutil`) and removed when a writer opens.
Other modules ask this one for a path or a name rather than spelling it themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SESSIONS_DIR = "sessions"
DAMAGED_DIR = "damaged"
#: Sync tools' conflict copies, once merged (see :mod:`.conflicts`); never deleted.
CONFLICTS_DIR = "conflicts"
#: Copies a person must decide between (two different signed versions).
TO_DECIDE_DIR = "to-decide"
INDEX_FILE = "index.json"
LOCK_FILE = "archive.lock"
ENCRYPTION_FILE = "encryption.json"
#: Syncthing's ignore file: kapsession writes one (if there is none) naming the files each
#: computer keeps for itself, so the sync tool never carries them (see docs/sync.md).
SYNC_IGNORE_FILE = ".stignore"
#: Every sealed (encrypted) file starts with these bytes.
SEALED_MAGIC = b"KAPX1"
#: The TinyDB table of a session file; the session is its document 1.
SESSION_TABLE = "session"
SESSION_DOC_ID = 1
#: The index's one table (see :mod:`.index`).
INDEX_TABLE = "sessions"
_SESSION_SUFFIX = ".json"
#: A file's modification time (ns) and size: a session file unchanged since its index row
#: was written has both.
Stat = tuple[int, int]


def session_file_name(sid: str) -> str:
    return sid + _SESSION_SUFFIX


def session_id_of(name: str) -> str | None:
    """The session id a file name in ``sessions/`` stands for, or ``None`` for anything else
    (hidden and temp files, other suffixes). The id itself is checked when the file is read."""
    if name.startswith(".") or not name.endswith(_SESSION_SUFFIX):
        return None
    return name[: -len(_SESSION_SUFFIX)]


@dataclass(frozen=True)
class Layout:
    """The paths of one archive folder."""

    root: Path

    @property
    def sessions(self) -> Path:
        return self.root / SESSIONS_DIR

    @property
    def damaged(self) -> Path:
        return self.root / DAMAGED_DIR

    @property
    def index(self) -> Path:
        return self.root / INDEX_FILE

    @property
    def lock(self) -> Path:
        return self.root / LOCK_FILE

    @property
    def header(self) -> Path:
        return self.root / ENCRYPTION_FILE

    def session(self, sid: str) -> Path:
        return self.sessions / session_file_name(sid)


def sync_ignore_text() -> str:
    """The ``.stignore`` kapsession writes into an archive that has none."""
    return ("// kapsession: files each computer keeps for itself (see docs/sync.md)\n"
            f"{INDEX_FILE}\n{LOCK_FILE}\n.*.tmp\n")
