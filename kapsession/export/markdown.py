"""One session as a markdown file (PRODUCT.md §4): YAML front matter, then one ``##`` section each
for Preparation, Dosing, Timeline, Vitals, Side effects and ratings, Grounding prompts used,
Integration, Integration notes and Addenda.

Whatever a therapist typed goes through :func:`escape_markdown` (or :func:`escape_cell` inside a
table): every ASCII punctuation character is backslash-escaped, which CommonMark allows for all
of them, so no typed character can open a heading, list, quote, fence, table, link, image, HTML,
entity or emphasis in any CommonMark renderer (nor ``:emoji:``, ``==mark==``, ``$math$`` or bare
``www.`` autolinks in the common extensions). The raw file is noisier to read (``relief\\.``);
the rendered one shows exactly what was typed. Multi-line text keeps its line breaks as
backslash hard breaks, so a blank line in a note cannot end the block it is in.

The front matter has ``id``, ``client``, ``session`` (its number for the client), ``date``
(local), ``route``, ``medicine``, ``dose`` (the total given, or the planned dose before any,
as ``"75 mg"``) and ``status``. Strings are YAML double-quoted with every character other than
letters, digits, space and ``-`` written as a ``\\u`` escape, so no client code can end the
front matter or mean anything to a renderer that shows it as text.

Times are shown in local time with their UTC offset (``14:05 (+01:00)``) and, once the session
has a dose, with ``T+`` (``T−5 min`` before the dose), rounded by the one rule of
:mod:`kapsession.model.times`, so they read as in the app and in ``kapsession show``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta, tzinfo

from ..model import ChecklistItem, ClockSettings, Entry, Session, VitalsThresholds
from ..model.session import OUTCOME_LIMITS
from ..model.text import clean_text
from ..model.times import format_duration, format_t_plus
from ..model.vitals import Vitals
from ..model.vocab import (
    ENTRY_KINDS,
    MEDICINES,
    PROMPT_SITUATIONS,
    RESCUE_ROUTES,
    SCALES,
    SEVERITIES,
    SIDE_EFFECTS,
    route_label,
)

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

OUTCOME_LABELS = {
    "phq9_pre": "PHQ-9 before",
    "phq9_post": "PHQ-9 after",
    "phq9_item9": "PHQ-9 item 9 (thoughts of self-harm)",
    "gad7_pre": "GAD-7 before",
    "gad7_post": "GAD-7 after",
}

_DEFAULT_CLOCK = ClockSettings()
_DEFAULT_THRESHOLDS = VitalsThresholds()

# ---- escaping ---------------------------------------------------------------------------

# Every ASCII punctuation character: CommonMark lets a backslash escape each one of them.
MARKDOWN_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
_PUNCT_RE = re.compile("[" + re.escape(MARKDOWN_PUNCTUATION) + "]")


def _escape_line(line: str) -> str:
    # A function replacement is about twice as fast as str.translate with a dict here.
    return _PUNCT_RE.sub(_backslash, line)


def _backslash(match: re.Match[str]) -> str:
    return "\\" + match.group()


# What clean_text changes; text without any of these (and ASCII, so already NFC) skips it.
_UNCLEAN = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def _clean(text: str, *, multiline: bool = True) -> str:
    if text.isascii() and _UNCLEAN.search(text) is None and (multiline or "\n" not in text):
        return text
    return clean_text(text, multiline=multiline)


def escape_markdown(text: str, *, indent: str = "") -> str:
    """``text`` as literal CommonMark inline content, for a paragraph, list item or heading.

    Control characters are dropped and line endings normalised (as the model does where text
    enters), leading and trailing whitespace is removed (a paragraph ignores it, and four
    leading spaces would start a code block), and every ASCII punctuation character is
    backslash-escaped — ``&`` included, so ``&amp;`` stays five characters. Each line but the
    last ends with a backslash (a hard line break), so blank lines inside ``text`` stay inside
    its block; ``indent`` is put before each continuation line (the content column of the
    list item the text sits in).
    """
    text = _clean(text).strip()
    if "\n" not in text:
        return _escape_line(text)
    return ("\\\n" + indent).join(_escape_line(line) for line in text.split("\n"))


def escape_cell(text: str) -> str:
    """``text`` as literal content of one table cell: on one line, ``|`` escaped with the rest."""
    return _escape_line(_clean(text, multiline=False).strip())


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


# ---- times --------------------------------------------------------------------------------


_OFFSETS: dict[timedelta | None, str] = {}


def _offset_text(local: datetime) -> str:
    """``+01:00``: the UTC offset of a local time (cached: a machine has few of them)."""
    off = local.utcoffset()
    text = _OFFSETS.get(off)
    if text is None:
        minutes = int((off or timedelta(0)).total_seconds()) // 60
        sign = "+" if minutes >= 0 else "-"
        h, m = divmod(abs(minutes), 60)
        text = _OFFSETS[off] = f"{sign}{h:02d}:{m:02d}"
    return text


class _Times:
    """Formats one session's timestamps; the day is shown only when it is not the session's."""

    def __init__(self, session: Session, tz: tzinfo | None) -> None:
        self.tz = tz
        self.day = session_day(session, tz)
        self.dosed = session.dosed

    def clock(self, at: datetime | None) -> str:
        """``14:05 (+01:00)``, with the date in front when it is another day."""
        if at is None:
            return "—"
        local = at.astimezone(self.tz)
        text = f"{local.hour:02d}:{local.minute:02d} ({_offset_text(local)})"
        if local.date() != self.day:
            return f"{local.date().isoformat()} {text}"
        return text

    def full(self, at: datetime | None) -> str:
        """``2026-11-03 14:05 (+01:00)``."""
        if at is None:
            return "—"
        local = at.astimezone(self.tz)
        return f"{local.date().isoformat()} {local.hour:02d}:{local.minute:02d} " \
               f"({_offset_text(local)})"

    def t_plus(self, at: datetime) -> str:
        """``T+00:37`` after the dose, ``T−5 min`` before it, ``pre-dose`` with no dose."""
        return format_t_plus(at - self.dosed if self.dosed is not None else None)


def _mg(value: object) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:g} mg"
    return "mg not recorded"


# ---- pieces -------------------------------------------------------------------------------


def _history(entry: Entry, times: _Times, escape: Callable[[str], str]) -> str:
    """`` (edited …; earlier text: …)``, `` (struck …: reason)``, `` (restored …)`` for each
    change to the entry, in order."""
    out = []
    for change in entry.history:
        when = times.clock(change.at)
        if change.event == "edit":
            out.append(f" (edited {when}; earlier text: {escape(change.text)})")
        else:
            reason = f": {escape(change.reason)}" if change.reason else ""
            out.append(f" ({'struck' if change.event == 'strike' else 'restored'} {when}"
                       f"{reason})")
    return "".join(out)


def _changes(entry: Entry, times: _Times, indent: str) -> str:
    return _history(entry, times, lambda text: escape_markdown(text, indent=indent))


def _cell_changes(entry: Entry, times: _Times) -> str:
    return _history(entry, times, escape_cell)


def _label(labels: dict[str, str], value: object, default: str) -> str:
    """The label for a stored key; ``default`` for anything else (an imported file's values
    are not checked by the model, so they are never shown raw)."""
    return labels.get(value, default) if isinstance(value, str) else default


def _side_effect_text(entry: Entry) -> str:
    what = _label(SIDE_EFFECTS, entry.values.get("effect"), "side effect")
    severity = _label(SEVERITIES, entry.values.get("severity"), "")
    return f"{what} ({severity})" if severity else what


def _rescue_text(entry: Entry, times: _Times, escape: Callable[[str], str]) -> str:
    """``ondansetron 4 mg ODT, given 10:42 (+01:00)``: the drug was typed, so it is escaped."""
    v = entry.values
    drug = v.get("drug") if isinstance(v.get("drug"), str) else "rescue medication"
    mg = v.get("mg")
    text = escape(drug) + (f" {mg:g} mg" if isinstance(mg, (int, float)) else "")
    route = _label(RESCUE_ROUTES, v.get("route"), "")
    text += f" {route}" if route else ""
    try:
        given = datetime.fromisoformat(v["given"])
    except (KeyError, TypeError, ValueError):
        return text
    return text + f", given {times.clock(given)}"


def _rating_text(entry: Entry) -> tuple[str, str]:
    scale = entry.values.get("scale")
    label, levels = SCALES[scale] if isinstance(scale, str) and scale in SCALES \
        else ("rating", {})
    score = entry.values.get("score")
    if isinstance(score, int) and not isinstance(score, bool):
        meaning = levels.get(score)
        return label, f"{score}" + (f" ({meaning})" if meaning else "")
    return label, escape_cell(str(score))


def _vitals_flags(vitals: Vitals | None, thresholds: VitalsThresholds) -> list[str]:
    return thresholds.flags(vitals) if vitals is not None else []


def _timeline_line(entry: Entry, times: _Times, thresholds: VitalsThresholds) -> str:
    ind = "  "
    kind = entry.kind
    head = f"- {times.t_plus(entry.at)} · {times.clock(entry.at)} · "
    flag = ""
    if kind == "note":
        label = f"note · {entry.category}" if entry.category else "note"
        body = escape_markdown(entry.text, indent=ind)
    elif kind in ("dose", "booster"):
        label = kind
        body = _mg(entry.values.get("mg"))
        if entry.text:
            body += " — " + escape_markdown(entry.text, indent=ind)
    elif kind == "vitals":
        label = "vitals"
        try:
            vitals = entry.vitals
        except ValueError:
            vitals = None
        body = vitals.short() if vitals is not None else "values not readable"
        reasons = _vitals_flags(vitals, thresholds)
        if reasons:
            body += " — out of range: " + ", ".join(reasons)
            flag = " · **flagged**"
    elif kind == "side_effect":
        label = "side effect"
        body = _side_effect_text(entry)
        if entry.text:
            body += ": " + escape_markdown(entry.text, indent=ind)
    elif kind == "rating":
        label = "rating"
        scale, score = _rating_text(entry)
        body = f"{scale} {score}"
    elif kind == "rescue":
        label = "rescue medication"
        body = _rescue_text(entry, times, lambda text: escape_markdown(text, indent=ind))
    elif kind == "prompt":
        situation = _label(PROMPT_SITUATIONS, entry.values.get("situation"), "")
        label = f"prompt used · {situation}" if situation else "prompt used"
        body = escape_markdown(entry.text, indent=ind)
    else:
        label = ENTRY_KINDS.get(kind, "entry")
        body = escape_markdown(entry.text, indent=ind)
    if entry.flagged:
        flag = " · **flagged**"
    return f"{head}{label}{flag} — {body}{_changes(entry, times, ind)}"


def _checklist(items: list[ChecklistItem]) -> list[str]:
    if not items:
        return ["*None recorded.*"]
    return [f"- [{'x' if item.done else ' '}] {escape_markdown(item.text, indent='  ')}"
            for item in items]


def _paragraph(text: str) -> str:
    escaped = escape_markdown(text)
    return escaped if escaped else "*None recorded.*"


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
    times = _Times(s, tz)
    day = times.day.isoformat()
    total = s.total_dose_mg
    dose = total if total is not None else s.planned_dose_mg
    out: list[str] = [
        "---",
        f"id: {yaml_string(s.id)}",
        f"client: {yaml_string(s.client)}",
        f"session: {s.session_no}",
        f"date: {day}",
        f"route: {yaml_string(route_label(s.route))}",
        f"medicine: {yaml_string(MEDICINES.get(s.medicine, s.medicine))}",
        f"dose: {yaml_string(_mg(dose)) if dose is not None else 'null'}",
        f"status: {yaml_string(s.status)}",
        "---",
        "",
        f"# Session {s.session_no:02d} · {escape_cell(s.client)} · {day}",
        "",
    ]
    add = out.append

    # Preparation
    add("## Preparation")
    add("")
    add(f"- Status: {s.status}")
    add(f"- Therapist: {escape_markdown(s.therapist, indent='  ') or '—'}")
    add(f"- Medicine: {MEDICINES.get(s.medicine, s.medicine)}")
    add(f"- Route: {route_label(s.route)}")
    add(f"- Planned dose: {_mg(s.planned_dose_mg) if s.planned_dose_mg is not None else '—'}")
    add(f"- Planned: {times.full(s.created)}")
    add(f"- Arrived: {times.full(s.started)}")
    baseline = s.baseline
    if baseline is not None:
        reasons = _vitals_flags(baseline, limits)
        add(f"- Baseline vitals: {baseline.short()}"
            + (f" — out of range: {', '.join(reasons)}" if reasons else ""))
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
            add(f"- {what}: {times.t_plus(e.at)} · {times.clock(e.at)} · {_mg(e.values.get('mg'))}")
        add(f"- Total given: {_mg(total) if total is not None else '—'}")
        if s.started is not None and s.dosed is not None:
            # Counted as the time still to go from arrival, so it is the number the
            # timeline's T− shows for the arrival (T−12 min: 12 min).
            wait = format_duration(s.dosed - s.started, seconds=False, until=True)
            add(f"- From arrival to the dose: {wait}")
    add("")

    # Timeline
    add("## Timeline")
    add("")
    if s.entries:
        for e in s.entries:
            add(_timeline_line(e, times, limits))
    else:
        add("*No entries.*")
    if s.draft.strip():
        add("")
        add("*Unsent draft (typed, not saved as a note):* " + escape_markdown(s.draft))
    add("")

    # Vitals
    add("## Vitals")
    add("")
    vitals_entries = [e for e in s.entries if e.kind == "vitals"]
    if baseline is None and not vitals_entries:
        add("*None recorded.*")
    else:
        add("| T+ | time | BP | HR | SpO₂ | RR | flag |")
        add("|---|---|---|---|---|---|---|")
        if baseline is not None:
            add(_vitals_row("baseline", "before the dose", baseline,
                            ", ".join(_vitals_flags(baseline, limits))))
        for e in vitals_entries:
            try:
                v = e.vitals
            except ValueError:
                v = None
            flags = ", ".join(_vitals_flags(v, limits))
            if e.flagged and not flags:
                flags = "flagged"
            flags += _cell_changes(e, times)
            add(_vitals_row(times.t_plus(e.at), times.clock(e.at), v, flags.strip()))
    add("")

    # Side effects and ratings
    add("## Side effects and ratings")
    add("")
    effects = [e for e in s.entries if e.kind in ("side_effect", "rating", "rescue")]
    if not effects:
        add("*None recorded.*")
    else:
        add("| T+ | time | side effect or rating | detail |")
        add("|---|---|---|---|")
        for e in effects:
            if e.kind == "side_effect":
                what = _side_effect_text(e)
                detail = escape_cell(e.text)
            elif e.kind == "rescue":
                what, detail = "rescue medication", _rescue_text(e, times, escape_cell)
            else:
                what, detail = _rating_text(e)
            detail += _cell_changes(e, times)
            add(f"| {times.t_plus(e.at)} | {times.clock(e.at)} | {what} | {detail.strip()} |")
    add("")

    # Grounding prompts used
    add("## Grounding prompts used")
    add("")
    prompts = [e for e in s.entries if e.kind == "prompt"]
    if not prompts:
        add("*None used.*")
    for e in prompts:
        situation = _label(PROMPT_SITUATIONS, e.values.get("situation"), "")
        add(f"- {times.t_plus(e.at)} · {times.clock(e.at)}"
            + (f" · {situation}" if situation else "")
            + f" — {escape_markdown(e.text, indent='  ')}{_changes(e, times, '  ')}")
    add("")

    # Integration
    add("## Integration")
    add("")
    add(f"- Finished: {times.full(s.ended)}"
        + (f" · {times.t_plus(s.ended)}" if s.ended and s.dosed else ""))
    add(f"- Signed: {times.full(s.signed)}")
    add(f"- Integration session: {s.integration_date.isoformat() if s.integration_date else '—'}")
    add("")
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
    scores = [(k, s.outcomes[k]) for k in OUTCOME_LIMITS if k in s.outcomes]
    if scores:
        for key, value in scores:
            add(f"- {OUTCOME_LABELS.get(key, key)}: {value} of {OUTCOME_LIMITS[key]}")
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
        add(f"- {times.full(a.at)} — {escape_markdown(a.text, indent='  ')}")
    add("")
    return "\n".join(out)


def _vitals_row(t_plus: str, at: str, v: Vitals | None, flags: str) -> str:
    if v is None:
        return f"| {t_plus} | {at} | — | — | — | — | values not readable |"
    bp = f"{v.systolic}/{v.diastolic}" if v.systolic is not None else "—"
    hr = f"{v.heart_rate}" if v.heart_rate is not None else "—"
    spo2 = f"{v.spo2}%" if v.spo2 is not None else "—"
    rr = f"{v.resp_rate}" if v.resp_rate is not None else "—"
    return f"| {t_plus} | {at} | {bp} | {hr} | {spo2} | {rr} | {flags} |"


def _observation_line(s: Session, settings: ClockSettings) -> str:
    """The computed discharge check: has the minimum observation time passed?"""
    minimum = settings.min_observation_min
    label = f"Minimum observation time passed ({minimum} min after the dose; computed"
    if s.dosed is None:
        return f"- [ ] {label}: no dose recorded)"
    if s.ended is None:
        return f"- [ ] {label}: the session has not finished)"
    observed = s.ended - s.dosed
    done = observed >= timedelta(minutes=minimum)
    observed_text = format_duration(observed, seconds=False)
    return f"- [{'x' if done else ' '}] {label}: observed {observed_text})"
