"""How times read: T+ against the dose, the big clock, durations with units, one rounding rule.

The rule (kapsession/model/times.py): a time is a clock's reading, rounded down; a time still
to go rounds up. So T+00:37:59 reads T+00:37, nothing before the dose reads as zero or as
after it, and a countdown never says 0 s while time is left.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kapsession.model.times import (
    NO_DOSE,
    format_clock,
    format_duration,
    format_minutes,
    format_t_plus,
)

MINUS = "\u2212"


def sec(value: float) -> timedelta:
    return timedelta(seconds=value)


@pytest.mark.parametrize("offset,expected", [
    (sec(0), "T+00:00"),
    (sec(0.999999), "T+00:00"),
    (sec(59), "T+00:00"),
    (sec(59.999999), "T+00:00"),
    (sec(60), "T+00:01"),
    (sec(37 * 60 + 59.9), "T+00:37"),  # truncation toward the dose, as a clock does
    (sec(3599), "T+00:59"),
    (sec(3600), "T+01:00"),
    (sec(2 * 3600 + 28 * 60 + 30), "T+02:28"),
    (sec(25 * 3600), "T+25:00"),
])
def test_t_plus_at_and_after_the_dose(offset: timedelta, expected: str) -> None:
    assert format_t_plus(offset) == expected


@pytest.mark.parametrize("offset,expected", [
    (timedelta(microseconds=-1), f"T{MINUS}1 min"),  # a moment before is before, never -0
    (sec(-0.4), f"T{MINUS}1 min"),
    (sec(-59), f"T{MINUS}1 min"),
    (sec(-60), f"T{MINUS}1 min"),
    (sec(-60.5), f"T{MINUS}2 min"),
    (sec(-5 * 60), f"T{MINUS}5 min"),
    (sec(-3599), f"T{MINUS}60 min"),
    (sec(-3600), f"T{MINUS}60 min"),
    (sec(-3601), f"T{MINUS}61 min"),
])
def test_t_plus_before_the_dose_reads_as_before_it(offset: timedelta, expected: str) -> None:
    text = format_t_plus(offset)
    assert text == expected
    assert "T+" not in text and "00:00" not in text and "-" not in text


def test_t_plus_without_a_dose() -> None:
    assert format_t_plus(None) == NO_DOSE == "pre-dose"


@pytest.mark.parametrize("elapsed,expected", [
    (None, "00:00:00"),
    (sec(-0.4), "00:00:00"),
    (sec(0), "00:00:00"),
    (sec(59.9), "00:00:59"),
    (sec(60), "00:01:00"),
    (sec(37 * 60 + 59.9), "00:37:59"),
    (sec(3599), "00:59:59"),
    (sec(3600), "01:00:00"),
])
def test_big_clock_reads_like_t_plus(elapsed: timedelta | None, expected: str) -> None:
    assert format_clock(elapsed) == expected
    if elapsed is not None and elapsed >= timedelta(0):
        assert format_t_plus(elapsed) == "T+" + expected[:5]  # the same minute, always


@pytest.mark.parametrize("delta,expected", [
    (sec(0), "0 s"),
    (sec(0.9), "0 s"),
    (sec(59), "59 s"),
    (sec(60), "1 min 00 s"),
    (sec(67), "1 min 07 s"),
    (sec(3599), "59 min 59 s"),
    (sec(3599.9), "59 min 59 s"),
    (sec(3600), "1 h 00 min"),
    (sec(3600 + 8 * 60 + 59), "1 h 08 min"),
    (sec(-5), "0 s"),
    (sec(-0.4), "0 s"),
])
def test_duration_elapsed_has_units_and_rounds_down(delta: timedelta, expected: str) -> None:
    assert format_duration(delta) == expected


@pytest.mark.parametrize("delta,expected", [
    (sec(0), "0 s"),
    (sec(0.1), "1 s"),  # time left is never shown as none left
    (sec(59), "59 s"),
    (sec(59.5), "1 min 00 s"),
    (sec(60), "1 min 00 s"),
    (sec(3599), "59 min 59 s"),
    (sec(3599.5), "1 h 00 min"),
    (sec(3600), "1 h 00 min"),
    (sec(3600 + 7 * 60 + 1), "1 h 08 min"),
    (sec(-3), "0 s"),
])
def test_duration_still_to_go_rounds_up(delta: timedelta, expected: str) -> None:
    assert format_duration(delta, until=True) == expected


@pytest.mark.parametrize("delta,until,expected", [
    (sec(0), False, "0 min"),
    (sec(59), False, "0 min"),
    (sec(59), True, "1 min"),
    (sec(12 * 60 + 20), False, "12 min"),
    (sec(12 * 60 + 20), True, "13 min"),
    (sec(3600), False, "1 h 00 min"),
    (sec(2 * 3600 + 28 * 60 + 59), False, "2 h 28 min"),
])
def test_duration_in_whole_minutes(delta: timedelta, until: bool, expected: str) -> None:
    assert format_duration(delta, seconds=False, until=until) == expected


@pytest.mark.parametrize("offset_s", [-3601, -600.5, -60, -59, -0.4, -0.000001])
def test_time_before_the_dose_and_time_until_it_agree(offset_s: float) -> None:
    # The arrival's T− in the timeline and "from arrival to the dose" are the same number.
    offset = sec(offset_s)
    wait = format_duration(-offset, seconds=False, until=True)
    minutes = wait.split()
    total = int(minutes[0]) * 60 + int(minutes[2]) if "h" in minutes else int(minutes[0])
    assert format_t_plus(offset) == f"T{MINUS}{total} min"


@pytest.mark.parametrize("minutes,expected", [
    (None, "—"), (0, "0 min"), (3, "3 min"), (59, "59 min"), (60, "1 h 00 min"),
    (131, "2 h 11 min"), (-4, "0 min"),
])
def test_minutes_for_the_session_list(minutes: int | None, expected: str) -> None:
    assert format_minutes(minutes) == expected


def test_the_same_instant_in_two_offsets_keeps_each_offset() -> None:
    # to_iso remembers what it wrote; equal datetimes (one instant) must not share a text.
    from datetime import timezone

    from kapsession.model.times import to_iso

    berlin = datetime(2026, 11, 3, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    utc = berlin.astimezone(UTC)
    assert berlin == utc
    assert to_iso(berlin) == "2026-11-03T10:00:00.000000+01:00"
    assert to_iso(utc) == "2026-11-03T09:00:00.000000+00:00"


def test_an_ambiguous_wall_time_keeps_its_fold() -> None:
    from zoneinfo import ZoneInfo

    from kapsession.model.times import to_iso

    first = datetime(2026, 10, 25, 2, 30, tzinfo=ZoneInfo("Europe/Berlin"))  # clocks go back
    second = first.replace(fold=1)
    assert first == second  # one zone: == ignores the fold
    assert to_iso(first).endswith("+02:00") and to_iso(second).endswith("+01:00")


def test_a_time_out_of_range_is_a_validation_error_a_person_can_read() -> None:

    from kapsession.model import KapsessionError, ValidationError
    from kapsession.model.times import to_iso

    with pytest.raises(ValidationError, match="outside the years") as caught:
        to_iso(datetime(2300, 1, 1, tzinfo=UTC))
    assert isinstance(caught.value, KapsessionError)  # the command line shows it in one line


def test_a_zone_that_cannot_be_hashed_still_prints() -> None:
    from datetime import tzinfo

    from kapsession.model.times import to_iso

    class Unhashable(tzinfo):
        __hash__ = None  # type: ignore[assignment]  # as dateutil's tzoffset

        def utcoffset(self, dt: datetime | None) -> timedelta:
            return timedelta(hours=2)

        def dst(self, dt: datetime | None) -> timedelta:
            return timedelta(0)

    assert to_iso(datetime(2026, 5, 1, 9, 0, tzinfo=Unhashable())) == \
        "2026-05-01T09:00:00.000000+02:00"
