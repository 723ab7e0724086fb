"""The fixed vocabularies of a session: routes, medicines, statuses, entry kinds, scales.

Keys are what is stored; labels are what a therapist reads. One name for one idea.
"""

from __future__ import annotations

ROUTES: dict[str, str] = {
    "iv": "IV",
    "im": "IM",
    "sublingual": "sublingual-buccal",
    "intranasal": "intranasal",
    "oral": "oral",
}

MEDICINES: dict[str, str] = {
    "ketamine": "ketamine",
    "esketamine": "esketamine",
    "other": "other",
}

STATUSES = ("planned", "live", "ended", "signed")

# What a session of the course is: a dosing session, or a visit without medicine (DOMAIN.md,
# "A course"). A visit has no route, dose or effect clock.
SESSION_KINDS: dict[str, str] = {
    "dosing": "dosing session",
    "preparation": "preparation visit",
    "integration": "integration visit",
}
VISIT_KINDS = ("preparation", "integration")

ENTRY_KINDS: dict[str, str] = {
    "note": "note",
    "dose": "dose",
    "booster": "booster",
    "vitals": "vitals",
    "side_effect": "side effect",
    "rating": "rating",
    "prompt": "prompt used",
    "rescue": "rescue",  # a kind column is 13 wide; the entry names the drug
    "system": "system",
    "device": "device",
    "infusion": "infusion",
}

#: An IV infusion is charted as events: its start (T0 when no dose was marked), each rate
#: change, and its stop (the observation then counts from the stop).
INFUSION_EVENTS: dict[str, str] = {
    "start": "Infusion started",
    "rate": "Infusion rate changed",
    "stop": "Infusion stopped",
}
#: Intranasal devices per dose: 56 mg is two 28 mg devices, 84 mg three (Spravato label).
DEVICES_MAX = 10

SIDE_EFFECTS: dict[str, str] = {
    "nausea": "nausea",
    "vomiting": "vomiting",
    "dizziness": "dizziness",
    "headache": "headache",
    "anxiety": "anxiety/agitation",
    "elevated_bp": "elevated BP",
    "elevated_hr": "elevated heart rate",
    "low_spo2": "low SpO₂",
    "excessive_sedation": "excessive sedation",
    # Schema 2 charted a rescue medication as this side effect with free text; such entries
    # still read. From schema 3 a rescue medication is its own entry kind ("rescue").
    "rescue_medication": "rescue medication given",
    "other": "other",
}
#: The side effects a therapist is offered (the kept-for-reading one left out).
SIDE_EFFECTS_OFFERED = tuple(k for k in SIDE_EFFECTS if k != "rescue_medication")

SEVERITIES: dict[str, str] = {
    "mild": "mild",
    "moderate": "moderate",
    "severe": "severe",
}

# How a rescue medication was given, as a chart writes it (e.g. "ondansetron 4 mg ODT").
RESCUE_ROUTES: dict[str, str] = {
    "po": "PO",
    "odt": "ODT",
    "sl": "SL",
    "in": "IN",
    "im": "IM",
    "iv": "IV",
}
RESCUE_ROUTE_HELP: dict[str, str] = {
    "po": "by mouth",
    "odt": "orally dissolving tablet",
    "sl": "under the tongue",
    "in": "intranasal",
    "im": "intramuscular",
    "iv": "intravenous",
}

# Sedation: Modified Observer's Assessment of Alertness/Sedation (DOMAIN.md, "Monitoring").
MOAAS_LEVELS: dict[int, str] = {
    5: "responds readily to name in normal tone",
    4: "lethargic response to name in normal tone",
    3: "responds only after name is called loudly or repeatedly",
    2: "responds only after mild prodding or shaking",
    1: "responds only after painful trapezius squeeze",
    0: "no response",
}

DISSOCIATION_LEVELS: dict[int, str] = {
    0: "none",
    1: "mild",
    2: "moderate",
    3: "strong",
    4: "extreme",
}

SCALES: dict[str, tuple[str, dict[int, str]]] = {
    "moaas": ("sedation (MOAA/S)", MOAAS_LEVELS),
    "dissociation": ("dissociation", DISSOCIATION_LEVELS),
}

PROMPT_SITUATIONS: dict[str, str] = {
    "anxiety": "anxiety or fear",
    "overwhelm": "overwhelm",
    "nausea": "nausea or discomfort",
    "disorientation": "disorientation on return",
    "closing": "re-entry and closing",
}


def route_label(key: str | None) -> str:
    """The route as read; '' for a visit, which has none."""
    return ROUTES.get(key, key) if key else ""
