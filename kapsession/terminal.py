"""One session rendered with Rich, for ``kapsession show`` and the session detail screen.

Everything a therapist typed goes into ``rich.text.Text`` objects, never into markup strings,
so ``[bold]`` or ``[/]`` in a note is shown as typed.
"""

from __future__ import annotations

from datetime import datetime

from rich.console import Group, RenderableType
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from .config import Config
from .model import Entry, Session
from .model.outcomes import ITEM9_REMINDER, OUTCOME_LABELS, outcome_band
from .model.rescue import rescue_values_text, side_effect_text
from .model.times import format_t_plus, from_iso
from .model.vocab import ENTRY_KINDS, MEDICINES, SCALES, route_label


def local_time(dt: datetime | None, fmt: str = "%H:%M") -> str:
    return dt.astimezone().strftime(fmt) if dt else "—"


def t_plus(session: Session, at: datetime) -> str:
    """``at`` against the session's dose, in the one T+ format (the screen timeline uses it)."""
    return format_t_plus(session.offset(at))


def entry_text(entry: Entry, config: Config | None = None, *, full: bool = False) -> Text:
    """What the timeline shows for one entry, as literal text."""
    kind = entry.kind
    if kind in ("dose", "booster"):
        mg = entry.values.get("mg")
        body = Text(f"{ENTRY_KINDS[kind].capitalize()}" + (f" {mg:g} mg" if mg else ""))
    elif kind == "vitals":
        vitals = entry.vitals
        body = Text(vitals.short() if vitals else "")
        flags = (config.thresholds if config else None)
        reasons = flags.flags(vitals) if flags and vitals else []
        if reasons:
            body.append("  ⚑ " + ", ".join(reasons), style="bold")
    elif kind == "side_effect":
        body = Text(side_effect_text(entry.values))
        if entry.text:
            body.append(": ")
            body.append(entry.text)
    elif kind == "rating":
        scale = entry.values.get("scale", "")
        label, levels = SCALES.get(scale, (scale, {}))
        score = entry.values.get("score")
        body = Text(f"{label} {score}" + (f" — {levels.get(score, '')}" if levels else ""))
    elif kind == "rescue":
        body = Text(rescue_values_text(entry.values))
        given = from_iso("given", entry.values.get("given"))
        if given is not None and local_time(given) != local_time(entry.at):
            body.append(f", given {local_time(given)}")
    elif kind == "prompt":
        body = Text("Prompt: ")
        body.append(entry.text)
    else:
        body = Text(entry.text)
    struck = entry.struck
    if struck is not None:
        body.stylize("strike")
        body.append(" — struck: ", style="dim")
        body.append(struck.reason, style="dim")
    if full:
        for change in entry.history:
            when = local_time(change.at)
            if change.event == "edit":
                body.append(f"\n  earlier text, changed {when}: ", style="dim")
                body.append(change.text, style="dim")
            elif change is not struck:
                body.append(f"\n  {'struck' if change.event == 'strike' else 'restored'} "
                            f"{when}" + (": " if change.reason else ""), style="dim")
                body.append(change.reason, style="dim")
    elif entry.history and struck is None:
        body.append(" (edited)" if entry.history[-1].event == "edit" else " (restored)",
                    style="dim")
    return body


def kind_label(entry: Entry) -> str:
    if entry.kind == "note":
        return entry.category or "note"
    return ENTRY_KINDS.get(entry.kind, entry.kind)


def render_session(session: Session, config: Config | None = None) -> RenderableType:
    s = session
    header = Text()
    header.append(f"Session {s.session_no} · ", style="bold")
    header.append(s.client, style="bold")
    header.append(f" · {local_time(s.started or s.created, '%Y-%m-%d %H:%M')} · {s.status}")
    header.append(f"\nid {s.id}", style="dim")

    prep = Table.grid(padding=(0, 2))
    prep.add_column(style="dim")
    prep.add_column()
    dose = f"{s.planned_dose_mg:g} mg planned" if s.planned_dose_mg else "no dose planned"
    if s.total_dose_mg:
        dose += f", {s.total_dose_mg:g} mg given"
    prep.add_row("medicine", f"{MEDICINES[s.medicine]}, {route_label(s.route)}, {dose}")
    prep.add_row("therapist", Text(s.therapist or "—"))
    prep.add_row("intention", Text(s.intention or "—"))
    prep.add_row("baseline", s.baseline.short() if s.baseline else "—")
    for item in s.prep_checklist:
        prep.add_row(Text("[x]" if item.done else "[ ]"), Text(item.text))

    timeline = Table(box=None, show_header=True, header_style="bold", expand=True)
    timeline.add_column("T+", no_wrap=True)
    timeline.add_column("time", no_wrap=True)
    timeline.add_column("kind", no_wrap=True)
    timeline.add_column("entry", ratio=1)
    for e in s.entries:
        flag = "! " if e.flagged else ""
        timeline.add_row(t_plus(s, e.at), local_time(e.at), flag + kind_label(e),
                         entry_text(e, config, full=True))

    parts: list[RenderableType] = [header, Rule("Preparation"), prep, Rule("Timeline"), timeline]
    vitals = [e for e in s.entries if e.kind == "vitals"]
    if vitals:
        thresholds = config.thresholds if config else None
        table = Table(box=None, header_style="bold")
        for col in ("T+", "time", "BP", "HR", "SpO₂", "RR", "flag"):
            table.add_column(col, no_wrap=col != "flag")
        for e in vitals:
            v = e.vitals
            assert v is not None
            flags = ", ".join(thresholds.flags(v)) if thresholds else ""
            if e.flagged and not flags:
                flags = "flagged"  # a word, as in the export: the flag must read without colour
            table.add_row(t_plus(s, e.at), local_time(e.at),
                          f"{v.systolic}/{v.diastolic}" if v.systolic else "—",
                          str(v.heart_rate or "—"), f"{v.spo2}%" if v.spo2 else "—",
                          str(v.resp_rate or "—"),
                          Text(flags + (" (struck)" if e.struck else "")))
        parts += [Rule("Vitals"), table]
    effects = [e for e in s.entries if e.kind in ("side_effect", "rating", "rescue")]
    if effects:
        grid = Table.grid(padding=(0, 2))
        for e in effects:
            what = Text("rescue medication: ") if e.kind == "rescue" else Text()
            grid.add_row(t_plus(s, e.at), local_time(e.at), what + entry_text(e, config))
        parts += [Rule("Side effects and ratings"), grid]
    prompts = [e for e in s.entries if e.kind == "prompt"]
    if prompts:
        grid = Table.grid(padding=(0, 2))
        for e in prompts:
            grid.add_row(t_plus(s, e.at), local_time(e.at), Text(e.text))
        parts += [Rule("Grounding prompts used"), grid]
    if s.status in ("ended", "signed"):
        integ = Table.grid(padding=(0, 2))
        integ.add_column(style="dim")
        integ.add_column()
        for item in s.discharge_checklist + s.integration_checklist:
            integ.add_row(Text("[x]" if item.done else "[ ]"), Text(item.text))
        integ.add_row("integration", s.integration_date.isoformat() if s.integration_date
                      else "not booked")
        for name, score in s.outcomes.items():
            band = outcome_band(name, score)
            integ.add_row(OUTCOME_LABELS.get(name, name), f"{score}" + (f" ({band})" if band
                                                                        else ""))
        if s.outcomes.get("phq9_item9"):
            integ.add_row("", Text(ITEM9_REMINDER, style="bold"))
        integ.add_row("notes", Text(s.integration_notes or "—"))
        parts += [Rule("Integration"), integ]
    if s.addenda:
        add = Table.grid(padding=(0, 2))
        add.add_column(style="dim")
        add.add_column()
        for a in s.addenda:
            add.add_row(local_time(a.at, "%Y-%m-%d %H:%M"), Text(a.text))
        parts += [Rule("Addenda"), add]
    return Group(*parts)


def describe_entry(session: Session, entry: Entry, config: Config | None = None) -> Text:
    """An entry named in full for a dialog that acts on it: its T+, time, kind, whole text
    and history (a correction must show what it changes)."""
    text = Text(f"{t_plus(session, entry.at)} · {local_time(entry.at)} · "
                f"{'flagged ' if entry.flagged else ''}{kind_label(entry)}\n", style="bold")
    text.append_text(entry_text(entry, config, full=True))
    return text
