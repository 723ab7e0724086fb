"""The demo data is believable: each promise of kapsession/demo.py, checked for a few seeds."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta

import pytest

from kapsession.demo import (
    ALWAYS,
    ANYTIME_NOTES,
    DAYS_AHEAD,
    DISTRESS_NOTES,
    PHASE_NOTES,
    PRE_DOSE_NOTES,
    THRESHOLDS,
    demo_sessions,
)
from kapsession.model import Session, Vitals

from .conftest import BERLIN_WINTER

NOW = datetime(2026, 11, 3, 10, 0, tzinfo=BERLIN_WINTER)  # a Tuesday
SEEDS = (1, 5, 42)

ALL_NOTES = [*PRE_DOSE_NOTES, *ANYTIME_NOTES, *(n for ns in PHASE_NOTES.values() for n in ns),
             *(n for ns in DISTRESS_NOTES.values() for n in ns)]
FLAGGABLE = {text for _, text, flag in ALL_NOTES if flag}
DISTRESS = {text for ns in DISTRESS_NOTES.values() for _, text, _ in ns}


@pytest.fixture(scope="module", params=SEEDS)
def sessions(request: pytest.FixtureRequest) -> list[Session]:
    return demo_sessions(300, seed=request.param, now=NOW, live=True)


def appointment(s: Session) -> datetime:
    """When the client arrived (or is expected), in local time."""
    return (s.started or s.created).astimezone()


def test_one_session_per_client_per_day(sessions: list[Session]) -> None:
    days = Counter((s.client, appointment(s).date()) for s in sessions)
    assert max(days.values()) == 1, [k for k, v in days.items() if v > 1][:3]


def test_a_client_comes_at_most_every_other_day(sessions: list[Session]) -> None:
    by_client: dict[str, list[date]] = {}
    for s in sessions:
        by_client.setdefault(s.client, []).append(appointment(s).date())
    for client, days in by_client.items():
        days.sort()
        assert all((b - a).days >= 2 for a, b in zip(days, days[1:], strict=False)), client


def test_appointments_are_on_weekdays_in_clinic_hours(sessions: list[Session]) -> None:
    for s in sessions:
        if s.status == "live":
            continue  # live now, whatever the time
        at = appointment(s)
        assert at.weekday() < 5, (s.status, at)
        assert time(9, 0) <= at.time() <= time(16, 0), (s.status, at)


def test_planned_sessions_lie_ahead_and_the_rest_in_the_past(sessions: list[Session]) -> None:
    planned = [s for s in sessions if s.status == "planned"]
    assert planned, "the coming week has appointments"
    assert all(NOW < s.created < NOW + timedelta(days=DAYS_AHEAD + 3) for s in planned)
    assert all(not s.entries and s.baseline is None for s in planned)
    for s in sessions:
        if s.status != "planned":
            assert s.started is not None and s.started < NOW
            assert all(e.at <= NOW for e in s.entries)
        if s.ended is not None:
            assert s.ended < NOW


def test_session_numbers_follow_each_clients_dates(sessions: list[Session]) -> None:
    by_client: dict[str, list[Session]] = {}
    for s in sorted(sessions, key=appointment):
        by_client.setdefault(s.client, []).append(s)
    for course in by_client.values():
        assert [s.session_no for s in course] == list(range(1, len(course) + 1))
        assert len({s.route for s in course}) == 1  # one route through a course


def _key(e: object) -> tuple[object, ...]:
    return (e.kind, e.text, sorted((e.values or {}).items()))  # type: ignore[attr-defined]


def test_no_entry_repeats_the_one_before(sessions: list[Session]) -> None:
    for s in sessions:
        for before, after in zip(s.entries, s.entries[1:], strict=False):
            if after.kind == "vitals":
                continue  # two readings may agree
            assert _key(before) != _key(after), (s.id, after.kind, after.text)


def test_notes_rarely_repeat_within_a_session(sessions: list[Session]) -> None:
    repeats = []
    for s in sessions:
        notes = [e.text for e in s.entries if e.kind == "note"]
        repeats.append(len(notes) - len(set(notes)))
        assert repeats[-1] <= max(2, len(notes) // 12), (s.id, Counter(notes).most_common(3))
    assert sorted(repeats)[len(repeats) * 9 // 10] == 0  # nine sessions in ten repeat nothing


def test_flags_mark_what_a_clinician_would_flag(sessions: list[Session]) -> None:
    flagged = Counter()
    for s in sessions:
        for e in s.entries:
            if e.kind == "vitals":
                assert e.flagged == bool(THRESHOLDS.flags(Vitals.from_dict(e.values)))
            elif e.kind == "note":
                text = e.history[0].text if e.history else e.text
                assert not e.flagged or text in FLAGGABLE, text
                assert e.flagged or text not in DISTRESS, text
            else:
                assert not e.flagged, e.kind
            flagged[e.kind] += e.flagged
    assert flagged["vitals"] and flagged["note"]
    notes = sum(1 for s in sessions for e in s.entries if e.kind == "note")
    assert flagged["note"] < notes / 10  # a flag stands out


def test_distress_is_always_flagged_and_not_in_every_session(sessions: list[Session]) -> None:
    with_distress = [s for s in sessions if any(e.text in DISTRESS for e in s.entries)]
    dosed = [s for s in sessions if s.dosed]
    assert 0 < len(with_distress) < len(dosed) / 2
    assert all(flag == ALWAYS for ns in DISTRESS_NOTES.values() for _, _, flag in ns)


def test_the_demo_keeps_its_live_session_and_restored_draft(sessions: list[Session]) -> None:
    live = [s for s in sessions if s.status == "live"]
    assert len(live) == 1 and live[0].draft == "Breathing slower now, hands"
    assert live[0].dosed is not None and live[0].entries[-1].at <= NOW


def test_the_same_seed_gives_the_same_sessions() -> None:
    def dump(seed: int) -> list[dict[str, object]]:
        return [s.to_dict() for s in demo_sessions(60, seed=seed, now=NOW, live=True)]

    assert dump(3) == dump(3)
    assert dump(3) != dump(4)


def test_small_archives_still_fit_the_rules() -> None:
    for n in (1, 2, 5):
        sessions = demo_sessions(n, seed=9, now=NOW)
        assert len(sessions) == n
        assert len({(s.client, appointment(s).date()) for s in sessions}) == n


def test_demo_esketamine_sessions_run_under_the_rems_protocol() -> None:
    # So that the REMS form and `rems --pending` have something to show in a demo.
    from datetime import UTC, datetime

    from kapsession.model.rems import on_rems

    sessions = demo_sessions(40, seed=7, now=datetime(2026, 12, 1, 12, tzinfo=UTC))
    esketamine = [s for s in sessions if s.medicine == "esketamine"]
    assert esketamine and all(on_rems(s) for s in esketamine)
    assert not any(s.protocol for s in sessions if s.medicine != "esketamine")
