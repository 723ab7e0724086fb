"""What is due: integration visits to book, check-ins, signatures; oldest first (frozen clock)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from kapsession.model import Session, SessionSummary
from kapsession.model.due import DueRules, checkin_label, due_items, parse_checkin

_n = iter(range(1, 10_000))


def dosing(clock, client: str = "C-0042", *, sign: bool = False,  # noqa: ANN001
           integration_date: date | None = None) -> Session:
    no = next(_n)
    s = Session.create(id=f"{no:032x}", now=clock(), client=client, session_no=no, route="im")
    s.go_live(clock())
    s.mark_dose(clock(), 50)
    s.finish(clock() + timedelta(hours=2))
    if integration_date is not None:
        s.update_integration(integration_date=integration_date)
    if sign:
        s.sign(clock() + timedelta(hours=3))
    return s


def visit(clock, client: str = "C-0042", *, sign: bool = True) -> Session:  # noqa: ANN001
    no = next(_n)
    s = Session.create(id=f"{no:032x}", now=clock(), client=client, session_no=no,
                       kind="integration")
    s.finish(clock())
    if sign:
        s.sign(clock())
    return s


def due(sessions: list[Session], now: datetime, **rules: object) -> list[tuple[str, str]]:
    items = due_items([SessionSummary.of(s) for s in sessions], now, DueRules(**rules))
    return [(d.what, d.checkin or d.client) for d in items]


def test_a_signed_session_without_integration_asks_for_booking_and_check_ins(clock) -> None:  # noqa: ANN001
    s = dosing(clock, sign=True)
    start = clock()
    assert due([s], start + timedelta(hours=1)) == []  # still going on
    assert due([s], start + timedelta(hours=3)) == [("book", "C-0042")]
    assert due([s], start + timedelta(hours=25)) == [("book", "C-0042"), ("checkin", "24h")]
    assert due([s], start + timedelta(days=4)) == [("book", "C-0042"), ("checkin", "72h")]
    assert due([s], start + timedelta(days=96)) == [("book", "C-0042"), ("checkin", "3mo")]
    # Three months and a booking window after the session, it is history, not due.
    assert due([s], start + timedelta(days=98)) == []


def test_an_integration_date_within_the_days_books_it_and_a_later_one_does_not(clock) -> None:  # noqa: ANN001
    start = clock()
    soon = dosing(clock, sign=True, integration_date=(start + timedelta(days=6)).date())
    late = dosing(clock, client="C-9", sign=True,
                  integration_date=(start + timedelta(days=20)).date())
    items = due_items([SessionSummary.of(x) for x in (soon, late)], start + timedelta(hours=5))
    assert [(d.what, d.client) for d in items] == [("book", "C-9")]
    assert items[0].booked.date() == late.integration_date
    assert items[0].by == late.dosed + timedelta(days=7)
    # The window is the config's: 30 days takes the later date in.
    assert due([late], start + timedelta(hours=5), book_within_days=30) == []


def test_an_integration_visit_books_and_covers_the_check_in_it_falls_near(clock) -> None:  # noqa: ANN001
    s = dosing(clock, sign=True)
    start = clock()
    clock.advance(days=2, hours=12)  # halfway between 24 h and 72 h: counts for 72 h
    v = visit(clock)
    assert due([s, v], start + timedelta(days=3, hours=1)) == []
    # One week later the 1-week check-in is due: the visit was before halfway to it.
    assert due([s, v], start + timedelta(days=7, hours=1)) == [("checkin", "1w")]


def test_the_next_dosing_session_takes_over_and_others_clients_do_not_count(clock) -> None:  # noqa: ANN001
    first = dosing(clock, sign=True)
    clock.advance(days=1)
    other = visit(clock, client="C-0099")
    clock.advance(days=6)
    second = dosing(clock, sign=True)
    now = clock() + timedelta(hours=25)
    items = due_items([SessionSummary.of(x) for x in (first, other, second)], now)
    assert [(d.what, d.session_no, d.checkin) for d in items] == [
        ("book", second.session_no, ""), ("checkin", second.session_no, "24h")]


def test_unsigned_after_a_day_oldest_first(clock) -> None:  # noqa: ANN001
    old = visit(clock, client="C-1", sign=False)
    clock.advance(days=2)
    newer = visit(clock, client="C-2", sign=False)
    clock.advance(hours=23)
    fresh = visit(clock, client="C-3", sign=False)
    items = due_items([SessionSummary.of(x) for x in (fresh, newer, old)],
                      clock() + timedelta(hours=2))
    assert [(d.what, d.client) for d in items] == [("sign", "C-1"), ("sign", "C-2")]
    assert items[0].since == old.ended + timedelta(days=1)


def test_items_are_oldest_first_across_kinds(clock) -> None:  # noqa: ANN001
    a = dosing(clock, client="C-A")  # ended, unsigned: book now, sign after a day
    clock.advance(hours=30)
    b = dosing(clock, client="C-B", sign=True)
    items = due_items([SessionSummary.of(x) for x in (b, a)], clock() + timedelta(hours=3))
    assert [(d.what, d.client) for d in items] == [
        ("book", "C-A"), ("checkin", "C-A"), ("sign", "C-A"), ("book", "C-B")]
    assert [d.since for d in items] == sorted(d.since for d in items)


def test_check_in_times_are_configurable_and_checked() -> None:
    assert parse_checkin("72h") == timedelta(hours=72)
    assert parse_checkin(" 2w ") == timedelta(weeks=2)
    assert parse_checkin("1mo") == timedelta(days=30)
    assert [checkin_label(x) for x in ("24h", "1w", "2w", "3mo", "10d")] == [
        "24 h", "1 week", "2 weeks", "3 months", "10 days"]
    for bad in ("", "3", "h", "2y", "0h", "999w", "-1d"):
        with pytest.raises(ValueError, match="check-in"):
            parse_checkin(bad)


def test_custom_check_ins(clock) -> None:  # noqa: ANN001
    s = dosing(clock, sign=True, integration_date=clock().date())
    assert due([s], clock() + timedelta(days=11), checkins=("48h", "10d")) == [
        ("checkin", "10d")]
