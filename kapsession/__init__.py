"""kapsession: a keyboard-first companion for ketamine-assisted psychotherapy dosing sessions.

The public API for scripts::

    from kapsession import Archive

    with Archive.open("~/kap-archive") as archive:
        s = archive.new_session(client="C-0042", route="im", dose_mg=50, live=True)
        archive.mark_dose(s.id)
        archive.add_note(s.id, "settling in, breathing slowly", category="somatic")

Names are loaded on first use, so ``import kapsession.model`` stays free of storage and UI.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_LAZY = {
    "Archive": "kapsession.store",
    "ArchiveError": "kapsession.store",
    "ArchiveReadOnly": "kapsession.store",
    "StorageError": "kapsession.store",
    "UnknownSession": "kapsession.store",
    "Entry": "kapsession.model",
    "KapsessionError": "kapsession.model",
    "Session": "kapsession.model",
    "SessionSummary": "kapsession.model",
    "ValidationError": "kapsession.model",
    "Vitals": "kapsession.model",
}

__all__ = [
    "Archive",
    "ArchiveError",
    "ArchiveReadOnly",
    "Entry",
    "KapsessionError",
    "Session",
    "SessionSummary",
    "StorageError",
    "UnknownSession",
    "ValidationError",
    "Vitals",
    "__version__",
]

if TYPE_CHECKING:
    from .model import Entry, KapsessionError, Session, SessionSummary, ValidationError, Vitals
    from .store import Archive, ArchiveError, ArchiveReadOnly, StorageError, UnknownSession


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'kapsession' has no attribute {name!r}")
    return getattr(import_module(module), name)
