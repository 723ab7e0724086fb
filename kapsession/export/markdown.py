"""One session as a markdown file (PRODUCT.md §4): YAML front matter, then one ``##`` section each
for Preparation, Dosing, Timeline, Vitals, Side effects and ratings, Grounding prompts used,
Integration, Integration notes and Addenda.

What each entry says comes from :mod:`kapsession.model.present`, the presenter ``kapsession
show`` and the screens use too; this module only lays it out as markdown.

Whatever a therapist typed goes through :func:`escape_markdown` (or :func:`escape_cell` inside a
table), which escapes only what CommonMark would read as markup *where it stands*: at the start
of a line a ``#``, ``>``, list marker (``-``, ``+``, ``*``, ``1.``, ``1)``), setext underline,
thematic break or table delimiter row; anywhere a backslash before punctuation or at a line end,
backticks, ``*``, ``_`` that could open or close emphasis, ``[`` and ``]``, ``<`` that could open
HTML or an autolink, ``&`` that would start an entity, and runs of ``~``, ``=`` and ``%``
(strikethrough, highlights and comments in GitHub and Obsidian); inside a table also ``|``.
So an ordinary sentence (commas, full stops, colons, slashes, percent signs) stays exactly as
typed in the raw file, and no typed character can open a heading, list, quote, fence, table,
link, image, HTML, entity or emphasis in any CommonMark renderer. Multi-line text keeps its
line breaks as backslash hard breaks, so a blank line in a note cannot end the block it is in.

The front matter is YAML an Obsidian vault reads as properties: ``id``, ``client``, ``session``
(its number for the client), ``date`` (local), ``tags``, ``route``, ``medicine``, ``dose`` (the
total given, or the planned dose before any, as ``"75 mg"``), ``status``, ``signed`` and
``utc_offset``. Strings are YAML double-quoted with every character other than letters, digits,
space and ``-`` written as a ``\\u`` escape, so no client code can end the front matter or mean
anything to a renderer that shows it as text.

Times are local (or in the ``tz`` given); the zone is said once, under the title, and only a
time in another offset says its own. Times after the dose read as ``T+`` (``T−5 min`` before it),
by the one rule of :mod:`kapsession.model.times`. A struck entry is struck through
(``~~…~~``) and says when and why.
"""

from __future__ import annotations

import re
from datetime import date, tzinfo

from ..model import ChecklistItem, ClockSettings, Session, VitalsThresholds
from ..model.present import (
    EntryView,
    SessionTimes,
    Words,
    item9_reminder,
    mg_text,
    out_of_range,
    outcome_lines,
    present_entry,
    signature,
    vitals_row,
)
from ..model.text import clean_text, visible
from ..model.times import format_duration
from ..model.vocab import MEDICINES, SESSION_KINDS, route_label

SECTIONS = (
    "Preparation",
    "Dosing",
    "Timeline",
    "Vitals",
    "Side effects and ratings",
    "Grounding prompts used",
    "Integration",
    "Integration notes",
    "Addenda",
)

TAG = "kapsession"
"""The tag every exported session carries in an Obsidian vault (with ``kapsession/<status>``)."""

_DEFAULT_CLOCK = ClockSettings()
_DEFAULT_THRESHOLDS = VitalsThresholds()

# ---- escaping ---------------------------------------------------------------------------

_PUNCT = re.escape("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")

# Anywhere in a line. Each alternative is one character to escape; lookarounds give it context.
_INLINE = (
    rf"\\(?=[{_PUNCT}]|\Z)"            # a backslash that would escape, or break the line
    r"|[`*\[\]]"                       # code spans, emphasis, links and images
    r"|_(?![^\W_])|(?<![^\W_])_"       # "_" unless inside a word (snake_case cannot emphasise)
    r"|<(?=[A-Za-z/!?])"               # HTML tags, comments, autolinks
    r"|&(?=#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{0,31};)"  # entities
    r"|~(?=~)|(?<=~)~|\A~|~\Z"         # ~~strike~~ (and a "~" beside our own ~~ markers)
    r"|=(?==)|(?<==)="                 # ==highlight==
    r"|%(?=%)|(?<=%)%"                 # %%comment%%
)
_ANYWHERE = re.compile(_INLINE)
# Every character _INLINE or a table cell can escape: text without one needs no escaping.
_MAYBE = re.compile(r"[\\`*_\[\]<&~=%|]")
_IN_CELL = re.compile(_INLINE + r"|\|")
# At the start of a line (after any spaces): the first character of a block marker.
_LINE_START = re.compile(
    r"[ \t]*(?:"
    r"(?P<first>#+(?=[ \t]|\Z)|>|[-+*](?=[ \t]|\Z)"   # heading, quote, bullet
    r"|[-=_*][-=_*\s]*\Z"                              # setext underline, thematic break
    r"|[|:-][-|:\s]*\Z)"                               # table delimiter row
    r"|\d{1,9}(?P<ordered>[.)])(?=[ \t]|\Z))"          # ordered list
)
def _backslash(match: re.Match[str]) -> str:
    return "\\" + match.group()


def _escape_line(line: str, *, at_start: bool, pattern: re.Pattern[str] = _ANYWHERE) -> str:
    if not at_start and _MAYBE.search(line) is None:
        return line
    head = ""
    if at_start and line:
        m = _LINE_START.match(line)
        if m is not None:
            at = m.start("ordered") if m.group("ordered") else \
                len(line) - len(line.lstrip(" \t"))
            if line[at] not in "*":  # "*" is escaped everywhere below
                head, line = line[:at] + "\\" + line[at], line[at + 1:]
    return head + pattern.sub(_backslash, line)


# What clean_text changes; text without any of these (and ASCII, so already NFC) skips it.
_UNCLEAN = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def _clean(text: str, *, multiline: bool = True) -> str:
    if text.isascii() and _UNCLEAN.search(text) is None and (multiline or "\n" not in text):
        return text
    return visible(clean_text(text, multiline=multiline))


def escape_markdown(text: str, *, indent: str = "", start: bool = True) -> str:
    """``text`` as literal CommonMark inline content, for a paragraph, list item or heading.

    ``start`` says the text begins a line (a paragraph, or right after a list marker), where
    block markers need escaping; text further along a line needs only the inline escapes.
    Control characters are dropped, invisible formatting characters shown
    (:func:`kapsession.model.text.visible`) and line endings normalised; leading and trailing
    whitespace is removed (a paragraph ignores it, and four leading spaces would start a code
    block). Each line but the last ends with a backslash (a hard line break), so blank lines
    inside ``text`` stay inside its block; ``indent`` is put before each continuation line (the
    content column of the list item the text sits in).
    """
    text = _clean(text).strip()
    if "\n" not in text:
        return _escape_line(text, at_start=start)
    lines = text.split("\n")
    return ("\\\n" + indent).join(
        [_escape_line(lines[0], at_start=start)]
        + [_escape_line(line, at_start=True) for line in lines[1:]])


def escape_cell(text: str) -> str:
    """``text`` as literal content of one table cell: on one line, ``|`` escaped too."""
    return _escape_line(_clean(text, multiline=False).strip(), at_start=False, pattern=_IN_CELL)


# YAML double-quoted scalars: these characters stand for themselves; everything else is written
# as a \\u escape, which also keeps the line inert when the front matter is read as markdown.
_YAML_PLAIN = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 -")


def yaml_string(value: str) -> str:
    """``value`` as a YAML double-quoted scalar that no typed character can break out of."""
    out = ['"']
    for ch in value:
        if ch in _YAML_PLAIN or (ch > "\x7f" and ch.isprintable() and not ch.isspace()):
            out.append(ch)
        elif ch <= "\uffff":
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(f"\\U{ord(ch):08X}")
    out.append('"')
    return "".join(out)


# ---- file name ----------------------------------------------------------------------------

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def session_day(session: Session, tz: tzinfo | None = None) -> date:
    """The session's date in local time (or ``tz``): when it started, or when it was planned."""
    return (session.started or session.created).astimezone(tz).date()


def export_filename(session: Session, ext: str = "md", *, tz: tzinfo | None = None,
                    short_id: str | None = None) -> str:
    """``YYYY-MM-DD_<client>_s<NN>_<id8>.<ext>``, the client code made safe for a file name
    (every character but ``A-Za-z0-9._-`` becomes ``_``); the date in local time or ``tz``.

    ``short_id`` (a prefix of the id, from :func:`kapsession.model.ids.short_ids` over the
    whole archive) replaces ``<id8>`` when another session shares the first eight characters:
    the names of two sessions then still differ, so one export never overwrites another's
    file, whatever the client codes and dates."""
    client = _UNSAFE.sub("_", session.client)
    if short_id is None or not session.id.startswith(short_id) or len(short_id) < 8:
        short_id = session.id[:8]
    return (f"{session_day(session, tz).isoformat()}_{client}_s{session.session_no:02d}_"
            f"{short_id}.{ext}")


# ---- pieces -------------------------------------------------------------------------------


def words_md(words: Words, indent: str = "  ", *, start: bool = False) -> str:
    """The presenter's words as markdown: typed segments escaped, its own words as they are
    (they hold nothing markdown reads as markup)."""
    if len(words) == 1:  # most entries: one note's text
        text, is_typed = words[0]
        return escape_markdown(text, indent=indent, start=start) if is_typed else text
    return "".join(escape_markdown(s.text, indent=indent, start=start and i == 0) if s.typed
                   else s.text for i, s in enumerate(words))


def words_cell(words: Words) -> str:
    return "".join(escape_cell(s.text) if s.typed else s.text for s in words)


def _struck(body: str, view: EntryView) -> str:
    """A struck entry's text struck through; the strike's time and reason follow it."""
    return f"~~{body}~~" if view.struck is not None and body else body


def _changes(view: EntryView, indent: str = "  ") -> str:
    if not view.changes:
        return ""
    return "".join(f" ({words_md(c.words, indent)})" for c in view.changes)


def _cell_changes(view: EntryView) -> str:
    return "".join(f" ({words_cell(c.words)})" for c in view.changes)


def timeline_line(view: EntryView) -> str:
    """``- T+00:14 · 15:01 · ! quote — text (edited 15:20; earlier text: …)``."""
    body = _struck(words_md(view.body), view)
    alert = f" — {view.alert}" if view.alert else ""
    return (f"- {view.t_plus} · {view.time} · {view.flag}{view.label} — {body}{alert}"
            f"{_changes(view)}")


def _checklist(items: list[ChecklistItem]) -> list[str]:
    if not items:
        return ["*None recorded.*"]
    return [f"- [{'x' if item.done else ' '}] {escape_markdown(item.text, indent='  ')}"
            for item in items]


def _paragraph(text: str) -> str:
    escaped = escape_markdown(text)
    return escaped if escaped else "*None recorded.*"


def _vitals_cells(row) -> str:  # type: ignore[no-untyped-def]
    return f"| {row.t_plus} | {row.time} | {row.bp} | {row.hr} | {row.spo2} | {row.rr} |"


# ---- the document -------------------------------------------------------------------------


def render_markdown(session: Session, *, clock_settings: ClockSettings | None = None,
                    thresholds: VitalsThresholds | None = None, tz: tzinfo | None = None) -> str:
    """The whole session as a markdown document (see the module docstring for the format).

    ``clock_settings`` gives the minimum observation time for the discharge check and
    ``thresholds`` the vital-sign ranges flagged (both default to DOMAIN.md's defaults).
    Times are shown in local time, or in ``tz`` (tests pin it so output is the same anywhere).
    """
    s = session
    settings = clock_settings or _DEFAULT_CLOCK
    limits = thresholds or _DEFAULT_THRESHOLDS
    times = SessionTimes(s, tz)
    views = [present_entry(e, times, limits) for e in s.entries]
    day = times.day.isoformat()
    total = s.total_dose_mg
    dose = total if total is not None else s.planned_dose_mg
    signed = times.stamp(s.signed) if s.signed else "null"
    title = "Session" if s.kind == "dosing" else SESSION_KINDS[s.kind].capitalize()
    visit_tag = "" if s.kind == "dosing" else f", {TAG}/{s.kind}"  # dosing is the default
    out: list[str] = [
        "---",
        f"id: {yaml_string(s.id)}",
        f"client: {yaml_string(s.client)}",
        f"session: {s.session_no}",
        f"date: {day}",
        f"tags: [{TAG}, {TAG}/{s.status}{visit_tag}]",
        *([f"kind: {yaml_string(s.kind)}"] if s.kind != "dosing" else []),
        f"route: {yaml_string(route_label(s.route))}",
        f"medicine: {yaml_string(MEDICINES.get(s.medicine, s.medicine))}",
        f"dose: {yaml_string(mg_text(dose)) if dose is not None else 'null'}",
        f"status: {yaml_string(s.status)}",
        f"signed: {signed}",
        f"utc_offset: \"{times.offset}\"",
        "---",
        "",
        f"# {title} {s.session_no:02d} · {escape_cell(s.client)} · {day}",
        "",
        f"Times are local, {times.zone}; T+ is the time since the dose; ! marks a flagged "
        "entry.",
        "",
    ]
    add = out.append

    # Preparation
    add("## Preparation")
    add("")
    add(f"- Status: {s.status}")
    add(f"- Therapist: {escape_markdown(s.therapist, start=False) or '—'}")
    if s.kind == "dosing":
        add(f"- Medicine: {MEDICINES.get(s.medicine, s.medicine)}")
        add(f"- Route: {route_label(s.route)}")
        planned = s.planned_dose_mg
        add(f"- Planned dose: {mg_text(planned) if planned is not None else '—'}")
    else:
        add(f"- Visit: {SESSION_KINDS[s.kind]} (no dose)")
    add(f"- Planned: {times.full(s.created)}")
    add(f"- Arrived: {times.full(s.started)}")
    baseline = s.baseline
    if baseline is not None:
        alert = out_of_range(baseline, limits)
        add(f"- Baseline vitals: {baseline.short()}" + (f" — {alert}" if alert else ""))
    else:
        add("- Baseline vitals: —")
    add("")
    add("### Intention")
    add("")
    add(_paragraph(s.intention))
    add("")
    add("### Preparation checklist")
    add("")
    out.extend(_checklist(s.prep_checklist))
    add("")

    # Dosing
    add("## Dosing")
    add("")
    doses = s.doses
    if not doses:
        add("*No dose recorded.*")
    else:
        for e in doses:
            what = "Dose (T0)" if e.kind == "dose" else "Booster"
            add(f"- {what}: {times.t_plus(e.at)} · {times.clock(e.at)} · "
                f"{mg_text(e.values.get('mg'))}")
        add(f"- Total given: {mg_text(total) if total is not None else '—'}")
        if s.started is not None and s.dosed is not None:
            # Counted as the time still to go from arrival, so it is the number the
            # timeline's T− shows for the arrival (T−12 min: 12 min).
            wait = format_duration(s.dosed - s.started, seconds=False, until=True)
            add(f"- From arrival to the dose: {wait}")
    add("")

    # Timeline
    add("## Timeline")
    add("")
    if views:
        out.extend(timeline_line(v) for v in views)
    else:
        add("*No entries.*")
    if s.draft.strip():
        add("")
        add("*Unsent draft (typed, not saved as a note):* "
            + escape_markdown(s.draft, start=False))
    add("")

    # Vitals
    add("## Vitals")
    add("")
    vitals = [v for v in views if v.kind == "vitals"]
    if baseline is None and not vitals:
        add("*None recorded.*")
    else:
        add("| T+ | time | BP | HR | SpO₂ | RR | flag |")
        add("|---|---|---|---|---|---|---|")
        if baseline is not None:
            row = vitals_row("baseline", "before the dose", baseline, thresholds=limits)
            add(f"{_vitals_cells(row)} {row.flag} |")
        for v in vitals:
            row = vitals_row(v.t_plus, v.time, v.vitals, flagged=v.flagged,
                             thresholds=limits)
            add(f"{_vitals_cells(row)} {(row.flag + _cell_changes(v)).strip()} |")
    add("")

    # Side effects and ratings
    add("## Side effects and ratings")
    add("")
    effects = [v for v in views if v.kind in ("side_effect", "rating", "rescue")]
    if not effects:
        add("*None recorded.*")
    else:
        add("| T+ | time | side effect or rating | detail |")
        add("|---|---|---|---|")
        for v in effects:
            detail = (words_cell(v.value) + _cell_changes(v)).strip()
            add(f"| {v.t_plus} | {v.time} | {v.name} | {detail} |")
    add("")

    # Grounding prompts used
    add("## Grounding prompts used")
    add("")
    prompts = [v for v in views if v.kind == "prompt"]
    if not prompts:
        add("*None used.*")
    for v in prompts:
        add(f"- {v.t_plus} · {v.time} — {_struck(words_md(v.body), v)}{_changes(v)}")
    add("")

    # Integration
    add("## Integration")
    add("")
    add(f"- Finished: {times.full(s.ended)}"
        + (f" · {times.t_plus(s.ended)}" if s.ended and s.dosed else ""))
    add(f"- {signature(s, times).words.capitalize()}")
    add(f"- Integration session: {s.integration_date.isoformat() if s.integration_date else '—'}")
    add("")
    if not s.is_visit:  # a visit has no dose: nothing to be discharged from
        add("### Discharge readiness")
        add("")
        add(_observation_line(s, settings))
        if s.discharge_checklist:
            out.extend(_checklist(s.discharge_checklist))
        add("")
    add("### Integration checklist")
    add("")
    out.extend(_checklist(s.integration_checklist))
    add("")
    add("### Outcome scores")
    add("")
    scores = outcome_lines(s)
    if scores:
        out.extend(f"- {line.label}: {line.value}" for line in scores)
        reminder = item9_reminder(s)
        if reminder:
            add("")
            add(f"**{reminder}**")
    else:
        add("*None recorded.*")
    add("")

    # Integration notes
    add("## Integration notes")
    add("")
    add(_paragraph(s.integration_notes))
    add("")

    # Addenda
    add("## Addenda")
    add("")
    if not s.addenda:
        add("*None.*")
    for a in s.addenda:
        add(f"- {times.full(a.at)} — {escape_markdown(a.text, indent='  ', start=False)}")
    add("")
    return "\n".join(out)


def _observation_line(s: Session, settings: ClockSettings) -> str:
    """The computed discharge check, as the app computes it: the protocol's minimum (or the
    config's), counted from the last dose or booster until the discharge (or, for a session
    from before discharge was recorded, until Finish)."""
    until = s.discharged or s.ended
    obs = s.observation(until or s.created, settings.min_observation_min)
    label = (f"Minimum observation time passed ({obs.minimum_minutes} min after the last dose "
             "or booster; computed")
    if obs.since is None:
        return f"- [ ] {label}: no dose recorded)"
    if until is None:
        return f"- [ ] {label}: monitoring has not ended)"
    observed = format_duration(until - obs.since, seconds=False)
    end = "the discharge" if s.discharged else "Finish"
    return f"- [{'x' if obs.passed else ' '}] {label}: observed {observed} until {end})"
