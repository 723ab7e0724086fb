"""Side effects with severity and rescue medication through the public API, on real files;
the schema-2 file of the release before keeps opening."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import orjson
import pytest

from kapsession import Archive, ValidationError
from kapsession.model import SCHEMA_VERSION
from kapsession.store.migrations import migrate


def test_side_effects_and_rescue_go_to_disk_through_the_api(tmp_path: Path, clock) -> None:  # noqa: ANN001
    with Archive.open(tmp_path / "a", clock=clock) as a:
        s = a.new_session(client="C-0042", route="im", dose_mg=50, live=True)
        a.mark_dose(s.id)
        clock.advance(minutes=30)
        a.log_side_effect(s.id, "nausea", severity="moderate")
        given = clock() - timedelta(minutes=4)
        clock.advance(minutes=2)
        a.log_rescue(s.id, drug="ondansetron", mg=4, route="ODT", at=given)
        with pytest.raises(ValidationError, match="route"):
            a.log_rescue(s.id, drug="ondansetron", mg=4, route="rectal")
        with pytest.raises(ValidationError, match="time: is in the future"):
            a.log_rescue(s.id, drug="ondansetron", mg=4, route="po",
                         at=clock() + timedelta(minutes=1))
    with Archive.open(tmp_path / "a", clock=clock) as again:  # read back from the file
        entries = again.get(s.id).entries
    effect, rescue = entries[-2:]
    assert effect.values == {"effect": "nausea", "severity": "moderate"}
    assert (rescue.kind, rescue.values["drug"], rescue.values["mg"], rescue.values["route"]) \
        == ("rescue", "ondansetron", 4.0, "odt")
    assert rescue.values["given"] == given.isoformat(timespec="microseconds")
    assert rescue.at == given + timedelta(minutes=6)  # the record keeps when it was written


def test_the_migration_from_2_gives_old_side_effects_no_severity() -> None:
    doc = {"schema": 2, "entries": [
        {"kind": "side_effect", "values": {"effect": "nausea"}},
        {"kind": "note", "values": {}},
        "not an entry",  # left for the model's check to name
    ]}
    migrated, changed = migrate(doc)
    assert changed and migrated["schema"] == SCHEMA_VERSION
    assert migrated["entries"][0]["values"] == {"effect": "nausea", "severity": None}
    assert migrated["entries"][1] == {"kind": "note", "values": {}}
    assert doc["entries"][0]["values"] == {"effect": "nausea"}  # the input is not changed


def test_a_schema_2_session_file_opens_with_its_side_effects_unrated(
        tmp_path: Path, clock) -> None:  # noqa: ANN001
    """The stored file of the release before (tests/store/fixtures/schema2-side-effects.json,
    written by that code) keeps opening: its side effects are unrated, its free-text rescue
    medication stays the side effect it was, its strike stays."""
    fixture = Path(__file__).parent / "fixtures" / "schema2-side-effects.json"
    sid = "6a57c48cc0a048433fbebbbfaae6291f"
    sessions = tmp_path / "a" / "sessions"
    sessions.mkdir(parents=True)
    (sessions / f"{sid}.json").write_bytes(fixture.read_bytes())
    with Archive.open(tmp_path / "a", clock=clock) as a:
        s = a.get(sid)
        assert a.problems == []
    effects = [e for e in s.entries if e.kind == "side_effect"]
    assert [(e.values["effect"], e.values["severity"], e.text) for e in effects] == [
        ("nausea", None, ""), ("rescue_medication", None, "ondansetron 4 mg ODT"),
        ("other", None, "tingling in the hands"), ("dizziness", None, "")]
    assert effects[-1].struck is not None and effects[-1].struck.reason == "wrong client"
    assert [e.values for e in s.entries if e.kind == "rating"] == [{"scale": "moaas",
                                                                    "score": 4}]
    stored = orjson.loads((sessions / f"{sid}.json").read_bytes())["session"]["1"]
    assert stored["schema"] == SCHEMA_VERSION  # rewritten in the new shape on open
    assert stored["entries"][2]["values"] == {"effect": "nausea", "severity": None}


def test_severity_and_rescue_survive_a_json_export_and_import(tmp_path: Path, clock) -> None:  # noqa: ANN001
    from kapsession.export.jsonio import parse_import, sessions_to_json

    with Archive.open(tmp_path / "a", clock=clock) as a:
        s = a.new_session(client="C-0042", route="im", dose_mg=50, live=True)
        a.mark_dose(s.id)
        clock.advance(minutes=30)
        a.log_side_effect(s.id, "vomiting", severity="severe")
        a.log_rescue(s.id, drug="ondansetron", mg=4, route="odt",
                     at=clock() - timedelta(minutes=3))
        original = a.get(s.id)
    [back] = parse_import(sessions_to_json([original]), "export.json")
    assert back.to_dict() == original.to_dict()
