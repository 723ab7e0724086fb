"""The clock: elapsed time, phases per route, check-ins and observation, from timestamps."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from kapsession.model import ClockSettings, RoutePhases, Session, Vitals, clock_state
from kapsession.model.clock import phase_at

T0 = datetime(2026, 11, 3, 10, 0, tzinfo=timezone(timedelta(hours=1)))
S = ClockSettings()


def live(route: str = "im") -> Session:
    s = Session.create(id="b" * 32, now=T0, client="C-1", session_no=1, route=route, dose_mg=50)
    s.go_live(T0)
    return s


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_before_the_dose_time_counts_from_arrival() -> None:
    s = live()
    state = clock_state(s, at(7), S)
    assert state.since_dose is None and state.since_arrival == timedelta(minutes=7)
    assert state.phase == "pre-dose" and state.next_checkin is None


@pytest.mark.parametrize("route,expected", [
    ("im", {0: "onset", 9: "onset", 10: "peak", 44: "peak", 45: "return", 119: "return",
            120: "recovery"}),
    ("sublingual", {29: "onset", 30: "peak", 60: "return", 120: "recovery"}),
    ("intranasal", {19: "onset", 20: "peak", 60: "return", 90: "recovery"}),
    ("oral", {44: "onset", 45: "peak", 120: "return", 240: "recovery"}),
    ("iv", {19: "onset", 20: "peak", 40: "return", 120: "recovery"}),
])
def test_phase_defaults_follow_the_route(route: str, expected: dict[int, str]) -> None:
    s = live(route)
    s.mark_dose(at(0))
    for minute, phase in expected.items():
        assert phase_at(s, at(minute), S) == phase, (route, minute)


def test_config_overrides_the_phases() -> None:
    s = live("im")
    s.mark_dose(at(0))
    custom = ClockSettings(phases={"im": RoutePhases(peak=5, return_=20, end=30)})
    assert phase_at(s, at(6), custom) == "peak"
    assert phase_at(s, at(25), custom) == "return"


def test_a_booster_extends_the_course() -> None:
    s = live("im")
    s.mark_dose(at(0))
    s.mark_dose(at(30), mg=25)
    assert phase_at(s, at(60), S) == "peak"  # return moved from 45 to 75 min
    assert clock_state(s, at(60), S).course_end == at(150)


def test_elapsed_is_computed_from_stored_times_after_a_restart() -> None:
    s = live()
    s.mark_dose(at(10))
    reopened = Session.from_dict(s.to_dict())  # as after a crash and a restart
    assert clock_state(reopened, at(47) + timedelta(seconds=12), S).since_dose == \
        timedelta(minutes=37, seconds=12)


def test_checkins_at_40_minutes_then_every_interval_after_the_last_vitals() -> None:
    s = live()
    s.mark_dose(at(0))
    state = clock_state(s, at(39), S)
    assert state.next_checkin == at(40) and not state.checkin_overdue
    assert clock_state(s, at(41), S).checkin_overdue
    v = Vitals.create(systolic=130, diastolic=85, heart_rate=80, spo2=97)
    s.record_vitals(at(42), v)
    state = clock_state(s, at(50), S)
    assert state.next_checkin == at(57) and not state.checkin_overdue
    s2 = live()
    s2.mark_dose(at(0))
    s2.record_vitals(at(10), v)  # early vitals do not move the first check-in earlier
    assert clock_state(s2, at(11), S).next_checkin == at(40)


def test_minimum_observation() -> None:
    s = live()
    s.mark_dose(at(0))
    state = clock_state(s, at(90), S)
    assert state.observation_left == timedelta(minutes=30) and not state.observation_met
    assert clock_state(s, at(120), S).observation_met


def test_an_ended_session_stops_its_clock_but_checks_go_on_until_discharge() -> None:
    s = live()
    s.mark_dose(at(0))
    s.finish(at(130))
    state = clock_state(s, at(500), S)
    # Finish ends the dosing phase, not the monitoring: the check is still due (overdue).
    assert state.since_dose == timedelta(minutes=130)
    assert state.next_checkin == at(40) and state.checkin_overdue
    s.discharge(at(140))
    assert clock_state(s, at(500), S).next_checkin is None


def test_phase_order_is_checked() -> None:
    with pytest.raises(ValueError):
        RoutePhases(peak=30, return_=20, end=90)


def test_observation_keeps_counting_after_the_session_is_finished() -> None:
    s = live()
    s.mark_dose(at(0))
    s.finish(at(90))  # the dosing part is over; the client is still observed until discharge
    assert not clock_state(s, at(100), S).observation_met
    assert clock_state(s, at(120), S).observation_met
