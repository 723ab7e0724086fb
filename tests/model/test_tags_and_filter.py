"""The #tag / ! note prefixes and the home list's filter grammar."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kapsession.model import ValidationError, parse_note
from kapsession.model.filter import parse_filter
from kapsession.model.summary import SessionSummary


@pytest.mark.parametrize("raw,text,category,flagged", [
    ("#quote I feel safe", "I feel safe", "quote", False),
    ("#q I feel safe", "I feel safe", "quote", False),
    ("!#som tight chest", "tight chest", "somatic", True),
    ("#somatic ! tight chest", "tight chest", "somatic", True),
    ("! urgent", "urgent", None, True),
    ("plain note with #tag inside", "plain note with #tag inside", None, False),
    ("#behavior turned over", "turned over", "behaviour", False),
    ("#AFFECT tearful", "tearful", "affect", False),
    ("# not a tag", "# not a tag", None, False),
])
def test_parse_note(raw: str, text: str, category: str | None, flagged: bool) -> None:
    parsed = parse_note(raw)
    assert (parsed.text, parsed.category, parsed.flagged) == (text, category, flagged)


@pytest.mark.parametrize("raw,message", [
    ("#in something", "#insight or #intervention"),
    ("#mood low", "not a tag"),
])
def test_ambiguous_or_unknown_tags_are_refused(raw: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        parse_note(raw)


@given(st.text(max_size=200))
def test_parse_note_never_crashes(raw: str) -> None:
    try:
        parsed = parse_note(raw)
    except ValidationError as exc:
        assert exc.field == "tag"
    else:
        assert parsed.text in raw


def summary(client: str, day: date, intention: str = "") -> SessionSummary:
    when = datetime(day.year, day.month, day.day, 10, tzinfo=timezone(timedelta(hours=1)))
    return SessionSummary(id="c" * 32, client=client, session_no=1, status="signed",
                          route="im", medicine="ketamine", created=when, started=when,
                          dosed=None, ended=None, signed=None, dose_mg=50, duration_min=None,
                          entries=3, flagged=0, intention=intention, integration_date=None,
                          addenda=0)


@pytest.mark.parametrize("query,day,expected", [
    ("2026-11", date(2026, 11, 3), True),
    ("2026-11", date(2026, 10, 31), False),
    (">=2026-10-01", date(2026, 10, 1), True),
    (">=2026-10-01", date(2026, 9, 30), False),
    ("<2026-01-01", date(2025, 12, 31), True),
    ("<2026-01-01", date(2026, 1, 1), False),
    (">2026-10", date(2026, 10, 31), False),
    (">2026-10", date(2026, 11, 1), True),
    ("<=2026", date(2026, 12, 31), True),
    ("2026-11-03", date(2026, 11, 3), True),
    ("2026-11-03", date(2026, 11, 4), False),
])
def test_date_filters(query: str, day: date, expected: bool) -> None:
    assert parse_filter(query).matches_summary(summary("C-1", day)) is expected


def test_words_client_and_dates_combine() -> None:
    s = summary("C-0042", date(2026, 11, 3), "Meet the grief")
    assert parse_filter("c-0042 2026-11 grief").matches_summary(s)
    assert not parse_filter("c-0042 2026-10 grief").matches_summary(s)
    assert parse_filter("client:C-0042").matches_summary(s)
    assert not parse_filter("client:C-004").matches_summary(s)
    assert parse_filter('"the grief"').matches_summary(s)


@pytest.mark.parametrize("bad", ["2026-13", "2026-02-30", "status:paused", "x" * 501])
def test_bad_filters_say_why(bad: str) -> None:
    with pytest.raises(ValidationError):
        parse_filter(bad)


@given(st.text(max_size=100))
def test_filter_parser_never_crashes(text: str) -> None:
    try:
        parse_filter(text)
    except ValidationError:
        pass
