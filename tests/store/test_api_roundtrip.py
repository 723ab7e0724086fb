"""Whatever the API accepts opens again, unchanged: validation on write is the same as on read.

Sessions are built through the Archive's own methods with generated text, numbers, vitals,
checklists, dates and clock times; every call either raises ``ValueError`` (a refusal naming
the field) or is saved. After closing and opening the archive again every session reads back
exactly as it was saved and nothing is set aside as damaged.
"""

from __future__ import annotations

import tempfile
import unicodedata
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kapsession import Archive
from kapsession.model import ChecklistItem, Vitals

# Characters that grow under NFC (one becomes two or three), one that composes with what is
# before it, controls, a lone surrogate, line breaks and a tab.
GROWING = [c for c in ("\u0344", "\u0958", "\u0f73", "\ufb2c", "\U0001d15e")
           if len(unicodedata.normalize("NFC", c)) > 1]
SPECIAL = [*GROWING, "\u0301", "e", "\x00", "\x1b", "\x85", "\ud800", "\r", "\n", "\t", " "]

# Lists joined rather than st.text: st.text never draws a lone surrogate.
texts = st.one_of(
    st.lists(st.one_of(st.characters(), st.sampled_from(SPECIAL)), max_size=60).map("".join),
    # Right at the limits (200 for a checklist item, 10,000 for a note), in characters that
    # grow past them when normalised.
    st.builds(lambda c, n: c * n, st.sampled_from(GROWING + ["a"]),
              st.sampled_from([100, 199, 200, 201, 5_000, 10_000])),
)
whole = st.one_of(st.none(), st.integers(min_value=-5, max_value=10**9),
                  st.sampled_from([50, 80, 120, 300, 301]))
vitals_kwargs = st.fixed_dictionaries({
    "systolic": whole, "diastolic": whole, "heart_rate": whole, "spo2": whole,
    "resp_rate": whole,
})
items = st.lists(st.one_of(texts, st.builds(lambda t, d: (t, d), texts, st.booleans())),
                 max_size=4)
offsets = st.builds(lambda m: timezone(timedelta(minutes=m)),
                    st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1))
clock_times = st.one_of(
    st.just(datetime(2026, 11, 3, 10, 0, tzinfo=timezone(timedelta(hours=1)))),
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                 timezones=offsets),
)
doses = st.one_of(st.none(), st.floats(allow_nan=True), st.integers(), st.text(max_size=8))
dates = st.one_of(st.none(), st.dates(), st.datetimes())  # a datetime is a date too


def checklist(generated: list[Any]) -> list[Any]:
    """Plain texts, and items built directly (which may already refuse their text)."""
    out: list[Any] = []
    for item in generated:
        if isinstance(item, tuple):
            try:
                out.append(ChecklistItem(*item))
            except ValueError:
                continue
        else:
            out.append(item)
    return out


def attempt(call: Any, *args: Any, **kwargs: Any) -> Any:
    """Run one API call: saved, or refused with a ValueError. Anything else fails the test."""
    try:
        return call(*args, **kwargs)
    except ValueError:
        return None


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(client=texts, intention=texts, therapist=texts, dose=doses, prep=items,
       baseline=vitals_kwargs, draft=texts, notes=st.lists(texts, max_size=3),
       vitals=st.lists(vitals_kwargs, max_size=2), discharge=items, integration=items,
       integration_notes=texts, integration_date=dates,
       times=st.lists(clock_times, min_size=1, max_size=4))
def test_anything_the_api_accepts_reopens_identical(
        client: str, intention: str, therapist: str, dose: Any, prep: list[Any],
        baseline: dict[str, Any], draft: str, notes: list[str], vitals: list[dict[str, Any]],
        discharge: list[Any], integration: list[Any], integration_notes: str,
        integration_date: date | None, times: list[datetime]) -> None:
    # The session is made at a sane time; every later change at a generated one.
    now = iter([datetime(2026, 11, 3, 10, 0, tzinfo=timezone(timedelta(hours=1))),
                *times * 30])
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "archive"
        with Archive.open(root, clock=lambda: next(now)) as archive:
            sid = archive.new_session(client="C-0042", route="im").id
            # One field a call, so that one refusal does not hide the others.
            for name, value in (("client", client), ("intention", intention),
                                ("therapist", therapist), ("dose_mg", dose),
                                ("prep_checklist", checklist(prep)), ("baseline", baseline)):
                attempt(archive.update_preparation, sid, **{name: value})
            try:
                direct = Vitals(**baseline)
            except ValueError:
                direct = None
            attempt(archive.update_preparation, sid, baseline=direct)
            attempt(archive.save_draft, sid, draft)
            attempt(archive.go_live, sid)
            attempt(archive.mark_dose, sid, dose)
            for note in notes:
                attempt(archive.add_note, sid, note, flagged=True)
            for v in vitals:
                attempt(archive.record_vitals, sid, **v)
            attempt(archive.end_session, sid)
            for name, value in (("discharge_checklist", checklist(discharge)),
                                ("integration_checklist", checklist(integration)),
                                ("integration_notes", integration_notes),
                                ("integration_date", integration_date)):
                attempt(archive.update_integration, sid, **{name: value})
            saved = archive.get(sid).to_dict()
        with Archive.open(root, clock=lambda: next(now)) as again:
            assert again.problems == []
            assert again.get(sid).to_dict() == saved
        assert not (root / "damaged").exists()


@pytest.mark.parametrize("field", ["prep_checklist", "discharge_checklist",
                                   "integration_checklist"])
def test_a_plain_text_checklist_item_is_an_unticked_item(archive: Archive, field: str) -> None:
    sid = archive.new_session(client="C-1", route="im", live=True).id
    if field == "prep_checklist":
        archive.update_preparation(sid, prep_checklist=["Consent reviewed",
                                                        ChecklistItem("Ride home", True)])
    else:
        archive.end_session(sid)
        archive.update_integration(sid, **{field: ["Consent reviewed",
                                                   ChecklistItem("Ride home", True)]})
    got = getattr(archive.get(sid), field)
    assert [(c.text, c.done) for c in got] == [("Consent reviewed", False), ("Ride home", True)]
    update = archive.update_preparation if field == "prep_checklist" \
        else archive.update_integration
    with pytest.raises(ValueError, match=rf"{field}\[1\]"):
        update(sid, **{field: ["ok", 5]})


def test_items_and_vitals_built_directly_are_checked(archive: Archive) -> None:
    with pytest.raises(ValueError, match="checklist item"):
        ChecklistItem("x" * 1_000)
    with pytest.raises(ValueError, match="checklist item"):
        ChecklistItem("\u0344" * 150)  # 150 characters, 300 once normalised
    with pytest.raises(ValueError, match="systolic"):
        Vitals(systolic=10**9, diastolic=80)
    item = ChecklistItem("fine")
    item.text = "x" * 1_000  # changed after it was made: checked again when handed over
    sid = archive.new_session(client="C-1", route="im").id
    with pytest.raises(ValueError, match=r"prep_checklist\[0\]"):
        archive.update_preparation(sid, prep_checklist=[item])
