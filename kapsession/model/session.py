"""The session: one dosing session from preparation to signature, and its timeline entries.

Every change goes through a method here that checks the status and validates its input, and
takes the current time as an argument (the model never reads a clock itself). ``to_dict`` and
``from_dict`` are the only places that know the stored shape.
"""

from __future__ import annotations

import base64
import re
import secrets
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from . import vocab
from .errors import SessionStateError, SignedSessionError, ValidationError
from .protocols import Observation, Protocol, observation
from .rems import ANSWER_MAX, FIELD_KEYS, validate_answer
from .rescue import (
    validate_drug,
    validate_given,
    validate_rescue_mg,
    validate_route,
    validate_severity,
)
from .tags import CATEGORIES
from .text import NOTE_MAX, SHORT_MAX, clean_text, optional_text, require_text, validate_lot
from .times import date_from_iso, date_in_range, from_iso, local, to_iso
from .vitals import Vitals

# 2: an entry's strikes and restores are events in its history, beside its edits.
# 3: monitoring until discharge (protocol, ready, discharged), dose lot, the REMS answers;
#    a side effect has a severity (None: not rated); a rescue medication is its own entry.
# 4: a session has a kind: a dosing session, or a preparation or integration visit (which has
#    no route, dose or effect clock).
# 5: new entry ids are random (``e`` + 8 base32 letters) so two devices writing the same
#    session never make two entries with one id (old ``e1``, ``e2``… are kept); a live session
#    names the device it is live on (``live_on``); a signed session says who signed
#    (``signed_by``, initials).
SCHEMA_VERSION = 5
CLIENT_CODE_MAX = 32
DOSE_MAX_MG = 1000
INITIALS_MAX = 8
REASON_MAX = 500
# How long after a change to the record the undo key still offers to undo it.
UNDO_WINDOW = timedelta(minutes=2)
UNDO_REASON = "undo"
DRAFT_MAX = NOTE_MAX
# Limits that keep every save fast (a save rewrites the whole session: at 100,000 notes it
# took 0.9 s) and far above any real session (a note every 4 seconds for 6 hours is 5,000).
# Files over them still open: the limits apply to what is added.
ENTRIES_MAX = 5_000
CHANGES_MAX = 100  # edits, strikes and restores of one entry
ADDENDA_MAX = 500

_ID_RE = re.compile(r"[0-9a-f]{32}\Z")  # \Z, not $: "$" also matches before a final newline
#: An entry id as stored: the old per-session counter (``e1``, ``e2``…) or, since schema 5,
#: ``e`` + 8 random base32 letters (40 bits). Ids are names, never an order: the timeline is
#: the list's order, so nothing may sort entries by id.
ENTRY_ID_RE = re.compile(r"e(?:[1-9][0-9]{0,5}|[a-z2-7]{8})\Z")
DEVICE_MAX = 64


def new_entry_id(taken: set[str] | frozenset[str] = frozenset(), rng: Any = None) -> str:
    """A fresh entry id that no other device will make: 40 random bits, so two devices that
    each add a note to the same session (before a file-sync tool brings them together) give
    their notes different ids. ``taken`` (this session's ids) rules out the rare repeat.
    ``rng`` (a ``random.Random``) is for synthetic data that must repeat with its seed."""
    while True:
        raw = rng.getrandbits(40).to_bytes(5, "big") if rng is not None else \
            secrets.token_bytes(5)
        eid = "e" + base64.b32encode(raw).decode("ascii").lower()
        if eid not in taken:
            return eid


def validate_device(value: object) -> str:
    """A device name as shown in "live on <device>": one printable line, at most 64."""
    if not isinstance(value, str):
        raise ValidationError("device", "must be text")
    name = clean_text(value, multiline=False).strip()
    if len(name) > DEVICE_MAX:
        raise ValidationError("device", f"is {len(name)} characters; the limit is {DEVICE_MAX}")
    return name


@dataclass(frozen=True)
class LiveOn:
    """Where a live session is being written: the device's name and since when. A file-sync
    tool carries this to every device, so another device can say "live on <device>"."""

    device: str
    since: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"device": self.device, "since": to_iso(self.since)}

    @classmethod
    def from_dict(cls, data: Any) -> LiveOn:
        if not isinstance(data, dict):
            raise ValueError("live_on: expected {device, since}")
        try:
            device = validate_device(data.get("device"))
        except ValidationError as exc:
            raise ValueError(f"live_on.device: {exc.problem}") from None
        return cls(device=device, since=_stored_time("live_on.since", data.get("since")))


def validate_client_code(value: object) -> str:
    """A pseudonymous code such as ``C-0042``: 1–32 printable characters, one line."""
    if not isinstance(value, str):
        raise ValidationError("client", "must be text")
    raw = unicodedata.normalize("NFC", value.strip())  # one code, however it was typed
    if not raw:
        raise ValidationError("client", "client code is required (a pseudonym such as C-0042)")
    if any(not ch.isprintable() for ch in raw):
        raise ValidationError("client", "must be printable characters on one line")
    if len(raw) > CLIENT_CODE_MAX:
        raise ValidationError("client", f"is {len(raw)} characters; the limit is {CLIENT_CODE_MAX}")
    return raw


def validate_dose(field_name: str, value: object, *, required: bool = True) -> float | None:
    """A dose in mg: more than 0, at most 1000."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError(field_name, "enter the dose in mg")
        return None
    if isinstance(value, bool):
        raise ValidationError(field_name, "must be a number of mg")
    if isinstance(value, str):
        try:
            value = float(value.strip().removesuffix("mg").strip())
        except ValueError:
            raise ValidationError(field_name, "must be a number of mg") from None
    if not isinstance(value, (int, float)) or value != value:  # NaN is not a dose
        raise ValidationError(field_name, "must be a number of mg")
    # Rounded before the check: 0.004 mg would be stored as 0, which no file may hold.
    value = round(float(value), 2)
    if not 0 < value <= DOSE_MAX_MG:
        raise ValidationError(field_name, f"must be more than 0 and at most {DOSE_MAX_MG} mg")
    return value


RATE_MAX = 40


def validate_rate(field_name: str, value: object) -> str:
    """An infusion rate as the clinic writes it (``0.5 mg/kg over 40 min``, ``60 ml/h``)."""
    return require_text(field_name, value, max_len=RATE_MAX, multiline=False)


def _choice(field_name: str, value: object, choices: dict[str, str] | tuple[str, ...]) -> str:
    if isinstance(value, str):
        key = value.strip().lower()
        if key in choices:
            return key
        if isinstance(choices, dict):  # a label ("sublingual-buccal") is accepted for its key
            for k, label in choices.items():
                if label.lower() == key:
                    return k
    # The value itself is not repeated: it may be text a therapist typed.
    raise ValidationError(field_name, "must be one of: " + ", ".join(choices))


def _require_room_for_a_change(entry: Entry) -> None:
    if len(entry.history) >= CHANGES_MAX:
        raise SessionStateError(f"this entry has been changed {CHANGES_MAX} times, the most one "
                                "entry keeps; nothing was changed. Add a note instead")


def _stored_text(field_name: str, value: object, max_len: int = NOTE_MAX) -> str:
    """Text read from a file: cleaned like typed text and within its limit."""
    if not isinstance(value, str):
        raise ValueError(f"{field_name}: expected text")
    text = clean_text(value)
    if len(text) > max_len:
        raise ValueError(f"{field_name}: longer than {max_len:,} characters")
    return text


def _stored_time(field_name: str, value: object) -> datetime:
    at = from_iso(field_name, value)
    if at is None:
        raise ValueError(f"{field_name}: missing")
    return at


def _each(name: str, items: list[Any], parse: Any) -> list[Any]:
    """Parse each item of a stored list; an error names the item (``entries[2].at``)."""
    return [_nested(name, i, parse, item) for i, item in enumerate(items)]


def _nested(name: str, index: int | None, parse: Any, item: Any) -> Any:
    """Parse a nested stored item; an error names it (``entry.history[0].at``)."""
    try:
        return parse(item)
    except (KeyError, TypeError):
        raise ValueError(f"{name}{'' if index is None else f'[{index}]'}: malformed") from None
    except ValueError as exc:
        field, sep, problem = str(exc).partition(": ")
        field = field.split(".", 1)[1] if "." in field else ""
        where = f"{name}{'' if index is None else f'[{index}]'}{'.' + field if field else ''}"
        raise ValueError(f"{where}{sep}{problem}") from None


def _check_values(kind: str, values: dict[str, Any]) -> dict[str, Any]:
    """The ``values`` of an entry read from a file must fit its kind."""
    try:
        if kind in ("dose", "booster"):
            mg = validate_dose("entry.values.mg", values.get("mg"), required=kind == "booster")
            if "lot" not in values:
                return {"mg": mg}
            return {"mg": mg, "lot": validate_lot("entry.values.lot", values["lot"],
                                                  stored=True)}
        if kind == "vitals":
            v = Vitals.from_dict(values)
            if v.empty:
                raise ValueError("entry.values: vitals without a value")
            return v.to_dict()
        if kind == "side_effect":
            return {"effect": _choice("entry.values.effect", values.get("effect"),
                                      vocab.SIDE_EFFECTS),
                    "severity": validate_severity(values.get("severity"))}
        if kind == "rescue":
            return {"drug": validate_drug(values.get("drug")),
                    "mg": validate_rescue_mg(values.get("mg")),
                    "route": validate_route(values.get("route")),
                    "given": to_iso(_stored_time("entry.values.given", values.get("given")))}
        if kind == "rating":
            scale = _choice("entry.values.scale", values.get("scale"), tuple(vocab.SCALES))
            score = values.get("score")
            if isinstance(score, bool) or score not in vocab.SCALES[scale][1]:
                raise ValueError("entry.values.score: out of range")
            return {"scale": scale, "score": score}
        if kind == "prompt":
            return {"situation": _choice("entry.values.situation", values.get("situation"),
                                         vocab.PROMPT_SITUATIONS)}
        if kind == "device":
            n = values.get("n")
            if isinstance(n, bool) or not isinstance(n, int) or \
                    not 1 <= n <= vocab.DEVICES_MAX:
                raise ValueError(f"entry.values.n: expected 1–{vocab.DEVICES_MAX}")
            return {"n": n}
        if kind == "infusion":
            event = _choice("entry.values.event", values.get("event"),
                            tuple(vocab.INFUSION_EVENTS))
            if values.get("rate") is None:
                return {"event": event}
            return {"event": event, "rate": validate_rate("entry.values.rate",
                                                          values["rate"])}
    except ValidationError as exc:
        field = exc.field if exc.field.startswith("entry.") else f"entry.values.{exc.field}"
        raise ValueError(f"{field}: {exc.problem}") from None
    if values:
        raise ValueError(f"entry.values: a {kind} entry has no values")
    return {}


@dataclass
class ChecklistItem:
    text: str
    done: bool = False

    def __post_init__(self) -> None:
        # The same check as a stored item's (from_dict builds through here): an item the API
        # accepts always opens again, even one whose text grows when normalised.
        if not isinstance(self.text, str):
            raise ValidationError("checklist item", "expected text")
        self.text = clean_text(self.text)
        if len(self.text) > SHORT_MAX:
            raise ValidationError("checklist item", f"longer than {SHORT_MAX:,} characters")
        if not isinstance(self.done, bool):
            raise ValidationError("checklist item", "done must be true or false")

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "done": self.done}

    @classmethod
    def from_dict(cls, data: Any) -> ChecklistItem:
        if not isinstance(data, dict):
            raise ValueError("checklist item: expected {text, done}")
        return cls(text=data.get("text"), done=bool(data.get("done", False)))


def checklist_from_texts(texts: list[str]) -> list[ChecklistItem]:
    """Copy item texts in, so a later config change does not rewrite this session's history."""
    return [ChecklistItem(require_text("checklist item", t, max_len=SHORT_MAX, multiline=False))
            for t in texts]


def _checklist(field_name: str, items: object) -> list[ChecklistItem]:
    """A checklist handed to a Session method: its items checked again (a ChecklistItem may
    have been changed since it was made) and plain texts taken as unticked items."""
    if isinstance(items, (str, bytes, dict)) or not isinstance(items, (list, tuple)):
        raise ValidationError(field_name, "expected a list of checklist items")
    out = []
    for i, item in enumerate(items):
        try:
            if isinstance(item, ChecklistItem):
                out.append(ChecklistItem(item.text, item.done))
            elif isinstance(item, str):
                out.extend(checklist_from_texts([item]))
            else:
                raise ValidationError("checklist item", "expected text or a ChecklistItem")
        except ValidationError as exc:
            raise ValidationError(f"{field_name}[{i}]", exc.problem) from None
    return out


def _baseline(value: object) -> Vitals | None:
    if value is not None and not isinstance(value, Vitals):
        raise ValidationError("baseline", "expected vitals")
    return value if value is not None and not value.empty else None


@dataclass(frozen=True)
class Edit:
    """A history event: the entry's text was changed. ``text`` is the text before the change."""

    at: datetime
    text: str
    event = "edit"

    def to_dict(self) -> dict[str, Any]:
        return {"event": self.event, "at": to_iso(self.at), "text": self.text}


@dataclass(frozen=True)
class _ReasonedChange:
    at: datetime
    reason: str
    event = ""

    def to_dict(self) -> dict[str, Any]:
        return {"event": self.event, "at": to_iso(self.at), "reason": self.reason}


@dataclass(frozen=True)
class Strike(_ReasonedChange):
    """A history event: the entry was struck through. It stays in the record with the reason."""

    event = "strike"


@dataclass(frozen=True)
class Restore(_ReasonedChange):
    """A history event: a struck entry stands again. The strike stays in the history."""

    event = "restore"


Change = Edit | Strike | Restore


def change_from_dict(data: Any) -> Change:
    """One stored history event (``entry.history[2].reason`` names a bad field)."""
    event = data["event"]
    at = _stored_time("change.at", data["at"])
    if event == "edit":
        return Edit(at=at, text=_stored_text("change.text", data["text"]))
    if event in ("strike", "restore"):
        reason = _stored_text("change.reason", data["reason"], REASON_MAX)
        return Strike(at=at, reason=reason) if event == "strike" else Restore(at=at,
                                                                              reason=reason)
    raise ValueError("change.event: unknown event")


_SCALARS = frozenset((str, int, float, bool, type(None)))


class EntryValues(dict):  # type: ignore[type-arg]
    """An entry's ``values``: read like a dict (and written by ``json`` and orjson like one),
    never changed in place. An entry's stored form is remembered until the entry changes
    (see :meth:`Entry.stored_as`), and every change is an assignment that forgets it: values
    that could change in place would let a save write what the entry no longer holds. Made
    with the values (scalars only: nothing inside may change either); a change is a new one."""

    __slots__ = ()

    def __new__(cls, items: Mapping[str, Any] | Iterable[tuple[str, Any]] = ()) -> EntryValues:
        self = dict.__new__(cls)
        dict.update(self, items)
        for key, value in dict.items(self):  # (a loop is faster than set tests here)
            if type(key) is not str or type(value) not in _SCALARS:
                raise TypeError("an entry's values are text, numbers, true/false or null, "
                                "by name")
        return self

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass  # filled by __new__: calling __init__ again must not change it

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("an entry's values cannot be changed in place; assign new ones")

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def copy(self) -> dict[str, Any]:  # type: ignore[override]
        return dict(self)

    def __reduce__(self) -> tuple[Any, ...]:
        return (EntryValues, (dict(self),))


_NO_VALUES = EntryValues()  # a note's: shared, as nothing can change it


def _entry_values(values: Mapping[str, Any] | None) -> EntryValues:
    if not values:
        return _NO_VALUES
    return values if type(values) is EntryValues else EntryValues(values)


def _entry_history(history: Iterable[Change]) -> tuple[Change, ...]:
    if not history:  # most entries: a session of 2,000 makes 2,000 of these when read
        return ()
    events = tuple(history)
    for change in events:
        if not isinstance(change, (Edit, Strike, Restore)):
            raise TypeError("an entry's history holds edits, strikes and restores")
    return events


_T = TypeVar("_T")


@dataclass(init=False)
class Entry:
    """One timeline entry. ``values`` holds what the kind needs (mg, vitals, scale and score).

    ``history`` is the entry's record of changes, oldest first: edits keep the earlier text,
    a strike keeps its reason, a restore undoes a strike; nothing in it is ever removed.

    Every field holds a value that cannot change in place (text, times, an
    :class:`EntryValues`, a tuple of frozen events), so an entry changes only by assignment,
    and an assignment forgets the stored form :meth:`stored_as` remembers: a save can never
    write an entry as it was before a change.
    """

    id: str
    at: datetime
    kind: str
    text: str = ""
    category: str | None = None
    flagged: bool = False
    values: EntryValues = field(default_factory=EntryValues)
    history: tuple[Change, ...] = ()

    # The remembered forms: class attributes, unannotated so that they are not fields (not
    # compared, copied or shown); an entry's own shadow them until a change resets them.
    _stored_form = None  # (the store's encoder, the entry encoded with it)
    _stored_dict = None  # what to_dict returns

    def __init__(self, id: str, at: datetime, kind: str, text: str = "",
                 category: str | None = None, flagged: bool = False,
                 values: Mapping[str, Any] | None = None,
                 history: Iterable[Change] = ()) -> None:
        # Not through __setattr__ (below): a session of 2,000 entries builds 2,000 of these
        # when it is read. The common cases of _entry_values and _entry_history inline.
        fields = self.__dict__
        fields["id"] = id
        fields["at"] = at
        fields["kind"] = kind
        fields["text"] = text
        fields["category"] = category
        fields["flagged"] = flagged
        fields["values"] = _NO_VALUES if not values else \
            values if type(values) is EntryValues else EntryValues(values)
        fields["history"] = _entry_history(history) if history else ()

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "values":
            value = _entry_values(value)
        elif name == "history":
            value = _entry_history(value)
        fields = self.__dict__
        fields.pop("_stored_form", None)
        fields.pop("_stored_dict", None)
        fields[name] = value

    def __delattr__(self, name: str) -> None:
        self._forget_forms()
        object.__delattr__(self, name)

    def _forget_forms(self) -> None:
        self.__dict__.pop("_stored_form", None)
        self.__dict__.pop("_stored_dict", None)

    def __getstate__(self) -> dict[str, Any]:
        # Copies and pickles (worker processes) carry the fields, not the remembered forms.
        state = dict(self.__dict__)
        state.pop("_stored_form", None)
        state.pop("_stored_dict", None)
        return state

    def copy(self, id: str | None = None) -> Entry:
        """The same entry (under ``id`` if given). Its fields cannot change in place, so the
        copy shares them; the stored forms are shared too when nothing differs."""
        new = object.__new__(Entry)
        new.__dict__.update(self.__dict__)
        if id is not None and id != self.id:
            new.__dict__["id"] = id
            new._forget_forms()
        return new

    @property
    def vitals(self) -> Vitals | None:
        return Vitals.from_dict(self.values) if self.kind == "vitals" else None

    @property
    def struck(self) -> Strike | None:
        """The strike in force: the last one, unless a restore came after it."""
        current: Strike | None = None
        for change in self.history:
            if isinstance(change, Strike):
                current = change
            elif isinstance(change, Restore):
                current = None
        return current

    @property
    def edits(self) -> list[Edit]:
        return [c for c in self.history if isinstance(c, Edit)]

    @property
    def changed(self) -> datetime:
        """When the record of this entry last changed (made, edited, struck or restored)."""
        return self.history[-1].at if self.history else self.at

    def to_dict(self) -> dict[str, Any]:
        """The stored shape. Remembered until the entry changes (the live screen compares
        every entry after each save, and copies the session): the dict is shared, so callers
        read it and never change it. What a save writes never comes from it."""
        data = self._stored_dict
        if data is None:
            data = self.__dict__["_stored_dict"] = self._fresh_dict()
        return data

    def _fresh_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": to_iso(self.at),
            "kind": self.kind,
            "text": self.text,
            "category": self.category,
            "flagged": self.flagged,
            "values": dict(self.values),
            "history": [h.to_dict() for h in self.history],
        }

    def stored_as(self, encode: Callable[[dict[str, Any]], _T]) -> _T:
        """``encode(self.to_dict())``, remembered until the entry changes (any assignment
        forgets it). A save writes the whole session, and a session of 2,000 entries made
        2,000 dicts at every save; the store encodes each entry once instead (the model
        knows no file format: ``encode`` is the store's)."""
        form = self._stored_form
        if form is not None and form[0] is encode:
            return form[1]  # type: ignore[no-any-return]
        # From the fields themselves, never from to_dict's shared dict: a caller that changed
        # that dict by mistake must not change what is written.
        value = encode(self._fresh_dict())
        self.__dict__["_stored_form"] = (encode, value)
        return value

    @classmethod
    def from_dict(cls, data: Any) -> Entry:
        if not isinstance(data, dict):
            raise ValueError("entry: expected an object")
        kind = data.get("kind")
        if kind not in vocab.ENTRY_KINDS:
            raise ValueError("entry.kind: unknown kind")
        category = data.get("category")
        if category is not None and category not in CATEGORIES:
            raise ValueError("entry.category: unknown category")
        values = data.get("values") or {}
        if not isinstance(values, dict):
            raise ValueError("entry.values: expected an object")
        if not isinstance(data.get("id"), str) or not ENTRY_ID_RE.match(data["id"]):
            raise ValueError("entry.id: expected e1, e2… or e and 8 letters and digits")
        history = data.get("history") or []
        if not isinstance(history, list):
            raise ValueError("entry.history: expected a list")
        return cls(
            id=data["id"],
            at=_stored_time("entry.at", data.get("at")),
            kind=kind,
            text=_stored_text("entry.text", data.get("text", "")),
            category=category,
            flagged=bool(data.get("flagged", False)),
            values=_check_values(kind, values),
            history=[_nested("entry.history", i, change_from_dict, h)
                     for i, h in enumerate(history)],
        )


@dataclass(frozen=True)
class Proceeded:
    """The pre-dose decision: went live with these flags and unticked checks, for a reason."""

    flags: tuple[str, ...] = ()
    unticked: tuple[str, ...] = ()
    reason: str = ""

    def __post_init__(self) -> None:
        for name in ("flags", "unticked"):
            items = getattr(self, name)
            if isinstance(items, str) or not isinstance(items, (list, tuple)) or \
                    len(items) > 60:
                raise ValidationError(f"proceeded.{name}", "expected a list of short texts")
            object.__setattr__(self, name, tuple(
                require_text(f"proceeded.{name}", t, max_len=SHORT_MAX, multiline=False)
                for t in items))
        object.__setattr__(self, "reason", optional_text("reason", self.reason,
                                                         max_len=REASON_MAX, multiline=False))

    @property
    def empty(self) -> bool:
        return not (self.flags or self.unticked or self.reason)

    def text(self) -> str:
        parts = []
        if self.flags:
            parts.append("flagged: " + "; ".join(self.flags))
        if self.unticked:
            parts.append("not done: " + "; ".join(self.unticked))
        text = "Proceeded" + (" with " + " · ".join(parts) if parts else "")
        return text + (f" · reason: {self.reason}" if self.reason else "")

    def to_dict(self) -> dict[str, Any]:
        return {"flags": list(self.flags), "unticked": list(self.unticked),
                "reason": self.reason}

    @classmethod
    def from_dict(cls, data: Any) -> Proceeded:
        if not isinstance(data, dict):
            raise ValueError("proceeded: expected an object")
        try:
            return cls(flags=tuple(data.get("flags") or ()),
                       unticked=tuple(data.get("unticked") or ()),
                       reason=data.get("reason", ""))
        except ValidationError as exc:
            raise ValueError(f"{exc.field}: {exc.problem}") from None


@dataclass
class Addendum:
    """A dated correction or addition to a signed session."""

    at: datetime
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"at": to_iso(self.at), "text": self.text}

    @classmethod
    def from_dict(cls, data: Any) -> Addendum:
        return cls(at=_stored_time("addendum.at", data["at"]),
                   text=_stored_text("addendum.text", data["text"]))


# PHQ-9 and GAD-7 totals a clinician may record (DOMAIN.md, "Outcome measures").
OUTCOME_LIMITS: dict[str, int] = {
    "phq9_pre": 27, "phq9_post": 27, "phq9_item9": 3, "gad7_pre": 21, "gad7_post": 21,
}


@dataclass
class Session:
    id: str
    client: str
    session_no: int
    created: datetime
    route: str | None  # None for a visit
    medicine: str = "ketamine"
    planned_dose_mg: float | None = None
    therapist: str = ""
    intention: str = ""
    prep_checklist: list[ChecklistItem] = field(default_factory=list)
    baseline: Vitals | None = None
    status: str = "planned"
    started: datetime | None = None
    dosed: datetime | None = None
    ended: datetime | None = None
    signed: datetime | None = None
    entries: list[Entry] = field(default_factory=list)
    discharge_checklist: list[ChecklistItem] = field(default_factory=list)
    integration_checklist: list[ChecklistItem] = field(default_factory=list)
    integration_date: date | None = None
    integration_notes: str = ""
    outcomes: dict[str, int] = field(default_factory=dict)
    addenda: list[Addendum] = field(default_factory=list)
    draft: str = ""
    kind: str = "dosing"
    #: The monitoring protocol the session runs under (a copy: a config change leaves it).
    protocol: Protocol | None = None
    #: When the client would have been ready to leave, and when they were discharged:
    #: monitoring goes on after Finish until discharge.
    ready: datetime | None = None
    discharged: datetime | None = None
    #: What the therapist answered or confirmed for the REMS form, by field key
    #: (:mod:`.rems`); what is not here is proposed from the record.
    rems: dict[str, Any] = field(default_factory=dict)
    #: REMS fields still missing when the session was signed (signing is never blocked).
    signed_missing: list[str] = field(default_factory=list)
    #: When the REMS form was marked as submitted (paperwork, allowed after signing).
    rems_submitted: datetime | None = None
    #: Who signed: the signer's initials (from the config, or the session's therapist).
    signed_by: str | None = None
    #: The pre-dose decision: what was flagged or not done when the therapist went live
    #: anyway, and why (never a block: the record says it).
    proceeded: Proceeded | None = None
    #: The device the session is live on, while it is live (``None`` when not known).
    live_on: LiveOn | None = None
    schema: int = SCHEMA_VERSION

    # ---- construction -------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        *,
        id: str,
        now: datetime,
        client: object,
        session_no: int,
        route: object = None,
        medicine: object = "ketamine",
        dose_mg: object = None,
        therapist: object = "",
        intention: object = "",
        prep_checklist: list[ChecklistItem] | None = None,
        baseline: Vitals | None = None,
        kind: object = "dosing",
        protocol: Protocol | None = None,
    ) -> Session:
        if not _ID_RE.match(id):
            raise ValueError("id: expected 32 hex characters")
        kind = _choice("kind", kind, tuple(vocab.SESSION_KINDS))
        if kind != "dosing":
            _no_medicine(kind, route=route, dose_mg=dose_mg)
        elif route is None:
            raise ValidationError("route", "a dosing session needs its route")
        return cls(
            id=id,
            kind=kind,
            client=validate_client_code(client),
            session_no=session_no,
            created=now,
            route=None if kind != "dosing" else _choice("route", route, vocab.ROUTES),
            medicine=_choice("medicine", medicine, vocab.MEDICINES),
            planned_dose_mg=validate_dose("dose_mg", dose_mg, required=False),
            therapist=optional_text("therapist", therapist, max_len=INITIALS_MAX, multiline=False),
            intention=optional_text("intention", intention, max_len=NOTE_MAX),
            prep_checklist=_checklist("prep_checklist", prep_checklist or []),
            baseline=_baseline(baseline),
            protocol=_protocol(protocol),
        )

    # ---- derived --------------------------------------------------------------------------

    @property
    def is_visit(self) -> bool:
        """A preparation or integration visit: no route, dose or effect clock."""
        return self.kind != "dosing"

    @property
    def doses(self) -> list[Entry]:
        """The dose and boosters, in order, struck ones left out."""
        return [e for e in self.entries if e.kind in ("dose", "booster") and e.struck is None]

    @property
    def total_dose_mg(self) -> float | None:
        doses = self.doses
        if not doses:
            return None
        return round(sum(float(e.values.get("mg") or 0) for e in doses), 2)

    @property
    def vitals_entries(self) -> list[Entry]:
        return [e for e in self.entries if e.kind == "vitals" and e.struck is None]

    @property
    def last_vitals(self) -> Vitals | None:
        v = self.vitals_entries
        return v[-1].vitals if v else self.baseline

    @property
    def flagged_count(self) -> int:
        return sum(1 for e in self.entries if e.flagged and e.struck is None)

    @property
    def duration(self) -> timedelta | None:
        if self.is_visit:
            return None  # a visit is written during or after it: its length is not recorded
        start = self.dosed or self.started
        if start is None or self.ended is None:
            return None
        return self.ended - start

    @property
    def monitoring(self) -> bool:
        """Vitals, side effects, ratings and notes are taken: live, and after Finish until
        the client is discharged."""
        return self.status == "live" or (self.status == "ended" and self.discharged is None)

    def observation(self, now: datetime, default_minutes: int = 120) -> Observation:
        """The minimum observation, counted from the last dose or booster (the protocol's
        minimum; ``default_minutes`` for a session without a protocol)."""
        return observation(self, now, default_minutes)

    @property
    def monitoring_minutes(self) -> int | None:
        """Whole minutes from the dose to the end of monitoring (discharge)."""
        if self.dosed is None or self.discharged is None:
            return None
        return int((self.discharged - self.dosed).total_seconds() // 60)

    @property
    def minutes_to_ready(self) -> int | None:
        if self.dosed is None or self.ready is None:
            return None
        return int((self.ready - self.dosed).total_seconds() // 60)

    def offset(self, at: datetime) -> timedelta | None:
        """Time of ``at`` relative to the dose (T+), or ``None`` before any dose."""
        return at - self.dosed if self.dosed else None

    def entry(self, entry_id: str) -> Entry:
        for e in self.entries:
            if e.id == entry_id:
                return e
        raise ValidationError("entry", "no such entry in this session")

    # ---- guards ---------------------------------------------------------------------------

    def _require_not_signed(self) -> None:
        if self.status == "signed":
            raise SignedSessionError(self.id)

    def _require_status(self, action: str, *allowed: str) -> None:
        self._require_not_signed()
        if self.status not in allowed:
            raise SessionStateError(
                f"cannot {action}: the session is {self.status} (needs {' or '.join(allowed)})"
            )

    def _require_monitoring(self, action: str, *, dosing_only: bool = False) -> None:
        self._require_status(action, "live", "ended")
        if dosing_only and self.is_visit:
            raise SessionStateError(f"cannot {action}: a visit has no dose to monitor")
        if self.discharged is not None:
            raise SessionStateError(f"cannot {action}: the client was discharged; write in "
                                    "the integration notes instead")

    def _require_room(self) -> None:
        if len(self.entries) >= ENTRIES_MAX:
            raise SessionStateError(f"this session holds {ENTRIES_MAX:,} entries, the most one "
                                    "session keeps; nothing was added. Start a new session to "
                                    "go on")

    def _new_entry(self, now: datetime, kind: str, **kw: Any) -> Entry:
        if kind != "system":  # starting and finishing must stay possible at the limit
            self._require_room()
        entry = Entry(id=new_entry_id({e.id for e in self.entries}), at=now, kind=kind, **kw)
        self.entries.append(entry)
        return entry

    # ---- preparation ----------------------------------------------------------------------

    def update_preparation(
        self,
        *,
        client: object = None,
        route: object = None,
        medicine: object = None,
        dose_mg: object = ...,
        therapist: object = None,
        intention: object = None,
        prep_checklist: list[ChecklistItem] | None = None,
        baseline: Vitals | None = ...,  # type: ignore[assignment]
        protocol: Protocol | None = ...,  # type: ignore[assignment]
    ) -> None:
        """Change the preparation fields (allowed until the session is signed)."""
        self._require_not_signed()
        if self.is_visit:
            _no_medicine(self.kind, route=route, dose_mg=None if dose_mg is ... else dose_mg)
        if client is not None:
            self.client = validate_client_code(client)
        if route is not None:
            self.route = _choice("route", route, vocab.ROUTES)
        if medicine is not None:
            self.medicine = _choice("medicine", medicine, vocab.MEDICINES)
        if dose_mg is not ...:
            self.planned_dose_mg = validate_dose("dose_mg", dose_mg, required=False)
        if therapist is not None:
            self.therapist = optional_text("therapist", therapist, max_len=INITIALS_MAX,
                                           multiline=False)
        if intention is not None:
            self.intention = optional_text("intention", intention, max_len=NOTE_MAX)
        if prep_checklist is not None:
            self.prep_checklist = _checklist("prep_checklist", prep_checklist)
        if baseline is not ...:
            self.baseline = _baseline(baseline)
        if protocol is not ...:
            self.protocol = _protocol(protocol)

    # ---- status transitions ---------------------------------------------------------------

    def go_live(self, now: datetime, proceeded: Proceeded | None = None, *,
                device: object = "") -> None:
        """planned → live: the client has arrived and the session clock starts.
        ``proceeded``: what was flagged or unticked when the therapist went ahead, with the
        reason; it goes into the record (and the timeline) with the start. ``device`` names
        this device, so another one sees where the session is live."""
        if self.is_visit:
            raise SessionStateError("a visit has no live clock: open it for notes with "
                                    "finish (it is written during or after the visit)")
        self._require_status("start the session", "planned")
        if proceeded is not None and not isinstance(proceeded, Proceeded):
            raise ValidationError("proceeded", "expected the pre-dose decision")
        name = validate_device(device)
        self.status = "live"
        self.started = now
        self.live_on = LiveOn(name, now) if name else None
        self._new_entry(now, "system", text="Session started")
        if proceeded is not None and not proceeded.empty:
            self.proceeded = proceeded
            self._new_entry(now, "system", text=proceeded.text())

    def live_elsewhere(self, device: str) -> LiveOn | None:
        """Where this session is live or still monitored (until discharge), if that is a
        device other than ``device``."""
        if not self.monitoring or self.live_on is None or not device:
            return None
        return self.live_on if self.live_on.device != device else None

    def take_over(self, now: datetime, device: object) -> Entry | None:
        """Write this live session on ``device`` from now on (the therapist confirmed it).
        The record says so: a system line names both devices. ``None`` if it is live here."""
        self._require_monitoring("take over the session")
        name = validate_device(device)
        if not name:
            raise ValidationError("device", "name this device to take the session over")
        before = self.live_on
        if before is not None and before.device == name:
            return None
        self.live_on = LiveOn(name, now)
        if before is None:
            text = f"Taken over on {name}"
        else:
            text = (f"Taken over on {name}; it was live on {before.device} since "
                    f"{local(before.since):%H:%M}")
        return self._new_entry(now, "system", text=text)

    def finish(self, now: datetime) -> None:
        """live → ended: the dosing phase is over; monitoring goes on until discharge. A
        visit goes from planned to ended at once: it has no live clock, and ended is when its
        notes, scores and signature are written."""
        self._require_status("finish the session", "planned" if self.is_visit else "live")
        self.status = "ended"
        if self.is_visit:
            self.started = now
        self.ended = now
        # The device keeps the session after Finish: monitoring goes on until discharge,
        # and another device must not write it meanwhile unseen.
        self._new_entry(now, "system", text="Session finished")

    def mark_ready(self, now: datetime) -> None:
        """The client would be ready to leave (REMS: "minutes until ready to leave"), whether
        or not the minimum observation has passed."""
        self._require_monitoring("mark ready to leave", dosing_only=True)
        if self.dosed is None:
            raise SessionStateError("cannot mark ready to leave: no dose was marked")
        if self.ready is not None:
            raise SessionStateError("ready to leave was already marked")
        self.ready = now
        self._new_entry(now, "system", text="Ready to leave")

    def discharge(self, now: datetime) -> None:
        """The client leaves: monitoring ends. After Finish; never blocked by the minimum
        observation (the record shows it)."""
        self._require_status("discharge", "ended")
        if self.is_visit:
            raise SessionStateError("cannot discharge: a visit has no dose to monitor")
        if self.discharged is not None:
            raise SessionStateError("the client was already discharged")
        self.discharged = now
        self.live_on = None  # monitoring ended: no device holds the session any more
        self._new_entry(now, "system", text="Discharged")

    def sign(self, now: datetime, missing: list[str] | tuple[str, ...] = (),
             by: object = None) -> None:
        """ended → signed: the session becomes read-only for ever. ``missing`` names the REMS
        fields still empty: signing is never blocked, the record says what was missing.
        ``by``: the signer's initials (the record says who signed)."""
        self._require_status("sign the session", "ended")
        signer = optional_text("signed_by", by or "", max_len=INITIALS_MAX, multiline=False)
        if isinstance(missing, str) or any(k not in FIELD_KEYS for k in missing):
            raise ValidationError("missing", "must be REMS field keys")
        self.status = "signed"
        self.signed = now
        self.signed_by = signer or None
        self.signed_missing = list(missing)
        self.draft = ""

    def set_rems(self, **answers: object) -> None:
        """Record the therapist's answers for the REMS form (``None`` clears one: it goes
        back to what the record proposes). Allowed until the session is signed."""
        self._require_not_signed()
        updated = dict(self.rems)
        for key, value in answers.items():
            if value is None:
                updated.pop(key, None)
            else:
                updated[key] = validate_answer(key, value, self)
        self.rems = updated

    def mark_rems_submitted(self, now: datetime) -> None:
        """The REMS form was submitted. Paperwork about the session, not the record itself,
        so a signed session takes it too (once)."""
        if self.protocol is None or not self.protocol.rems:
            raise SessionStateError("this session is not on a REMS protocol")
        if self.status not in ("ended", "signed"):
            raise SessionStateError("finish the session before submitting its REMS form")
        if self.rems_submitted is not None:
            raise SessionStateError("the REMS form was already marked as submitted")
        self.rems_submitted = now

    # ---- timeline -------------------------------------------------------------------------

    def mark_dose(self, now: datetime, mg: object = None, lot: object = None) -> Entry:
        """The first call is the dose (T0); later calls are boosters and need their mg.
        ``lot``: the package's lot number (the REMS form asks for it)."""
        if self.is_visit:
            raise SessionStateError("a visit has no dose; record the dose in a dosing session")
        self._require_status("mark a dose", "live")
        self._require_room()  # before T0 is set
        values: dict[str, Any] = {}
        if lot is not None and not (isinstance(lot, str) and not lot.strip()):
            values["lot"] = validate_lot("lot", lot)
        if self.dosed is None:
            amount = validate_dose("dose_mg", mg if mg is not None else self.planned_dose_mg,
                                   required=False)
            self.dosed = now
            return self._new_entry(now, "dose", values={"mg": amount, **values})
        amount = validate_dose("booster_mg", mg, required=True)
        return self._new_entry(now, "booster", values={"mg": amount, **values})

    def mark_device(self, now: datetime) -> Entry:
        """The next intranasal device, with its time. The first one is the dose (T0, the
        planned dose) when no dose was marked yet."""
        self._require_status("mark a device", "live")
        if self.route != "intranasal":
            raise SessionStateError("devices are for the intranasal route")
        if self.dosed is None:
            self.mark_dose(now)
        n = sum(1 for e in self.entries if e.kind == "device" and e.struck is None) + 1
        if n > vocab.DEVICES_MAX:
            raise ValidationError("device", f"at most {vocab.DEVICES_MAX} devices")
        return self._new_entry(now, "device", text=f"Device {n}", values={"n": n})

    def log_infusion(self, now: datetime, event: object, rate: object = None) -> Entry:
        """An IV infusion's start (T0 when no dose was marked), rate change or stop. The
        start and a change need the rate."""
        self._require_monitoring("chart the infusion", dosing_only=True)
        if self.route != "iv":
            raise SessionStateError("infusions are for the IV route")
        key = _choice("event", event, tuple(vocab.INFUSION_EVENTS))
        values: dict[str, Any] = {"event": key}
        text = vocab.INFUSION_EVENTS[key]
        if key in ("start", "rate") or (rate is not None and str(rate).strip()):
            values["rate"] = validate_rate("rate", rate)
            text += f" · {values['rate']}"
        if key == "start" and self.dosed is None:
            self._require_status("start the infusion", "live")
            self.mark_dose(now)
        return self._new_entry(now, "infusion", text=text, values=values)

    def add_note(self, now: datetime, text: object, *, category: str | None = None,
                 flagged: bool = False) -> Entry:
        self._require_monitoring("add a note")
        body = require_text("note", text, max_len=NOTE_MAX)
        if category is not None and category not in CATEGORIES:
            raise ValidationError("category", "must be one of " + ", ".join(CATEGORIES))
        return self._new_entry(now, "note", text=body, category=category, flagged=bool(flagged))

    def record_vitals(self, now: datetime, vitals: Vitals, *, flagged: bool = False) -> Entry:
        self._require_monitoring("record vitals", dosing_only=True)
        if vitals.empty:
            raise ValidationError("vitals", "enter at least one value")
        return self._new_entry(now, "vitals", values=vitals.to_dict(), flagged=flagged)

    def log_side_effect(self, now: datetime, effect: object, detail: object = "",
                        severity: object = None) -> Entry:
        """A side effect, with its severity (mild, moderate or severe; ``None``: not rated)."""
        self._require_monitoring("log a side effect", dosing_only=True)
        if isinstance(effect, str) and effect.strip().lower() in (
                "rescue_medication", vocab.SIDE_EFFECTS["rescue_medication"]):
            raise ValidationError("side_effect", "a rescue medication is its own entry now, "
                                  "with drug, mg, route and time: log_rescue")
        key = _choice("side_effect", effect,
                      {k: vocab.SIDE_EFFECTS[k] for k in vocab.SIDE_EFFECTS_OFFERED})
        text = optional_text("detail", detail, max_len=SHORT_MAX)
        level = validate_severity(severity)
        if key == "other" and not text:
            raise ValidationError("detail", "say what the side effect was")
        return self._new_entry(now, "side_effect", text=text,
                               values={"effect": key, "severity": level})

    def log_rescue(self, now: datetime, drug: object, mg: object, route: object,
                   at: datetime | None = None) -> Entry:
        """A rescue medication: drug, dose, route and when it was given (``at``, by default
        now; an earlier time within the session when it is charted afterwards). The entry
        itself is dated ``now``: the record keeps when it was written."""
        self._require_monitoring("log a rescue medication", dosing_only=True)
        values = {"drug": validate_drug(drug), "mg": validate_rescue_mg(mg),
                  "route": validate_route(route)}
        given = validate_given(now if at is None else at, now=now, started=self.started)
        return self._new_entry(now, "rescue", values={**values, "given": to_iso(given)})

    def log_rating(self, now: datetime, scale: object, score: object) -> Entry:
        self._require_monitoring("log a rating", dosing_only=True)
        key = _choice("scale", scale, tuple(vocab.SCALES))
        levels = vocab.SCALES[key][1]
        if isinstance(score, str) and score.strip().isdigit():
            score = int(score.strip())
        if isinstance(score, bool) or not isinstance(score, int) or score not in levels:
            raise ValidationError("score", f"must be {min(levels)}–{max(levels)}")
        return self._new_entry(now, "rating", values={"scale": key, "score": score})

    def log_prompt(self, now: datetime, text: object, situation: object) -> Entry:
        self._require_monitoring("log a prompt")
        body = require_text("prompt", text, max_len=SHORT_MAX * 5)
        key = _choice("situation", situation, vocab.PROMPT_SITUATIONS)
        return self._new_entry(now, "prompt", text=body, values={"situation": key})

    def edit_entry(self, now: datetime, entry_id: str, text: object) -> Entry:
        """Replace a note's text; the previous text is kept in the entry's history."""
        self._require_status("edit an entry", "live", "ended")
        entry = self.entry(entry_id)
        if entry.kind != "note":
            raise SessionStateError("only notes can be edited; strike this entry and record "
                                    "it again")
        if entry.struck is not None:
            raise SessionStateError("cannot edit a struck entry")
        body = require_text("note", text, max_len=NOTE_MAX)
        if body == entry.text:
            return entry
        _require_room_for_a_change(entry)
        entry.history = (*entry.history, Edit(at=now, text=entry.text))
        entry.text = body
        return entry

    def strike_entry(self, now: datetime, entry_id: str, reason: object) -> Entry:
        """Strike an entry through. It is never deleted: the text and the reason stay."""
        self._require_status("strike an entry", "live", "ended")
        entry = self.entry(entry_id)
        if entry.struck is not None:
            raise SessionStateError("this entry is already struck")
        why = require_text("reason", reason, max_len=REASON_MAX, multiline=False)
        _require_room_for_a_change(entry)
        entry.history = (*entry.history, Strike(at=now, reason=why))
        self._dose_changed(entry)
        return entry

    def restore_entry(self, now: datetime, entry_id: str, reason: object = "") -> Entry:
        """A struck entry stands again; the strike stays in its history."""
        self._require_status("restore an entry", "live", "ended")
        entry = self.entry(entry_id)
        if entry.struck is None:
            raise SessionStateError("this entry is not struck")
        why = optional_text("reason", reason, max_len=REASON_MAX, multiline=False)
        _require_room_for_a_change(entry)
        entry.history = (*entry.history, Restore(at=now, reason=why))
        self._dose_changed(entry)
        return entry

    def _dose_changed(self, entry: Entry) -> None:
        if entry.kind in ("dose", "booster"):
            # T0 is the first dose still standing (or none): a struck dose was a mistake.
            doses = self.doses
            self.dosed = doses[0].at if doses else None

    def t0_if_toggled(self, entry_id: str) -> Entry | None:
        """The dose T0 would stand on if the dose or booster ``entry_id`` were struck (or,
        when it is struck, restored): what a correction must say before it moves the clock."""
        entry = self.entry(entry_id)
        standing = [e for e in self.doses if e.id != entry_id]
        if entry.struck is not None:
            standing.append(entry)
        return min(standing, key=lambda e: e.at, default=None)

    def undo_kind(self, entry: Entry) -> str:
        """What undoing the last change to ``entry`` does: ``strike`` (it was new or
        restored), ``restore`` (it was struck) or ``revert`` (it was edited)."""
        change = entry.history[-1] if entry.history else None
        if change is None or isinstance(change, Restore):
            return "strike"
        return "restore" if isinstance(change, Strike) else "revert"

    # ---- undo -----------------------------------------------------------------------------

    def last_change(self, now: datetime, window: timedelta = UNDO_WINDOW) -> Entry | None:
        """The entry whose record changed last, while that change can still be undone
        (within ``window`` of the session clock: :data:`UNDO_WINDOW`, longer when the clock
        runs faster than real time). The session's own "started"/"finished" lines are not
        the therapist's changes and are never offered."""
        if self.status not in ("live", "ended"):
            return None
        entries = [e for e in self.entries if e.kind != "system"]
        if not entries:
            return None
        # Of changes at one instant, the one made last: the first intranasal device (or an
        # infusion's start) adds the dose it stands for and then itself, and undo must offer
        # what the therapist did, not the dose behind it.
        last = max(reversed(entries), key=lambda e: e.changed)
        if not timedelta(0) <= now - last.changed <= window:
            return None
        return last

    def undo_last(self, now: datetime, entry_id: str,
                  window: timedelta = UNDO_WINDOW) -> Entry:
        """Undo the last change, which must be to ``entry_id`` (so the therapist undoes what
        they were shown). Undo is itself a new history event, never a deletion: a new entry
        is struck, a strike is restored, a restore struck again, an edit reverted."""
        last = self.last_change(now, window)
        if last is None or last.id != entry_id:
            raise SessionStateError("there is no recent change to this entry to undo")
        kind = self.undo_kind(last)
        if kind == "strike":
            return self.strike_entry(now, entry_id, UNDO_REASON)
        if kind == "restore":
            return self.restore_entry(now, entry_id, UNDO_REASON)
        return self.edit_entry(now, entry_id, last.edits[-1].text)

    def set_draft(self, text: object) -> None:
        """Keep the note being typed, so even unsent text survives a crash."""
        self._require_status("save a draft", "planned", "live", "ended")
        if not isinstance(text, str):
            raise ValidationError("draft", "must be text")
        cleaned = clean_text(text)
        if len(cleaned) > DRAFT_MAX:
            raise ValidationError("draft", f"the limit is {DRAFT_MAX:,} characters")
        self.draft = cleaned

    # ---- integration ----------------------------------------------------------------------

    def update_integration(
        self,
        *,
        discharge_checklist: list[ChecklistItem] | None = None,
        integration_checklist: list[ChecklistItem] | None = None,
        integration_date: date | None | object = ...,
        integration_notes: object = None,
        outcomes: dict[str, object] | None = None,
    ) -> None:
        self._require_status("change integration", "ended")
        if discharge_checklist is not None:
            self.discharge_checklist = _checklist("discharge_checklist", discharge_checklist)
        if integration_checklist is not None:
            self.integration_checklist = _checklist("integration_checklist",
                                                    integration_checklist)
        if integration_date is not ...:
            if integration_date is not None:
                try:  # a datetime is a date too, but would not read back as one
                    date_in_range("integration_date", integration_date)  # type: ignore[arg-type]
                except ValueError as exc:
                    raise ValidationError("integration_date", str(exc).partition(": ")[2]) \
                        from None
            self.integration_date = integration_date  # type: ignore[assignment]
        if integration_notes is not None:
            self.integration_notes = optional_text("integration_notes", integration_notes,
                                                   max_len=NOTE_MAX * 5)
        if outcomes is not None:
            self.outcomes = validate_outcomes(outcomes)

    def add_addendum(self, now: datetime, text: object) -> Addendum:
        """Append a dated addendum. The one change a signed session accepts."""
        if self.status != "signed":
            raise SessionStateError("addenda are for signed sessions; edit the session instead")
        add = Addendum(at=now, text=require_text("addendum", text, max_len=NOTE_MAX))
        if len(self.addenda) >= ADDENDA_MAX:
            raise SessionStateError(f"this session holds {ADDENDA_MAX:,} addenda, the most one "
                                    "session keeps; nothing was added")
        self.addenda.append(add)
        return add

    # ---- stored shape ---------------------------------------------------------------------

    def to_dict(self, entry_form: Callable[[dict[str, Any]], Any] | None = None
                ) -> dict[str, Any]:
        """The stored shape. ``entry_form``: the entries as the store encodes them, each
        encoded once and remembered until it changes (:meth:`Entry.stored_as`)."""
        return {
            "id": self.id,
            "schema": self.schema,
            "kind": self.kind,
            "client": self.client,
            "session_no": self.session_no,
            "therapist": self.therapist,
            "medicine": self.medicine,
            "route": self.route,
            "planned_dose_mg": self.planned_dose_mg,
            "intention": self.intention,
            "prep_checklist": [c.to_dict() for c in self.prep_checklist],
            "baseline": self.baseline.to_dict() if self.baseline else None,
            "status": self.status,
            "created": to_iso(self.created),
            "started": to_iso(self.started),
            "dosed": to_iso(self.dosed),
            "ended": to_iso(self.ended),
            "signed": to_iso(self.signed),
            "entries": ([e.to_dict() for e in self.entries] if entry_form is None
                        else [e.stored_as(entry_form) for e in self.entries]),
            "discharge_checklist": [c.to_dict() for c in self.discharge_checklist],
            "integration_checklist": [c.to_dict() for c in self.integration_checklist],
            "integration_date": (self.integration_date.isoformat() if self.integration_date
                                 else None),
            "integration_notes": self.integration_notes,
            "outcomes": dict(self.outcomes),
            "addenda": [a.to_dict() for a in self.addenda],
            "draft": self.draft,
            "protocol": self.protocol.to_dict() if self.protocol else None,
            "ready": to_iso(self.ready),
            "discharged": to_iso(self.discharged),
            "rems": dict(self.rems),
            "signed_missing": list(self.signed_missing),
            "signed_by": self.signed_by,
            "rems_submitted": to_iso(self.rems_submitted),
            "proceeded": self.proceeded.to_dict() if self.proceeded else None,
            "live_on": self.live_on.to_dict() if self.live_on else None,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Session:
        """Rebuild a session from its stored shape; raises ``ValueError`` naming a bad field."""
        if not isinstance(data, dict):
            raise ValueError("session: expected an object")
        if data.get("schema") != SCHEMA_VERSION:
            raise ValueError(f"schema: expected {SCHEMA_VERSION}, found {data.get('schema')!r}")
        sid = data.get("id")
        if not isinstance(sid, str) or not _ID_RE.match(sid):
            raise ValueError("id: expected 32 hex characters")
        status = data.get("status")
        if status not in vocab.STATUSES:
            raise ValueError("status: unknown status")
        session_no = data.get("session_no")
        if isinstance(session_no, bool) or not isinstance(session_no, int) or session_no < 1:
            raise ValueError("session_no: expected a positive whole number")
        for name in ("entries", "prep_checklist", "discharge_checklist",
                     "integration_checklist", "addenda"):
            if not isinstance(data.get(name, []), list):
                raise ValueError(f"{name}: expected a list")
        for name in ("therapist", "intention", "integration_notes", "draft"):
            if not isinstance(data.get(name, ""), str):
                raise ValueError(f"{name}: expected text")
        kind = data.get("kind")
        if kind not in vocab.SESSION_KINDS:
            raise ValueError("kind: unknown kind of session")
        if kind != "dosing" and (data.get("route") is not None
                                 or data.get("planned_dose_mg") is not None
                                 or data.get("dosed") is not None
                                 or any(isinstance(e, dict) and e.get("kind") in
                                        ("dose", "booster") for e in data.get("entries", []))):
            raise ValueError("kind: a visit has no route or dose")
        try:
            return cls(
                id=sid,
                kind=kind,
                client=validate_client_code(data.get("client")),
                session_no=session_no,
                therapist=_stored_text("therapist", data.get("therapist", ""), INITIALS_MAX),
                medicine=_choice("medicine", data.get("medicine"), vocab.MEDICINES),
                route=None if kind != "dosing" else _choice("route", data.get("route"),
                                                            vocab.ROUTES),
                planned_dose_mg=validate_dose("planned_dose_mg", data.get("planned_dose_mg"),
                                              required=False),
                intention=_stored_text("intention", data.get("intention", "")),
                prep_checklist=_each("prep_checklist", data.get("prep_checklist", []),
                                     ChecklistItem.from_dict),
                baseline=Vitals.from_dict(data["baseline"]) if data.get("baseline") else None,
                status=status,
                created=_stored_time("created", data.get("created")),
                started=from_iso("started", data.get("started")),
                dosed=from_iso("dosed", data.get("dosed")),
                ended=from_iso("ended", data.get("ended")),
                signed=from_iso("signed", data.get("signed")),
                entries=_each("entries", data.get("entries", []), Entry.from_dict),
                discharge_checklist=_each("discharge_checklist",
                                          data.get("discharge_checklist", []),
                                          ChecklistItem.from_dict),
                integration_checklist=_each("integration_checklist",
                                            data.get("integration_checklist", []),
                                            ChecklistItem.from_dict),
                integration_date=date_from_iso("integration_date", data.get("integration_date")),
                integration_notes=_stored_text("integration_notes",
                                               data.get("integration_notes", ""), NOTE_MAX * 5),
                outcomes=validate_outcomes(data.get("outcomes") or {}),
                addenda=_each("addenda", data.get("addenda", []), Addendum.from_dict),
                draft=_stored_text("draft", data.get("draft", ""), DRAFT_MAX),
                protocol=(_nested("protocol", None, Protocol.from_dict, data["protocol"])
                          if data.get("protocol") is not None else None),
                ready=from_iso("ready", data.get("ready")),
                discharged=from_iso("discharged", data.get("discharged")),
                rems=_stored_rems(data.get("rems") or {}),
                signed_missing=_stored_missing(data.get("signed_missing") or []),
                signed_by=optional_text("signed_by", data.get("signed_by") or "",
                                        max_len=INITIALS_MAX, multiline=False) or None,
                rems_submitted=from_iso("rems_submitted", data.get("rems_submitted")),
                proceeded=(_nested("proceeded", None, Proceeded.from_dict, data["proceeded"])
                           if data.get("proceeded") is not None else None),
                live_on=(_nested("live_on", None, LiveOn.from_dict, data["live_on"])
                         if data.get("live_on") else None),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"session: malformed field ({type(exc).__name__})") from None
        except ValidationError as exc:
            raise ValueError(str(exc)) from None


def _no_medicine(kind: str, *, route: object, dose_mg: object) -> None:
    if route is not None or (dose_mg is not None and dose_mg != ""):
        raise ValidationError("route" if route is not None else "dose_mg",
                              f"a {vocab.SESSION_KINDS[kind]} has no route or dose")


def _protocol(value: object) -> Protocol | None:
    if value is not None and not isinstance(value, Protocol):
        raise ValidationError("protocol", "expected a monitoring protocol")
    return value


_FIELD_KEY_RE = re.compile(r"[a-z0-9_]{1,40}\Z")


def _stored_rems(data: object) -> dict[str, Any]:
    """The REMS answers read from a file. An answer for a field the form no longer has (the
    form changes: :data:`.rems.FIELDS`) is kept as it was, if it is a plain yes/no or short
    text, so an old session still opens; the form simply does not show it."""
    if not isinstance(data, dict) or len(data) > 100:
        raise ValueError("rems: expected an object")
    out = {}
    for key, value in data.items():
        if key not in FIELD_KEYS and isinstance(key, str) and _FIELD_KEY_RE.match(key) and (
                isinstance(value, bool) or (isinstance(value, str)
                                            and len(value) <= ANSWER_MAX)):
            out[key] = value if isinstance(value, bool) else clean_text(value, multiline=False)
            continue
        try:
            out[key] = validate_answer(key, value, None)
        except ValidationError as exc:
            raise ValueError(f"rems.{exc.field}: {exc.problem}") from None
    return out


def _stored_missing(data: object) -> list[str]:
    # Field keys, checked by shape only: a key the form has since dropped still opens.
    if not isinstance(data, list) or len(data) > 100 or not all(
            isinstance(k, str) and _FIELD_KEY_RE.match(k) for k in data):
        raise ValueError("signed_missing: expected a list of REMS field keys")
    return list(data)


def validate_outcomes(outcomes: object) -> dict[str, int]:
    if not isinstance(outcomes, dict):
        raise ValidationError("outcomes", "expected scores by name")
    out: dict[str, int] = {}
    for name, value in outcomes.items():
        if name not in OUTCOME_LIMITS:
            raise ValidationError("outcomes", "unknown score; scores are "
                                  + ", ".join(OUTCOME_LIMITS))
        if value is None or value == "":
            continue
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        limit = OUTCOME_LIMITS[name]
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= limit:
            raise ValidationError(name, f"must be a whole number 0–{limit}")
        out[name] = value
    return out
