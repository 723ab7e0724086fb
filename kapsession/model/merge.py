"""Two copies of one session, written apart on two devices, made into one without losing a word.

A file-sync tool (Syncthing, Dropbox, Nextcloud) that finds a session file changed on two
devices keeps one version under the file's name and the other as a "conflict copy". This
module is the pure part of bringing them together; finding the copies and writing the result is
:mod:`kapsession.store.conflicts`.

The rules (issue 19):

* entries are a union by id; an entry changed on both sides keeps every text in its history,
  in time order, the latest as its text; strikes and restores of both sides are kept;
* two different entries with one old counted id (``e4`` on both devices, before schema 5):
  one gets a new id, and what names it by id on its own side (the REMS BP slots,
  :data:`.rems.ENTRY_FIELDS`) follows it; the other side's references stay;
* drafts (and the intention and integration notes) of both sides are kept;
* the status is the furthest of planned → live → ended → signed;
* a signed session never changes: what the other side wrote that the signed one lacks (notes,
  texts, strikes, REMS answers, checklist ticks…) becomes one addendum that says where it came
  from;
* two different signed versions are not merged at all: the result says a person must decide.

``merge(a, b)`` and ``merge(b, a)`` hold the same record (only the addendum's first line, which
names where the text came from, differs), and merging a result again with either side changes
nothing: two devices that each merge the same pair end with the same file.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from . import vocab
from .rems import ENTRY_FIELDS, FIELD_KEYS, with_entries_renamed
from .session import (
    DRAFT_MAX,
    NOTE_MAX,
    Addendum,
    ChecklistItem,
    Edit,
    Entry,
    Restore,
    Session,
    Strike,
)
from .text import clean_text
from .times import local, to_iso

_RANK = {status: i for i, status in enumerate(vocab.STATUSES)}
_EVENT_ORDER = {"edit": 0, "strike": 1, "restore": 2}


@dataclass(frozen=True)
class MergeResult:
    """What merging gave, and what a person may want to know about it."""

    #: What the session file should hold now. When :attr:`needs_decision`, ``ours`` unchanged.
    session: Session
    #: Whether :attr:`session` differs from ``ours`` (so the file must be written).
    changed: bool
    #: Entries that were only on the other side, by id (as they are in :attr:`session`).
    added_entries: tuple[str, ...] = ()
    #: Entries changed on both sides: each keeps every text in its history.
    both_changed: tuple[str, ...] = ()
    #: Entries of the two sides that had one id (the old per-session ``e1``, ``e2``… ids) but
    #: are different entries: the other side's got a new id, as ``(old id, new id)``.
    renamed: tuple[tuple[str, str], ...] = ()
    #: Addenda added because one side was signed and the other wrote after the signature.
    addenda_added: int = 0
    #: Two different signed versions: nothing was merged; a person must choose.
    needs_decision: bool = False
    #: Plain sentences about what happened (no note text: reports may be logged).
    notes: tuple[str, ...] = field(default=())

    @property
    def summary(self) -> str:
        """One line for a report (``kapsession conflicts``, the home screen)."""
        if self.needs_decision:
            return "signed on both devices with different records: a person must decide"
        parts = []
        if self.added_entries:
            n = len(self.added_entries)
            parts.append(f"{n} {'entry' if n == 1 else 'entries'} added")
        if self.both_changed:
            n = len(self.both_changed)
            parts.append(f"{n} {'entry' if n == 1 else 'entries'} changed on both devices "
                         "(both texts kept)")
        if self.addenda_added:
            parts.append("what was written after signing kept as an addendum")
        if not parts:
            return "nothing new" if not self.changed else "merged"
        return "; ".join(parts)


def merge(ours: Session, theirs: Session, *, source: str) -> MergeResult:
    """Merge ``theirs`` (a conflict copy, from ``source``: a device or file name) into ``ours``.

    Neither argument is changed. Raises ``ValueError`` for two different sessions.
    """
    if ours.id != theirs.id:
        raise ValueError("these are two different sessions")
    source = clean_text(source, multiline=False)[:200] or "another device"
    # The result is built from copies of what it takes (inputs are never changed).
    a, b = ours, theirs
    if a.status == "signed" and b.status == "signed":
        return _both_signed(ours, a, b)
    if a.status == "signed" or b.status == "signed":
        return _one_signed(ours, a, b, source)
    return _open(ours, a, b)


# ---- neither signed ---------------------------------------------------------------------


def _open(ours: Session, a: Session, b: Session) -> MergeResult:
    primary, other, tied = _ordered(a, b)
    entries, added, both, moved_a, moved_b = _merge_entries(a.entries, b.entries)
    # What names an entry by id follows it when the merge renamed it: on the side whose
    # entry it was, never on the other (there the old id is still that side's own entry).
    rems_a = with_entries_renamed(a.rems, moved_a)
    rems_b = with_entries_renamed(b.rems, moved_b)
    rems_primary, rems_other = (rems_a, rems_b) if primary is a else (rems_b, rems_a)

    # A field with one value: the primary side's (the further, then the later changed);
    # when neither is (both changed only answers, checklists or preparation, which carry no
    # time), the greater value, so that either order and any merge again pick the same.
    def one(x: Any, y: Any) -> Any:
        return x if not tied or x == y else max(x, y, key=_value_key)

    def either(x: Any, y: Any) -> Any:  # one value, if only one side has it
        return y if x is None or x == "" else x if y is None or y == "" else one(x, y)

    def by_key(x: dict[str, Any], y: dict[str, Any]) -> dict[str, Any]:
        return {**y, **x, **{k: one(x[k], y[k]) for k in x.keys() & y.keys()}}

    def checklist(x: list[ChecklistItem], y: list[ChecklistItem]) -> list[ChecklistItem]:
        if tied and [c.text for c in y] > [c.text for c in x]:
            x, y = y, x  # a list only grows at its end: the greater first stays first
        return _merge_checklist(x, y)

    status = primary.status  # the further one
    merged = replace(
        primary,
        created=min(a.created, b.created),
        session_no=one(primary.session_no, other.session_no),
        client=one(primary.client, other.client),
        route=either(primary.route, other.route),
        medicine=one(primary.medicine, other.medicine),
        therapist=either(primary.therapist, other.therapist),
        planned_dose_mg=either(primary.planned_dose_mg, other.planned_dose_mg),
        intention=_merge_text(a.intention, b.intention, NOTE_MAX),
        prep_checklist=checklist(primary.prep_checklist, other.prep_checklist),
        baseline=either(primary.baseline, other.baseline),
        status=status,
        started=_earliest(a.started, b.started),
        ended=_earliest(a.ended, b.ended) if _RANK[status] >= _RANK["ended"] else None,
        signed=None,
        signed_by=one(primary.signed_by, other.signed_by),  # None: neither is signed
        entries=entries,
        discharge_checklist=checklist(primary.discharge_checklist, other.discharge_checklist),
        integration_checklist=checklist(primary.integration_checklist,
                                        other.integration_checklist),
        integration_date=either(primary.integration_date, other.integration_date),
        integration_notes=_merge_text(a.integration_notes, b.integration_notes, NOTE_MAX * 5),
        outcomes=by_key(primary.outcomes, other.outcomes),
        addenda=_merge_addenda(a.addenda, b.addenda),
        draft=_merge_text(a.draft, b.draft, DRAFT_MAX),
        live_on=_live_on(a, b, status),
        # Monitoring (issue 15): a moment recorded on either side stands, the earlier one if
        # both; the REMS answers of both, the primary side's winning a clash of one field.
        protocol=either(primary.protocol, other.protocol),
        ready=_earliest(a.ready, b.ready),
        discharged=_earliest(a.discharged, b.discharged),
        rems=by_key(rems_primary, rems_other),
        signed_missing=list(one(primary.signed_missing, other.signed_missing)),
        rems_submitted=_earliest(a.rems_submitted, b.rems_submitted),
        proceeded=either(primary.proceeded, other.proceeded),
    )
    merged.dosed = _dosed(merged, a, b)
    own = {e.id for e in ours.entries}
    return MergeResult(
        session=merged,
        changed=merged != ours,
        added_entries=tuple(eid for eid in added if eid not in own),
        both_changed=tuple(both),
        renamed=tuple(sorted((*moved_a.items(), *moved_b.items()))),
    )


def _ordered(a: Session, b: Session) -> tuple[Session, Session, bool]:
    """(the side whose single-valued fields win, the other, whether neither is further or
    later changed): the further status, then the later change. On a tie the merge decides
    field by field (:func:`_value_key`), so the first two are then only an order."""
    ka = (_RANK[a.status], _last_change(a))
    kb = (_RANK[b.status], _last_change(b))
    if ka == kb:
        return a, b, True
    return ((a, b) if ka > kb else (b, a)) + (False,)


def _value_key(value: Any) -> str:
    """A fixed order of two values of one field (a tie of two sides is decided by it)."""
    if hasattr(value, "to_dict"):
        value = value.to_dict()
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _last_change(s: Session) -> datetime:
    times = [s.created, *(t for t in (s.started, s.ended, s.signed, s.ready, s.discharged,
                                      s.rems_submitted) if t is not None)]
    times.extend(e.changed for e in s.entries)
    times.extend(a.at for a in s.addenda)
    if s.live_on is not None:
        times.append(s.live_on.since)
    return max(times)


def _earliest(x: datetime | None, y: datetime | None) -> datetime | None:
    present = [t for t in (x, y) if t is not None]
    return min(present) if present else None


def _live_on(a: Session, b: Session, status: str) -> Any:
    if status not in ("live", "ended") or a.discharged or b.discharged:
        return None  # held by a device while live and monitored, until discharge
    ons = [s.live_on for s in (a, b) if s.live_on is not None]
    # Both live on different devices: the later one took over (or started) last.
    return max(ons, key=lambda on: (on.since, on.device)) if ons else None


def _dosed(merged: Session, a: Session, b: Session) -> datetime | None:
    """T0 is the first dose still standing, as the model keeps it."""
    if any(e.kind in ("dose", "booster") for e in merged.entries):
        doses = merged.doses
        return min(e.at for e in doses) if doses else None
    return _earliest(a.dosed, b.dosed)


def _merge_text(x: str, y: str, limit: int) -> str:
    """Both texts, unless one already holds the other. Joined in a fixed order, so both
    devices make the same text; past ``limit`` the longer is kept (the conflict copy, kept
    in ``conflicts/``, still holds the other)."""
    if x == y or not y or y in x:
        return x
    if not x or x in y:
        return y
    first, second = sorted((x, y))
    both = f"{first}\n\n{second}"
    return both if len(both) <= limit else max((x, y), key=lambda t: (len(t), t))


def _merge_checklist(first: list[ChecklistItem],
                     second: list[ChecklistItem]) -> list[ChecklistItem]:
    """Items by text, in the first side's order, then the other's new ones; ticked on either
    side is ticked."""
    done: dict[str, bool] = {}
    for item in (*first, *second):
        done[item.text] = done.get(item.text, False) or item.done
    return [ChecklistItem(text, ticked) for text, ticked in done.items()]


def _merge_addenda(x: list[Addendum], y: list[Addendum]) -> list[Addendum]:
    # The same addendum on both sides is one; two alike on one side (the same words in the
    # same minute, written twice) stay two.
    count_x = Counter((a.at, a.text) for a in x)
    count_y = Counter((a.at, a.text) for a in y)
    first: dict[tuple[datetime, str], Addendum] = {}
    for a in (*x, *y):
        first.setdefault((a.at, a.text), a)
    # In time order; alike times keep the order they were written in (ours first).
    return [first[key] for key in sorted(first, key=lambda k: k[0])
            for _ in range(max(count_x[key], count_y[key]))]


# ---- entries ----------------------------------------------------------------------------


def _original_text(e: Entry) -> str:
    edits = e.edits
    return edits[0].text if edits else e.text


def _identity(e: Entry) -> tuple[Any, ...]:
    """What makes two entries with one id the same entry: made at one moment, of one kind,
    with one first text and the same values (only notes change, and only their text)."""
    return (e.at, e.kind, _original_text(e), json.dumps(e.values, sort_keys=True))


def _derived_id(e: Entry, taken: dict[str, Entry]) -> str:
    """A new id for the other of two different entries that had one id: made from what the
    entry is, so every device that merges the same pair picks the same one (and a result
    merged again finds the entry under the id it got the first time)."""
    salt = 0
    while True:
        seed = "\x1f".join([e.id, to_iso(e.at) or "", e.kind, _original_text(e), str(salt)])
        digest = hashlib.sha256(seed.encode("utf-8", "surrogatepass")).digest()
        eid = "e" + base64.b32encode(digest[:5]).decode("ascii").lower()
        there = taken.get(eid)
        if there is None or _identity(there) == _identity(e):
            return eid
        salt += 1


def _merge_entries(
    xs: list[Entry], ys: list[Entry],
) -> tuple[list[Entry], list[str], list[str], dict[str, str], dict[str, str]]:
    """(merged entries in timeline order, ids new to either side, ids changed on both sides,
    the x side's renamed ids (old → new), the y side's)."""
    by_x = {e.id: e for e in xs}
    by_y = {e.id: e for e in ys}
    taken = {**by_y, **by_x}
    moved_x: dict[str, str] = {}
    moved_y: dict[str, str] = {}
    # Two different entries with one id (both devices counted e7): the one that sorts later
    # by what it is gets a new id, on whichever side it is.
    renamed_x: dict[str, Entry] = {}
    renamed_y: dict[str, Entry] = {}
    for eid in sorted(by_x.keys() & by_y.keys()):
        x, y = by_x[eid], by_y[eid]
        if x == y:
            continue  # most entries: the same on both sides (cheaper than their identity)
        # Their identities compared (values last: only when the rest is alike).
        ix, iy = (x.at, x.kind, _original_text(x)), (y.at, y.kind, _original_text(y))
        if ix == iy:
            ix, iy = _identity(x), _identity(y)
            if ix == iy:
                continue
        loser_is_y = iy > ix
        loser = y if loser_is_y else x
        new_id = _derived_id(loser, taken)
        moved = _copy_entry(loser, new_id)
        taken.setdefault(new_id, moved)
        (moved_y if loser_is_y else moved_x)[eid] = new_id
        (renamed_y if loser_is_y else renamed_x)[eid] = moved
    # Each side's timeline rebuilt once (per renamed entry, 1,000 renames took 50 ms).
    if renamed_x:
        xs = [renamed_x.get(e.id, e) for e in xs]
        by_x = {e.id: e for e in xs}
    if renamed_y:
        ys = [renamed_y.get(e.id, e) for e in ys]
        by_y = {e.id: e for e in ys}

    merged: dict[str, Entry] = {}
    both: list[str] = []
    for eid in by_x.keys() & by_y.keys():
        entry, diverged = _merge_entry(by_x[eid], by_y[eid])
        merged[eid] = entry
        if diverged:
            both.append(eid)
    for side in (by_x, by_y):
        for eid, e in side.items():
            if eid not in merged:
                merged[eid] = _copy_entry(e)
    added = [eid for eid in merged if (eid in by_x) != (eid in by_y)]
    order = _interleave(xs, ys, set(by_x), set(by_y))
    return [merged[eid] for eid in order], added, sorted(both), moved_x, moved_y


def _interleave(xs: list[Entry], ys: list[Entry], in_x: set[str], in_y: set[str]) -> list[str]:
    """One timeline from two: each side's own order is kept (an entry's place in a timeline
    is never decided by its id); entries only one side has are placed among the other's by
    time. The rule treats both sides alike, so either merge order gives the same timeline.
    Only two entries of the same instant from different devices fall back to their ids."""
    out: list[str] = []
    done: set[str] = set()
    i = j = 0
    while i < len(xs) or j < len(ys):
        if i < len(xs) and xs[i].id in done:
            i += 1
            continue
        if j < len(ys) and ys[j].id in done:
            j += 1
            continue
        if j >= len(ys):
            take = xs[i]
        elif i >= len(xs):
            take = ys[j]
        else:
            x, y = xs[i], ys[j]
            if x.id == y.id:
                take = x
            elif (x.id in in_y) == (y.id in in_x):
                # Both new here, or both shared but met in another order: the earlier first.
                take = min(x, y, key=lambda e: (e.at, e.id))
            else:
                # One is shared: what only one side has comes before it, as on that side.
                take = x if x.id not in in_y else y
        out.append(take.id)
        done.add(take.id)
    return out


def _copy_entry(e: Entry, new_id: str | None = None) -> Entry:
    """A copy, under ``new_id`` if given. An entry's values and history cannot change in
    place, so the copy shares them (dataclasses.replace took half the merge of two sessions
    of 2,000 entries)."""
    return e.copy(new_id)


def _merge_entry(x: Entry, y: Entry) -> tuple[Entry, bool]:
    """One entry from its two versions; and whether both sides changed it."""
    if x == y:
        return _copy_entry(x), False
    hx, hy = x.history, y.history
    flagged = x.flagged or y.flagged
    category = x.category if x.category == y.category else min(
        (c for c in (x.category, y.category) if c is not None), default=None)
    # Usual case: one side only added to what the other had (its text included).
    if hx == hy[:len(hx)] and x.text == _text_after(y, len(hx)):
        return replace(_copy_entry(y), flagged=flagged, category=category), False
    if hy == hx[:len(hy)] and y.text == _text_after(x, len(hy)):
        return replace(_copy_entry(x), flagged=flagged, category=category), False
    # Both changed it: every text either side ever had, in time order; the latest stands.
    versions = sorted({*_versions(x), *_versions(y)} - {(x.at, _original_text(x))},
                      key=lambda v: (v[0], v[1]))
    chain = [(x.at, _original_text(x))]
    for at, text in versions:
        if text != chain[-1][1]:
            chain.append((at, text))
    edits = [Edit(at=chain[k][0], text=chain[k - 1][1]) for k in range(1, len(chain))]
    marks = {(type(c), c.at, c.reason): c for c in (*hx, *hy) if isinstance(c, Strike | Restore)}
    # Edits stay in the order of the texts they record (two at one instant included);
    # strikes and restores go among them by time.
    keyed = [((c.at, 0, k, ""), c) for k, c in enumerate(edits)]
    keyed += [((c.at, _EVENT_ORDER[c.event], 0, c.reason), c) for c in marks.values()]
    history = [c for _, c in sorted(keyed, key=lambda kc: kc[0])]
    return replace(x, text=chain[-1][1], flagged=flagged, category=category,
                   values=dict(x.values), history=history), True


def _text_after(e: Entry, n: int) -> str:
    """The entry's text after the first ``n`` events of its history."""
    for c in e.history[n:]:
        if isinstance(c, Edit):
            return c.text  # the text before the next edit
    return e.text


def _versions(e: Entry) -> list[tuple[datetime, str]]:
    """The entry's texts with the time each was set: the first when made, then each edit."""
    edits = e.edits
    texts = [c.text for c in edits] + [e.text]
    times = [e.at] + [c.at for c in edits]
    return list(zip(times, texts, strict=True))


# ---- one or both signed -----------------------------------------------------------------


def _record(s: Session) -> dict[str, Any]:
    """What signing fixes: everything but the addenda (and the draft and device, which a
    signed session no longer has)."""
    data = s.to_dict()
    # rems_submitted is paperwork done after signing (issue 15): not part of the record.
    for name in ("addenda", "draft", "live_on", "rems_submitted"):
        data.pop(name, None)
    return data


def _both_signed(ours: Session, a: Session, b: Session) -> MergeResult:
    if _record(a) != _record(b):
        return MergeResult(session=_clone(a), changed=False, needs_decision=True, notes=(
            "both devices signed this session, with different records; both are kept",))
    merged = replace(_clone(a), addenda=_merge_addenda(a.addenda, b.addenda),
                     rems_submitted=_earliest(a.rems_submitted, b.rems_submitted))
    return MergeResult(session=merged, changed=merged != ours)


def _one_signed(ours: Session, a: Session, b: Session, source: str) -> MergeResult:
    signed, other = (a, b) if a.status == "signed" else (b, a)
    lines = _written_after(signed, other)
    merged = _clone(signed)
    merged.rems_submitted = _earliest(signed.rems_submitted, other.rems_submitted)
    added = 0
    if lines:
        where = (f"written on {source} after this session was signed here" if signed is a
                 else f"written on this device; the session was signed on {source}")
        at = max(_last_change(other), signed.signed or signed.created)
        have = {_body(x.text) for x in merged.addenda}
        for text in _addendum_texts(f"Merged from a sync conflict: {where}.", lines):
            if _body(text) not in have:
                merged.addenda.append(Addendum(at=at, text=text))
                added += 1
        merged.addenda = _merge_addenda(merged.addenda, [])
    return MergeResult(session=merged, changed=merged != ours, addenda_added=added)


def _body(text: str) -> str:
    """An addendum without its first line (which says which side it came from)."""
    return text.partition("\n")[2]


def _written_after(signed: Session, other: Session) -> list[str]:
    """What ``other`` holds that the signed record lacks, one line (or paragraph) each."""
    have = {e.id: e for e in signed.entries}
    known = {(e.at, e.kind, _original_text(e)): e for e in signed.entries}
    texts = {t for e in signed.entries for _, t in _versions(e)}
    lines: list[str] = []
    for e in other.entries:
        mine = have.get(e.id)
        if mine == e:
            continue  # the same in the signed record: most entries
        when = f"{local(e.at):%H:%M}"
        label = vocab.ENTRY_KINDS.get(e.kind, e.kind)
        if mine is None or _identity(mine) != _identity(e):
            twin = known.get((e.at, e.kind, _original_text(e)))
            if twin is None:
                lines.append(f"{when} {label}: {_describe(e)}")
                for c in e.history:  # its own history too: earlier texts, strikes
                    if isinstance(c, Edit):
                        lines.append(f"{when} {label}, before {local(c.at):%H:%M}: {c.text}")
                    else:
                        verb = "struck" if isinstance(c, Strike) else "restored"
                        why = f" ({c.reason})" if c.reason else ""
                        lines.append(f"{when} {label} {verb} at {local(c.at):%H:%M}{why}")
                continue
            # The same entry written alike on both devices (one minute, one text, ids of
            # their own): what the other did to it after is still said. It was skipped whole,
            # and an edit made there after the signature was lost.
            mine = twin
        for at, text in _versions(e):
            if text not in texts:
                lines.append(f"{when} {label}, changed at {local(at):%H:%M} to: {text}")
        marks = {(type(c), c.at, c.reason) for c in mine.history if isinstance(c, Strike | Restore)}
        for c in e.history:
            if isinstance(c, Strike | Restore) and (type(c), c.at, c.reason) not in marks:
                verb = "struck" if isinstance(c, Strike) else "restored"
                why = f" ({c.reason})" if c.reason else ""
                lines.append(f"{when} {label} {verb} at {local(c.at):%H:%M}{why}")
    if other.integration_notes and other.integration_notes not in signed.integration_notes:
        lines.append(f"Integration notes: {other.integration_notes}")
    if other.intention and other.intention not in signed.intention:
        lines.append(f"Intention: {other.intention}")
    for name, value in sorted(other.outcomes.items()):
        if signed.outcomes.get(name) != value:
            lines.append(f"Outcome {name}: {value}")
    for title, theirs, mine in (
            ("Preparation checklist", other.prep_checklist, signed.prep_checklist),
            ("Discharge checklist", other.discharge_checklist, signed.discharge_checklist),
            ("Integration checklist", other.integration_checklist,
             signed.integration_checklist)):
        ticked = {c.text for c in mine if c.done}
        listed = {c.text for c in mine}
        for c in theirs:
            if c.text not in listed or (c.done and c.text not in ticked):
                lines.append(f"{title}: {c.text}{' (ticked)' if c.done else ''}")
    # REMS answers given on the other device (a BP slot by what it names, never an id).
    for key, value in sorted(other.rems.items()):
        if signed.rems.get(key) != value:
            lines.append(f"REMS form, {_rems_answer(other, key, value)}")
    if other.draft and other.draft not in texts:
        lines.append(f"Unsent draft: {other.draft}")
    return lines


def _rems_answer(s: Session, key: str, value: Any) -> str:
    spec = FIELD_KEYS.get(key)
    label = spec.label if spec is not None else key
    if isinstance(value, bool):
        return f"{label}: {'yes' if value else 'no'}"
    if key in ENTRY_FIELDS:
        if value == "baseline":
            return f"{label}: the baseline"
        e = next((e for e in s.entries if e.id == value), None)
        if e is not None:
            return f"{label}: {_describe(e)}, recorded at {local(e.at):%H:%M}"
    return f"{label}: {value}"


def _describe(e: Entry) -> str:
    if e.text:
        return e.text
    if e.values:
        return ", ".join(f"{k} {v}" for k, v in e.values.items() if v is not None)
    return "(no text)"


def _addendum_texts(header: str, lines: list[str]) -> list[str]:
    """The lines as addenda within the limit of one; a longer one goes on in the next."""
    texts: list[str] = []
    body: list[str] = []
    size = len(header)
    for line in lines:
        line = clean_text(line)[: NOTE_MAX - len(header) - 20]
        if body and size + 1 + len(line) > NOTE_MAX:
            texts.append("\n".join([header, *body]))
            body, size = [], len(header)
        body.append(line)
        size += 1 + len(line)
    if body:
        texts.append("\n".join([header, *body]))
    return texts


def _clone(s: Session) -> Session:
    """A copy to hand out: no list or entry shared with ``s`` (Vitals, history events and
    addenda are never changed in place, so they may be shared)."""
    return replace(
        s,
        entries=[_copy_entry(e) for e in s.entries],
        prep_checklist=[copy.copy(c) for c in s.prep_checklist],
        discharge_checklist=[copy.copy(c) for c in s.discharge_checklist],
        integration_checklist=[copy.copy(c) for c in s.integration_checklist],
        outcomes=dict(s.outcomes),
        addenda=list(s.addenda),
        rems=dict(s.rems),
        signed_missing=list(s.signed_missing),
    )
