"""Conflict copies that a sync tool brings while kapsession runs (issue 19): merged by
``Archive.check_for_conflicts``, which the app calls every few seconds."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from kapsession import Archive
from kapsession.store.conflicts import CONFLICTS_DIR
from tests.conftest import FrozenClock

COPY = "{sid}.sync-conflict-20261201-105617-YI4DR3G.json"


def desk_copy(laptop: Path, desk: Path, sid: str, clock: FrozenClock, note: str) -> Path:
    """The desk's version of ``sid`` with ``note`` added, put beside the laptop's file."""
    shutil.rmtree(desk, ignore_errors=True)
    shutil.copytree(laptop, desk)
    clock.advance(minutes=1)
    with Archive.open(desk, clock=clock) as d:
        d.add_note(sid, note)
    copy = laptop / "sessions" / COPY.format(sid=sid)
    shutil.copyfile(desk / "sessions" / f"{sid}.json", copy)
    return copy


def notes(archive: Archive, sid: str) -> list[str]:
    return [e.text for e in archive.get(sid).entries if e.kind == "note"]


def test_a_copy_arriving_while_the_archive_is_open_is_merged_once(
        tmp_path: Path, clock: FrozenClock) -> None:
    laptop = tmp_path / "laptop"
    with Archive.open(laptop, clock=clock) as a:
        sid = a.new_session(client="C-0042", route="im", dose_mg=50, live=True).id
        a.add_note(sid, "arrived calm")
    with Archive.open(laptop, clock=clock) as a:
        assert a.check_for_conflicts() == []  # nothing came
        a.add_note(sid, "written on the laptop")
        copy = desk_copy(laptop, tmp_path / "desk", sid, clock, "written on the desk")
        [report] = a.check_for_conflicts()
        assert (report.session_id, report.pending) == (sid, False)
        assert not copy.exists() and (laptop / CONFLICTS_DIR / copy.name).exists()
        assert notes(a, sid) == ["arrived calm", "written on the laptop", "written on the desk"]
        assert a.summary(sid).entries == 3
        assert a.check_for_conflicts() == []  # merged once
        assert [r.session_id for r in a.conflicts()] == [sid]
        a.add_note(sid, "the laptop goes on")  # after the merge, writing continues from it
    with Archive.open(laptop, clock=clock) as a:
        assert notes(a, sid)[-2:] == ["written on the desk", "the laptop goes on"]


def test_a_read_only_window_reports_an_arriving_copy_once_and_leaves_it(
        tmp_path: Path, clock: FrozenClock) -> None:
    laptop = tmp_path / "laptop"
    with Archive.open(laptop, clock=clock) as a:
        sid = a.new_session(client="C-0042", route="im", dose_mg=50, live=True).id
    with Archive.open(laptop, clock=clock, read_only=True) as a:
        copy = desk_copy(laptop, tmp_path / "desk", sid, clock, "written on the desk")
        [report] = a.check_for_conflicts()
        assert report.pending and copy.exists()
        (laptop / "sessions" / "unrelated.tmp").write_text("")  # the folder changes again
        assert a.check_for_conflicts() == []  # said once


def test_two_copies_of_one_session_merge_into_one_record_and_both_move(
        tmp_path: Path, clock: FrozenClock) -> None:
    laptop = tmp_path / "laptop"
    with Archive.open(laptop, clock=clock) as a:
        sid = a.new_session(client="C-0042", route="im", dose_mg=50, live=True).id
        a.add_note(sid, "arrived calm")
    second = laptop / "sessions" / f"{sid} (Anna's conflicted copy 2026-12-01).json"
    desk_copy(laptop, tmp_path / "office", sid, clock, "written in the office").rename(second)
    first = desk_copy(laptop, tmp_path / "desk", sid, clock, "written on the desk")
    assert first.exists() and second.exists()
    with Archive.open(laptop, clock=clock) as a:
        assert sorted(r.tool for r in a.conflicts()) == ["Dropbox", "Syncthing"]
        assert sorted(notes(a, sid)) == ["arrived calm", "written in the office",
                                         "written on the desk"]
    assert not first.exists() and not second.exists()
    assert len(list((laptop / CONFLICTS_DIR).glob("*.json"))) == 2


def test_a_copy_left_in_place_is_tried_again_and_its_report_replaced(
        tmp_path: Path, clock: FrozenClock) -> None:
    laptop = tmp_path / "laptop"
    with Archive.open(laptop, clock=clock) as a:
        sid = a.new_session(client="C-0042", route="im", dose_mg=50, live=True).id
    good = desk_copy(laptop, tmp_path / "desk", sid, clock, "written on the desk")
    staged = tmp_path / "staged.json"
    good.rename(staged)
    with Archive.open(laptop, clock=clock) as a:
        copy = laptop / "sessions" / good.name
        copy.write_bytes(b'{"session": {"1": {"id": "half of it')  # the sync tool mid-way
        [report] = a.check_for_conflicts()
        assert report.pending and not report.merged and copy.exists()
        assert a.check_for_conflicts() == []  # said once
        os.replace(staged, copy)  # the whole copy arrives
        [report] = a.check_for_conflicts()
        assert report.merged and not report.pending and not copy.exists()
        assert [r.pending for r in a.conflicts()] == [False]  # the old report replaced
        assert notes(a, sid) == ["written on the desk"]
