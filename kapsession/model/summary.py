"""A session's summary: what the archive list, the client history and ``list`` show.

Summaries live in the archive's index, so listing 10,000 sessions opens no session file.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from .session import Session
from .times import FIRST_YEAR, LAST_YEAR, date_in_range, in_range, to_iso
from .vocab import SESSION_KINDS

# Enough for the list, the client history and the filter; the whole intention is in the
# session file (and the note search reads it there). Longer would slow every start-up.
INTENTION_EXCERPT = 120


class SessionSummary(NamedTuple):
    """Read-only. A named tuple rather than a frozen dataclass: an archive of 10,000
    sessions builds 10,000 of these at every start-up, and a frozen dataclass's ``__init__``
    (one ``object.__setattr__`` per field) costs twice as much as the tuple."""

    id: str
    client: str
    session_no: int
    status: str
    route: str
    medicine: str
    created: datetime
    started: datetime | None
    dosed: datetime | None
    ended: datetime | None
    signed: datetime | None
    dose_mg: float | None  # total given, or the planned dose before any dose
    duration_min: int | None
    entries: int
    flagged: int
    intention: str
    integration_date: date | None
    addenda: int
    kind: str = "dosing"  # dosing, preparation or integration (last: older index rows lack it)

    @property
    def date(self) -> datetime:
        """The session's date: when it started, or when it was planned."""
        return self.started or self.created

    @classmethod
    def of(cls, s: Session) -> SessionSummary:
        duration = s.duration
        return cls(
            id=s.id,
            client=s.client,
            session_no=s.session_no,
            status=s.status,
            route=s.route,
            medicine=s.medicine,
            created=s.created,
            started=s.started,
            dosed=s.dosed,
            ended=s.ended,
            signed=s.signed,
            dose_mg=s.total_dose_mg if s.total_dose_mg is not None else s.planned_dose_mg,
            duration_min=int(duration.total_seconds() // 60) if duration is not None else None,
            entries=sum(1 for e in s.entries if e.kind != "system"),
            flagged=s.flagged_count,
            intention=s.intention[:INTENTION_EXCERPT],
            integration_date=s.integration_date,
            addenda=len(s.addenda),
            kind=s.kind,
        )

    def to_dict(self) -> dict[str, Any]:
        """As JSON values, keyed by field name in field order (``list --json`` prints this)."""
        return {
            "id": self.id,
            "client": self.client,
            "session_no": self.session_no,
            "status": self.status,
            "route": self.route,
            "medicine": self.medicine,
            "created": to_iso(self.created),
            "started": to_iso(self.started),
            "dosed": to_iso(self.dosed),
            "ended": to_iso(self.ended),
            "signed": to_iso(self.signed),
            "dose_mg": self.dose_mg,
            "duration_min": self.duration_min,
            "entries": self.entries,
            "flagged": self.flagged,
            "intention": self.intention,
            "integration_date": (self.integration_date.isoformat() if self.integration_date
                                 else None),
            "addenda": self.addenda,
            "kind": self.kind,
        }

    def to_row(self) -> list[Any]:
        """As JSON values in field order: the archive index stores summaries as rows."""
        return list(self.to_dict().values())

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> SessionSummary:
        """Rebuild from :meth:`to_row` (extra values after the fields are ignored). Called
        10,000 times when a large archive opens, so it parses directly; any surprise raises
        and the caller reads the session file instead."""
        (sid, client, session_no, status, route, medicine, created, started, dosed, ended,
         signed, dose_mg, duration_min, entries, flagged, intention, integration,
         addenda, kind) = row[:_FIELD_COUNT]
        if created is None:
            raise ValueError("created: missing")
        if kind not in SESSION_KINDS:
            raise ValueError("kind: unknown kind of session")
        return cls(sid, client, session_no, status, route, medicine,
                   _aware(created, "created"), _aware(started, "started"),
                   _aware(dosed, "dosed"), _aware(ended, "ended"), _aware(signed, "signed"),
                   dose_mg, duration_min, entries, flagged, intention,
                   date_in_range("integration_date", date.fromisoformat(integration))
                   if integration else None, addenda, kind)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SessionSummary:
        """Rebuild from :meth:`to_dict`'s keys; the optional ones may be missing (rows
        written before they existed). Any surprise raises, as in :meth:`from_row`."""
        return cls.from_row([d[k] if k not in _OPTIONAL else d.get(k, _OPTIONAL[k])
                             for k in cls._fields])


_FIELD_COUNT = len(SessionSummary._fields)
#: Fields an older row may lack, and what their absence means.
_OPTIONAL: dict[str, Any] = {
    "medicine": "ketamine", "started": None, "dosed": None, "ended": None, "signed": None,
    "dose_mg": None, "duration_min": None, "entries": 0, "flagged": 0, "intention": "",
    "integration_date": None, "addenda": 0, "kind": "dosing",
}


def _aware(value: str | None, key: str) -> datetime | None:
    if value is None:
        return None
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"{key}: timestamp has no UTC offset")
    if FIRST_YEAR < parsed.year < LAST_YEAR:  # the common case, without the full check's cost
        return parsed
    return in_range(key, parsed)
