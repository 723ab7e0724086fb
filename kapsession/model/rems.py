"""The Spravato REMS Patient Monitoring Form, filled from the record.

:data:`FIELDS` is the one table of the form's fields, in the form's order (DOMAIN.md,
"Monitoring"): when the form changes, change this table. Each field says where its value
comes from:

- ``clinic``: the client's identity; kapsession never stores it, the clinic adds it.
- ``asked``: the therapist answers it (yes/no, or text).
- ``config``: the monitoring provider and setting, from the config file.
- ``record``: computed from what was charted (a therapist's answer overrides it).
- ``proposed``: proposed from the record, and counts as missing until the therapist confirms.

Pure: the caller passes ``provider`` (from the config) and the vitals thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from .errors import ValidationError
from .text import SHORT_MAX, optional_text, validate_lot
from .times import local

if TYPE_CHECKING:
    from .session import Entry, Session
    from .vitals import VitalsThresholds


@dataclass(frozen=True)
class RemsField:
    key: str
    label: str
    source: str  # clinic | asked | config | record | proposed
    kind: str = "text"  # text | yesno | bp
    section: str = ""


FIELDS: tuple[RemsField, ...] = (
    RemsField("patient_name", "Patient name", "clinic", section="Patient"),
    RemsField("date_of_birth", "Date of birth", "clinic", section="Patient"),
    RemsField("sex", "Sex", "clinic", section="Patient"),
    RemsField("first_treatment", "First treatment", "asked", "yesno", "Patient"),
    RemsField("enrolled", "Patient enrolled in the REMS", "asked", "yesno", "Patient"),
    RemsField("benzodiazepines", "Takes benzodiazepines", "asked", "yesno", "Medicines"),
    RemsField("non_benzo_hypnotics", "Takes non-benzodiazepine sedative hypnotics", "asked",
              "yesno", "Medicines"),
    RemsField("psychostimulants", "Takes psychostimulants", "asked", "yesno", "Medicines"),
    RemsField("maois", "Takes MAOIs", "asked", "yesno", "Medicines"),
    RemsField("provider_name", "Monitoring provider", "config", section="Provider and setting"),
    RemsField("provider_phone", "Provider phone", "config", section="Provider and setting"),
    RemsField("provider_email", "Provider email", "config", section="Provider and setting"),
    RemsField("setting_name", "Healthcare setting", "config", section="Provider and setting"),
    RemsField("setting_address", "Setting address", "config", section="Provider and setting"),
    RemsField("treatment_date", "Treatment date", "record", section="Treatment"),
    RemsField("dose", "Dose", "record", section="Treatment"),
    RemsField("lot", "Lot number", "record", section="Treatment"),
    RemsField("monitoring_minutes", "Total minutes from the first spray to the end of "
              "monitoring", "record", section="Treatment"),
    RemsField("minutes_to_ready", "Minutes until the patient would have been ready to leave",
              "record", section="Treatment"),
    RemsField("vitals_ok_before", "Vitals acceptable before dosing", "asked", "yesno",
              "Vital signs"),
    RemsField("vitals_ok_end", "Vitals acceptable before the end of the session", "asked",
              "yesno", "Vital signs"),
    RemsField("bp_pre", "BP before dosing", "record", "bp", "Vital signs"),
    RemsField("bp_40", "BP at about 40 minutes", "record", "bp", "Vital signs"),
    RemsField("bp_end", "BP before the end of the session", "record", "bp", "Vital signs"),
    RemsField("sedation", "Sedation", "proposed", "yesno", "Events"),
    RemsField("dissociation", "Dissociation", "proposed", "yesno", "Events"),
    RemsField("respiratory_depression", "Respiratory depression", "proposed", "yesno",
              "Events"),
)
FIELD_KEYS = {f.key: f for f in FIELDS}
#: The fields whose answer names an entry of the session by its id (the BP slots): what must
#: follow an entry that a sync merge gives a new id (:func:`with_entries_renamed`).
ENTRY_FIELDS = frozenset(f.key for f in FIELDS if f.kind == "bp")
#: The config keys (``rems.<key>``) that fill the provider and setting fields.
CONFIG_FIELDS = tuple(f.key for f in FIELDS if f.source == "config")
#: Fields the preparation form asks for on a REMS protocol (the medicines question).
MEDICINE_FIELDS = ("benzodiazepines", "non_benzo_hypnotics", "psychostimulants", "maois")
ANSWER_MAX = 120
#: The window to submit the form, days after the treatment.
SUBMIT_WITHIN_DAYS = 7
#: The ~40 minute BP: the vitals closest to 40 min after the dose, between these minutes.
#: Outside them nothing is proposed: the slot is missing until the therapist picks one.
BP_40_WINDOW = (35, 50)
STANDARD_DOSES = (56.0, 84.0)


def validate_answer(key: object, value: object, session: Session | None) -> Any:
    """A therapist's answer for one field: yes/no as a bool, a BP slot as ``"baseline"`` or
    an entry id of recorded vitals, text as one line. ``session`` is ``None`` when the
    answer is read from a file (the entry it names is then checked by the export)."""
    spec = FIELD_KEYS.get(key) if isinstance(key, str) else None
    if spec is None or spec.source in ("clinic", "config"):
        raise ValidationError("rems", "unknown or not answerable field")
    if spec.kind == "yesno":
        if isinstance(value, str) and value.strip().lower() in ("yes", "y", "no", "n"):
            value = value.strip().lower().startswith("y")
        if not isinstance(value, bool):
            raise ValidationError(key, "must be yes or no")
        return value
    if spec.kind == "bp":
        if not isinstance(value, str) or not value or len(value) > 16:
            raise ValidationError(key, "must be 'baseline' or a vitals entry id")
        if session is not None and value != "baseline":
            entry = next((e for e in session.vitals_entries if e.id == value), None)
            if entry is None or entry.vitals is None or entry.vitals.systolic is None:
                raise ValidationError(key, "must name recorded vitals with a BP")
        return value
    if key == "lot" and isinstance(value, str) and value.strip():
        # As a lot marked with the dose: the same rule (read back as it was written: a
        # session is None only when a stored record is read).
        return validate_lot(key, value, stored=session is None)
    text = optional_text(key, value, max_len=min(ANSWER_MAX, SHORT_MAX), multiline=False)
    if not text:
        raise ValidationError(key, "is empty (clear it instead)")
    return text


def with_entries_renamed(answers: dict[str, Any], renamed: dict[str, str]) -> dict[str, Any]:
    """``answers`` with every entry id in ``renamed`` (old id → new id) replaced by the new
    one. A sync merge renames one of two different entries that had one old ``e4``
    (:mod:`.merge`); the answers of the side whose entry was renamed must follow it."""
    if not renamed:
        return dict(answers)
    return {key: renamed.get(value, value) if key in ENTRY_FIELDS and isinstance(value, str)
            else value for key, value in answers.items()}


@dataclass(frozen=True)
class RemsValue:
    """One field as the form shows it. ``status``: recorded, answered, config, proposed,
    clinic or missing. ``note`` says more (a BP's time, an event's first time)."""

    text: str
    status: str
    note: str = ""

    @property
    def missing(self) -> bool:
        return self.status in ("missing", "proposed")


def _yesno(value: bool) -> str:
    return "yes" if value else "no"


def _t_plus(session: Session, entry: Entry) -> str:
    if session.dosed is None:
        return ""
    minutes = int((entry.at - session.dosed).total_seconds() // 60)
    return f"{minutes} min after the dose" if minutes >= 0 else f"{-minutes} min before the dose"


def bp_slots(session: Session) -> dict[str, str | None]:
    """The BP for each slot: ``"baseline"``, an entry id, or ``None``. The therapist's choice
    wins; otherwise: before dosing, the last BP before the dose (or the baseline); at ~40 min,
    the BP closest to 40 min after the dose; before the end, the last BP after that one."""
    with_bp = [e for e in session.vitals_entries if e.vitals and e.vitals.systolic is not None]
    chosen: dict[str, str | None] = {}
    pre = [e for e in with_bp if session.dosed is None or e.at <= session.dosed]
    if pre:
        chosen["bp_pre"] = pre[-1].id
    elif session.baseline is not None and session.baseline.systolic is not None:
        chosen["bp_pre"] = "baseline"
    else:
        chosen["bp_pre"] = None
    chosen["bp_40"] = None
    chosen["bp_end"] = None
    if session.dosed is not None:
        low, high = BP_40_WINDOW
        around = [e for e in with_bp
                  if timedelta(minutes=low) <= e.at - session.dosed <= timedelta(minutes=high)]
        target = session.dosed + timedelta(minutes=40)
        if around:
            chosen["bp_40"] = min(around, key=lambda e: abs(e.at - target)).id
        forty = next((e for e in with_bp if e.id == chosen["bp_40"]), None)
        end = session.discharged
        later = [e for e in with_bp if e.at > (forty.at if forty else session.dosed)
                 and (end is None or e.at <= end)]
        if later:
            chosen["bp_end"] = later[-1].id
    for key in ("bp_pre", "bp_40", "bp_end"):
        if key in session.rems:
            chosen[key] = session.rems[key]
    return chosen


def bp_choices(session: Session) -> list[tuple[str, str]]:
    """The BPs a slot can be filled with: the baseline, then each recorded BP, with times."""
    out = []
    if session.baseline is not None and session.baseline.systolic is not None:
        b = session.baseline
        out.append(("baseline", f"{b.systolic}/{b.diastolic} — the baseline, in preparation"))
    for e in session.vitals_entries:
        v = e.vitals
        if v is not None and v.systolic is not None:
            out.append((e.id, f"{v.systolic}/{v.diastolic} — {local(e.at):%H:%M}, "
                              f"{_t_plus(session, e) or 'before the dose'}"))
    return out


def _bp_text(session: Session, ref: str | None) -> tuple[str, str]:
    if ref == "baseline" and session.baseline is not None:
        v = session.baseline
        return f"{v.systolic}/{v.diastolic}", "the baseline, in preparation"
    entry = next((e for e in session.vitals_entries if e.id == ref), None)
    if entry is None or entry.vitals is None or entry.vitals.systolic is None:
        return "", ""
    v = entry.vitals
    return (f"{v.systolic}/{v.diastolic}",
            f"{local(entry.at):%H:%M}, {_t_plus(session, entry)}")


def proposals(session: Session, thresholds: VitalsThresholds | None = None) \
        -> dict[str, tuple[bool, str]]:
    """The three events proposed from the record: ``(occurred, note with the first time)``.

    Sedation: MOAA/S below 5 or "excessive sedation"; dissociation: a dissociation rating
    above 0; respiratory depression: "low SpO₂", SpO₂ under the flag threshold, or a
    respiratory rate under 10."""
    from .vitals import VitalsThresholds

    spo2_low = (thresholds or VitalsThresholds()).spo2_low
    standing = [e for e in session.entries if e.struck is None]

    def first(test: Any) -> tuple[bool, str]:
        hit = next((e for e in standing if test(e)), None)
        if hit is None:
            return False, "none recorded"
        return True, f"first at {local(hit.at):%H:%M}, {_t_plus(session, hit)}"

    def rating(e: Entry, scale: str) -> int | None:
        return e.values.get("score") if e.kind == "rating" and e.values.get("scale") == scale \
            else None

    def effect(e: Entry, *names: str) -> bool:
        return e.kind == "side_effect" and e.values.get("effect") in names

    def low_breathing(e: Entry) -> bool:
        v = e.vitals
        return v is not None and ((v.spo2 is not None and v.spo2 < spo2_low)
                                  or (v.resp_rate is not None and v.resp_rate < 10))

    return {
        "sedation": first(lambda e: (rating(e, "moaas") is not None and rating(e, "moaas") < 5)
                          or effect(e, "excessive_sedation")),
        "dissociation": first(lambda e: (rating(e, "dissociation") or 0) > 0),
        "respiratory_depression": first(lambda e: effect(e, "low_spo2") or low_breathing(e)),
    }


def dose_text(mg: float | None) -> str:
    if mg is None:
        return ""
    if mg in STANDARD_DOSES:
        return f"{mg:g} mg"
    return f"other: {mg:g} mg"


def rems_values(session: Session, provider: dict[str, str] | None = None,
                thresholds: VitalsThresholds | None = None) -> dict[str, RemsValue]:
    """Every field of the form for ``session``, in :data:`FIELDS` order."""
    provider = provider or {}
    answers = session.rems
    slots = bp_slots(session)
    events = proposals(session, thresholds)
    lots = [str(e.values["lot"]) for e in session.doses if e.values.get("lot")]
    out: dict[str, RemsValue] = {}
    for spec in FIELDS:
        key = spec.key
        if spec.source == "clinic":
            out[key] = RemsValue("", "clinic")
            continue
        if spec.source == "config":
            text = provider.get(key, "")
            out[key] = RemsValue(text, "config" if text else "missing",
                                 "" if text else f"set rems.{key} in the config")
            continue
        if spec.kind == "bp":
            text, note = _bp_text(session, slots.get(key))
            status = "answered" if key in answers else "recorded"
            out[key] = RemsValue(text, status if text else "missing", note)
            continue
        if key in answers:
            value = answers[key]
            note = events[key][1] if key in events else ""
            out[key] = RemsValue(_yesno(value) if isinstance(value, bool) else str(value),
                                 "answered", note)
            continue
        if key in events:
            occurred, note = events[key]
            out[key] = RemsValue(_yesno(occurred), "proposed", note)
            continue
        text = ""
        if key == "treatment_date" and session.dosed is not None:
            text = local(session.dosed).date().isoformat()
        elif key == "dose":
            text = dose_text(session.total_dose_mg)
        elif key == "lot":
            text = ", ".join(dict.fromkeys(lots))
        elif key == "monitoring_minutes" and session.monitoring_minutes is not None:
            text = str(session.monitoring_minutes)
        elif key == "minutes_to_ready" and session.minutes_to_ready is not None:
            text = str(session.minutes_to_ready)
        out[key] = RemsValue(text, "recorded" if text else "missing")
    return out


def missing_fields(session: Session, provider: dict[str, str] | None = None,
                   thresholds: VitalsThresholds | None = None) -> list[str]:
    """The keys of fields still empty or only proposed (the clinic's own fields excluded)."""
    return [k for k, v in rems_values(session, provider, thresholds).items() if v.missing]


def on_rems(session: Session) -> bool:
    return session.protocol is not None and session.protocol.rems
