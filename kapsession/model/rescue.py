"""Rescue medication and side-effect severity: the values, their limits and how they read.

A rescue medication is charted as drug, dose, route and the time it was given (DOMAIN.md,
"Monitoring": e.g. ondansetron 4 mg ODT for nausea, clonidine 0.1 mg PO for BP, lorazepam
0.5–1 mg for severe agitation). The clinic's list of drugs lives in the config as lines such
as ``"ondansetron 4 mg ODT"``; a line's mg and route are only what the dialog starts with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from . import vocab
from .errors import ValidationError
from .text import require_text
from .times import in_range

RESCUE_DRUG_MAX = 60
# A rescue dose is charted to the microgram (clonidine 0.075 mg, fentanyl 0.025 mg).
RESCUE_MG_PLACES = 3
RESCUE_MG_MAX = 1000

#: The defaults of the config's ``rescue.drugs`` (DOMAIN.md, "Monitoring"). Lorazepam has no
#: route: the sources name a dose range only, so the therapist says how it was given.
DEFAULT_RESCUE_DRUGS = [
    "ondansetron 4 mg ODT",
    "clonidine 0.1 mg PO",
    "lorazepam 0.5 mg",
]

_LINE_RE = re.compile(
    r"(?P<name>.+?)(?:\s+(?P<mg>\d+(?:\.\d+)?)\s*mg)?(?:\s+(?P<route>"
    + "|".join(vocab.RESCUE_ROUTES) + r"))?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class RescueDrug:
    """One drug of the clinic's list, with the dose and route the dialog starts with."""

    name: str
    mg: float | None = None
    route: str | None = None

    @property
    def label(self) -> str:
        return rescue_text(self.name, self.mg, self.route)


def parse_rescue_drug(line: object) -> RescueDrug:
    """``"ondansetron 4 mg ODT"`` → name, mg and route (both optional, in that order)."""
    text = require_text("rescue drug", line, max_len=RESCUE_DRUG_MAX + 20, multiline=False)
    match = _LINE_RE.fullmatch(text)
    if match is None:  # pragma: no cover - the name alone always matches
        raise ValidationError("rescue drug", "write it as: name [dose mg] [route]")
    mg = match["mg"]
    return RescueDrug(
        name=validate_drug(match["name"]),
        mg=validate_rescue_mg(mg) if mg is not None else None,
        route=match["route"].lower() if match["route"] else None,
    )


def validate_drug(value: object) -> str:
    return require_text("drug", value, max_len=RESCUE_DRUG_MAX, multiline=False)


def validate_rescue_mg(value: object) -> float:
    """A rescue dose in mg: more than 0, at most 1000, to the microgram."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError("mg", "enter the dose in mg")
    if isinstance(value, str):
        try:
            value = float(value.strip().removesuffix("mg").strip())
        except ValueError:
            raise ValidationError("mg", "must be a number of mg, such as 4 or 0.1") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise ValidationError("mg", "must be a number of mg, such as 4 or 0.1")
    # Rounded before the check: 0.0004 mg would be stored as 0, which no file may hold.
    value = round(float(value), RESCUE_MG_PLACES)
    if not 0 < value <= RESCUE_MG_MAX:
        raise ValidationError("mg", f"must be more than 0 and at most {RESCUE_MG_MAX} mg")
    return value


def validate_route(value: object) -> str:
    if isinstance(value, str):
        key = value.strip().lower()
        if key in vocab.RESCUE_ROUTES:
            return key
    raise ValidationError("route", "must be one of: " + ", ".join(vocab.RESCUE_ROUTES.values()))


def validate_severity(value: object) -> str | None:
    """``None`` (not rated) or one of :data:`vocab.SEVERITIES`."""
    if value is None:
        return None
    if isinstance(value, str) and value.strip().lower() in vocab.SEVERITIES:
        return value.strip().lower()
    raise ValidationError("severity", "must be one of: " + ", ".join(vocab.SEVERITIES))


def validate_given(at: object, *, now: datetime, started: datetime | None) -> datetime:
    """When a rescue medication was given: within the session, never after ``now``."""
    if not isinstance(at, datetime) or at.utcoffset() is None:
        raise ValidationError("time", "expected a time with its UTC offset")
    try:
        in_range("time", at)
    except ValueError as exc:
        raise ValidationError("time", str(exc).partition(": ")[2]) from None
    if at > now:
        raise ValidationError("time", "is in the future; enter when it was given")
    # To the minute: a time typed as HH:MM in the session's first minute is within it.
    if started is not None and at < started.replace(second=0, microsecond=0):
        raise ValidationError(
            "time", f"is before the session started ({started.astimezone():%H:%M}); enter a "
            "time within the session")
    return at


def time_of_day(text: object, now: datetime) -> datetime:
    """A typed ``HH:MM`` (or ``HHMM``) as the latest such moment not after ``now``: typed at
    00:20, "23:50" is last night's."""
    if not isinstance(text, str):
        raise ValidationError("time", "enter the time as HH:MM, e.g. 10:42")
    match = re.fullmatch(r"\s*(\d{1,2}):?(\d{2})\s*", text)
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValidationError("time", "enter the time as HH:MM, e.g. 10:42")
    local = now.astimezone()
    at = local.replace(hour=int(match[1]), minute=int(match[2]), second=0, microsecond=0)
    if at > local:
        at -= timedelta(days=1)
    return at


def rescue_text(drug: str, mg: float | None, route: str | None) -> str:
    """How a rescue medication reads everywhere: ``ondansetron 4 mg ODT``."""
    parts = [drug]
    if mg is not None:
        parts.append(f"{mg:g} mg")
    if route:
        parts.append(vocab.RESCUE_ROUTES.get(route, route))
    return " ".join(parts)


def rescue_values_text(values: dict[str, Any]) -> str:
    """A stored rescue entry's values as they read (the time given apart)."""
    return rescue_text(str(values.get("drug", "")), values.get("mg"), values.get("route"))
