"""Monitoring protocols: which checks a session needs, how often, and the minimum observation.

A protocol is a clinic's choice (all defaults below are configurable); a session keeps its
own copy of the protocol it was run under, so a later config change does not rewrite history.
The minimum observation counts from the **last** dose or booster (DOMAIN.md, "Monitoring":
"After a booster, the minimum observation counts from the booster").

Pure: no clock is read here; every function takes the session and ``now``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from . import vocab
from .errors import ValidationError
from .text import SHORT_MAX, clean_text

if TYPE_CHECKING:
    from .session import Session

NAME_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,31}\Z")
OBSERVATION_MIN, OBSERVATION_MAX = 30, 480
FIRST_CHECK_MIN, FIRST_CHECK_MAX = 5, 240
EVERY_MAX = 120
#: A protocol without repeating checks asks for one more "before discharge": due this long
#: before the minimum observation ends.
BEFORE_DISCHARGE = timedelta(minutes=10)


@dataclass(frozen=True)
class Protocol:
    """A monitoring protocol.

    ``first_check_min``: the first vitals check, minutes after the dose; ``check_every_min``:
    then every so many minutes after the last vitals (0: no repeating checks, only one more
    before discharge); ``rems``: the session fills the Spravato REMS monitoring form.
    """

    name: str
    label: str
    medicines: tuple[str, ...] = ()
    routes: tuple[str, ...] = ()
    min_observation_min: int = 120
    first_check_min: int = 40
    check_every_min: int = 15
    rems: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not NAME_RE.match(self.name):
            raise ValidationError("protocol.name", "1–32 lower-case letters, digits and -")
        if not isinstance(self.label, str) or not clean_text(self.label, multiline=False) \
                or len(self.label) > SHORT_MAX:
            raise ValidationError("protocol.label", f"one line of 1–{SHORT_MAX} characters")
        object.__setattr__(self, "label", clean_text(self.label, multiline=False))
        for name, allowed in (("medicines", vocab.MEDICINES), ("routes", vocab.ROUTES)):
            value = getattr(self, name)
            if isinstance(value, str) or not isinstance(value, (list, tuple)) or \
                    any(v not in allowed for v in value):
                raise ValidationError(f"protocol.{name}", "must be a list of: "
                                      + ", ".join(allowed))
            object.__setattr__(self, name, tuple(value))
        for name, low, high in (("min_observation_min", OBSERVATION_MIN, OBSERVATION_MAX),
                                ("first_check_min", FIRST_CHECK_MIN, FIRST_CHECK_MAX),
                                ("check_every_min", 0, EVERY_MAX)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or \
                    not low <= value <= high:
                raise ValidationError(f"protocol.{name}", f"must be a whole number {low}–{high}")
        if not isinstance(self.rems, bool):
            raise ValidationError("protocol.rems", "must be true or false")

    def matches(self, medicine: str, route: str) -> bool:
        return (not self.medicines or medicine in self.medicines) and \
            (not self.routes or route in self.routes)

    def schedule_text(self) -> str:
        """The check schedule in words, for the preparation form and the export."""
        text = f"vitals at {self.first_check_min} min"
        if self.check_every_min:
            text += f", then every {self.check_every_min} min until discharge"
        else:
            text += " and once more before discharge"
        return f"{text}; observation ≥ {self.min_observation_min} min after the last dose"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "label": self.label, "medicines": list(self.medicines),
            "routes": list(self.routes), "min_observation_min": self.min_observation_min,
            "first_check_min": self.first_check_min, "check_every_min": self.check_every_min,
            "rems": self.rems,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Protocol:
        if not isinstance(data, dict):
            raise ValueError("protocol: expected an object")
        try:
            return cls(name=data["name"], label=data["label"],
                       medicines=tuple(data.get("medicines") or ()),
                       routes=tuple(data.get("routes") or ()),
                       min_observation_min=data["min_observation_min"],
                       first_check_min=data["first_check_min"],
                       check_every_min=data["check_every_min"], rems=data.get("rems", False))
        except ValidationError as exc:
            raise ValueError(f"{exc.field}: {exc.problem}") from None


# Sourced defaults (DOMAIN.md, "Monitoring"): the Spravato label and REMS (BP before, at
# ~40 min and until it settles; observation ≥ 2 h); IV services' BP every 10 min during and
# after the infusion; IM in clinic ~every 15–20 min; sublingual/lozenge in clinic BP before and
# after (plasma peak ~45 min, Chong 2009); remote lozenge at home: a sitter checks every 15
# min (Journey Clinical). Clinics observe 2–3 h: 120 min is the lower end.
DEFAULT_PROTOCOLS: tuple[Protocol, ...] = (
    Protocol("esketamine-rems", "Esketamine (Spravato REMS)", ("esketamine",), ("intranasal",),
             min_observation_min=120, first_check_min=40, check_every_min=0, rems=True),
    Protocol("iv-infusion", "IV infusion", (), ("iv",),
             min_observation_min=120, first_check_min=10, check_every_min=10),
    Protocol("im-clinic", "IM in clinic", (), ("im",),
             min_observation_min=120, first_check_min=15, check_every_min=15),
    Protocol("sublingual-clinic", "Sublingual or lozenge in clinic", (), ("sublingual", "oral"),
             min_observation_min=120, first_check_min=45, check_every_min=0),
    Protocol("remote-lozenge", "Remote lozenge (sitter at home)", (),
             ("sublingual", "oral"),
             min_observation_min=120, first_check_min=15, check_every_min=15),
)


def pick_protocol(protocols: tuple[Protocol, ...] | list[Protocol], medicine: str,
                  route: str) -> Protocol | None:
    """The first protocol made for this medicine and route (the preparation form's default)."""
    for protocol in protocols:
        if protocol.matches(medicine, route):
            return protocol
    return None


@dataclass(frozen=True)
class Observation:
    """The minimum observation before discharge, at one instant.

    ``since`` is the last dose or booster still standing, or an IV infusion's stop when later
    (``None`` before any dose; then ``ends_at`` is ``None`` and ``passed`` is False).
    """

    minimum_minutes: int
    since: datetime | None
    ends_at: datetime | None
    passed: bool
    left: timedelta | None = field(default=None)


def observation_anchor(session: Session) -> datetime | None:
    """When the minimum observation starts counting: the last dose, booster or intranasal
    device standing, or the stop of an IV infusion when that came later (observation
    follows the whole administration)."""
    doses = session.doses
    if not doses:
        return None
    # The last intranasal device ends the administration as a booster would (found in a
    # walk-through: three devices five minutes apart counted from the first).
    later = [e.at for e in session.entries if e.struck is None and (
        e.kind == "device" or (e.kind == "infusion" and e.values.get("event") == "stop"))]
    return max([e.at for e in doses] + later)


def observation(session: Session, now: datetime, default_minutes: int = 120) -> Observation:
    """The observation at ``now`` (counted until discharge, not just until Finish)."""
    minimum = session.protocol.min_observation_min if session.protocol else default_minutes
    since = observation_anchor(session)
    if since is None:
        return Observation(minimum, None, None, False, None)
    ends = since + timedelta(minutes=minimum)
    at = min(now, session.discharged) if session.discharged else now
    return Observation(minimum, since, ends, at >= ends, max(timedelta(0), ends - at))


@dataclass(frozen=True)
class Check:
    """The next vitals check: when, and which one (``"scheduled"`` or ``"before discharge"``)."""

    due: datetime
    label: str


def next_check(session: Session, now: datetime, *, first_min: int, every_min: int,
               default_minutes: int = 120) -> Check | None:
    """The next vitals check under the session's protocol (or the given fallback schedule).

    Checks run from the dose until discharge: Finish does not stop them. A protocol without
    repeating checks asks for one more before discharge, once the scheduled ones are done.
    """
    if session.dosed is None or session.status not in ("live", "ended") or session.discharged:
        return None
    if session.protocol is not None:
        first_min = session.protocol.first_check_min
        every_min = session.protocol.check_every_min
    after = [e.at for e in session.vitals_entries if e.at >= session.dosed]
    first = session.dosed + timedelta(minutes=first_min)
    # A check taken a little early (within an eighth of the wait: 5 min of the REMS 40)
    # counts as the first one. A third let a BP at T+27 stand for the one at about 40 min,
    # and the app stopped asking for it (found in a walk-through).
    slack = timedelta(minutes=first_min / 8)
    done_first = [t for t in after if t >= first - slack]
    if not done_first:
        return Check(first, "scheduled")
    if every_min:
        return Check(done_first[-1] + timedelta(minutes=every_min), "scheduled")
    obs = observation(session, now, default_minutes)
    before = (obs.ends_at or first) - BEFORE_DISCHARGE
    if any(t >= before for t in done_first[1:]):
        return None
    return Check(max(before, done_first[-1] + timedelta(minutes=1)), "before discharge")
