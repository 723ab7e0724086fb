"""Vital signs: the limits of what is possible, and the ranges a clinic wants flagged."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import ValidationError

# What a human body can show at all; outside these a value is a typing mistake, refused.
LIMITS: dict[str, tuple[int, int]] = {
    "systolic": (50, 300),
    "diastolic": (20, 200),
    "heart_rate": (20, 250),
    "spo2": (50, 100),
    "resp_rate": (4, 60),
}

LABELS = {
    "systolic": "systolic BP",
    "diastolic": "diastolic BP",
    "heart_rate": "heart rate",
    "spo2": "SpO₂",
    "resp_rate": "respiratory rate",
}


def _int_field(field: str, value: object, *, required: bool) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError(field, "is required")
        return None
    if isinstance(value, bool):
        raise ValidationError(field, "must be a whole number")
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise ValidationError(field, "must be a whole number") from None
    if isinstance(value, float):
        if not value.is_integer():
            raise ValidationError(field, "must be a whole number")
        value = int(value)
    if not isinstance(value, int):
        raise ValidationError(field, "must be a whole number")
    low, high = LIMITS[field]
    if not low <= value <= high:
        raise ValidationError(field, f"{value} is outside {low}–{high}")
    return value


@dataclass(frozen=True)
class Vitals:
    """One set of vital signs. Blood pressure is in mmHg, heart rate in beats per minute."""

    systolic: int | None = None
    diastolic: int | None = None
    heart_rate: int | None = None
    spo2: int | None = None
    resp_rate: int | None = None

    @classmethod
    def create(
        cls,
        *,
        systolic: object = None,
        diastolic: object = None,
        heart_rate: object = None,
        spo2: object = None,
        resp_rate: object = None,
        require_all: bool = True,
    ) -> Vitals:
        """Validate and build from typed values (text or numbers). With ``require_all``, BP,
        heart rate and SpO₂ must be given."""
        return cls(
            systolic=_int_field("systolic", systolic, required=require_all),
            diastolic=_int_field("diastolic", diastolic, required=require_all),
            heart_rate=_int_field("heart_rate", heart_rate, required=require_all),
            spo2=_int_field("spo2", spo2, required=require_all),
            resp_rate=_int_field("resp_rate", resp_rate, required=False),
        )

    def __post_init__(self) -> None:
        # Built directly or through create/from_dict, the same limits: what is saved opens again.
        for name, (low, high) in LIMITS.items():
            value = getattr(self, name)
            if value is None:
                continue
            if type(value) is not int:  # not bool, not float: stored as a whole number
                raise ValidationError(name, "must be a whole number")
            if not low <= value <= high:
                raise ValidationError(name, f"{value} is outside {low}–{high}")
        if (self.systolic is None) != (self.diastolic is None):
            raise ValidationError("diastolic" if self.diastolic is None else "systolic",
                                  "blood pressure needs both systolic and diastolic")
        if (self.systolic is not None and self.diastolic is not None
                and self.diastolic >= self.systolic):
            raise ValidationError("diastolic", "must be below systolic")

    @property
    def empty(self) -> bool:
        return all(getattr(self, f) is None for f in LIMITS)

    def to_dict(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in LIMITS if getattr(self, f) is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Vitals:
        return cls.create(**{f: data.get(f) for f in LIMITS}, require_all=False)

    def short(self) -> str:
        """``BP 128/82 · HR 74 · SpO₂ 98%`` with only the values present."""
        parts = []
        if self.systolic is not None:
            parts.append(f"BP {self.systolic}/{self.diastolic}")
        if self.heart_rate is not None:
            parts.append(f"HR {self.heart_rate}")
        if self.spo2 is not None:
            parts.append(f"SpO₂ {self.spo2}%")
        if self.resp_rate is not None:
            parts.append(f"RR {self.resp_rate}")
        return " · ".join(parts) if parts else "—"


@dataclass(frozen=True)
class VitalsThresholds:
    """Where a clinic wants a value flagged (defaults: DOMAIN.md, "Monitoring")."""

    systolic_high: int = 140
    diastolic_high: int = 90
    heart_rate_high: int = 120
    heart_rate_low: int = 50
    spo2_low: int = 94

    def flags(self, v: Vitals) -> list[str]:
        """The reasons these vitals are out of range, as short phrases; empty when all is well."""
        out = []
        if v.systolic is not None and v.systolic > self.systolic_high:
            out.append(f"systolic above {self.systolic_high}")
        if v.diastolic is not None and v.diastolic > self.diastolic_high:
            out.append(f"diastolic above {self.diastolic_high}")
        if v.heart_rate is not None and v.heart_rate > self.heart_rate_high:
            out.append(f"heart rate above {self.heart_rate_high}")
        if v.heart_rate is not None and v.heart_rate < self.heart_rate_low:
            out.append(f"heart rate below {self.heart_rate_low}")
        if v.spo2 is not None and v.spo2 < self.spo2_low:
            out.append(f"SpO₂ below {self.spo2_low}%")
        return out
