"""A session's summary: what the archive list, the client history and ``list`` show.

Summaries live in the archive's index, so listing 10,000 sessions opens no session file.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, NamedTuple

from .session import Session
from .times import to_iso

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
        # Made again after every save: one pass over the entries, not one per figure (a
        # session of 2,000 entries took four).
        entries = flagged = 0
        given: float | None = None
        for e in s.entries:
            kind = e.kind
            if kind == "system":
                continue
            entries += 1
            if (e.flagged or kind in ("dose", "booster")) and (
                    not e.history or e.struck is None):
                flagged += e.flagged
                if kind in ("dose", "booster"):
                    given = (given or 0.0) + float(e.values.get("mg") or 0)
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
            dose_mg=round(given, 2) if given is not None else s.planned_dose_mg,
            duration_min=int(duration.total_seconds() // 60) if duration is not None else None,
            entries=entries,
            flagged=flagged,
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
