"""The home list's filter grammar.

A filter is words separated by spaces; a session must match every word:

- a date or date prefix, optionally with a comparison: ``2026-11``, ``2026-11-03``, ``2026``,
  ``>=2026-10-01``, ``<2026-01-01``, ``>2026-03``, ``<=2026``;
- ``client:C-0042`` (or ``c:C-0042``): the client code exactly (case-insensitive);
- ``status:signed`` (or ``s:live``): the status;
- ``"two words"``: a phrase;
- any other word: found in the client code, the route or the intention, or (when the caller
  searches session text too) in the notes.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from datetime import date

from .errors import ValidationError
from .summary import SessionSummary
from .vocab import STATUSES, route_label

FILTER_MAX = 500
_DATE = re.compile(r"^(>=|<=|>|<|=)?(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


@dataclass(frozen=True)
class DateCond:
    op: str  # one of = >= <= > <
    start: date  # first day of the period
    end: date  # first day after the period

    def matches(self, day: date) -> bool:
        if self.op == "=":
            return self.start <= day < self.end
        if self.op == ">=":
            return day >= self.start
        if self.op == ">":
            return day >= self.end
        if self.op == "<":
            return day < self.start
        return day < self.end  # <=


@dataclass(frozen=True)
class Filter:
    dates: tuple[DateCond, ...] = ()
    client: str | None = None
    status: str | None = None
    words: tuple[str, ...] = field(default=())

    @property
    def empty(self) -> bool:
        return not (self.dates or self.client or self.status or self.words)

    def matches_summary(self, s: SessionSummary, *, words: bool = True) -> bool:
        """Whether ``s`` passes; with ``words=False`` the free words are left to the caller."""
        if self.client is not None and s.client.lower() != self.client:
            return False
        if self.status is not None and s.status != self.status:
            return False
        if self.dates:
            day = s.date.astimezone().date()
            if not all(d.matches(day) for d in self.dates):
                return False
        if words and self.words:
            hay = summary_haystack(s)
            return all(w in hay for w in self.words)
        return True


def summary_haystack(s: SessionSummary) -> str:
    return f"{s.client}\n{route_label(s.route)}\n{s.intention}".lower()


def _period(year: int, month: int | None, day: int | None) -> tuple[date, date]:
    if day is not None:
        start = date(year, month or 1, day)
        return start, date.fromordinal(start.toordinal() + 1)
    if month is not None:
        start = date(year, month, 1)
        return start, date(year + (month == 12), month % 12 + 1, 1)
    return date(year, 1, 1), date(year + 1, 1, 1)


def parse_date_cond(word: str) -> DateCond | None:
    """``>=2026-10-01`` → a condition; ``None`` when the word is not a date at all."""
    m = _DATE.match(word)
    if not m:
        return None
    op, y, mo, d = m.group(1) or "=", int(m.group(2)), m.group(3), m.group(4)
    if not 1900 <= y <= 2199 and not m.group(1) and not mo:
        return None  # "0042" is part of a client code, not the year 42
    try:
        start, end = _period(y, int(mo) if mo else None, int(d) if d else None)
    except ValueError:
        raise ValidationError("filter", f"{word!r} is not a real date") from None
    return DateCond(op=op, start=start, end=end)


def parse_filter(text: str) -> Filter:
    """Parse a filter; raises :class:`ValidationError` with a message for the filter box."""
    if len(text) > FILTER_MAX:
        raise ValidationError("filter", f"the limit is {FILTER_MAX} characters")
    try:
        words = shlex.split(text)
    except ValueError:
        words = text.replace('"', " ").split()
    dates: list[DateCond] = []
    client = status = None
    free: list[str] = []
    for word in words:
        key, sep, value = word.partition(":")
        if sep and key.lower() in ("client", "c"):
            if not value:
                raise ValidationError("filter", "client: needs a client code")
            client = value.lower()
        elif sep and key.lower() in ("status", "s") and value:
            if value.lower() not in STATUSES:
                raise ValidationError("filter", f"status is one of {', '.join(STATUSES)}")
            status = value.lower()
        elif (cond := parse_date_cond(word)) is not None:
            dates.append(cond)
        elif word.strip():
            free.append(word.lower())
    return Filter(dates=tuple(dates), client=client, status=status, words=tuple(free))
