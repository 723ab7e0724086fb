"""Errors the model raises. Messages name the field and never quote note text."""

from __future__ import annotations


class ValidationError(ValueError):
    """A value a person entered is out of its limits. ``field`` names the field."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


class SessionStateError(ValueError):
    """The session's status does not allow this change (for example, it is signed)."""


class SignedSessionError(SessionStateError):
    """A signed session is read-only for ever; only addenda may be added."""

    def __init__(self, session_id: str) -> None:
        super().__init__(
            f"session {session_id[:8]} is signed and locked; add an addendum to correct it"
        )
