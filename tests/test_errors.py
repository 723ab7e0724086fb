"""Every kapsession error survives pickling: worker processes hand errors back pickled.

An error that could not be rebuilt in the parent (its ``__init__`` takes other arguments than
its message) broke ``export --all``'s whole worker pool with a ``BrokenProcessPool``.
"""

from __future__ import annotations

import errno
import importlib
import pickle
import pkgutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

import kapsession
from kapsession.cli import UserError
from kapsession.config import ConfigError
from kapsession.export.jsonio import ImportFileError
from kapsession.model.errors import SessionStateError, SignedSessionError, ValidationError
from kapsession.model.session import LiveOn
from kapsession.prompts import PromptFileError
from kapsession.store.crypto import DamagedHeader, PassphraseRequired, WrongPassphrase
from kapsession.store.devices import LiveElsewhere
from kapsession.store.errors import (
    AmbiguousSessionId,
    ArchiveError,
    ArchiveReadOnly,
    FutureSchema,
    MissingHeader,
    SessionUnreadable,
    StorageError,
    UnknownSession,
)
from kapsession.store.fsutil import FileTooLarge, NotARegularFile
from kapsession.store.lock import ArchiveHeld, LockLost
from kapsession.store.storage import DamagedFile, SealedFile

# One instance of each, built as the code builds it.
SAMPLES: list[BaseException] = [
    UserError("say which sessions"),
    ConfigError("config.toml, line 3: 'theme' must be text"),
    ImportFileError("backup.json: not a JSON file"),
    ValidationError("systolic", "400 is outside 50–300"),
    SessionStateError("cannot finish the session: the session is planned"),
    SignedSessionError("0123456789abcdef0123456789abcdef"),
    PromptFileError("prompts.toml", "too large", number=3, field="text"),
    ArchiveError("something about the archive"),
    ArchiveReadOnly(Path("/archive")),
    ArchiveReadOnly(Path("/archive"), "its lock file archive.lock cannot be used"),
    UnknownSession("ffff"),
    SessionUnreadable("ab" * 16, f"{'ab' * 16}.json: is not valid JSON"),
    AmbiguousSessionId("a", 3),
    StorageError("session 01234567", OSError(errno.ENOSPC, "No space left on device")),
    FutureSchema("written by a newer kapsession"),
    DamagedFile(Path("/archive/sessions/x.json"), "is empty"),
    DamagedHeader(Path("/archive"), "is not valid JSON"),
    PassphraseRequired(),
    WrongPassphrase(),
    MissingHeader(Path("/archive")),
    SealedFile(Path("/archive/sessions/x.json")),
    ArchiveHeld(Path("/archive")),
    LockLost(Path("/archive"), "the archive folder was moved or replaced"),
    LiveElsewhere(LiveOn("desk", datetime(2026, 12, 1, 9, 2, tzinfo=UTC))),
    NotARegularFile("/dev/zero"),
    FileTooLarge(300_000_000),
]


def kapsession_errors() -> set[type[BaseException]]:
    for info in pkgutil.walk_packages(kapsession.__path__, "kapsession."):
        if ".ui" not in info.name and not info.name.endswith("__main__"):
            importlib.import_module(info.name)

    def walk(cls: type[BaseException]) -> set[type[BaseException]]:
        found = set()
        for sub in cls.__subclasses__():
            found |= {sub, *walk(sub)}
        return found

    return {c for c in walk(BaseException) if c.__module__.startswith("kapsession")}


def test_every_error_class_has_a_sample() -> None:
    # A new error class must be added to SAMPLES, so it is checked too.
    assert kapsession_errors() <= {type(e) for e in SAMPLES}


@pytest.mark.parametrize("error", SAMPLES, ids=lambda e: type(e).__name__)
def test_errors_survive_pickling(error: BaseException) -> None:
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is type(error)
    assert str(again) == str(error)
    assert vars(again) == vars(error)
