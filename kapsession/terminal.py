"""One session rendered with Rich, for ``kapsession show``, the session detail screen, the live
timeline and the dialogs that act on an entry.

What an entry says comes from :mod:`kapsession.model.present`, as for the markdown export;
this module only styles and lays it out. Everything a therapist typed goes into
``rich.text.Text`` objects, never into markup strings, so ``[bold]`` or ``[/]`` in a note is
shown as typed, and invisible formatting characters are shown by their code point.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, tzinfo

from rich.console import Group, RenderableType
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from .config import Config
from .model import ChecklistItem, Entry, Session, VitalsThresholds
from .model.present import (
    EntryView,
    SessionTimes,
    Words,
    entry_label,
    entry_vitals,
    item9_reminder,
    out_of_range,
    outcome_lines,
    present_entry,
    signature,
    vitals_row,
)
from .model.text import visible
from .model.vocab import MEDICINES, SESSION_KINDS, route_label


def local_time(dt: datetime | None, fmt: str = "%H:%M") -> str:
    return dt.astimezone().strftime(fmt) if dt else "—"


def words_text(words: Words, style: str = "") -> Text:
    """The presenter's words as literal Rich text (typed segments are never markup)."""
    text = Text(style=style)
    for segment in words:
        text.append(segment.text)
    return text


def entry_view(session: Session, entry: Entry, config: Config | None = None,
               times: SessionTimes | None = None) -> EntryView:
    """How ``entry`` reads (:mod:`kapsession.model.present`), in local time."""
    return present_entry(entry, times or SessionTimes(session),
                         config.thresholds if config else None)


def entry_text(view: EntryView, *, full: bool = False) -> Text:
    """An entry's body as literal text: struck through when struck, the alert of out-of-range
    vitals, then (``full``) every change on its own line, or a word that there were some."""
    body = words_text(view.body)
    if view.struck is not None:
        body.stylize("strike")
    if view.alert:
        body.append(f"  {view.alert}", style="bold")
    if full:
        for change in view.changes:
            body.append("\n  (", style="dim")
            body.append_text(words_text(change.words, style="dim"))
            body.append(")", style="dim")
    else:
        body.append_text(words_text(view.summary(), style="dim"))
    return body


def kind_label(entry: Entry) -> str:
    """The kind column's word for ``entry`` (``affect``, ``vitals``), for dialogs about it."""
    return entry_label(entry)


def _facts() -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim")
    grid.add_column()
    return grid


def _checklist_rows(grid: Table, items: list[ChecklistItem]) -> None:
    for item in items:
        grid.add_row(Text("[x]" if item.done else "[ ]"), Text(visible(item.text)))


def session_header(session: Session, tz: tzinfo | None = None) -> Text:
    """Which session this is: number, client, kind, when, its status or signature, its id."""
    s = session
    times = SessionTimes(s, tz)
    header = Text()
    title = "Session" if s.kind == "dosing" else SESSION_KINDS[s.kind].capitalize()
    header.append(f"{title} {s.session_no} · ", style="bold")
    header.append(s.client, style="bold")
    # A signed session says when (the status word starts the signature).
    status = signature(s, times).words if s.signed is not None else s.status
    header.append(f" · {times.full(s.started or s.created)} · {status}")
    header.append(f"\nid {s.id} · times are local, {times.zone}", style="dim")
    return header


def render_session(session: Session, config: Config | None = None,
                   tz: tzinfo | None = None, *, with_header: bool = True) -> RenderableType:
    """The whole session for ``kapsession show`` and the detail screen, in local time (or
    ``tz``), its entries worded by the presenter as in the markdown export. The detail
    screen draws :func:`session_header` itself, above its chart."""
    s = session
    times = SessionTimes(s, tz)
    thresholds = config.thresholds if config else None
    views = [present_entry(e, times, thresholds) for e in s.entries]

    prep = _facts()
    if s.kind == "dosing":
        dose = f"{s.planned_dose_mg:g} mg planned" if s.planned_dose_mg else "no dose planned"
        if s.total_dose_mg:
            dose += f", {s.total_dose_mg:g} mg given"
        prep.add_row("medicine", f"{MEDICINES[s.medicine]}, {route_label(s.route)}, {dose}")
    else:
        prep.add_row("visit", f"{SESSION_KINDS[s.kind]} (no dose)")
    prep.add_row("therapist", Text(visible(s.therapist) or "—"))
    prep.add_row("intention", Text(visible(s.intention) or "—"))
    if s.baseline:
        alert = out_of_range(s.baseline, thresholds or VitalsThresholds())
        prep.add_row("baseline", s.baseline.short() + (f"  {alert}" if alert else ""))
    else:
        prep.add_row("baseline", "—")
    _checklist_rows(prep, s.prep_checklist)

    timeline = Table(box=None, show_header=True, header_style="bold", expand=True)
    timeline.add_column("T+", no_wrap=True)
    timeline.add_column("time", no_wrap=True)
    timeline.add_column("kind", no_wrap=True)
    timeline.add_column("entry", ratio=1)
    for v in views:
        timeline.add_row(v.t_plus, v.time, Text(v.flag + v.label,
                                                style="bold" if v.flagged else ""),
                         entry_text(v, full=True))

    parts: list[RenderableType] = [session_header(s, tz)] if with_header else []
    parts += [Rule("Preparation"), prep, Rule("Timeline"), timeline]
    vitals = [(e, v) for e, v in zip(s.entries, views, strict=True) if e.kind == "vitals"]
    if vitals:
        table = Table(box=None, header_style="bold")
        for col in ("T+", "time", "BP", "HR", "SpO₂", "RR", "flag"):
            table.add_column(col, no_wrap=col != "flag")
        for e, v in vitals:
            row = vitals_row(v.t_plus, v.time, entry_vitals(e), flagged=v.flagged,
                             thresholds=thresholds)
            flag = Text(row.flag)
            for change in v.changes:  # a struck reading says so, as in the export
                flag.append(" (")
                flag.append_text(words_text(change.words))
                flag.append(")")
            table.add_row(row.t_plus, row.time, row.bp, row.hr, row.spo2, row.rr, flag)
        parts += [Rule("Vitals"), table]
    effects = [v for v in views if v.kind in ("side_effect", "rating", "rescue")]
    if effects:
        grid = Table.grid(padding=(0, 2))
        for v in effects:
            grid.add_row(v.t_plus, v.time, Text(v.name),
                         entry_text(replace(v, body=v.value), full=True))
        parts += [Rule("Side effects and ratings"), grid]
    prompts = [v for v in views if v.kind == "prompt"]
    if prompts:
        grid = Table.grid(padding=(0, 2))
        for v in prompts:
            grid.add_row(v.t_plus, v.time, entry_text(v, full=True))
        parts += [Rule("Grounding prompts used"), grid]
    if s.status in ("ended", "signed"):
        integ = _facts()
        _checklist_rows(integ, s.discharge_checklist + s.integration_checklist)
        integ.add_row("integration", s.integration_date.isoformat() if s.integration_date
                      else "not booked")
        for line in outcome_lines(s):
            integ.add_row(line.label, line.value)
        reminder = item9_reminder(s)
        if reminder:
            integ.add_row("", Text(reminder, style="bold"))
        integ.add_row("notes", Text(visible(s.integration_notes) or "—"))
        integ.add_row("signature", signature(s, times).words)
        parts += [Rule("Integration"), integ]
    if s.addenda:
        add = _facts()
        for a in s.addenda:
            add.add_row(times.full(a.at), Text(visible(a.text)))
        parts += [Rule("Addenda"), add]
    return Group(*parts)


def describe_entry(session: Session, entry: Entry, config: Config | None = None) -> Text:
    """An entry named in full for a dialog that acts on it: its T+, time, kind, whole text
    and history (a correction must show what it changes)."""
    view = entry_view(session, entry, config)
    text = Text(f"{view.t_plus} · {view.time} · {view.flag}{view.label}\n", style="bold")
    text.append_text(entry_text(view, full=True))
    return text
