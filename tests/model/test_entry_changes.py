"""An entry changes only by assignment, and every assignment forgets its remembered forms.

A save writes each entry's remembered stored form (issue 18): these tests check that no way
of changing an entry can leave that form behind, and that an entry's parts cannot be
changed in place, where no assignment would notice.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import pickle
from datetime import datetime, timedelta, timezone

import pytest

from kapsession.model import Session
from kapsession.model.session import Edit, Entry, EntryValues, Restore, Strike

T0 = datetime(2026, 11, 3, 10, 0, tzinfo=timezone(timedelta(hours=1)))


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def encode(data: dict) -> str:
    """A stand-in for the store's encoder: the JSON text of the entry."""
    return json.dumps(data, sort_keys=True)


def fresh(e: Entry) -> str:
    """The entry encoded from scratch, from its fields alone."""
    return encode(Entry(e.id, e.at, e.kind, e.text, e.category, e.flagged, dict(e.values),
                        list(e.history)).to_dict())


def dose() -> Entry:
    return Entry(id="eaaaaaaaa", at=at(0), kind="dose", values={"mg": 50.0, "lot": "L1"})


NEW_VALUES = {
    "id": "ebbbbbbbb",
    "at": at(1),
    "kind": "booster",
    "text": "changed",
    "category": "somatic",
    "flagged": True,
    "values": {"mg": 25.0},
    "history": [Strike(at(2), "charted twice")],
}


def test_every_field_is_covered_here() -> None:
    assert {f.name for f in dataclasses.fields(Entry)} == set(NEW_VALUES)


@pytest.mark.parametrize("name", list(NEW_VALUES))
def test_assigning_any_field_forgets_the_remembered_forms(name: str) -> None:
    e = dose()
    before = e.stored_as(encode), e.to_dict()
    setattr(e, name, NEW_VALUES[name])
    assert e.stored_as(encode) == fresh(e) != before[0]
    assert e.to_dict() != before[1] and encode(e.to_dict()) == fresh(e)


def test_values_cannot_change_in_place() -> None:
    e = dose()
    e.stored_as(encode)
    values = e.values
    for change in (lambda v: v.__setitem__("mg", 1), lambda v: v.__delitem__("mg"),
                   lambda v: v.update(mg=1), lambda v: v.pop("mg"), lambda v: v.popitem(),
                   lambda v: v.setdefault("x", 1), lambda v: v.clear(),
                   lambda v: v.__ior__({"mg": 1})):
        with pytest.raises(TypeError):
            change(values)
    values.__init__({"mg": 1})  # building it again changes nothing
    assert e.values == {"mg": 50.0, "lot": "L1"} and e.stored_as(encode) == fresh(e)
    plain = values.copy()
    plain["mg"] = 1  # a copy is a plain dict, the entry's own
    assert e.values["mg"] == 50.0 and type(plain) is dict


def test_values_hold_only_plain_scalars() -> None:
    # Something inside that could change in place would change the entry unseen.
    for bad in ({"mg": [50]}, {"mg": {"v": 1}}, {1: "x"}):
        with pytest.raises(TypeError):
            Entry(id="e1", at=at(0), kind="dose", values=bad)
    e = dose()
    with pytest.raises(TypeError):
        e.values = {"mg": [1]}
    assert e.values == {"mg": 50.0, "lot": "L1"}


def test_the_history_is_a_tuple_of_frozen_events() -> None:
    e = Entry(id="e1", at=at(0), kind="note", text="b", history=[Edit(at(1), "a")])
    assert e.history == (Edit(at(1), "a"),)
    with pytest.raises(AttributeError):
        e.history.append(Strike(at(2), "x"))  # type: ignore[attr-defined]
    for event in (Edit(at(1), "a"), Strike(at(1), "r"), Restore(at(1), "r")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            event.at = at(9)  # type: ignore[misc]
    with pytest.raises(TypeError):
        Entry(id="e1", at=at(0), kind="note", history=[{"event": "edit"}])


def test_edit_strike_and_restore_give_a_new_stored_form() -> None:
    s = Session.create(id="0" * 32, now=at(0), client="C-1", session_no=1, route="im")
    s.go_live(at(0))
    note = s.add_note(at(1), "first")
    forms = [note.stored_as(encode)]
    s.edit_entry(at(2), note.id, "second")
    forms.append(note.stored_as(encode))
    s.strike_entry(at(3), note.id, "wrong client")
    forms.append(note.stored_as(encode))
    s.restore_entry(at(4), note.id)
    forms.append(note.stored_as(encode))
    s.undo_last(at(4.5), note.id)
    forms.append(note.stored_as(encode))
    assert len(set(forms)) == len(forms) and forms[-1] == fresh(note)
    assert s.to_dict(entry_form=encode)["entries"] == [e.stored_as(encode) for e in s.entries]
    assert [json.loads(f) for f in s.to_dict(entry_form=encode)["entries"]] == \
        s.to_dict()["entries"]


def test_a_change_to_the_shared_dict_is_never_encoded() -> None:
    e = dose()
    shared = e.to_dict()
    shared["text"] = "tampered"
    shared["values"]["mg"] = 999
    assert e.stored_as(encode) == fresh(e)
    assert json.loads(e.stored_as(encode))["values"] == {"mg": 50.0, "lot": "L1"}


def test_the_form_is_remembered_until_a_change() -> None:
    calls = []

    def counting(data: dict) -> str:
        calls.append(data["id"])
        return encode(data)

    e = dose()
    e.stored_as(counting)
    e.stored_as(counting)
    assert calls == ["eaaaaaaaa"]
    assert e.stored_as(encode) == fresh(e)  # another encoder is not answered with this one's
    e.stored_as(counting)
    assert calls == ["eaaaaaaaa", "eaaaaaaaa"]  # ... and its own form replaced this one's
    e.stored_as(counting)
    assert len(calls) == 2  # remembered again
    e.flagged = True  # a change: forgotten, encoded anew (with the change)
    assert e.stored_as(counting) == fresh(e) and '"flagged": true' in fresh(e)
    assert calls == ["eaaaaaaaa"] * 3


def test_copies_and_pickles_carry_the_fields_not_the_forms() -> None:
    e = dose()
    e.stored_as(encode)
    renamed = e.copy("ecccccccc")
    assert renamed.id == "ecccccccc" and renamed.stored_as(encode) == fresh(renamed)
    same = e.copy()
    assert same == e and same is not e
    same.text = "changed in the copy"
    assert e.text == "" and e.stored_as(encode) == fresh(e)
    for other in (copy.copy(e), copy.deepcopy(e), pickle.loads(pickle.dumps(e))):
        assert other == e and type(other.values) is EntryValues
        assert "_stored_form" not in vars(other)
        other.values = {"mg": 10.0}
        assert e.values["mg"] == 50.0
