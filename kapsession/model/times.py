"""Time helpers: the injectable clock, ISO 8601 with offset, and how times are shown (``T+``,
the big clock, durations), all rounded by one rule."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from .errors import ValidationError

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


def clock_rate(clock: Clock) -> float:
    """Seconds of ``clock`` in one real second: 1, or N for a practice clock (``--fast-clock
    N``). What a person needs real time for (the undo window) is scaled by it."""
    return float(getattr(clock, "rate", 1))


def system_clock() -> datetime:
    """The wall clock in local time with its UTC offset (what every timestamp stores)."""
    return datetime.now().astimezone()


def in_range(field: str, value: datetime) -> datetime:
    """``value`` if it carries a sane UTC offset and falls within :data:`FIRST_YEAR` to
    :data:`LAST_YEAR` (in UTC); else :class:`ValidationError` naming ``field``."""
    offset = value.utcoffset()
    if offset is None:
        raise ValidationError(field, "timestamp has no UTC offset")
    if FIRST_YEAR < value.year < LAST_YEAR and -MAX_OFFSET <= offset <= MAX_OFFSET:
        return value  # the common case, cheaply: every entry of every session read comes here
    if abs(offset) > MAX_OFFSET:
        raise ValidationError(field, "UTC offset beyond ±18 hours")
    # The year first: comparing year 1 or 9999 across offsets is safe, converting it is not.
    if not (FIRST_YEAR - 1 <= value.year <= LAST_YEAR + 1 and _EARLIEST <= value < _AFTER_LATEST):
        raise ValidationError(field, f"outside the years {FIRST_YEAR}–{LAST_YEAR}")
    return value


def date_in_range(field: str, value: date) -> date:
    """``value`` if it is a plain date within :data:`FIRST_YEAR` to :data:`LAST_YEAR`."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValidationError(field, "expected a date YYYY-MM-DD")
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValidationError(field, f"outside the years {FIRST_YEAR}–{LAST_YEAR}")
    return value


def to_iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValidationError("timestamp", "must carry a UTC offset")
    # Not remembered: a session's saves reuse each entry's stored form (Entry.to_dict), and
    # a cache here cost `list --json` more than it saved (every summary's times differ).
    return in_range("timestamp", value).isoformat(timespec="microseconds")


def from_iso(field: str, value: object) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(field, "expected an ISO 8601 timestamp, got "
                              + type(value).__name__)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(field, "is not an ISO 8601 timestamp") from None
    offset = parsed.utcoffset()
    if offset is None:
        raise ValidationError(field, "timestamp has no UTC offset")
    if FIRST_YEAR < parsed.year < LAST_YEAR and -MAX_OFFSET <= offset <= MAX_OFFSET:
        return parsed  # in_range's common case, without a call: every entry read comes here
    return in_range(field, parsed)


def date_from_iso(field: str, value: object) -> date | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(field, "expected a date YYYY-MM-DD")
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise ValidationError(field, "is not a date YYYY-MM-DD") from None
    return date_in_range(field, parsed)


# One rounding rule for every time shown, wherever it is shown: a clock's reading. A clock
# shows the whole seconds (or minutes) that have passed, so a time is rounded down (floor):
# after the dose that is truncation toward it (T+00:37:59.9 reads T+00:37), and a moment just
# before the dose still reads as before it (0.4 s before is 1 s before, never "-0"). A time
# still to go (a countdown) is the same reading seen from the other side, so it rounds up: at
# T+00:39:59.3 the clock reads 00:39:59 and the check-in due at T+00:40 is "due in 1 s".
SECOND = timedelta(seconds=1)
MINUTE = timedelta(minutes=1)

NO_DOSE = "pre-dose"
"""What the T+ column shows in a session that has no dose yet."""


def whole(delta: timedelta, unit: timedelta = SECOND, *, until: bool = False) -> int:
    """``delta`` in whole ``unit``s: rounded down, or up for a time still to go (``until``).

    Exact integer arithmetic on timedeltas, so no float ever turns -0.4 s into -0.
    """
    return -(-delta // unit) if until else delta // unit


def format_t_plus(offset: timedelta | None) -> str:
    """How a moment reads against the dose, to the minute; the one T+ format everywhere.

    ``T+00:37`` at or after the dose (``T+00:00`` at the dose itself), ``T−5 min`` before it
    (the minus sign; at least ``T−1 min``, since nothing before the dose reads as zero), and
    :data:`NO_DOSE` when the session has no dose (``offset`` is ``None``).
    """
    if offset is None:
        return NO_DOSE
    minutes = whole(offset, MINUTE)
    if minutes >= 0:
        h, m = divmod(minutes, 60)
        return f"T+{h:02d}:{m:02d}"
    return f"T\u2212{-minutes} min"


def format_clock(elapsed: timedelta | None) -> str:
    """The big clock's ``HH:MM:SS`` for a time since an event (``00:00:00`` before it)."""
    total = max(0, whole(elapsed)) if elapsed is not None else 0
    h, rem = divmod(total, 3600)
    m, s = divmod(rem, 60)
    return f"{h:02d}:{m:02d}:{s:02d}"


def format_duration(delta: timedelta, *, seconds: bool = True, until: bool = False) -> str:
    """A duration with its units: ``42 s``, ``1 min 07 s``, ``1 h 08 min``.

    Under an hour it counts seconds unless ``seconds`` is false (``12 min``); from an hour on,
    minutes. ``until`` marks a time still to go, which rounds up (see the rule above), so a
    countdown never reads ``0 s`` while there is time left. Negative durations read as zero.
    """
    delta = max(delta, timedelta(0))
    total = whole(delta, until=until)
    if seconds and total < 3600:
        m, s = divmod(total, 60)
        return f"{m} min {s:02d} s" if m else f"{s} s"
    h, m = divmod(whole(delta, MINUTE, until=until), 60)
    return f"{h} h {m:02d} min" if h else f"{m} min"


def format_minutes(minutes: int | None) -> str:
    """A duration in whole minutes with its units (``3 min``, ``2 h 11 min``); ``—`` when
    unknown."""
    if minutes is None:
        return "—"
    return format_duration(timedelta(minutes=minutes), seconds=False)


def local(value: datetime) -> datetime:
    """The same instant in the machine's local time, for display."""
    return value.astimezone()
