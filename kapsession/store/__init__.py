"""Storage: the archive folder on TinyDB, its lock, its index and its migrations."""

from .archive import Archive
from .errors import (
    AmbiguousSessionId,
    ArchiveError,
    ArchiveReadOnly,
    FutureSchema,
    StorageError,
    UnknownSession,
)
from .storage import AtomicJSONStorage, DamagedFile

__all__ = [
    "AmbiguousSessionId",
    "Archive",
    "ArchiveError",
    "ArchiveReadOnly",
    "AtomicJSONStorage",
    "DamagedFile",
    "FutureSchema",
    "StorageError",
    "UnknownSession",
]
