"""The course of one client: order, bands, change from the first score, response, remission,
item 9 — built from real sessions made with a frozen clock."""

from __future__ import annotations

from datetime import timedelta

from kapsession.model import Session, Vitals
from kapsession.model.course import build_course, vitals_points

_n = iter(range(1, 10_000))


def held(clock, client: str = "C-0042", kind: str = "dosing", **outcomes: int) -> Session:  # noqa: ANN001
    """A session held now: a dosing session with its dose, or a visit; then scored."""
    no = next(_n)
    s = Session.create(id=f"{no:032x}", now=clock(), client=client, session_no=no, kind=kind,
                       route="im" if kind == "dosing" else None,
                       dose_mg=50 if kind == "dosing" else None,
                       intention=f"intention {no}")
    if kind == "dosing":
        s.go_live(clock())
        s.mark_dose(clock(), 60)
        s.finish(clock() + timedelta(hours=2))
    else:
        s.finish(clock())
    s.update_integration(outcomes=outcomes)
    return s


def test_the_course_is_in_date_order_with_the_visits_and_only_this_client(clock) -> None:  # noqa: ANN001
    prep = held(clock, kind="preparation", phq9_pre=20)
    clock.advance(days=7)
    first = held(clock)
    clock.advance(days=3)
    other = held(clock, client="C-0099")
    integ = held(clock, kind="integration")
    clock.advance(days=4)
    second = held(clock)
    course = build_course("C-0042", [second, other, integ, first, prep])
    assert [i.id for i in course.items] == [prep.id, first.id, integ.id, second.id]
    assert [i.kind for i in course.items] == ["preparation", "dosing", "integration", "dosing"]
    assert [i.dosing_no for i in course.items] == [None, 1, None, 2]
    assert course.items[1].dose_mg == 60 and course.items[1].dose_given
    assert course.items[0].route is None and course.items[0].dose_mg is None
    assert course.items[0].intention == prep.intention
    assert course.dosing_dates == [first.started, second.started]
    assert course.dosing_count == 2 and course.visit_count == 2


def test_change_is_from_the_first_score_and_response_at_half_of_it(clock) -> None:  # noqa: ANN001
    a = held(clock, kind="preparation", phq9_pre=18, gad7_pre=12)
    clock.advance(days=7)
    b = held(clock, phq9_pre=14, phq9_post=10, gad7_pre=13)
    clock.advance(days=7)
    c = held(clock, phq9_pre=9)  # 9 is exactly half of 18: response
    clock.advance(days=7)
    d = held(clock, phq9_pre=4)
    course = build_course("C-0042", [a, b, c, d])
    phq = course.series("phq9")
    assert [(sc.value, sc.change) for sc in phq] == [(18, None), (14, -4), (10, -8), (9, -9),
                                                    (4, -14)]
    assert [sc.when for sc in phq[1:3]] == ["before", "after"]
    assert [sc.band for sc in phq] == ["moderately severe", "moderate", "moderate", "mild",
                                       "minimal"]
    assert [sc.response for sc in phq] == [False, False, False, True, True]
    assert [sc.remission for sc in phq] == [False, False, False, False, True]
    gad = course.series("gad7")
    assert [(sc.value, sc.change, sc.band) for sc in gad] == [(12, None, "moderate"),
                                                              (13, 1, "moderate")]
    assert not any(sc.response or sc.remission for sc in gad)  # PHQ-9 only
    assert course.latest_phq9.value == 4
    assert phq[3].label == "PHQ-9 before 9 mild (−9 from first) · response"
    assert gad[1].label == "GAD-7 before 13 moderate (+1 from first)"


def test_10_is_not_a_response_from_19_and_a_first_score_of_4_is_remission(clock) -> None:  # noqa: ANN001
    a = held(clock, phq9_pre=19)
    clock.advance(days=7)
    b = held(clock, phq9_pre=10)
    assert [sc.response for sc in build_course("C-0042", [a, b]).series("phq9")] == [False,
                                                                                       False]
    low = held(clock, client="C-7", phq9_pre=4)
    only = build_course("C-7", [low]).series("phq9")[0]
    assert only.remission and not only.response and only.change is None


def test_item_9_above_0_is_marked_on_its_session(clock) -> None:  # noqa: ANN001
    a = held(clock, phq9_pre=15, phq9_item9=1)
    clock.advance(days=7)
    b = held(clock, phq9_pre=12, phq9_item9=0)
    clock.advance(days=7)
    c = held(clock, phq9_pre=11)
    items = build_course("C-0042", [a, b, c]).items
    assert [i.item9_marked for i in items] == [True, False, False]
    assert [i.item9 for i in items] == [1, 0, None]


def test_a_course_without_scores_or_sessions(clock) -> None:  # noqa: ANN001
    assert build_course("C-0042", []).items == ()
    course = build_course("C-0042", [held(clock)])
    assert course.scores == [] and course.latest_phq9 is None


def test_vitals_against_t_plus_leave_struck_ones_out(clock) -> None:  # noqa: ANN001
    s = Session.create(id="f" * 32, now=clock(), client="C-1", session_no=1, route="im")
    s.go_live(clock())
    early = s.record_vitals(clock.advance(minutes=5), Vitals(systolic=130, diastolic=85))
    s.mark_dose(clock.advance(minutes=5), 50)
    s.record_vitals(clock.advance(minutes=40), Vitals(systolic=150, diastolic=95,
                                                      heart_rate=96, spo2=96))
    wrong = s.record_vitals(clock.advance(minutes=1), Vitals(spo2=70))
    s.strike_entry(clock(), wrong.id, "probe slipped")
    points = vitals_points(s)
    assert [(p.minutes, p.vitals.systolic) for p in points] == [(-5, 130), (40, 150)]
    assert points[0].vitals == early.vitals
