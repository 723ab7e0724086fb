"""Time helpers: the injectable clock, ISO 8601 with offset, and ``T+`` formatting."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The wall clock in local time with its UTC offset (what every timestamp stores)."""
    return datetime.now().astimezone()


def to_iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("timestamps must carry a UTC offset")
    return value.isoformat(timespec="microseconds")


def from_iso(field: str, value: object) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{field}: expected an ISO 8601 timestamp, got {type(value).__name__}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{field}: {value[:40]!r} is not an ISO 8601 timestamp") from None
    if parsed.tzinfo is None:
        raise ValueError(f"{field}: timestamp has no UTC offset")
    return parsed


def date_from_iso(field: str, value: object) -> date | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{field}: expected a date YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{field}: {value[:20]!r} is not a date YYYY-MM-DD") from None


def format_offset(delta: timedelta, *, seconds: bool = True, sign: str = "T") -> str:
    """``T+01:02:03`` (or ``T+01:02``); before the dose ``T-00:05:00``."""
    total = int(delta.total_seconds())
    prefix = f"{sign}+" if total >= 0 else f"{sign}-"
    total = abs(total)
    h, rem = divmod(total, 3600)
    m, s = divmod(rem, 60)
    return f"{prefix}{h:02d}:{m:02d}:{s:02d}" if seconds else f"{prefix}{h:02d}:{m:02d}"


def format_duration(delta: timedelta) -> str:
    """``1:05`` for one hour five minutes; used for countdowns and durations."""
    total = max(0, int(delta.total_seconds()))
    h, rem = divmod(total, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def format_minutes(minutes: int | None) -> str:
    """A duration in whole minutes as ``h:mm`` (``0:03``, ``2:11``); ``—`` when unknown."""
    if minutes is None:
        return "—"
    h, m = divmod(max(0, minutes), 60)
    return f"{h}:{m:02d}"


def local(value: datetime) -> datetime:
    """The same instant in the machine's local time, for display."""
    return value.astimezone()
