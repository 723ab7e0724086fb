"""Preparation and integration visits: sessions of the course without route, dose or clock."""

from __future__ import annotations

import pytest

from kapsession.model import Session, SessionStateError, ValidationError

ID = "ab" * 16


def visit(clock, kind: str = "integration") -> Session:  # noqa: ANN001
    return Session.create(id=ID, now=clock(), client="C-0042", session_no=2, kind=kind,
                          intention="What stayed with me")


def test_a_visit_has_no_route_or_dose_and_round_trips(clock) -> None:  # noqa: ANN001
    v = visit(clock, "preparation")
    assert v.is_visit and v.route is None and v.planned_dose_mg is None
    again = Session.from_dict(v.to_dict())
    assert again.kind == "preparation" and again.route is None and again == v


def test_a_dosing_session_needs_a_route_and_a_visit_refuses_one(clock) -> None:  # noqa: ANN001
    with pytest.raises(ValidationError, match="route"):
        Session.create(id=ID, now=clock(), client="C-1", session_no=1)
    with pytest.raises(ValidationError, match="no route or dose"):
        Session.create(id=ID, now=clock(), client="C-1", session_no=1, kind="integration",
                       route="im")
    with pytest.raises(ValidationError, match="no route or dose"):
        Session.create(id=ID, now=clock(), client="C-1", session_no=1, kind="preparation",
                       dose_mg=50)
    with pytest.raises(ValidationError, match="kind"):
        Session.create(id=ID, now=clock(), client="C-1", session_no=1, kind="therapy",
                       route="im")


def test_a_visit_is_written_as_any_session_but_has_no_clock_or_dose(clock) -> None:  # noqa: ANN001
    v = visit(clock)
    with pytest.raises(SessionStateError, match="no live clock"):
        v.go_live(clock())
    clock.advance(minutes=50)
    v.finish(clock())
    assert v.status == "ended" and v.started == v.ended == clock()
    with pytest.raises(SessionStateError, match="no dose"):
        v.mark_dose(clock(), 50)
    v.add_note(clock(), "sleeping better since the session")
    v.update_integration(outcomes={"phq9_pre": 9, "gad7_pre": 6})
    v.sign(clock())
    v.add_addendum(clock(), "score checked again: right")
    assert v.status == "signed" and v.outcomes["phq9_pre"] == 9 and len(v.addenda) == 1
    with pytest.raises(ValidationError, match="no route or dose"):
        visit(clock).update_preparation(route="im")


def test_a_stored_visit_with_a_dose_is_refused(clock) -> None:  # noqa: ANN001
    data = visit(clock).to_dict()
    for bad in ({"route": "im"}, {"planned_dose_mg": 50.0}, {"kind": "booster"},
                {"dosed": data["created"]}):
        with pytest.raises(ValueError, match="kind"):
            Session.from_dict(dict(data, **bad))


def test_a_summary_says_the_kind_and_its_index_row_keeps_it(clock) -> None:  # noqa: ANN001
    from kapsession.model import SessionSummary
    from kapsession.store.index import row_of, summary_from_row

    summary = SessionSummary.of(visit(clock))
    assert summary.kind == "integration"
    row = row_of(summary, (1, 2))
    assert summary_from_row(row) == summary
    bad = list(row)
    bad[SessionSummary._fields.index("kind")] = "booster"
    with pytest.raises(ValueError, match="kind"):
        summary_from_row(bad)


def test_a_visit_takes_notes_but_nothing_that_monitors_a_dose(clock) -> None:  # noqa: ANN001
    from kapsession.model import SessionStateError, Vitals

    v = visit(clock)
    v.finish(clock())  # a visit is held: planned → ended at once
    v.add_note(clock(), "talked about the last session")
    for act in (lambda: v.record_vitals(clock(), Vitals.create(systolic=120, diastolic=80,
                                                              heart_rate=70, spo2=98)),
                lambda: v.log_side_effect(clock(), "nausea"),
                lambda: v.log_rating(clock(), "moaas", 5),
                lambda: v.log_rescue(clock(), drug="ondansetron", mg=4, route="ODT"),
                lambda: v.mark_ready(clock()),
                lambda: v.discharge(clock())):
        with pytest.raises(SessionStateError, match="visit"):
            act()
    assert [e.kind for e in v.entries if e.kind != "system"] == ["note"]
