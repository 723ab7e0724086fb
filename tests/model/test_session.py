"""Status transitions, timeline entries, edits and strikes, signing and addenda."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from kapsession.model import (
    Session,
    SessionStateError,
    SignedSessionError,
    ValidationError,
    Vitals,
)
from kapsession.model.session import (
    CHANGES_MAX,
    ENTRIES_MAX,
    UNDO_REASON,
    UNDO_WINDOW,
    Entry,
)

T0 = datetime(2026, 11, 3, 10, 0, tzinfo=timezone(timedelta(hours=1)))


def new(**kw: object) -> Session:
    args: dict[str, object] = dict(id="a" * 32, now=T0, client="C-0042", session_no=1,
                                   route="im", dose_mg=50)
    args.update(kw)
    return Session.create(**args)  # type: ignore[arg-type]


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_full_life_planned_live_ended_signed() -> None:
    s = new()
    assert s.status == "planned"
    s.go_live(at(0))
    s.mark_dose(at(10))
    s.add_note(at(20), "calm", category="affect")
    s.finish(at(150))
    s.sign(at(160))
    assert (s.status, s.started, s.dosed, s.ended, s.signed) == (
        "signed", at(0), at(10), at(150), at(160))


@pytest.mark.parametrize("status,action", [
    ("planned", lambda s: s.mark_dose(at(1))),
    ("planned", lambda s: s.finish(at(1))),
    ("planned", lambda s: s.sign(at(1))),
    ("live", lambda s: s.go_live(at(1))),
    ("live", lambda s: s.sign(at(1))),
    ("ended", lambda s: s.go_live(at(1))),
    ("ended", lambda s: s.mark_dose(at(1))),
    ("ended", lambda s: s.finish(at(1))),
])
def test_transitions_out_of_order_are_refused(status: str, action) -> None:  # noqa: ANN001
    s = new()
    if status in ("live", "ended"):
        s.go_live(at(0))
    if status == "ended":
        s.finish(at(5))
    with pytest.raises(SessionStateError):
        action(s)
    assert s.status == status


def signed_session() -> Session:
    s = new()
    s.go_live(at(0))
    s.mark_dose(at(1))
    s.add_note(at(2), "first")
    s.finish(at(130))
    s.sign(at(140))
    return s


@pytest.mark.parametrize("change", [
    lambda s: s.add_note(at(200), "late"),
    lambda s: s.edit_entry(at(200), "e3", "changed"),
    lambda s: s.strike_entry(at(200), "e3", "oops"),
    lambda s: s.record_vitals(at(200), Vitals.create(systolic=120, diastolic=80,
                                                      heart_rate=70, spo2=98)),
    lambda s: s.update_preparation(intention="new"),
    lambda s: s.update_integration(integration_notes="new"),
    lambda s: s.set_draft("x"),
    lambda s: s.log_prompt(at(200), "breathe", "anxiety"),
    lambda s: s.log_rating(at(200), "moaas", 5),
])
def test_a_signed_session_refuses_every_change(change) -> None:  # noqa: ANN001
    s = signed_session()
    before = s.to_dict()
    with pytest.raises(SignedSessionError, match="addendum"):
        change(s)
    assert s.to_dict() == before


def test_addenda_only_on_signed_sessions() -> None:
    s = new()
    s.go_live(at(0))
    with pytest.raises(SessionStateError):
        s.add_addendum(at(1), "x")
    s = signed_session()
    a = s.add_addendum(at(300), "Called next day: slept well.")
    assert s.addenda == [a] and a.at == at(300)


def test_first_dose_then_boosters_need_mg() -> None:
    s = new()
    s.go_live(at(0))
    dose = s.mark_dose(at(5))
    assert (dose.kind, dose.values["mg"], s.dosed) == ("dose", 50, at(5))
    with pytest.raises(ValidationError, match="booster_mg"):
        s.mark_dose(at(30))
    booster = s.mark_dose(at(30), mg=25)
    assert booster.kind == "booster" and s.total_dose_mg == 75


def test_edit_keeps_history_and_strike_keeps_text() -> None:
    s = new()
    s.go_live(at(0))
    e = s.add_note(at(1), "tearfull")
    s.edit_entry(at(2), e.id, "tearful")
    assert e.text == "tearful" and [h.text for h in e.edits] == ["tearfull"]
    s.strike_entry(at(3), e.id, "wrong client")
    assert e.text == "tearful" and e.struck is not None and e.struck.reason == "wrong client"
    with pytest.raises(SessionStateError):
        s.edit_entry(at(4), e.id, "again")
    assert len(s.entries) == 2  # the system entry and the note: nothing was deleted


def test_empty_notes_and_unknown_categories_are_refused() -> None:
    s = new()
    s.go_live(at(0))
    with pytest.raises(ValidationError):
        s.add_note(at(1), "   ")
    with pytest.raises(ValidationError, match="category"):
        s.add_note(at(1), "x", category="mood")


def test_ratings_and_side_effects_are_validated() -> None:
    s = new()
    s.go_live(at(0))
    assert s.log_rating(at(1), "moaas", 0).values == {"scale": "moaas", "score": 0}
    for bad in (6, -1, "x", True):
        with pytest.raises(ValidationError):
            s.log_rating(at(1), "moaas", bad)
    with pytest.raises(ValidationError):
        s.log_rating(at(1), "dissociation", 5)
    with pytest.raises(ValidationError, match="detail"):
        s.log_side_effect(at(1), "other")
    s.log_side_effect(at(1), "other", "tingling in the hands")
    with pytest.raises(ValidationError, match="log_rescue"):  # its own entry since schema 3
        s.log_side_effect(at(1), "rescue_medication", "ondansetron 4 mg")


def test_round_trip_through_dict() -> None:
    s = signed_session()
    s.add_addendum(at(300), "addendum")
    again = Session.from_dict(s.to_dict())
    assert again.to_dict() == s.to_dict()
    assert again == s


@pytest.mark.parametrize("breakage", [
    {"schema": 99}, {"status": "paused"}, {"entries": "nope"}, {"client": ""},
    {"created": "yesterday"}, {"session_no": 0}, {"route": "rectal"}, {"id": "xyz"},
    {"id": "ab" * 16 + "\n"}, {"id": "AB" * 16},
])
def test_from_dict_names_the_bad_field(breakage: dict[str, object]) -> None:
    data = new().to_dict()
    data.update(breakage)
    with pytest.raises(ValueError) as err:
        Session.from_dict(data)
    assert str(err.value).startswith(next(iter(breakage)))


def test_a_struck_entry_is_restored_and_the_strike_stays_in_its_history() -> None:
    s = new()
    s.go_live(at(0))
    e = s.add_note(at(1), "key insight: the grief is love")
    s.strike_entry(at(2), e.id, "miscounted arrow")
    assert s.flagged_count == 0 and e.struck is not None
    s.restore_entry(at(3), e.id, "struck by mistake")
    assert e.struck is None and e.text == "key insight: the grief is love"
    assert [(c.event, c.at) for c in e.history] == [("strike", at(2)), ("restore", at(3))]
    with pytest.raises(SessionStateError, match="not struck"):
        s.restore_entry(at(4), e.id)
    s.strike_entry(at(5), e.id, "really wrong client")  # struck again: a third event
    again = Session.from_dict(s.to_dict())
    assert again.entry(e.id).struck.reason == "really wrong client"  # type: ignore[union-attr]
    assert [c.event for c in again.entry(e.id).history] == ["strike", "restore", "strike"]


def test_striking_and_restoring_a_dose_moves_t0_and_back() -> None:
    s = new()
    s.go_live(at(0))
    dose = s.mark_dose(at(10))
    booster = s.mark_dose(at(31), mg=25)
    assert s.t0_if_toggled(dose.id) is booster and s.t0_if_toggled(booster.id) is dose
    s.strike_entry(at(40), dose.id, "marked too early")
    assert s.dosed == at(31) and s.t0_if_toggled(dose.id) is dose  # a restore moves it back
    s.restore_entry(at(41), dose.id)
    assert s.dosed == at(10)
    s.strike_entry(at(42), dose.id, "x")
    s.strike_entry(at(43), booster.id, "x")
    assert s.dosed is None and s.t0_if_toggled(booster.id) is booster


def test_undo_is_a_new_event_for_each_kind_of_change() -> None:
    s = new()
    s.go_live(at(0))
    assert s.last_change(at(0)) is None  # "Session started" is not the therapist's change
    note = s.add_note(at(1), "eyes closed")
    assert s.last_change(at(1)) is note
    assert s.last_change(at(1) + UNDO_WINDOW + timedelta(seconds=1)) is None  # too late
    s.undo_last(at(2), note.id)  # undo a new entry: it is struck, never removed
    assert note.struck is not None and note.struck.reason == UNDO_REASON
    s.undo_last(at(2.5), note.id)  # undo the undo: it stands again
    assert note.struck is None
    s.edit_entry(at(3), note.id, "eyes open")
    s.undo_last(at(3.5), note.id)  # undo an edit: the earlier text comes back
    assert note.text == "eyes closed"
    assert [h.text for h in note.edits] == ["eyes closed", "eyes open"]
    other = s.add_note(at(4), "later note")
    with pytest.raises(SessionStateError):
        s.undo_last(at(4.5), note.id)  # only the change the therapist was shown
    assert other.struck is None and len(s.entries) == 3
    s.finish(at(5))
    s.sign(at(6))
    assert s.last_change(at(6)) is None


def test_a_session_has_a_documented_limit_of_entries_with_a_clear_error() -> None:
    s = new()
    s.go_live(at(0))
    while len(s.entries) < ENTRIES_MAX:
        s.entries.append(Entry(id=f"e{len(s.entries) + 1}", at=at(0), kind="note", text="n"))
    with pytest.raises(SessionStateError, match="5,000 entries, the most one session keeps"):
        s.add_note(at(1), "one too many")
    assert len(s.entries) == ENTRIES_MAX
    with pytest.raises(SessionStateError, match="5,000 entries"):
        s.mark_dose(at(1))
    assert s.dosed is None  # nothing half-changed
    s.finish(at(2))  # a full session can still be ended, and signed
    s.sign(at(3))
    assert s.status == "signed"
    # A stored session over the limit (made before it existed) still opens.
    s.entries.append(Entry(id="e9999", at=at(0), kind="note", text="n"))
    assert len(Session.from_dict(s.to_dict()).entries) == len(s.entries) > ENTRIES_MAX


def test_an_entry_keeps_a_limited_number_of_changes() -> None:
    s = new()
    s.go_live(at(0))
    entry = s.add_note(at(1), "first")
    for i in range(CHANGES_MAX):
        s.edit_entry(at(2), entry.id, f"text {i}")
    with pytest.raises(SessionStateError, match="changed 100 times"):
        s.strike_entry(at(3), entry.id, "wrong")
    assert not s.entries[-1].struck and len(s.entries[-1].history) == CHANGES_MAX


def test_the_stored_form_of_an_entry_follows_every_change() -> None:
    # Entry.to_dict remembers what it made; every kind of change must show in the next save.
    s = new()
    s.go_live(at(0))
    entry = s.add_note(at(1), "first")
    before = s.to_dict()["entries"][-1]
    s.edit_entry(at(2), entry.id, "second")
    s.strike_entry(at(3), entry.id, "wrong")
    after = s.to_dict()["entries"][-1]
    assert before["text"] == "first" and after["text"] == "second"
    assert [h["event"] for h in after["history"]] == ["edit", "strike"]
    s.restore_entry(at(4), entry.id, "right after all")
    assert [h["event"] for h in s.to_dict()["entries"][-1]["history"]] == ["edit", "strike",
                                                                          "restore"]
    again = Session.from_dict(s.to_dict())
    assert again.to_dict() == s.to_dict()


def test_a_signed_session_says_who_signed() -> None:
    s = new(therapist="AB")
    s.go_live(at(0))
    s.finish(at(10))
    with pytest.raises(ValidationError, match="signed_by"):
        s.sign(at(11), by="A" * 9)
    assert s.status == "ended"  # nothing half-changed
    s.sign(at(12), by="JM")
    again = Session.from_dict(s.to_dict())
    assert again.signed_by == "JM"
