"""The public API for monitoring until discharge: recording after Finish, ready, discharge,
observation, the dose lot and the REMS answers — on a real archive, read back from disk."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from kapsession import Archive
from kapsession.model.errors import SessionStateError
from kapsession.model.protocols import DEFAULT_PROTOCOLS

REMS = DEFAULT_PROTOCOLS[0]


def test_recording_goes_on_after_finish_until_discharge(tmp_path: Path, clock) -> None:  # noqa: ANN001
    with Archive.open(tmp_path / "a", clock=clock) as a:
        s = a.new_session(client="C-7", route="intranasal", medicine="esketamine", dose_mg=84,
                          protocol=REMS, live=True)
        clock.advance(minutes=5)
        a.mark_dose(s.id, lot="LOT-9")
        clock.advance(minutes=30)
        a.mark_dose(s.id, 28)  # a booster: observation counts from here
        clock.advance(minutes=60)
        a.end_session(s.id)
        clock.advance(minutes=20)
        a.record_vitals(s.id, systolic=132, diastolic=84, heart_rate=72, spo2=97)
        a.log_side_effect(s.id, "nausea")
        a.log_rating(s.id, "moaas", 5)
        a.add_note(s.id, "walking steadily")
        obs = a.observation(s.id)
        assert obs.minimum_minutes == 120 and obs.since == a.get(s.id).doses[-1].at
        assert obs.ends_at - obs.since == timedelta(minutes=120) and not obs.passed
        a.mark_ready(s.id)
        clock.advance(minutes=45)
        assert a.observation(s.id).passed
        a.discharge(s.id)
        with pytest.raises(SessionStateError, match="discharged"):
            a.record_vitals(s.id, systolic=120, diastolic=80, heart_rate=70, spo2=98)
        with pytest.raises(SessionStateError, match="discharged"):
            a.add_note(s.id, "late")
        a.set_rems(s.id, enrolled=True)
    with Archive.open(tmp_path / "a", clock=clock) as again:  # all of it on disk
        back = again.get(s.id)
        assert back.protocol == REMS and back.doses[0].values["lot"] == "LOT-9"
        assert back.minutes_to_ready == 110 and back.monitoring_minutes == 155
        assert [e.kind for e in back.entries][-6:] == ["vitals", "side_effect", "rating",
                                                        "note", "system", "system"]
        assert back.rems == {"enrolled": True}


def test_a_refused_discharge_changes_nothing_on_disk(tmp_path: Path, clock) -> None:  # noqa: ANN001
    with Archive.open(tmp_path / "a", clock=clock) as a:
        s = a.new_session(client="C-8", route="im", live=True)
        a.mark_dose(s.id, 50)
        with pytest.raises(SessionStateError):
            a.discharge(s.id)  # still live: Finish first
        assert a.get(s.id).discharged is None
        a.end_session(s.id)
        a.discharge(s.id)
        a.sign(s.id, ["lot"])
        assert a.get(s.id).signed_missing == ["lot"]
