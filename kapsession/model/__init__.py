"""The pure domain core: sessions, entries, vitals, validation and clock math.

No files, no screens: the store, the CLI, the exports and the UI all build on this.
"""

from .clock import DEFAULT_PHASES, PHASES, ClockSettings, ClockState, RoutePhases, clock_state
from .errors import KapsessionError, SessionStateError, SignedSessionError, ValidationError
from .session import (
    SCHEMA_VERSION,
    Addendum,
    ChecklistItem,
    Entry,
    Session,
    checklist_from_texts,
    validate_client_code,
    validate_dose,
)
from .summary import SessionSummary
from .tags import CATEGORIES, ParsedNote, parse_note
from .times import Clock, format_duration, format_t_plus, system_clock
from .vitals import Vitals, VitalsThresholds

__all__ = [
    "CATEGORIES",
    "DEFAULT_PHASES",
    "PHASES",
    "SCHEMA_VERSION",
    "Addendum",
    "ChecklistItem",
    "Clock",
    "ClockSettings",
    "ClockState",
    "Entry",
    "ParsedNote",
    "RoutePhases",
    "Session",
    "SessionStateError",
    "SessionSummary",
    "SignedSessionError",
    "KapsessionError",
    "ValidationError",
    "Vitals",
    "VitalsThresholds",
    "checklist_from_texts",
    "clock_state",
    "format_duration",
    "format_t_plus",
    "parse_note",
    "system_clock",
    "validate_client_code",
    "validate_dose",
]
