"""The course of one client: every session and visit in order, and how the scores went.

Pure: it takes sessions and returns what the course screen, ``kapsession client`` and the
charts show. Definitions (DOMAIN.md, "Outcome measures"): **response** is a PHQ-9 down by at
least 50 % from the course's first PHQ-9; **remission** is a PHQ-9 below 5; any PHQ-9 item 9
above 0 is marked on its session.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from .outcomes import GAD7_BANDS, PHQ9_BANDS, band
from .session import Session
from .vitals import Vitals

REMISSION_BELOW = 5  # PHQ-9
RESPONSE_DROP = 0.5  # PHQ-9 down by at least half from the course's first


@dataclass(frozen=True)
class Score:
    """One PHQ-9 or GAD-7 total, where it was taken and what it means in the course."""

    scale: str  # "phq9" or "gad7"
    value: int
    at: datetime  # the session's date (pre) or its end (post)
    when: str  # "before" or "after" the session
    band: str
    change: int | None  # from the course's first score of the scale; None for the first
    response: bool = False
    remission: bool = False

    @property
    def label(self) -> str:
        """``PHQ-9 12 moderate (−6 from first) · response``."""
        name = "PHQ-9" if self.scale == "phq9" else "GAD-7"
        text = f"{name} {self.when} {self.value} {self.band}"
        if self.change is not None:
            sign = "+" if self.change > 0 else "−" if self.change < 0 else "±"
            text += f" ({sign}{abs(self.change)} from first)"
        marks = [m for m, on in (("response", self.response), ("remission", self.remission))
                 if on]
        return text + "".join(f" · {m}" for m in marks)


@dataclass(frozen=True)
class CourseItem:
    """One session or visit of the course."""

    id: str
    session_no: int
    kind: str  # dosing, preparation, integration
    dosing_no: int | None  # 1 for the course's first dosing session …; None for a visit
    date: datetime
    route: str | None
    dose_mg: float | None  # given, or planned before any dose
    dose_given: bool
    status: str
    intention: str
    scores: tuple[Score, ...]
    item9: int | None

    @property
    def item9_marked(self) -> bool:
        return bool(self.item9)

    @property
    def is_visit(self) -> bool:
        return self.kind != "dosing"


@dataclass(frozen=True)
class Course:
    client: str
    items: tuple[CourseItem, ...]

    @property
    def scores(self) -> list[Score]:
        return [sc for item in self.items for sc in item.scores]

    def series(self, scale: str) -> list[Score]:
        return [sc for sc in self.scores if sc.scale == scale]

    @property
    def dosing_dates(self) -> list[datetime]:
        return [i.date for i in self.items if i.kind == "dosing"]

    @property
    def latest_phq9(self) -> Score | None:
        phq = self.series("phq9")
        return phq[-1] if phq else None

    @property
    def dosing_count(self) -> int:
        return sum(1 for i in self.items if i.kind == "dosing")

    @property
    def visit_count(self) -> int:
        return len(self.items) - self.dosing_count


def session_date(s: Session) -> datetime:
    """A session's place in the course: when it started, or when it was planned."""
    return s.started or s.created


def _order_key(s: Session) -> tuple[datetime, int]:
    return session_date(s), s.session_no


def build_course(client: str, sessions: Iterable[Session]) -> Course:
    """The course of ``client`` from ``sessions`` (others' sessions are left out), oldest
    first. A session's "before" score is placed at its date, its "after" score at its end."""
    key = client.strip().casefold()  # as `list --client` matches: C-0042 is c-0042
    own = sorted((s for s in sessions if s.client.casefold() == key), key=_order_key)
    first: dict[str, int] = {}
    items = []
    dosing_no = 0
    for s in own:
        if s.kind == "dosing":
            dosing_no += 1
        scores = []
        for scale, bands in (("phq9", PHQ9_BANDS), ("gad7", GAD7_BANDS)):
            for when, at in (("before", session_date(s)), ("after", s.ended or session_date(s))):
                value = s.outcomes.get(f"{scale}_{'pre' if when == 'before' else 'post'}")
                if value is None:
                    continue
                if scale in first:
                    base, change = first[scale], value - first[scale]
                else:  # the course's first score of this scale: what change is measured from
                    base, change = first.setdefault(scale, value), None
                scores.append(Score(
                    scale=scale, value=value, at=at, when=when, band=band(value, bands),
                    change=change,
                    response=(scale == "phq9" and change is not None and base > 0
                              and value <= base * (1 - RESPONSE_DROP)),
                    remission=scale == "phq9" and value < REMISSION_BELOW,
                ))
        scores.sort(key=lambda sc: (sc.at, sc.scale != "phq9"))  # PHQ-9 first
        given = s.total_dose_mg
        items.append(CourseItem(
            id=s.id, session_no=s.session_no, kind=s.kind,
            dosing_no=dosing_no if s.kind == "dosing" else None,
            date=session_date(s), route=s.route,
            dose_mg=given if given is not None else s.planned_dose_mg,
            dose_given=given is not None, status=s.status, intention=s.intention,
            scores=tuple(scores), item9=s.outcomes.get("phq9_item9"),
        ))
    return Course(client=own[0].client if own else client, items=tuple(items))


# ---- one session's vitals, for the chart against T+ ---------------------------------------

@dataclass(frozen=True)
class VitalsPoint:
    minutes: float  # T+ in minutes (negative before the dose)
    vitals: Vitals


def vitals_points(s: Session) -> list[VitalsPoint]:
    """The session's recorded vitals (struck ones left out) against T+. The baseline has no
    time of its own and is left out. Without a dose, T is counted from arrival."""
    zero = s.dosed or s.started or s.created
    return [VitalsPoint((e.at - zero) / timedelta(minutes=1), e.vitals)
            for e in s.vitals_entries if e.vitals is not None]
