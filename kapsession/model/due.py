"""What is due: integration visits to book, integration check-ins, sessions to sign.

Pure: it reads session summaries (the archive's index, so no session file is opened) and the
time now. The rules, each a clinic's default (DOMAIN.md, "Discharge readiness and
integration"):

- **book**: a dosing session has ended and neither its integration date nor an integration
  visit of the client falls within ``book_within_days`` of it;
- **check-in**: the latest check-in time passed since a dosing session (24 h, 72 h, 1 week,
  2 weeks, 1 month, 3 months by default), while no integration visit was held or booked from
  halfway since the check-in before it;
- **sign**: a session or visit ended more than a day ago and is not signed.

A dosing session's book and check-in items give way to the client's next dosing session, and
end once its last check-in is a booking window old (3 months and 7 days by default): by then
it is history, not something due. Items come oldest first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from .summary import SessionSummary

#: Check-in times after a dosing session, as written in the config file.
DEFAULT_CHECKINS = ("24h", "72h", "1w", "2w", "1mo", "3mo")
#: An ended session waits this long for its signature before it is listed.
SIGN_AFTER = timedelta(days=1)
CHECKINS_MAX = 20

_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1),
          "mo": timedelta(days=30)}  # a month is 30 days: a reminder, not a calendar
_OFFSET_RE = re.compile(r"\s*(\d{1,4})\s*(h|d|w|mo)\s*\Z")
_UNIT_WORDS = {"h": "h", "d": "days", "w": "week", "mo": "month"}


def parse_checkin(text: str) -> timedelta:
    """``"72h"``, ``"3d"``, ``"2w"``, ``"1mo"`` (30 days) → a time after the dose; at most
    a year. Raises ``ValueError`` with a message that says what is accepted."""
    match = _OFFSET_RE.match(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError("a check-in is a number and a unit: 24h, 3d, 2w or 1mo")
    offset = int(match.group(1)) * _UNITS[match.group(2)]
    if not timedelta(hours=1) <= offset <= timedelta(days=366):
        raise ValueError("a check-in is between 1h and a year after the session")
    return offset


def checkin_label(text: str) -> str:
    """``"72h"`` → ``72 h``, ``"1w"`` → ``1 week``, ``"3mo"`` → ``3 months``."""
    match = _OFFSET_RE.match(text)
    if match is None:
        return text
    n, unit = int(match.group(1)), match.group(2)
    word = _UNIT_WORDS[unit]
    if unit in ("w", "mo") and n != 1:
        word += "s"
    return f"{n} {word}"


@dataclass(frozen=True)
class DueItem:
    what: str  # "book", "checkin" or "sign"
    since: datetime  # when it fell due (the list is ordered by it, oldest first)
    session_id: str
    client: str
    session_no: int
    session_kind: str
    ended: datetime | None
    #: book: the last day the visit should fall on; check-in: which one ("72h").
    by: datetime | None = None
    checkin: str = ""
    #: book: the integration date set for the session, later than the window.
    booked: datetime | None = None


@dataclass(frozen=True)
class DueRules:
    book_within_days: int = 7
    checkins: Sequence[str] = DEFAULT_CHECKINS


def _date(s: SessionSummary) -> datetime:
    return s.started or s.created


def due_items(summaries: Iterable[SessionSummary], now: datetime,
              rules: DueRules = DueRules()) -> list[DueItem]:
    """Everything due at ``now``, oldest first."""
    by_client: dict[str, list[SessionSummary]] = {}
    for s in summaries:
        by_client.setdefault(s.client, []).append(s)
    offsets = sorted((parse_checkin(c), c) for c in rules.checkins)
    window = timedelta(days=rules.book_within_days)
    # A dosing session whose reference time is older than this has nothing due any more.
    quiet = now - (offsets[-1][0] if offsets else timedelta(0)) - window
    out: list[DueItem] = []
    for sessions in by_client.values():
        sessions.sort(key=_date)
        visits = [_date(s) for s in sessions if s.kind == "integration"]
        dosing = [s for s in sessions if s.kind == "dosing"]
        for i, s in enumerate(dosing):
            if (s.status in ("ended", "signed") and s.ended is not None and s.ended <= now
                    and (s.dosed or s.started or s.ended) >= quiet):
                nxt = next((_date(d) for d in dosing[i + 1:] if d.status != "planned"), None)
                if nxt is None or nxt > now:
                    out.extend(_integration_due(s, now, visits, window, offsets))
        for s in sessions:
            if s.status == "ended" and s.ended is not None and now - s.ended >= SIGN_AFTER:
                out.append(_item(s, "sign", s.ended + SIGN_AFTER))
    out.sort(key=lambda d: (d.since, d.client, d.session_no))
    return out


def _item(s: SessionSummary, what: str, since: datetime, **kw: object) -> DueItem:
    return DueItem(what=what, since=since, session_id=s.id, client=s.client,
                   session_no=s.session_no, session_kind=s.kind, ended=s.ended,
                   **kw)  # type: ignore[arg-type]


def _integration_due(s: SessionSummary, now: datetime, visits: list[datetime],
                     window: timedelta, offsets: list[tuple[timedelta, str]]) -> list[DueItem]:
    assert s.ended is not None
    ref = s.dosed or s.started or s.ended
    out = []
    last_day = (ref + window).date()
    planned = s.integration_date
    in_window = planned is not None and ref.date() <= planned <= last_day
    visit_in_window = any(ref <= v and v.date() <= last_day for v in visits)
    if not (in_window or visit_in_window):
        booked = None
        if planned is not None and planned > last_day:
            booked = datetime.combine(planned, datetime.min.time(), ref.tzinfo)
        out.append(_item(s, "book", s.ended, by=ref + window, booked=booked))
    passed = [(i, off, text) for i, (off, text) in enumerate(offsets) if ref + off <= now]
    if passed:
        i, off, text = passed[-1]
        before = offsets[i - 1][0] if i else timedelta(0)
        covered_from = ref + (before + off) / 2  # halfway since the check-in before it
        if not any(v >= covered_from for v in visits):
            out.append(_item(s, "checkin", ref + off, checkin=text))
    return out
