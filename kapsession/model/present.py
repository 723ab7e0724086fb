"""How a session reads: the one presenter behind every renderer.

``kapsession show``, the detail screen, the live timeline and the markdown export all lay out
what this module decides: an entry's T+ and clock time, its kind label, the words of its
values (vitals with what is out of range, ratings with their level, side effects, doses),
its flag, its strike and the history of its changes, the outcome scores with their bands and
the item-9 reminder, and the signature. Renderers only style and lay it out, so they cannot
drift apart.

Text comes as :class:`Segment` tuples (:data:`Words`): the presenter's own words, and what a
therapist typed (``typed=True``), already passed through :func:`~kapsession.model.text.visible`
so invisible formatting characters show. A renderer escapes the typed segments for its
medium (markdown) or shows them literally (Rich ``Text``); nothing here is markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import NamedTuple

from .outcomes import ITEM9_REMINDER, OUTCOME_LABELS, outcome_band
from .session import OUTCOME_LIMITS, Edit, Entry, Session, Strike
from .text import visible
from .times import format_t_plus, from_iso
from .vitals import Vitals, VitalsThresholds
from .vocab import ENTRY_KINDS, PROMPT_SITUATIONS, RESCUE_ROUTES, SCALES, SEVERITIES, SIDE_EFFECTS

_DEFAULT_THRESHOLDS = VitalsThresholds()


class Segment(NamedTuple):
    """A run of text: the presenter's words, or what a therapist typed (``typed``)."""

    text: str
    typed: bool = False


Words = tuple[Segment, ...]


def said(text: str) -> Segment:
    """The presenter's own words (nothing in them is markup in any renderer's medium)."""
    return Segment(text)


def typed(text: str) -> Segment:
    """What a therapist typed, with invisible characters made visible."""
    return Segment(visible(text), True)


# ---- times --------------------------------------------------------------------------------


_OFFSETS: dict[timedelta | None, str] = {}


def offset_text(local: datetime) -> str:
    """``+01:00``: the UTC offset of a local time (cached: a machine has few of them, and an
    export asks for one per entry)."""
    off = local.utcoffset()
    text = _OFFSETS.get(off)
    if text is None:
        minutes = int((off or timedelta(0)).total_seconds()) // 60
        h, m = divmod(abs(minutes), 60)
        text = _OFFSETS[off] = f"{'+' if minutes >= 0 else '-'}{h:02d}:{m:02d}"
    return text


class SessionTimes:
    """One session's timestamps as they read: in local time (or ``tz``), the zone said once.

    The zone is the session's own (its UTC offset where it started); a time whose offset
    differs (an addendum after a change to summer time) carries its offset, and a time on
    another day than the session's carries its date.
    """

    def __init__(self, session: Session, tz: tzinfo | None = None) -> None:
        self.tz = tz
        start = (session.started or session.created).astimezone(tz)
        self.day: date = start.date()
        self.offset = offset_text(start)
        self.zone_info = timezone(start.utcoffset() or timedelta(0))
        self.dosed = session.dosed

    @property
    def zone(self) -> str:
        """``UTC+01:00``: the zone every time is shown in unless it says otherwise."""
        return f"UTC{self.offset}"

    def stamp(self, at: datetime) -> str:
        """``2026-11-03T13:00:00``: a machine-readable time in the session's zone."""
        return at.astimezone(self.zone_info).replace(tzinfo=None).isoformat(timespec="seconds")

    def _own_offset(self, local: datetime) -> str:
        off = offset_text(local)
        return "" if off == self.offset else f" (UTC{off})"

    def clock(self, at: datetime | None) -> str:
        """``14:05``, with the date in front on another day than the session's."""
        if at is None:
            return "—"
        return self.clock_and_time_of_day(at)[0]

    def clock_and_time_of_day(self, at: datetime) -> tuple[str, str]:
        """:meth:`clock`, and ``14:05`` alone for a column five characters wide (the live
        timeline), from one conversion."""
        local = at.astimezone(self.tz)
        hhmm = f"{local.hour:02d}:{local.minute:02d}"
        text = hhmm + self._own_offset(local)
        if local.date() != self.day:
            text = f"{local.date().isoformat()} {text}"
        return text, hhmm

    def time_of_day(self, at: datetime) -> str:
        return self.clock_and_time_of_day(at)[1]

    def full(self, at: datetime | None) -> str:
        """``2026-11-03 14:05``."""
        if at is None:
            return "—"
        local = at.astimezone(self.tz)
        return (f"{local.date().isoformat()} {local.hour:02d}:{local.minute:02d}"
                f"{self._own_offset(local)}")

    def t_plus(self, at: datetime) -> str:
        """``T+00:37`` after the dose, ``T−5 min`` before it, ``pre-dose`` with no dose."""
        return format_t_plus(at - self.dosed if self.dosed is not None else None)


# ---- values -------------------------------------------------------------------------------


def mg_text(value: object) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:g} mg"
    return "amount not recorded"


def _label(labels: dict[str, str], value: object, default: str) -> str:
    """The label for a stored key; ``default`` for anything else (never a raw stored value)."""
    return labels.get(value, default) if isinstance(value, str) else default


def rating_parts(entry: Entry) -> tuple[str, str]:
    """``("sedation (MOAA/S)", "4 (lethargic response to name in normal tone)")``."""
    scale = entry.values.get("scale")
    label, levels = SCALES[scale] if isinstance(scale, str) and scale in SCALES \
        else ("rating", {})
    score = entry.values.get("score")
    if isinstance(score, int) and not isinstance(score, bool):
        meaning = levels.get(score)
        return label, f"{score}" + (f" ({meaning})" if meaning else "")
    return label, "score not readable"


def entry_vitals(entry: Entry) -> Vitals | None:
    try:
        return entry.vitals
    except ValueError:  # an imported file's values are not checked by the model
        return None


def out_of_range(vitals: Vitals | None, thresholds: VitalsThresholds) -> str:
    """``⚑ systolic above 140, SpO₂ below 94%``, or ``""``: the flag glyph, so it reads
    without colour, then each value outside the clinic's range."""
    reasons = thresholds.flags(vitals) if vitals is not None else []
    return "⚑ " + ", ".join(reasons) if reasons else ""


# ---- entries ------------------------------------------------------------------------------


class ChangeView(NamedTuple):
    """One event in an entry's history: ``edited 11:07; earlier text: …``, ``struck 11:08:
    reason``, ``restored 11:10``."""

    event: str
    words: Words


@dataclass(slots=True)
class EntryView:
    """One timeline entry as it reads, in every renderer: ``T+00:36 · 14:29 · ! quote — "It's
    so big."``, then the alert of out-of-range vitals and the changes, oldest first."""

    id: str
    kind: str
    t_plus: str
    time: str
    time_of_day: str
    kind_label: str
    detail: str
    flagged: bool
    body: Words
    alert: str
    name: str
    value: Words
    struck: Segment | None
    changes: tuple[ChangeView, ...]
    vitals: Vitals | None = None

    @property
    def label(self) -> str:
        """``affect`` (a note's category stands for the note), ``note``, ``prompt used``,
        ``vitals``: the kind column of every timeline."""
        return self.detail if self.kind == "note" and self.detail else self.kind_label

    @property
    def flag(self) -> str:
        """``!`` before the label of a flagged entry: the glyph a therapist types to flag one."""
        return "! " if self.flagged else ""

    def summary(self) -> Words:
        """What a one-line list adds after the body: the strike in force with its reason,
        or that the entry was edited or restored (the full story is in :attr:`changes`)."""
        if self.struck is not None:
            return (said(" — struck: "), self.struck) if self.struck.text else \
                (said(" — struck"),)
        if self.changes:
            return (said(" (edited)" if self.changes[-1].event == "edit" else " (restored)"),)
        return ()


def entry_label(entry: Entry) -> str:
    """What :attr:`EntryView.label` says, without the rest of the view."""
    if entry.kind == "note" and entry.category:
        return entry.category
    return ENTRY_KINDS.get(entry.kind, "entry")


def _change(change: object, times: SessionTimes) -> ChangeView:
    if isinstance(change, Edit):
        return ChangeView("edit", (said(f"edited {times.clock(change.at)}; earlier text: "),
                                   typed(change.text)))
    event = "strike" if isinstance(change, Strike) else "restore"
    word = "struck" if event == "strike" else "restored"
    reason = change.reason  # type: ignore[attr-defined]
    at = change.at  # type: ignore[attr-defined]
    if reason:
        return ChangeView(event, (said(f"{word} {times.clock(at)}: "), typed(reason)))
    return ChangeView(event, (said(f"{word} {times.clock(at)}"),))


def _rescue_words(entry: Entry, times: SessionTimes) -> Words:
    """``ondansetron 4 mg ODT, given 10:32``: the drug as typed; the time given only when it
    is not the minute the entry was written."""
    v = entry.values
    drug = v.get("drug")
    words: Words = (typed(drug),) if isinstance(drug, str) else (said("rescue medication"),)
    mg = v.get("mg")
    rest = f" {mg:g} mg" if isinstance(mg, (int, float)) and not isinstance(mg, bool) else ""
    route = _label(RESCUE_ROUTES, v.get("route"), "")
    rest += f" {route}" if route else ""
    try:
        given = from_iso("given", v.get("given"))
    except ValueError:
        given = None
    if given is not None and times.clock(given) != times.clock(entry.at):
        rest += f", given {times.clock(given)}"
    return words + ((said(rest),) if rest else ())


def present_entry(entry: Entry, times: SessionTimes,
                  thresholds: VitalsThresholds | None = None) -> EntryView:
    limits = thresholds or _DEFAULT_THRESHOLDS
    kind = entry.kind
    detail = ""
    alert = ""
    name = ""
    value: Words = ()
    shown: Vitals | None = None
    body: Words
    if kind == "note":
        detail = entry.category or ""
        body = (typed(entry.text),)
    elif kind in ("dose", "booster"):
        body = (said(mg_text(entry.values.get("mg"))),)
        if entry.values.get("lot"):  # the package's lot, for the REMS form
            body += (said(" · lot "), typed(str(entry.values["lot"])))
        if entry.text:
            body += (said(" — "), typed(entry.text))
    elif kind == "vitals":
        vitals = entry_vitals(entry)
        body = (said(vitals.short() if vitals is not None else "values not readable"),)
        alert = out_of_range(vitals, limits)
        shown = vitals
    elif kind == "side_effect":
        name = _label(SIDE_EFFECTS, entry.values.get("effect"), "side effect")
        severity = _label(SEVERITIES, entry.values.get("severity"), "")
        name += f" ({severity})" if severity else ""
        value = (typed(entry.text),) if entry.text else ()
        body = (said(name),) + ((said(": "),) + value if value else ())
    elif kind == "rescue":
        name = "rescue medication"
        value = _rescue_words(entry, times)
        body = value
    elif kind == "rating":
        name, score = rating_parts(entry)
        value = (said(score),)
        body = (said(f"{name} {score}"),)
    elif kind == "prompt":
        detail = _label(PROMPT_SITUATIONS, entry.values.get("situation"), "")
        body = ((said(f"{detail}: "),) if detail else ()) + (typed(entry.text),)
    else:
        body = (typed(entry.text),)
    struck = entry.struck if entry.history else None
    time, time_of_day = times.clock_and_time_of_day(entry.at)
    return EntryView(
        id=entry.id,
        kind=kind,
        t_plus=times.t_plus(entry.at),
        time=time,
        time_of_day=time_of_day,
        kind_label=ENTRY_KINDS.get(kind, "entry"),
        detail=detail,
        flagged=entry.flagged,
        body=body,
        alert=alert,
        name=name,
        value=value,
        struck=typed(struck.reason) if struck is not None else None,
        changes=tuple(_change(c, times) for c in entry.history) if entry.history else (),
        vitals=shown,
    )


def present_entries(session: Session, tz: tzinfo | None = None,
                    thresholds: VitalsThresholds | None = None) -> list[EntryView]:
    times = SessionTimes(session, tz)
    return [present_entry(e, times, thresholds) for e in session.entries]


@dataclass(frozen=True)
class VitalsRow:
    """One row of a vitals table; ``flag`` says what is out of range (or ``flagged``)."""

    t_plus: str
    time: str
    bp: str
    hr: str
    spo2: str
    rr: str
    flag: str


def vitals_row(t_plus: str, time: str, vitals: Vitals | None, *, flagged: bool = False,
               thresholds: VitalsThresholds | None = None) -> VitalsRow:
    if vitals is None:
        return VitalsRow(t_plus, time, "—", "—", "—", "—", "values not readable")
    reasons = (thresholds or _DEFAULT_THRESHOLDS).flags(vitals)
    flag = ", ".join(reasons) or ("flagged" if flagged else "")
    return VitalsRow(
        t_plus, time,
        f"{vitals.systolic}/{vitals.diastolic}" if vitals.systolic is not None else "—",
        f"{vitals.heart_rate}" if vitals.heart_rate is not None else "—",
        f"{vitals.spo2}%" if vitals.spo2 is not None else "—",
        f"{vitals.resp_rate}" if vitals.resp_rate is not None else "—",
        flag,
    )


# ---- the session --------------------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeLine:
    """``PHQ-9 before`` · ``14 of 27 (moderate)``."""

    label: str
    value: str


def outcome_lines(session: Session) -> list[OutcomeLine]:
    out = []
    for key in OUTCOME_LIMITS:
        if key not in session.outcomes:
            continue
        score = session.outcomes[key]
        band = outcome_band(key, score)
        out.append(OutcomeLine(OUTCOME_LABELS.get(key, key),
                               f"{score} of {OUTCOME_LIMITS[key]}" + (f" ({band})" if band
                                                                       else "")))
    return out


def item9_reminder(session: Session) -> str:
    """The follow-up reminder when PHQ-9 item 9 is above 0, else ``""``."""
    return ITEM9_REMINDER if session.outcomes.get("phq9_item9") else ""


@dataclass(frozen=True)
class Signature:
    """When a session was signed, and by whom when that is known."""

    at: str | None
    by: str | None = None

    @property
    def words(self) -> str:
        """``signed 2026-11-17 18:26`` (``… by AB`` with a signer), or ``not signed``."""
        if self.at is None:
            return "not signed"
        return f"signed {self.at}" + (f" by {self.by}" if self.by else "")


def signature(session: Session, times: SessionTimes) -> Signature:
    return Signature(times.full(session.signed) if session.signed is not None else None,
                     session.signed_by)
