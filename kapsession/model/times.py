"""Time helpers: the injectable clock, ISO 8601 with offset, and ``T+`` formatting."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

Clock = Callable[[], datetime]

# The span a session's timestamps may fall in. A valid ISO 8601 value such as year 1 or
# 9999 would be accepted by ``datetime`` and then overflow on the way to local time (every
# list, export and screen): one such session locked the therapist out of the archive.
FIRST_YEAR = 1970
LAST_YEAR = 2200
_EARLIEST = datetime(FIRST_YEAR, 1, 1, tzinfo=UTC)
_AFTER_LATEST = datetime(LAST_YEAR + 1, 1, 1, tzinfo=UTC)
# Real zones lie within ±14 h; beyond ±18 h an offset is a mistake, not a place.
MAX_OFFSET = timedelta(hours=18)


def system_clock() -> datetime:
    """The wall clock in local time with its UTC offset (what every timestamp stores)."""
    return datetime.now().astimezone()


def in_range(field: str, value: datetime) -> datetime:
    """``value`` if it carries a sane UTC offset and falls within :data:`FIRST_YEAR` to
    :data:`LAST_YEAR` (in UTC); else ``ValueError`` naming ``field``."""
    offset = value.utcoffset()
    if offset is None:
        raise ValueError(f"{field}: timestamp has no UTC offset")
    if FIRST_YEAR < value.year < LAST_YEAR and -MAX_OFFSET <= offset <= MAX_OFFSET:
        return value  # the common case, cheaply: every entry of every session read comes here
    if abs(offset) > MAX_OFFSET:
        raise ValueError(f"{field}: UTC offset beyond ±18 hours")
    # The year first: comparing year 1 or 9999 across offsets is safe, converting it is not.
    if not (FIRST_YEAR - 1 <= value.year <= LAST_YEAR + 1 and _EARLIEST <= value < _AFTER_LATEST):
        raise ValueError(f"{field}: outside the years {FIRST_YEAR}–{LAST_YEAR}")
    return value


def date_in_range(field: str, value: date) -> date:
    """``value`` if it is a plain date within :data:`FIRST_YEAR` to :data:`LAST_YEAR`."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValueError(f"{field}: expected a date YYYY-MM-DD")
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"{field}: outside the years {FIRST_YEAR}–{LAST_YEAR}")
    return value


def to_iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("timestamps must carry a UTC offset")
    return in_range("timestamp", value).isoformat(timespec="microseconds")


def from_iso(field: str, value: object) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{field}: expected an ISO 8601 timestamp, got {type(value).__name__}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{field}: {value[:40]!r} is not an ISO 8601 timestamp") from None
    offset = parsed.utcoffset()
    if offset is None:
        raise ValueError(f"{field}: timestamp has no UTC offset")
    if FIRST_YEAR < parsed.year < LAST_YEAR and -MAX_OFFSET <= offset <= MAX_OFFSET:
        return parsed  # in_range's common case, without a call: every entry read comes here
    return in_range(field, parsed)


def date_from_iso(field: str, value: object) -> date | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{field}: expected a date YYYY-MM-DD")
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{field}: {value[:20]!r} is not a date YYYY-MM-DD") from None
    return date_in_range(field, parsed)


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
