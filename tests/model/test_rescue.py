"""Side effects with a severity, and rescue medication as drug, mg, route and time."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from kapsession.model import Entry, Session, ValidationError
from kapsession.model.errors import SessionStateError
from kapsession.model.present import SessionTimes, present_entry
from kapsession.model.rescue import (
    DEFAULT_RESCUE_DRUGS,
    RescueDrug,
    parse_rescue_drug,
    time_of_day,
)

T0 = datetime(2026, 11, 3, 10, 0, tzinfo=timezone(timedelta(hours=1)))


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def live() -> Session:
    s = Session.create(id="a" * 32, now=T0, client="C-0042", session_no=1, route="im",
                       dose_mg=50)
    s.go_live(at(0))
    s.mark_dose(at(5))
    return s


def test_a_side_effect_keeps_its_severity_and_reads_with_it() -> None:
    s = live()
    mild = s.log_side_effect(at(20), "nausea", severity="mild")
    severe = s.log_side_effect(at(21), "anxiety/agitation", severity=" Severe ")  # label, case
    unrated = s.log_side_effect(at(22), "headache")
    assert mild.values == {"effect": "nausea", "severity": "mild"}
    assert severe.values == {"effect": "anxiety", "severity": "severe"}
    assert unrated.values == {"effect": "headache", "severity": None}
    times = SessionTimes(s)
    assert [present_entry(e, times).name for e in (mild, severe, unrated)] == [
        "nausea (mild)", "anxiety/agitation (severe)", "headache"]
    again = Session.from_dict(s.to_dict())
    assert [e.values for e in again.entries[-3:]] == [mild.values, severe.values,
                                                      unrated.values]


@pytest.mark.parametrize("bad", ["bad", "3", 2, True, ""])
def test_a_severity_outside_the_three_is_refused_and_nothing_recorded(bad: object) -> None:
    s = live()
    count = len(s.entries)
    with pytest.raises(ValidationError, match="severity: must be one of: mild, moderate, severe"):
        s.log_side_effect(at(20), "nausea", severity=bad)
    assert len(s.entries) == count


def test_a_rescue_medication_is_drug_mg_route_and_the_time_given() -> None:
    s = live()
    now = at(40)
    entry = s.log_rescue(now, "ondansetron", "4", "ODT", at=at(35))
    assert entry.kind == "rescue" and entry.at == now  # dated when written …
    assert entry.values == {"drug": "ondansetron", "mg": 4.0, "route": "odt",
                            "given": at(35).isoformat(timespec="microseconds")}  # … given then
    now_given = s.log_rescue(at(41), "clonidine", 0.075, "po")
    assert now_given.values["given"] == at(41).isoformat(timespec="microseconds")
    assert now_given.values["mg"] == 0.075  # micrograms survive: no rounding to 0.08
    assert Session.from_dict(s.to_dict()).to_dict() == s.to_dict()


@pytest.mark.parametrize(("kw", "field", "problem"), [
    (dict(drug=""), "drug", "must not be empty"),
    (dict(drug="x" * 61), "drug", "the limit is 60"),
    (dict(drug="ondan\nsetron"), None, None),  # one line: a newline becomes a space
    (dict(mg=""), "mg", "enter the dose in mg"),
    (dict(mg="four"), "mg", "must be a number of mg"),
    (dict(mg=0), "mg", "more than 0"),
    (dict(mg=0.0004), "mg", "more than 0"),
    (dict(mg=1000.5), "mg", "at most 1000"),
    (dict(mg=float("nan")), "mg", "must be a number"),
    (dict(route="oral"), "route", "must be one of: PO, ODT, SL, IN, IM, IV"),
    (dict(route=None), "route", "must be one of"),
    (dict(at=at(41)), "time", "in the future"),
    (dict(at=at(-1)), "time", "before the session started (10:00)"),
    (dict(at=at(30).replace(tzinfo=None)), "time", "UTC offset"),
    (dict(at="10:30"), "time", "UTC offset"),
])
def test_a_bad_rescue_value_is_named_and_nothing_recorded(kw: dict, field: str | None,
                                                          problem: str | None) -> None:
    s = live()
    count = len(s.entries)
    args = dict(drug="ondansetron", mg=4, route="odt") | kw
    if field is None:
        assert s.log_rescue(at(40), **args).values["drug"] == "ondan setron"
        return
    with pytest.raises(ValidationError) as caught:
        s.log_rescue(at(40), **args)
    assert caught.value.field == field and problem in caught.value.problem
    assert len(s.entries) == count


def test_a_time_in_the_first_minute_of_the_session_is_within_it() -> None:
    s = Session.create(id="a" * 32, now=T0, client="C-0042", session_no=1, route="im")
    s.go_live(at(0.5))  # 10:00:30
    given = time_of_day("10:00", at(3))
    assert s.log_rescue(at(3), "ondansetron", 4, "odt", at=given).values["given"] \
        .startswith("2026-11-03T10:00:00")
    with pytest.raises(ValidationError, match="before the session started"):
        s.log_rescue(at(3), "ondansetron", 4, "odt", at=time_of_day("09:59", at(3)))


def test_rescue_and_side_effects_follow_the_session_status() -> None:
    s = Session.create(id="a" * 32, now=T0, client="C-0042", session_no=1, route="im")
    with pytest.raises(SessionStateError, match="planned"):
        s.log_rescue(at(1), "ondansetron", 4, "odt")
    s.go_live(at(0))
    s.finish(at(100))
    s.log_rescue(at(110), "ondansetron", 4, "odt", at=at(95))  # observation goes on
    s.log_side_effect(at(111), "nausea", severity="moderate")
    s.sign(at(120))
    with pytest.raises(SessionStateError):
        s.log_rescue(at(130), "ondansetron", 4, "odt")


@pytest.mark.parametrize("values", [
    {"drug": "ondansetron", "mg": 4, "route": "odt"},  # no time given
    {"drug": "", "mg": 4, "route": "odt", "given": "2026-11-03T10:00:00+01:00"},
    {"drug": "x", "mg": -4, "route": "odt", "given": "2026-11-03T10:00:00+01:00"},
    {"drug": "x", "mg": 4, "route": "rectal", "given": "2026-11-03T10:00:00+01:00"},
])
def test_a_stored_rescue_entry_must_be_whole(values: dict) -> None:
    data = {"id": "e3", "at": "2026-11-03T10:00:00+01:00", "kind": "rescue", "values": values}
    with pytest.raises(ValueError, match="entry.values"):
        Entry.from_dict(data)


def test_a_stored_severity_must_be_one_of_the_three() -> None:
    data = {"id": "e3", "at": "2026-11-03T10:00:00+01:00", "kind": "side_effect",
            "values": {"effect": "nausea", "severity": "awful"}}
    with pytest.raises(ValueError, match="entry.values.severity"):
        Entry.from_dict(data)


def test_the_default_rescue_drugs_parse_into_name_dose_and_route() -> None:
    assert [parse_rescue_drug(line) for line in DEFAULT_RESCUE_DRUGS] == [
        RescueDrug("ondansetron", 4.0, "odt"), RescueDrug("clonidine", 0.1, "po"),
        RescueDrug("lorazepam", 0.5, None)]
    assert parse_rescue_drug("magnesium sulfate 2 mg IV") == RescueDrug(
        "magnesium sulfate", 2.0, "iv")
    with pytest.raises(ValidationError, match="at most 1000"):
        parse_rescue_drug("magnesium sulfate 2000 mg IV")
    assert parse_rescue_drug("midazolam 2 mg IN").label == "midazolam 2 mg IN"
    assert parse_rescue_drug("hydroxyzine") == RescueDrug("hydroxyzine")


@pytest.mark.parametrize(("typed", "expected"), [
    ("10:42", datetime(2026, 11, 3, 10, 42)),
    ("1042", datetime(2026, 11, 3, 10, 42)),
    ("9:05", datetime(2026, 11, 3, 9, 5)),
    ("10:50", datetime(2026, 11, 3, 10, 50)),  # now exactly
    ("23:50", datetime(2026, 11, 2, 23, 50)),  # later today than now: last night's
])
def test_a_typed_time_is_the_latest_such_moment_not_after_now(typed: str,
                                                             expected: datetime) -> None:
    now = at(50)  # 10:50 in Berlin (the tests' zone)
    assert time_of_day(typed, now).replace(tzinfo=None) == expected


@pytest.mark.parametrize("typed", ["", "24:00", "10:60", "ten", "10:4", "1:2:3"])
def test_a_time_that_is_not_hh_mm_is_refused(typed: str) -> None:
    with pytest.raises(ValidationError, match="HH:MM"):
        time_of_day(typed, at(50))


def test_a_lot_is_refused_when_it_does_not_print_but_a_stored_one_still_opens() -> None:
    from kapsession.model import ValidationError
    from kapsession.model.text import validate_lot

    assert validate_lot("lot", " XK42 ") == "XK42"
    for bad in ("XK\u202e42", "XK\t42", "X" * 41):
        with pytest.raises(ValidationError):
            validate_lot("lot", bad)
    assert validate_lot("lot", "XK\u202e42", stored=True)  # written before the rule: opens
