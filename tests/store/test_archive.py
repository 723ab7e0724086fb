"""The archive on real TinyDB files: the API, durability, the lock, damage, permissions."""

from __future__ import annotations

import errno
import hashlib
import hmac
import os
import stat
from pathlib import Path

import orjson
import pytest

from kapsession import Archive, ArchiveReadOnly, StorageError, UnknownSession, ValidationError
from kapsession.model import SCHEMA_VERSION, SignedSessionError
from kapsession.store import AmbiguousSessionId
from kapsession.store.device_key import device_key
from kapsession.store.index import Index
from kapsession.store.lock import ArchiveLock


def live_session(archive: Archive) -> str:
    s = archive.new_session(client="C-0042", route="im", dose_mg=50, intention="be open",
                            live=True)
    archive.mark_dose(s.id)
    return s.id


def test_the_documented_api(archive: Archive, clock) -> None:  # noqa: ANN001
    s = archive.new_session(client="C-0042", route="im", dose_mg=50, intention="rest")
    assert s.status == "planned" and s.session_no == 1
    archive.go_live(s.id)
    clock.advance(minutes=10)
    archive.mark_dose(s.id)
    clock.advance(minutes=5)
    note = archive.add_note(s.id, "settling in", category="somatic", flagged=True)
    v = archive.record_vitals(s.id, systolic=150, diastolic=95, heart_rate=80, spo2=97)
    assert v.flagged  # above 140/90
    archive.end_session(s.id)
    got = archive.get(s.id)
    assert got.status == "ended" and got.entry(note.id).category == "somatic"
    [summary] = archive.sessions()
    assert (summary.client, summary.entries, summary.flagged) == ("C-0042", 3, 2)


def test_invalid_input_raises_value_error_naming_the_field(archive: Archive) -> None:
    with pytest.raises(ValueError, match="client"):
        archive.new_session(client="", route="im")
    with pytest.raises(ValueError, match="route"):
        archive.new_session(client="C-1", route="teleport")
    sid = live_session(archive)
    with pytest.raises(ValidationError) as err:
        archive.record_vitals(sid, systolic=400, diastolic=10, heart_rate=70, spo2=98)
    assert err.value.field == "systolic"


def test_notes_survive_reopening(tmp_path: Path, clock) -> None:  # noqa: ANN001
    with Archive.open(tmp_path / "a", clock=clock) as a:
        sid = live_session(a)
        for i in range(20):
            a.add_note(sid, f"note {i}")
    with Archive.open(tmp_path / "a", clock=clock) as a:
        texts = [e.text for e in a.get(sid).entries if e.kind == "note"]
    assert texts == [f"note {i}" for i in range(20)]


def test_session_numbers_count_per_client(archive: Archive) -> None:
    a = archive.new_session(client="C-1", route="im")
    b = archive.new_session(client="C-2", route="im")
    c = archive.new_session(client="C-1", route="oral")
    assert (a.session_no, b.session_no, c.session_no) == (1, 1, 2)


def test_sessions_are_newest_first(archive: Archive, clock) -> None:  # noqa: ANN001
    ids = []
    for i in range(3):
        ids.append(archive.new_session(client=f"C-{i}", route="im").id)
        clock.advance(days=1)
    assert [s.id for s in archive.sessions()] == ids[::-1]


def test_id_prefixes(archive: Archive) -> None:
    sid = live_session(archive)
    assert archive.get(sid[:6]).id == sid
    with pytest.raises(UnknownSession):
        archive.get("zzzz")
    for _ in range(40):  # enough ids that two share a first hex digit
        archive.new_session(client="C-9", route="im")
    first = [s.id[0] for s in archive.sessions()]
    shared = next(c for c in first if first.count(c) > 1)
    with pytest.raises(AmbiguousSessionId):
        archive.get(shared)


def test_each_session_is_one_tinydb_document_in_its_own_file(archive: Archive) -> None:
    sid = live_session(archive)
    data = orjson.loads((archive.path / "sessions" / f"{sid}.json").read_bytes())
    assert list(data) == ["session"] and list(data["session"]) == ["1"]
    doc = data["session"]["1"]
    assert doc["id"] == sid and doc["schema"] == SCHEMA_VERSION
    assert doc["created"].endswith("+01:00")  # ISO 8601 with the UTC offset


def test_second_instance_is_read_only_and_says_so(tmp_path: Path, clock) -> None:  # noqa: ANN001
    first = Archive.open(tmp_path / "a", clock=clock)
    sid = live_session(first)
    first.add_note(sid, "written by the first window")
    second = Archive.open(tmp_path / "a", clock=clock)
    try:
        assert second.read_only and not first.read_only
        assert [e.text for e in second.get(sid).entries][-1] == "written by the first window"
        for write in (lambda: second.add_note(sid, "x"),
                      lambda: second.new_session(client="C-2", route="im"),
                      lambda: second.mark_dose(sid, 10),
                      lambda: second.end_session(sid),
                      lambda: second.save_draft(sid, "draft")):
            with pytest.raises(ArchiveReadOnly, match="another kapsession window"):
                write()
    finally:
        second.close()
        first.close()
    # With the first closed, the lock is free again.
    with Archive.open(tmp_path / "a", clock=clock) as third:
        assert not third.read_only


def test_signed_sessions_refuse_changes_but_take_addenda(archive: Archive) -> None:
    sid = live_session(archive)
    archive.add_note(sid, "note")
    archive.end_session(sid)
    archive.sign(sid)
    before = archive.get(sid).to_dict()
    for change in (lambda: archive.add_note(sid, "x"),
                   lambda: archive.edit_entry(sid, "e3", "x"),
                   lambda: archive.strike_entry(sid, "e3", "x"),
                   lambda: archive.update_integration(sid, integration_notes="x"),
                   lambda: archive.update_preparation(sid, intention="x"),
                   lambda: archive.save_draft(sid, "x")):
        with pytest.raises(SignedSessionError):
            change()
    assert archive.get(sid).to_dict() == before
    archive.add_addendum(sid, "Called the next day: fine.")
    assert [a.text for a in archive.get(sid).addenda] == ["Called the next day: fine."]


def test_permissions_under_a_permissive_umask(tmp_path: Path, clock) -> None:  # noqa: ANN001
    old = os.umask(0)
    try:
        with Archive.open(tmp_path / "a", clock=clock) as a:
            sid = live_session(a)
            a.add_note(sid, "private")
    finally:
        os.umask(old)
    root = tmp_path / "a"
    for path in [root, *root.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))


def test_a_damaged_session_file_is_set_aside_and_the_rest_opens(tmp_path: Path, clock) -> None:  # noqa: ANN001,E501
    with Archive.open(tmp_path / "a", clock=clock) as a:
        good = live_session(a)
        bad = a.new_session(client="C-7", route="oral").id
    bad_file = tmp_path / "a" / "sessions" / f"{bad}.json"
    original = bad_file.read_bytes()
    bad_file.write_bytes(original[: len(original) // 2])  # torn
    with Archive.open(tmp_path / "a", clock=clock) as a:
        assert [s.id for s in a.sessions()] == [good]
        assert len(a.problems) == 1 and f"{bad}.json" in a.problems[0]
        kept = list((tmp_path / "a" / "damaged").iterdir())
        assert len(kept) == 1 and kept[0].read_bytes() == original[: len(original) // 2]


@pytest.mark.parametrize("content,problem", [
    (b"", "empty"),
    (b"not json", "not valid JSON"),
    (b'{"session": {"1": {"id": "nope"}}}', "bad field"),
    (b'{"session": {"1": {"schema": 1, "id": "ID", "client": 5}}}', "bad field"),
    (b"[1, 2]", "not a TinyDB"),
])
def test_each_kind_of_damage_is_named(tmp_path: Path, clock, content: bytes,  # noqa: ANN001
                                      problem: str) -> None:
    with Archive.open(tmp_path / "a", clock=clock) as a:
        sid = a.new_session(client="C-7", route="oral").id
    path = tmp_path / "a" / "sessions" / f"{sid}.json"
    path.write_bytes(content.replace(b"ID", sid.encode()))
    with Archive.open(tmp_path / "a", clock=clock) as a:
        assert a.sessions() == []
        assert problem in a.problems[0] and f"{sid}.json" in a.problems[0]


def test_a_forged_copy_with_a_newline_in_its_id_is_set_aside(tmp_path: Path, clock) -> None:  # noqa: ANN001,E501
    with Archive.open(tmp_path / "a", clock=clock) as a:
        sid = live_session(a)
        a.add_note(sid, "what was said")
        a.end_session(sid)
        a.sign(sid)
    genuine = tmp_path / "a" / "sessions" / f"{sid}.json"
    data = orjson.loads(genuine.read_bytes())
    data["session"]["1"]["id"] = sid + "\n"
    data["session"]["1"]["entries"][-2]["text"] = "something never said"
    forged = genuine.with_name(f"{sid}\n.json")
    forged.write_bytes(orjson.dumps(data))
    with Archive.open(tmp_path / "a", clock=clock) as a:
        assert [s.id for s in a.sessions()] == [sid]
        assert [e.text for e in a.get(sid[:8]).entries if e.kind == "note"] == ["what was said"]
        assert len(a.problems) == 1 and "bad field: id" in a.problems[0]
    assert not forged.exists() and genuine.exists()


def test_future_schema_is_left_in_place(tmp_path: Path, clock) -> None:  # noqa: ANN001
    with Archive.open(tmp_path / "a", clock=clock) as a:
        sid = a.new_session(client="C-7", route="oral").id
    path = tmp_path / "a" / "sessions" / f"{sid}.json"
    data = orjson.loads(path.read_bytes())
    data["session"]["1"]["schema"] = SCHEMA_VERSION + 1
    path.write_bytes(orjson.dumps(data))
    with Archive.open(tmp_path / "a", clock=clock) as a:
        assert a.sessions() == [] and "newer kapsession" in a.problems[0]
    assert path.exists()


def test_a_damaged_index_is_rebuilt(tmp_path: Path, clock) -> None:  # noqa: ANN001
    with Archive.open(tmp_path / "a", clock=clock) as a:
        sid = live_session(a)
    (tmp_path / "a" / "index.json").write_bytes(b"{{{{")
    with Archive.open(tmp_path / "a", clock=clock) as a:
        assert [s.id for s in a.sessions()] == [sid]
    with Archive.open(tmp_path / "a", clock=clock) as a:
        assert a.problems == []  # the rebuilt index is sound


def test_an_index_out_of_step_is_corrected(tmp_path: Path, clock) -> None:  # noqa: ANN001
    with Archive.open(tmp_path / "a", clock=clock) as a:
        sid = live_session(a)
        a.flush_index()
        a.add_note(sid, "after the index was written")
        a._index_dirty = False  # as if the process died before closing  # noqa: SLF001
    assert [row["entries"] for row in index_rows(tmp_path / "a")] == [1]  # the dose only
    with Archive.open(tmp_path / "a", clock=clock) as a:
        assert a.summary(sid).entries == 2  # the dose and the note


def index_rows(root: Path) -> list[dict]:
    """The index as stored: one document of column names and rows."""
    [doc] = orjson.loads((root / "index.json").read_bytes())["sessions"].values()
    return [dict(zip(doc["fields"], row, strict=True)) for row in doc["rows"]]


def write_index(root: Path, table: dict) -> None:
    """An index as a person with an editor, or another device, would leave it."""
    (root / "index.json").write_bytes(orjson.dumps({"sessions": table}))


def write_vouched_index(root: Path, rows: list) -> None:
    """An index this device wrote itself (under its own key)."""
    Index(root / "index.json", key=device_key()).write(rows)


def test_the_index_answers_the_list_without_reading_session_files(tmp_path: Path,
                                                                 clock) -> None:  # noqa: ANN001
    root = tmp_path / "a"
    with Archive.open(root, clock=clock) as a:
        sid = live_session(a)
    path = root / "sessions" / f"{sid}.json"
    st = path.stat()
    # Another client code of the same length, with the file's size and time kept: only the
    # index still says C-0042, so the list shows it only if the file was not read.
    path.write_bytes(path.read_bytes().replace(b'"C-0042"', b'"C-9999"'))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    with Archive.open(root, clock=clock, read_only=True) as a:
        assert a.summary(sid).client == "C-0042"
        assert a.get(sid).client == "C-9999"  # the session itself is always read from its file


def test_an_index_edited_by_hand_is_not_believed(tmp_path: Path, clock) -> None:  # noqa: ANN001
    root = tmp_path / "a"
    with Archive.open(root, clock=clock) as a:
        sid = live_session(a)
    [row] = index_rows(root)
    raw = (root / "index.json").read_bytes()
    forged = raw.replace(b'"live"', b'"signed"').replace(b',1,0,"be open"', b',77,0,"be open"')
    assert b"\"live\"" not in forged and b",77,0," in forged
    (root / "index.json").write_bytes(forged)  # the MAC line kept as it was
    with Archive.open(root, clock=clock, read_only=True) as a:
        assert a.summary(sid).status == "live" and a.summary(sid).entries == 1
    with Archive.open(root, clock=clock) as a:  # writable: the index is written anew
        pass
    assert index_rows(root) == [row]


def test_an_index_not_written_by_this_device_is_rebuilt_from_the_files(
        tmp_path: Path, clock) -> None:  # noqa: ANN001
    root = tmp_path / "a"
    with Archive.open(root, clock=clock) as a:
        sid = live_session(a)
    [row] = index_rows(root)
    shown = dict(row, entries=77, status="signed")  # what a row trusted by mistake would show
    write_index(root, {"1": {"fields": list(shown), "rows": [list(shown.values())]}})
    with Archive.open(root, clock=clock, read_only=True) as a:
        assert (a.summary(sid).entries, a.summary(sid).status) == (1, "live")
        assert a.problems == []
    with Archive.open(root, clock=clock) as a:
        assert a.summary(sid).entries == 1
    assert index_rows(root) == [row]


@pytest.mark.parametrize("layout", ["other columns", "a document per session (before 0.2)"])
def test_an_index_of_another_shape_is_rebuilt_even_when_vouched_for(
        tmp_path: Path, clock, layout: str) -> None:  # noqa: ANN001
    root = tmp_path / "a"
    with Archive.open(root, clock=clock) as a:
        sid = live_session(a)
    [row] = index_rows(root)
    shown = dict(row, entries=77)
    table = {
        "other columns": {"1": {"fields": ["new column", *shown],
                                "rows": [["future", *shown.values()]]}},
        "a document per session (before 0.2)": {"1": shown},
    }[layout]
    body = orjson.dumps({"sessions": table})[1:]
    mac = hmac.new(device_key(), body, hashlib.sha256).hexdigest().encode()
    (root / "index.json").write_bytes(b'{"mac":"' + mac + b'",' + body)
    with Archive.open(root, clock=clock, read_only=True) as a:
        assert a.summary(sid).entries == 1
    with Archive.open(root, clock=clock) as a:
        pass
    assert index_rows(root) == [row]


def test_another_devices_key_is_not_trusted(tmp_path: Path, clock) -> None:  # noqa: ANN001
    root = tmp_path / "a"
    with Archive.open(root, clock=clock) as a:
        sid = live_session(a)
    [row] = index_rows(root)
    forged = [*dict(row, status="signed").values()]
    Index(root / "index.json", key=b"k" * 32).write([forged])  # vouched, but not by us
    with Archive.open(root, clock=clock, read_only=True) as a:
        assert a.summary(sid).status == "live"


def test_index_rows_that_make_no_sense_are_read_from_the_session_files(
        tmp_path: Path, clock) -> None:  # noqa: ANN001
    root = tmp_path / "a"
    with Archive.open(root, clock=clock) as a:
        sid = live_session(a)
        a.add_note(sid, "second entry")
    [row] = index_rows(root)
    row["entries"] = 77  # what a row trusted by mistake would show
    values = list(row.values())
    bad_rows = {
        "too short": values[:-1],
        "an id that is not a string": [1, *values[1:]],
        "not a list": {"id": sid},
        "a date that is not one": [*values[:6], "yesterday", *values[7:]],
        "a time without an offset": [*values[:6], "2026-11-24T10:00:00", *values[7:]],
    }
    for what, bad in bad_rows.items():
        write_vouched_index(root, [bad])  # even this device's own index may be damaged
        with Archive.open(root, clock=clock) as a:
            assert a.summary(sid).entries == 2, what
        assert index_rows(root)[0]["entries"] == 2, what  # and the index was rewritten


def test_a_failed_write_raises_and_damages_nothing(archive: Archive,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    sid = live_session(archive)
    archive.add_note(sid, "kept")
    path = archive.path / "sessions" / f"{sid}.json"
    before = path.read_bytes()

    def full_disk(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(StorageError, match="No space left"):
        archive.add_note(sid, "lost?")
    assert path.read_bytes() == before
    assert [e.text for e in archive.get(sid).entries][-1] == "kept"
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]
    monkeypatch.undo()
    archive.add_note(sid, "retried")
    assert [e.text for e in archive.get(sid).entries][-2:] == ["kept", "retried"]


def test_draft_is_saved_and_restored(tmp_path: Path, clock) -> None:  # noqa: ANN001
    with Archive.open(tmp_path / "a", clock=clock) as a:
        sid = live_session(a)
        a.save_draft(sid, "half a thou")
    with Archive.open(tmp_path / "a", clock=clock) as a:
        assert a.get(sid).draft == "half a thou"
        assert [s.id for s in a.live_sessions()] == [sid]


def test_add_existing_never_replaces(archive: Archive) -> None:
    sid = live_session(archive)
    session = archive.get(sid)
    session.intention = "changed"
    assert archive.add_existing(session) is False
    assert archive.get(sid).intention == "be open"


def test_temp_files_of_a_killed_writer_are_removed_on_open(tmp_path: Path, clock) -> None:  # noqa: ANN001,E501
    with Archive.open(tmp_path / "a", clock=clock) as a:
        sid = live_session(a)
    leftovers = [tmp_path / "a" / "sessions" / f".{sid}.json.abcd1234.tmp",
                 tmp_path / "a" / ".index.json.abcd1234.tmp"]
    for path in leftovers:
        path.write_bytes(b"half a note")
    other_window = ArchiveLock.acquire(tmp_path / "a")
    try:
        with Archive.open(tmp_path / "a", clock=clock) as reader:  # read-only: touches nothing
            assert reader.read_only and all(p.exists() for p in leftovers)
    finally:
        other_window.release()
    with Archive.open(tmp_path / "a", clock=clock) as writer:
        assert not writer.read_only
    assert not any(p.exists() for p in leftovers)  # the writer removed them


def test_a_schema_1_session_file_opens_with_its_edits_and_strikes_in_order(
        tmp_path: Path, clock) -> None:  # noqa: ANN001
    """The stored file of the first release (tests/store/fixtures) keeps opening: schema 1
    kept a strike apart from the edits; schema 2 keeps both in one history."""
    fixture = Path(__file__).parent / "fixtures" / "schema1-session.json"
    sid = "3c0e8310488538dec1f91b298d5aec03"
    sessions = tmp_path / "a" / "sessions"
    sessions.mkdir(parents=True)
    (sessions / f"{sid}.json").write_bytes(fixture.read_bytes())
    with Archive.open(tmp_path / "a", clock=clock) as a:
        s = a.get(sid)
        assert a.problems == []
    wrong = s.entry("e4")
    assert [c.event for c in wrong.history] == ["edit", "strike"]
    assert wrong.edits[0].text == "wrong client's note" and wrong.struck.reason == "wrong client"
    assert s.entry("e3").struck is None and s.entry("e3").text == "settling, slower breathing"
    assert s.entry("e5").struck is not None and s.total_dose_mg == 200
    stored = orjson.loads((sessions / f"{sid}.json").read_bytes())["session"]["1"]
    assert stored["schema"] == SCHEMA_VERSION  # rewritten in the new shape on open
    assert "struck" not in stored["entries"][3]


def test_a_schema_2_session_file_opens_as_a_dosing_session(tmp_path: Path, clock) -> None:  # noqa: ANN001
    """A file written by 0.1 with schema 2 (tests/store/fixtures, made by that code) opens
    as a dosing session, with everything in it, and is stored in today's shape."""
    fixture = Path(__file__).parent / "fixtures" / "schema2-session.json"
    sid = "b5c6b925dad32ea370eeb689f6a15ba7"
    sessions = tmp_path / "a" / "sessions"
    sessions.mkdir(parents=True)
    (sessions / f"{sid}.json").write_bytes(fixture.read_bytes())
    with Archive.open(tmp_path / "a", clock=clock) as a:
        s = a.get(sid)
        assert a.problems == [] and a.summary(sid).kind == "dosing"
    assert s.kind == "dosing" and s.route == "im" and s.status == "signed"
    assert s.outcomes == {"phq9_pre": 18, "gad7_pre": 12, "phq9_item9": 1}
    assert s.vitals_entries[0].vitals.systolic == 138 and s.total_dose_mg == 50
    stored = orjson.loads((sessions / f"{sid}.json").read_bytes())["session"]["1"]
    assert stored["schema"] == SCHEMA_VERSION and stored["kind"] == "dosing"


def test_the_kind_step_comes_after_schema_3_and_leaves_a_kind_alone() -> None:
    from kapsession.store.migrations import MIGRATIONS, migrate

    doc = {"schema": 2, "id": "x"}
    migrated, changed = migrate(doc)
    assert changed and migrated["kind"] == "dosing" and migrated["schema"] == SCHEMA_VERSION
    assert "kind" not in doc  # the caller's dict is left alone
    once = MIGRATIONS[3]({"schema": 3})
    assert once["kind"] == "dosing" and MIGRATIONS[3](once) == once
    assert MIGRATIONS[3]({"kind": "integration"}) == {"kind": "integration"}


def test_visits_are_created_through_the_archive_and_listed_with_their_kind(
        archive, clock) -> None:  # noqa: ANN001
    prep = archive.new_session(client="C-0042", kind="preparation", intention="What I hope for")
    held = archive.new_session(client="C-0042", kind="integration", live=True)
    assert prep.status == "planned" and held.status == "ended" and held.started == clock()
    assert [archive.summary(x.id).kind for x in (prep, held)] == ["preparation", "integration"]
    archive.add_note(held.id, "the dream again, softer")
    archive.update_integration(held.id, outcomes={"phq9_pre": 7})
    archive.sign(held.id)
    assert archive.get(held.id).outcomes == {"phq9_pre": 7}
    with pytest.raises(Exception, match="no dose"):
        archive.mark_dose(held.id, 50)


def test_a_schema_2_session_file_opens_with_monitoring_still_open(
        tmp_path: Path, clock) -> None:  # noqa: ANN001
    """A session stored before schema 3 (made by the schema-2 code: tests/store/fixtures)
    opens with no protocol, no ready or discharge time and no REMS answers, and its
    monitoring can still be closed: vitals after Finish, ready, discharge."""
    fixture = Path(__file__).parent / "fixtures" / "schema2-ended-session.json"
    sid = "7bd954a87c9a20ef904a12244f838920"
    sessions = tmp_path / "a" / "sessions"
    sessions.mkdir(parents=True)
    (sessions / f"{sid}.json").write_bytes(fixture.read_bytes())
    with Archive.open(tmp_path / "a", clock=clock) as a:
        s = a.get(sid)
        assert a.problems == []
        assert s.status == "ended" and s.protocol is None
        assert s.ready is None and s.discharged is None and s.rems == {}
        assert s.proceeded is None and s.signed_missing == []
        assert s.total_dose_mg == 56 and len(s.vitals_entries) == 1
        a.record_vitals(sid, systolic=130, diastolic=84, heart_rate=72, spo2=98)
        a.mark_ready(sid)
        a.discharge(sid)
        assert a.get(sid).discharged == clock()
    stored = orjson.loads((sessions / f"{sid}.json").read_bytes())["session"]["1"]
    assert stored["schema"] == SCHEMA_VERSION
    assert stored["protocol"] is None and stored["discharged"] is not None


def test_an_entry_handed_back_is_a_copy_and_changing_it_changes_no_record(
        tmp_path: Path, clock) -> None:  # noqa: ANN001
    """What add_note (and every change) returns is the entry as written, not the one the
    archive keeps: an assignment to it by mistake would otherwise be saved with the next
    note, with no history of the change (a record changed unseen)."""
    with Archive.open(tmp_path / "a", clock=clock) as archive:
        sid = archive.new_session(client="C-0001", route="im", dose_mg=50, live=True).id
        note = archive.add_note(sid, "what was said")
        note.text = "not what was said"  # by mistake, somewhere
        archive.add_note(sid, "the next note")
        assert [e.text for e in archive.get(sid).entries if e.kind == "note"] == [
            "what was said", "the next note"]
    with Archive.open(tmp_path / "a", clock=clock) as archive:
        [first, _] = [e for e in archive.get(sid).entries if e.kind == "note"]
        assert first.text == "what was said" and first.history == ()
