"""The Spravato REMS Patient Monitoring Form as a one-page markdown file, and a CSV row per
session for batch submission.

The fields, their order and where each value comes from are :data:`kapsession.model.rems.FIELDS`
(one table); this module only lays them out. The client's identity is never stored, so its
fields stay empty for the clinic to fill. What a therapist or the config typed is escaped
(markdown) or neutralised (CSV: a cell that starts like a formula gets a leading ``'``).
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ..model.rems import FIELDS, SUBMIT_WITHIN_DAYS, missing_fields, on_rems, rems_values
from ..model.times import local
from .markdown import escape_cell, escape_markdown, export_filename

if TYPE_CHECKING:
    from ..model import Session, VitalsThresholds

STATUS_TEXT = {
    "recorded": "from the record",
    "answered": "answered by the therapist",
    "config": "from the config",
    "proposed": "⚑ proposed from the record: confirm",
    "missing": "⚑ missing",
    "clinic": "the clinic adds it",
}
#: CSV columns: the session, then every field of the form in its order, then what is missing.
CSV_COLUMNS = ("session", "client_code", *(f.key for f in FIELDS), "missing")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def rems_filename(session: Session, short_id: str | None = None) -> str:
    """``YYYY-MM-DD_<client>_s<NN>_<id8>.rems.md`` beside the session's markdown export."""
    return export_filename(session, "rems.md", short_id=short_id)


def submit_by(session: Session) -> datetime | None:
    """The end of the 7-day window to submit the form (from the treatment)."""
    start = session.dosed or session.started
    return start + timedelta(days=SUBMIT_WITHIN_DAYS) if start else None


def render_rems(session: Session, provider: dict[str, str] | None = None,
                thresholds: VitalsThresholds | None = None) -> str:
    """The form for one session, as markdown (one page: a table per section)."""
    values = rems_values(session, provider, thresholds)
    missing = [k for k, v in values.items() if v.missing]
    out = [
        "# Spravato REMS Patient Monitoring Form",
        "",
        f"Filled by kapsession from session `{session.id[:8]}` · client code "
        f"{escape_markdown(session.client)} · session {session.session_no} · "
        f"{session.status}",
        "",
        "The patient's name, date of birth and sex are not stored by kapsession: the clinic "
        "adds them. ⚑ marks a field that is missing or only proposed from the record.",
    ]
    section = None
    for spec in FIELDS:
        if spec.section != section:
            section = spec.section
            out += ["", f"## {section}", "", "| field | value | source |", "|---|---|---|"]
        value = values[spec.key]
        source = STATUS_TEXT[value.status]
        if value.note:
            source += f" ({value.note})"
        out.append(f"| {escape_cell(spec.label)} | {escape_cell(value.text) or '—'} | "
                   f"{escape_cell(source)} |")
    out += ["", "## Status", ""]
    if missing:
        out.append(f"- Missing or to confirm: {len(missing)} "
                   f"({', '.join(k.replace('_', ' ') for k in missing)})")
    else:
        out.append("- Every field kapsession can fill is filled.")
    if session.signed is not None:
        signed = f"- Signed {local(session.signed):%Y-%m-%d %H:%M}"
        if session.signed_missing:
            signed += (f" with {len(session.signed_missing)} field(s) missing: "
                       + ", ".join(k.replace("_", " ") for k in session.signed_missing))
        out.append(signed)
    due = submit_by(session)
    if session.rems_submitted is not None:
        out.append(f"- Submitted {local(session.rems_submitted):%Y-%m-%d}")
    elif due is not None:
        out.append(f"- Not yet submitted; due by {local(due):%Y-%m-%d} "
                   f"(within {SUBMIT_WITHIN_DAYS} days of the treatment)")
    return "\n".join(out) + "\n"


def _csv_cell(text: str) -> str:
    # A spreadsheet runs a cell that starts like a formula: keep it text.
    return "'" + text if text.startswith(_FORMULA_START) else text


def rems_csv(sessions: list[Session], provider: dict[str, str] | None = None,
             thresholds: VitalsThresholds | None = None) -> str:
    """One header row and one row per session (the clinic's identity columns left empty)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for session in sessions:
        values = rems_values(session, provider, thresholds)
        missing = missing_fields(session, provider, thresholds)
        writer.writerow([session.id, _csv_cell(session.client),
                         *(_csv_cell(values[f.key].text) for f in FIELDS),
                         " ".join(missing)])
    return buffer.getvalue()


def pending(sessions: list[Session], now: datetime) -> list[tuple[Session, int]]:
    """REMS sessions not yet marked as submitted, oldest first, with whole days left of the
    7-day window (negative: overdue)."""
    out = []
    for s in sessions:
        if not on_rems(s) or s.rems_submitted is not None or s.status == "planned":
            continue
        due = submit_by(s)
        if due is None:
            continue
        out.append((s, (due - now) // timedelta(days=1)))
    out.sort(key=lambda pair: pair[0].dosed or pair[0].started or pair[0].created)
    return out
