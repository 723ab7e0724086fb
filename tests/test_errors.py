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
from kapsession.model.errors import (
    KapsessionError,
    SessionStateError,
    SignedSessionError,
    ValidationError,
)
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
    KapsessionError("something a person can act on"),
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


def test_every_error_kapsession_raises_on_purpose_has_one_root() -> None:
    # The command line catches KapsessionError only; an error class outside it would reach
    # the person as "a bug in kapsession".
    outside = {c for c in kapsession_errors() if not issubclass(c, KapsessionError)}
    assert outside == set()


def test_a_bug_shows_where_it_happened_but_not_its_message(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from kapsession import cli

    def broken(*args: object) -> int:
        note = "".join(["my ", "secret"])  # not on the source line the traceback shows
        raise RuntimeError(f"client said: {note}")  # a message that quotes a note

    monkeypatch.setitem(cli.COMMANDS, "list", broken)
    code = cli.main(["list"])
    err = capsys.readouterr().err
    assert code == cli.EXIT_BUG
    assert "Traceback" in err and "in broken" in err and "builtins.RuntimeError" in err
    assert "my secret" not in err
    assert "this is a bug in kapsession" in err


def test_a_mistake_of_the_callers_is_one_line_not_a_traceback(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from kapsession import Archive, cli

    Archive.open(tmp_path / "a").close()
    code = cli.main(["--archive", str(tmp_path / "a"), "show", "ffff"])
    err = capsys.readouterr().err
    assert code == cli.EXIT_USER_ERROR
    assert "Traceback" not in err and "no session with id 'ffff'" in err


def test_a_chained_bug_shows_every_frame_and_no_message(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from kapsession import cli

    def broken(*args: object) -> int:
        note = "".join(["my ", "secret"])
        try:
            {}[note]
        except KeyError as exc:
            raise RuntimeError(note) from exc

    monkeypatch.setitem(cli.COMMANDS, "list", broken)
    assert cli.main(["list"]) == cli.EXIT_BUG
    err = capsys.readouterr().err
    assert "builtins.KeyError" in err and "builtins.RuntimeError" in err
    assert "my secret" not in err


def test_a_bug_in_the_screens_is_reported_without_note_text(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capfd: pytest.CaptureFixture[str]) -> None:
    # Textual's own report prints the error's message and every frame's local variables.
    monkeypatch.setenv("TEXTUAL", "headless")
    from kapsession import Archive, launch
    from kapsession.ui.app import KapsessionApp

    class Crashing(KapsessionApp):
        CSS_PATH = str(Path(launch.__file__).parent / "ui" / "app.tcss")

        def on_mount(self) -> None:
            note = "".join(["my ", "secret"])  # a local a rich traceback would show
            raise RuntimeError(f"while showing {note}")

    with Archive.open(tmp_path / "a") as archive:
        code = launch._run(Crashing(archive))
    err = capfd.readouterr().err
    assert code == cli_exit_bug()
    assert "in on_mount" in err and "builtins.RuntimeError" in err
    assert "my secret" not in err


def cli_exit_bug() -> int:
    from kapsession.cli import EXIT_BUG

    return EXIT_BUG
