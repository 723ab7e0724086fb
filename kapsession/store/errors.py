"""Errors the archive raises. Messages name files and sessions, never note text."""

from __future__ import annotations

from ..model.errors import KapsessionError


class ArchiveError(KapsessionError):
    """Base class for archive problems a person should read."""


class ArchiveReadOnly(ArchiveError):
    """This process may only read the archive: another kapsession process holds it, or its
    lock cannot be used. ``reason`` says which."""

    #: Why an archive is read-only when another window holds it.
    HELD_ELSEWHERE = "it is open in another kapsession window"

    def __init__(self, path: object, reason: str | None = None) -> None:
        self.path = path
        self.reason = reason
        super().__init__(
            f"the archive {path} is read-only: {reason or self.HELD_ELSEWHERE}. You can "
            "review and export, but not change anything"
        )


class UnknownSession(ArchiveError, KeyError):
    def __init__(self, ref: str) -> None:
        self.ref = ref
        super().__init__(f"no session with id {ref[:32]!r}")

    def __str__(self) -> str:  # KeyError would add quotes around the message
        return self.args[0]


class SessionUnreadable(UnknownSession):
    """The session's file cannot be read (damaged, unreadable, or from a newer kapsession).
    ``problem`` names the file and what is wrong, never what it holds."""

    def __init__(self, ref: str, problem: str) -> None:
        self.ref = ref
        self.problem = problem
        ArchiveError.__init__(self, problem)


class AmbiguousSessionId(ArchiveError, KeyError):
    def __init__(self, ref: str, count: int) -> None:
        super().__init__(f"{ref!r} matches {count} sessions; type more of the id")

    def __str__(self) -> str:
        return self.args[0]


class StorageError(ArchiveError):
    """Writing to disk failed (disk full, I/O error). Nothing stored before was changed."""

    def __init__(self, what: str, exc: OSError) -> None:
        self.errno = exc.errno
        reason = exc.strerror or type(exc).__name__
        super().__init__(f"could not save {what}: {reason}. Nothing already saved was changed; "
                         "try again once the problem is fixed")


class FutureSchema(ArchiveError):
    """A file written by a newer kapsession; left untouched."""


class MissingHeader(ArchiveError):
    """Sealed (encrypted) files without the ``encryption.json`` that opens them.

    Nothing is opened, set aside or written: a new key or plain files there would leave the
    sealed ones unreadable for ever."""

    def __init__(self, root: object) -> None:
        super().__init__(f"{root} holds encrypted files but its encryption.json is missing, and "
                         "without it they cannot be opened: restore encryption.json from a "
                         "backup of this archive. Nothing was changed")
