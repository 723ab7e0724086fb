"""Schema 5 (issue 19): an archive written before it opens, its entry ids kept."""

from __future__ import annotations

from pathlib import Path

import orjson

from kapsession import Archive
from kapsession.model import SCHEMA_VERSION
from kapsession.model.session import ENTRY_ID_RE
from kapsession.store.migrations import migrate
from tests.conftest import FrozenClock

FIXTURE = Path(__file__).parent / "fixtures" / "schema2-entry-ids.json"
SID = "0d43e56e55b3a1646b144310bbe2b8f7"


def test_a_schema_2_file_written_by_the_code_before_opens_with_its_ids(
        tmp_path: Path, clock: FrozenClock) -> None:
    sessions = tmp_path / "a" / "sessions"
    sessions.mkdir(parents=True)
    (sessions / f"{SID}.json").write_bytes(FIXTURE.read_bytes())
    with Archive.open(tmp_path / "a", clock=clock) as a:
        s = a.get(SID)
        assert a.problems == []
        assert [e.id for e in s.entries] == ["e1", "e2", "e3", "e4"]
        assert s.entry("e3").text == "eyes closed, breathing slow and even"
        assert s.entry("e3").edits[0].text == "eyes closed, breathing slow"
        assert s.entry("e4").struck is not None and s.draft == "unsent draft text"
        assert s.live_on is None  # not known for a file from before
        note = a.add_note(SID, "a new note")
    assert ENTRY_ID_RE.match(note.id) and note.id != "e5" and len(note.id) == 9
    stored = orjson.loads((sessions / f"{SID}.json").read_bytes())["session"]["1"]
    assert stored["schema"] == SCHEMA_VERSION == 5
    assert [e["id"] for e in stored["entries"]][:4] == ["e1", "e2", "e3", "e4"]


def test_the_4_to_5_step_works_right_after_2() -> None:
    doc = orjson.loads(FIXTURE.read_bytes())["session"]["1"]
    migrated, changed = migrate(dict(doc))
    assert changed and migrated["schema"] == 5 and migrated["live_on"] is None
    assert migrated["entries"] == doc["entries"]
