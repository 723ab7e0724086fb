"""Sync tools' conflict copies of session files, merged when the archive opens (issue 19)."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import orjson
import pytest

from kapsession import Archive
from kapsession.model.merge import merge
from kapsession.model.rems import rems_values
from kapsession.store.conflicts import (
    CONFLICTS_DIR,
    TO_DECIDE_DIR,
    _reading_a_pair,
    is_conflict_copy_name,
    load_copy,
    parse_copy_name,
    to_decide,
)
from kapsession.store.crypto import init_encrypted
from kapsession.store.storage import DamagedFile
from tests.conftest import FrozenClock

SID = "0d43e56e55b3a1646b144310bbe2b8f7"
PASSPHRASE = "correct horse battery"
FAST_N = 2**10

COPY_NAMES = {
    "Syncthing": f"{SID}.sync-conflict-20261201-105617-YI4DR3G.json",
    "Dropbox": f"{SID} (Anna's conflicted copy 2026-12-01).json",
    "Nextcloud": f"{SID} (conflicted copy 2026-12-01 105617).json",
}


@pytest.mark.parametrize(("name", "tool", "source"), [
    (COPY_NAMES["Syncthing"], "Syncthing", "Syncthing device YI4DR3G"),
    (f"{SID}.sync-conflict-20261201-105617-YI4DR3G.sync-conflict-20261202-080000-ABCDEFG.json",
     "Syncthing", "Syncthing device ABCDEFG"),
    (COPY_NAMES["Dropbox"], "Dropbox", "Anna"),
    (f"{SID} (Anna's conflicted copy 2026-12-01) (1).json", "Dropbox", "Anna"),
    (f"{SID} (Anna's conflicted copy 2026-12-01 (1)).json", "Dropbox", "Anna"),
    (COPY_NAMES["Nextcloud"], "Nextcloud", "another Nextcloud device"),
    (f"{SID} (conflicted copy 2026-12-01 105617) (2).json", "Nextcloud",
     "another Nextcloud device"),
    (f"{SID}_conflict-20261201-105617.json", "ownCloud", "another ownCloud device"),
])
def test_conflict_copy_names_of_each_tool_are_recognised(name: str, tool: str,
                                                        source: str) -> None:
    copy = parse_copy_name(Path("sessions") / name)
    assert copy is not None and (copy.session_id, copy.tool, copy.source) == (SID, tool, source)
    assert is_conflict_copy_name(name)


@pytest.mark.parametrize("name", [
    f"{SID}.json", f".syncthing.{SID}.json.tmp", f"~syncthing~{SID}.json.tmp", "notes.json",
    f"{SID[:-1]}.sync-conflict-20261201-105617-YI4DR3G.json",
    f"{SID}.sync-conflict-20261201-105617-YI4DR3G.txt",
    f"{SID} (conflicted copy 2026-12-01 105617).json.part",
    "index.sync-conflict-20261201-105617-YI4DR3G.json",
])
def test_other_names_are_not_conflict_copies(name: str) -> None:
    assert parse_copy_name(Path(name)) is None and not is_conflict_copy_name(name)


# ---- merged on open ---------------------------------------------------------------------


def two_devices(tmp_path: Path, clock: FrozenClock, *, passphrase: str | None = None,
                copy_name: str = COPY_NAMES["Syncthing"]) -> tuple[Path, str, Path]:
    """One live session, written apart on a laptop and a desk; the desk's file put beside the
    laptop's as ``copy_name``, as a sync tool does. (laptop archive, session id, the copy)"""
    laptop, desk = tmp_path / "laptop", tmp_path / "desk"
    if passphrase:
        init_encrypted(laptop, passphrase, n=FAST_N)
    with Archive.open(laptop, clock=clock, passphrase=passphrase) as a:
        sid = a.new_session(client="C-0042", route="im", dose_mg=50, live=True).id
        a.add_note(sid, "arrived calm")
    shutil.copytree(laptop, desk)
    clock.advance(minutes=5)
    with Archive.open(laptop, clock=clock, passphrase=passphrase) as a:
        a.add_note(sid, "written on the laptop")
    clock.advance(minutes=1)
    with Archive.open(desk, clock=clock, passphrase=passphrase) as a:
        a.add_note(sid, "written on the desk")
    copy = laptop / "sessions" / copy_name.replace(SID, sid)
    shutil.copyfile(desk / "sessions" / f"{sid}.json", copy)
    # The sync tool brings the desk's index along too.
    shutil.copyfile(desk / "index.json", laptop / copy_name.replace(SID, "index"))
    return laptop, sid, copy


def notes(archive: Archive, sid: str) -> list[str]:
    return [e.text for e in archive.get(sid).entries if e.kind == "note"]


@pytest.mark.parametrize("tool", list(COPY_NAMES))
def test_a_conflict_copy_is_merged_on_open_and_moved_to_conflicts(
        tmp_path: Path, clock: FrozenClock, tool: str) -> None:
    root, sid, copy = two_devices(tmp_path, clock, copy_name=COPY_NAMES[tool])
    with Archive.open(root, clock=clock) as a:
        assert notes(a, sid) == ["arrived calm", "written on the laptop", "written on the desk"]
        assert a.problems == [] and list((root / "damaged").glob("*")) == []
        [report] = a.conflicts()
        assert (report.session_id, report.tool, report.needs_decision) == (sid, tool, False)
        assert report.outcome == "1 entry added"
        assert report.kept_as == f"{CONFLICTS_DIR}/{copy.name}"
        assert report.line.startswith(f"session {sid[:8]}: {tool} conflict copy from ")
        assert [s.id for s in a.sessions()] == [sid]
    kept = root / CONFLICTS_DIR / copy.name
    assert not copy.exists() and kept.exists()  # moved, never deleted
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert stat.S_IMODE((root / CONFLICTS_DIR).stat().st_mode) == 0o700
    # The index's conflict copy is a cache of the session files: removed, not merged.
    assert sorted(p.name for p in root.glob("*.json")) == ["index.json"]
    with Archive.open(root, clock=clock) as a:  # merged once: nothing to report again
        assert a.conflicts() == []
        assert notes(a, sid) == ["arrived calm", "written on the laptop", "written on the desk"]


def test_an_encrypted_archive_merges_the_same_way(tmp_path: Path, clock: FrozenClock) -> None:
    root, sid, copy = two_devices(tmp_path, clock, passphrase=PASSPHRASE)
    assert copy.read_bytes().startswith(b"KAPX1")  # sealed under the session file's name
    with Archive.open(root, clock=clock, passphrase=PASSPHRASE) as a:
        assert notes(a, sid) == ["arrived calm", "written on the laptop", "written on the desk"]
        assert [r.outcome for r in a.conflicts()] == ["1 entry added"] and a.problems == []
    assert b"written on the desk" not in (root / "sessions" / f"{sid}.json").read_bytes()


def test_a_read_only_window_reports_the_copy_and_leaves_it(tmp_path: Path,
                                                           clock: FrozenClock) -> None:
    root, sid, copy = two_devices(tmp_path, clock)
    with Archive.open(root, clock=clock, read_only=True) as a:
        [report] = a.conflicts()
        assert report.pending and "only reads" in report.outcome and report.kept_as is None
        assert notes(a, sid) == ["arrived calm", "written on the laptop"]
        assert a.problems == []
    assert copy.exists()
    with Archive.open(root, clock=clock) as a:  # the writer merges it
        assert "written on the desk" in notes(a, sid)


def test_two_different_signed_versions_are_kept_for_a_person(tmp_path: Path,
                                                             clock: FrozenClock) -> None:
    laptop, desk = tmp_path / "laptop", tmp_path / "desk"
    with Archive.open(laptop, clock=clock) as a:
        sid = a.new_session(client="C-0042", route="im", live=True).id
        a.end_session(sid)
    shutil.copytree(laptop, desk)
    for root, text in ((laptop, "laptop"), (desk, "desk")):
        with Archive.open(root, clock=clock) as a:
            a.add_note(sid, text)
            a.sign(sid)
    before = (laptop / "sessions" / f"{sid}.json").read_bytes()
    copy = laptop / "sessions" / COPY_NAMES["Syncthing"].replace(SID, sid)
    shutil.copyfile(desk / "sessions" / f"{sid}.json", copy)
    with Archive.open(laptop, clock=clock) as a:
        [report] = a.conflicts()
        assert report.needs_decision and "a person must decide" in report.outcome
        assert report.kept_as == f"{CONFLICTS_DIR}/{TO_DECIDE_DIR}/{copy.name}"
        assert notes(a, sid) == ["laptop"]
    assert (laptop / "sessions" / f"{sid}.json").read_bytes() == before  # never changed
    assert to_decide(laptop) == [copy.name]


def test_a_signed_session_gets_the_other_devices_later_note_as_an_addendum(
        tmp_path: Path, clock: FrozenClock) -> None:
    laptop, desk = tmp_path / "laptop", tmp_path / "desk"
    with Archive.open(laptop, clock=clock) as a:
        sid = a.new_session(client="C-0042", route="im", live=True).id
        a.end_session(sid)
    shutil.copytree(laptop, desk)
    with Archive.open(laptop, clock=clock) as a:
        a.sign(sid)
    clock.advance(minutes=3)
    with Archive.open(desk, clock=clock) as a:
        a.add_note(sid, "phoned: doing well")
    shutil.copyfile(desk / "sessions" / f"{sid}.json",
                    laptop / "sessions" / COPY_NAMES["Dropbox"].replace(SID, sid))
    with Archive.open(laptop, clock=clock) as a:
        s = a.get(sid)
        assert s.status == "signed" and notes(a, sid) == []
        [addendum] = s.addenda
        assert addendum.text.splitlines()[0] == (
            "Merged from a sync conflict: written on Anna after this session was signed here.")
        assert "10:03 note: phoned: doing well" in addendum.text


def test_a_copy_whose_session_file_is_gone_becomes_the_session(tmp_path: Path,
                                                               clock: FrozenClock) -> None:
    root, sid, copy = two_devices(tmp_path, clock)
    (root / "sessions" / f"{sid}.json").unlink()
    with Archive.open(root, clock=clock) as a:
        assert notes(a, sid) == ["arrived calm", "written on the desk"]
        assert "restored" in a.conflicts()[0].outcome


def test_a_damaged_copy_is_left_in_place_and_reported(tmp_path: Path,
                                                      clock: FrozenClock) -> None:
    root, sid, copy = two_devices(tmp_path, clock)
    copy.write_bytes(b'{"session": {"1": {"id": "trunc')
    with Archive.open(root, clock=clock) as a:
        [report] = a.conflicts()
        assert report.pending and "cannot be read" in report.outcome
        assert notes(a, sid) == ["arrived calm", "written on the laptop"]
    assert copy.exists() and not (root / "damaged").exists()


def test_a_copy_of_another_session_is_not_merged(tmp_path: Path, clock: FrozenClock) -> None:
    root, sid, copy = two_devices(tmp_path, clock)
    data = orjson.loads(copy.read_bytes())
    data["session"]["1"]["id"] = "f" * 32
    copy.write_bytes(orjson.dumps(data))
    with Archive.open(root, clock=clock) as a:
        assert "another session" in a.conflicts()[0].outcome
        assert notes(a, sid) == ["arrived calm", "written on the laptop"]


def test_sync_tools_temp_files_are_left_alone_and_ours_removed(tmp_path: Path,
                                                              clock: FrozenClock) -> None:
    root, sid, _ = two_devices(tmp_path, clock)
    theirs = root / "sessions" / f".syncthing.{sid}.json.tmp"
    windows = root / "sessions" / f"~syncthing~{sid}.json.tmp"
    ours = root / "sessions" / f".{sid}.json.0a1b2c3d.tmp"
    for path in (theirs, windows, ours):
        path.write_bytes(b"partial")
    with Archive.open(root, clock=clock):
        pass
    assert theirs.exists() and windows.exists() and not ours.exists()


# ---- where a person sees it -------------------------------------------------------------


def test_kapsession_conflicts_says_what_was_merged_and_what_waits(
        tmp_path: Path, clock: FrozenClock, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from kapsession.cli import main

    monkeypatch.setenv("COLUMNS", "300")  # one line per report

    root, sid, copy = two_devices(tmp_path, clock)
    assert main(["conflicts", "--archive", str(root)]) == 0
    out = capsys.readouterr().out
    assert f"session {sid[:8]}: Syncthing conflict copy from Syncthing device YI4DR3G: " \
           f"1 entry added; the copy is kept as conflicts/{copy.name}\n" in out
    assert "written on the desk" not in out  # names files, never note text
    monkeypatch.setenv("COLUMNS", "60")  # a narrow terminal: a path is never cut
    assert main(["conflicts", "--archive", str(root)]) == 0  # merged before this run
    out = capsys.readouterr().out
    assert "Merged earlier, kept in conflicts/" in out
    assert f"session {sid[:8]}: Syncthing conflict copy from Syncthing device YI4DR3G, " \
           f"written " in out and f"kept as conflicts/{copy.name}\n" in out
    assert all(line == line.rstrip() for line in out.splitlines())
    assert "No conflict copies" not in out
    waiting = root / CONFLICTS_DIR / TO_DECIDE_DIR
    waiting.mkdir()
    (waiting / copy.name).write_bytes(b"{}")
    assert main(["conflicts", "--archive", str(root)]) == 0
    assert "to decide: conflicts/to-decide/" in capsys.readouterr().out
    empty = tmp_path / "empty"
    with Archive.open(empty, clock=clock):
        pass
    assert main(["conflicts", "--archive", str(empty)]) == 0
    assert "No conflict copies" in capsys.readouterr().out


async def test_the_home_banner_says_a_conflict_copy_was_merged(tmp_path: Path,
                                                                clock: FrozenClock) -> None:
    from kapsession.config import Config
    from kapsession.ui.app import KapsessionApp

    root, sid, _ = two_devices(tmp_path, clock)
    with Archive.open(root, clock=clock) as archive:
        app = KapsessionApp(archive, config=Config(), clock=clock)
        async with app.run_test() as pilot:
            await pilot.pause()
            banner = str(app.screen.query_one("#banner").render())
    assert ("Sync: 1 conflict copy from another device merged — run `kapsession conflicts` "
            "for details.") in banner.replace("\n", " ")


def test_a_session_file_the_sync_tool_replaces_under_a_running_window_is_read_again(
        tmp_path: Path, clock: FrozenClock) -> None:
    """No conflict copy here: the other device's version already held every change made
    here, so the sync tool just replaced the file. The next change must build on it."""
    laptop, desk = tmp_path / "laptop", tmp_path / "desk"
    with Archive.open(laptop, clock=clock, device="room") as a:
        sid = a.new_session(client="C-0042", route="im", live=True).id
        a.end_session(sid)
    with Archive.open(laptop, clock=clock, device="room") as running:
        running.add_note(sid, "written here")
        shutil.copytree(laptop, desk, ignore=shutil.ignore_patterns("archive.lock"))
        clock.advance(minutes=1)
        # The same device name: this is about the file, not about who holds the session
        # (a session still monitored elsewhere is refused: see test_live_elsewhere).
        with Archive.open(desk, clock=clock, device="room") as other:
            other.add_note(sid, "written on the desk")
        shutil.copyfile(desk / "sessions" / f"{sid}.json", laptop / "sessions" / f"{sid}.json")
        assert notes(running, sid) == ["written here", "written on the desk"]
        clock.advance(minutes=1)
        running.add_note(sid, "written here again")
    with Archive.open(laptop, clock=clock) as a:
        assert notes(a, sid) == ["written here", "written on the desk", "written here again"]


def test_a_writer_tells_syncthing_which_files_each_computer_keeps(tmp_path: Path) -> None:
    from kapsession import Archive

    Archive.open(tmp_path / "a").close()
    ignore = (tmp_path / "a" / ".stignore").read_text()
    assert ignore.splitlines()[1:] == ["index.json", "archive.lock", ".*.tmp"]
    assert stat.S_IMODE((tmp_path / "a" / ".stignore").stat().st_mode) == 0o600
    (tmp_path / "a" / ".stignore").write_text("// mine\n*.bak\n")
    Archive.open(tmp_path / "a").close()
    assert (tmp_path / "a" / ".stignore").read_text() == "// mine\n*.bak\n"  # theirs stays


# ---- old counted ids, and reading the two versions --------------------------------------


def counted(data: dict) -> dict:
    """A stored session as a device before schema 5 wrote it: entry ids counted in order,
    the REMS BP slots naming them so."""
    new = {e["id"]: f"e{n}" for n, e in enumerate(data["entries"], 1)}
    for e in data["entries"]:
        e["id"] = new[e["id"]]
    data["rems"] = {k: new.get(v, v) for k, v in data["rems"].items()}
    return data


def test_a_copy_of_an_old_session_keeps_each_devices_bp_on_the_rems_form(
        tmp_path: Path, clock: FrozenClock) -> None:
    """Both devices counted their own vitals ``e4``: the merge renames one, and the BP slot
    the therapist chose on that device follows it into the file."""
    laptop, desk = tmp_path / "laptop", tmp_path / "desk"
    with Archive.open(laptop, clock=clock) as a:
        sid = a.new_session(client="C-0042", route="im", dose_mg=50, live=True).id
        a.mark_dose(sid)
        a.add_note(sid, "arrived calm")
    shutil.copytree(laptop, desk)
    sides = {}
    for root, minutes, systolic in ((laptop, 41, 130), (desk, 43, 150)):
        at = clock.now
        clock.advance(minutes=minutes)
        with Archive.open(root, clock=clock) as a:
            vitals = a.record_vitals(sid, systolic=systolic, diastolic=80, heart_rate=70,
                                     spo2=98)
            a.set_rems(sid, bp_40=vitals.id)
        clock.now = at
        path = root / "sessions" / f"{sid}.json"
        doc = orjson.loads(path.read_bytes())
        doc["session"]["1"] = counted(doc["session"]["1"])
        path.write_bytes(orjson.dumps(doc))
        sides[root] = load_copy(path, sid, None)
    assert [s.rems for s in sides.values()] == [{"bp_40": "e4"}] * 2
    copy = laptop / "sessions" / COPY_NAMES["Syncthing"].replace(SID, sid)
    shutil.copyfile(desk / "sessions" / f"{sid}.json", copy)
    expected = merge(sides[laptop], sides[desk], source="Syncthing device YI4DR3G").session
    with Archive.open(laptop, clock=clock) as a:
        assert [r.outcome for r in a.conflicts()] == ["1 entry added"]
        merged = a.get(sid)
    assert merged == expected  # reading the two versions together changes nothing
    assert len({e.id for e in merged.entries}) == len(merged.entries) == 5
    assert rems_values(merged)["bp_40"].text == "150/80"  # the desk's: it changed last
    assert merged.rems["bp_40"] != "e4"  # the desk's e4 was renamed, and its slot with it


def test_entries_alike_in_both_versions_are_read_once_and_a_bad_one_named_by_its_place(
        tmp_path: Path, clock: FrozenClock) -> None:
    root, sid, copy = two_devices(tmp_path, clock)
    session_file = root / "sessions" / f"{sid}.json"
    alone = load_copy(session_file, sid, None)
    with _reading_a_pair():
        theirs = load_copy(copy, sid, None)
        ours = load_copy(session_file, sid, None)
    assert ours == alone and theirs.entries[0] is ours.entries[0]
    assert ours.entries[-1] is not theirs.entries[-1]
    doc = orjson.loads(session_file.read_bytes())
    doc["session"]["1"]["entries"][2]["at"] = "yesterday"
    session_file.write_bytes(orjson.dumps(doc))
    with _reading_a_pair():
        load_copy(copy, sid, None)
        with pytest.raises(DamagedFile, match=r"entries\[2\]\.at"):
            load_copy(session_file, sid, None)
