"""Errors the model raises. Messages name the field and never quote note text."""

from __future__ import annotations

from typing import Any


def _rebuilt(cls: type[BaseException], args: tuple[Any, ...],
             state: dict[str, Any]) -> BaseException:
    exc = cls.__new__(cls, *args)
    exc.args = args
    exc.__dict__.update(state)
    return exc


class PickleSafe:
    """Mixed into every kapsession error: it unpickles to the same message and attributes.

    Python rebuilds an exception by calling ``cls(*args)``, but ours take other arguments
    than their message (a field and a problem, a path), so that call fails. An export's
    worker processes hand errors back pickled, and one that could not be rebuilt broke the
    whole worker pool. This rebuilds without calling ``__init__`` again.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        exc: BaseException = self  # type: ignore[assignment]
        return (_rebuilt, (type(self), exc.args, dict(exc.__dict__)))


class KapsessionError(PickleSafe, Exception):
    """The root of every error kapsession raises on purpose: a problem a person can read and
    act on (a bad value, a damaged file, a read-only archive). Its message names fields and
    files, never note text.

    The command line catches this root only, so anything else is a bug: it shows a traceback
    (without the message, which might quote a note) and asks to be reported.
    """


class ValidationError(KapsessionError, ValueError):
    """A value a person entered is out of its limits. ``field`` names the field."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


class SessionStateError(KapsessionError, ValueError):
    """The session's status does not allow this change (for example, it is signed)."""


class SignedSessionError(SessionStateError):
    """A signed session is read-only for ever; only addenda may be added."""

    def __init__(self, session_id: str) -> None:
        self.session_id = session_id
        super().__init__(
            f"session {session_id[:8]} is signed and locked; add an addendum to correct it"
        )
