"""The session clock: elapsed time, phase, check-ins and observation, from stored timestamps.

Everything here is a pure function of the session and ``now``, so the clock is right after a
crash, a restart or a laptop sleep, and tests freeze it by passing a fixed ``now``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .errors import ValidationError
from .session import Session

PHASES = ("pre-dose", "onset", "peak", "return", "recovery")


@dataclass(frozen=True)
class RoutePhases:
    """Minutes after the dose at which each phase begins (onset begins at 0)."""

    peak: int
    return_: int
    end: int

    def __post_init__(self) -> None:
        if not 0 < self.peak < self.return_ < self.end <= 24 * 60:
            raise ValidationError("phases",
                                  "must satisfy 0 < peak < return < end ≤ 1440 minutes")


# Defaults from DOMAIN.md, "Routes and the effect clock" (start of each range).
DEFAULT_PHASES: dict[str, RoutePhases] = {
    "iv": RoutePhases(peak=20, return_=40, end=120),
    "im": RoutePhases(peak=10, return_=45, end=120),
    "sublingual": RoutePhases(peak=30, return_=60, end=120),
    "intranasal": RoutePhases(peak=20, return_=60, end=90),
    "oral": RoutePhases(peak=45, return_=120, end=240),
}

# The prompt situation each phase suggests (the therapist can always choose another).
PHASE_SITUATION = {
    "pre-dose": "anxiety",
    "onset": "anxiety",
    "peak": "overwhelm",
    "return": "disorientation",
    "recovery": "closing",
}


@dataclass(frozen=True)
class ClockSettings:
    phases: dict[str, RoutePhases] = field(default_factory=lambda: dict(DEFAULT_PHASES))
    first_checkin_min: int = 40
    checkin_interval_min: int = 15
    min_observation_min: int = 120


@dataclass(frozen=True)
class ClockState:
    """What the clock panel shows at one instant."""

    since_arrival: timedelta | None
    since_dose: timedelta | None
    phase: str
    progress: float  # 0..1 through the expected course
    course_end: datetime | None
    next_checkin: datetime | None
    checkin_overdue: bool
    observation_left: timedelta | None  # None before the dose
    observation_met: bool

    @property
    def suggested_situation(self) -> str:
        return PHASE_SITUATION[self.phase]


def _phases_for(session: Session, settings: ClockSettings) -> RoutePhases:
    return settings.phases.get(session.route) or DEFAULT_PHASES[session.route]


def _booster_shift(session: Session) -> timedelta:
    """A booster extends the course: the return and end move later by the booster's offset."""
    doses = session.doses
    if session.dosed is None or len(doses) < 2:
        return timedelta(0)
    return doses[-1].at - session.dosed


def phase_at(session: Session, now: datetime, settings: ClockSettings) -> str:
    if session.dosed is None:
        return "pre-dose"
    minutes = (now - session.dosed).total_seconds() / 60
    p = _phases_for(session, settings)
    shift = _booster_shift(session).total_seconds() / 60
    if minutes < p.peak:
        return "onset"
    if minutes < p.return_ + shift:
        return "peak"
    if minutes < p.end + shift:
        return "return"
    return "recovery"


def next_checkin(session: Session, settings: ClockSettings) -> datetime | None:
    """When vitals are next due: ~40 min after the dose, then every interval after the last."""
    if session.dosed is None or session.status != "live":
        return None
    due = session.dosed + timedelta(minutes=settings.first_checkin_min)
    after = [e.at for e in session.vitals_entries if e.at >= session.dosed]
    if after:
        due = max(due, after[-1] + timedelta(minutes=settings.checkin_interval_min))
    return due


def clock_state(session: Session, now: datetime, settings: ClockSettings) -> ClockState:
    # A session that has ended stops its clock at the end.
    at = min(now, session.ended) if session.ended else now
    since_arrival = at - session.started if session.started else None
    since_dose = at - session.dosed if session.dosed else None
    phase = phase_at(session, at, settings)
    course_end = None
    progress = 0.0
    observation_left = None
    observation_met = False
    if session.dosed is not None and since_dose is not None:
        p = _phases_for(session, settings)
        course_end = session.dosed + timedelta(minutes=p.end) + _booster_shift(session)
        total = (course_end - session.dosed).total_seconds()
        progress = max(0.0, min(1.0, since_dose.total_seconds() / total))
        # Observation goes on after the dosing session is finished, until discharge.
        observed = now - session.dosed
        minimum = timedelta(minutes=settings.min_observation_min)
        observation_left = max(timedelta(0), minimum - observed)
        observation_met = observed >= minimum
    due = next_checkin(session, settings)
    return ClockState(
        since_arrival=since_arrival,
        since_dose=since_dose,
        phase=phase,
        progress=progress,
        course_end=course_end,
        next_checkin=due,
        checkin_overdue=due is not None and at >= due,
        observation_left=observation_left,
        observation_met=observation_met,
    )
