"""What a save writes is what the session holds (issue 18).

A save encodes each entry once and remembers it until the entry changes, so a long session's
save serialises only what is new. These tests change entries every way the model allows,
save, and read the file back (TinyDB, a fresh Archive): a remembered form that outlived a
change would show here as the old text, values, flag or history.
"""

from __future__ import annotations

import errno
import os
from datetime import timedelta
from pathlib import Path

import orjson
import pytest

from kapsession import Archive, StorageError
from kapsession.model import Session
from kapsession.store.layout import SESSION_DOC_ID, SESSION_TABLE
from kapsession.store.session_files import load_session_file


def on_disk(archive: Archive, sid: str) -> dict:
    """The session as its file holds it, read by TinyDB (as every reader does)."""
    session, migrated = load_session_file(archive.session_path(sid))
    assert not migrated
    return session.to_dict()


def held(archive: Archive, sid: str) -> dict:
    return archive.get(sid).to_dict()


def assert_saved_as_held(archive: Archive, sid: str) -> None:
    assert on_disk(archive, sid) == held(archive, sid)
    # Nothing else is in the file: one table, one document, the session's stored shape.
    raw = orjson.loads(archive.session_path(sid).read_bytes())
    assert raw == {SESSION_TABLE: {str(SESSION_DOC_ID): held(archive, sid)}}


def every_change(archive: Archive, clock, sid: str) -> None:  # noqa: ANN001
    """Each change the model allows to a session's entries, each saved, each checked."""

    def step() -> None:
        clock.advance(seconds=30)
        assert_saved_as_held(archive, sid)

    note = archive.add_note(sid, "first words", category="affect", flagged=True)
    step()
    archive.edit_entry(sid, note.id, "first words, corrected")
    step()
    archive.edit_entry(sid, note.id, "first words, corrected again")
    step()
    archive.undo_last(sid, note.id)  # an edit reverted: text back, one more history event
    step()
    archive.strike_entry(sid, note.id, "wrong client")
    step()
    archive.restore_entry(sid, note.id, "right client after all")
    step()
    archive.undo_last(sid, note.id)  # a restore undone: struck again
    step()
    vitals = archive.record_vitals(sid, systolic=150, diastolic=95, heart_rate=80, spo2=97)
    step()
    archive.strike_entry(sid, vitals.id, "cuff slipped")
    step()
    archive.log_side_effect(sid, "nausea", "mild queasiness", "mild")
    step()
    archive.log_rescue(sid, drug="ondansetron", mg=4, route="odt")
    step()
    archive.log_rating(sid, "moaas", 4)
    step()
    archive.log_prompt(sid, "Notice your breath.", "anxiety")
    step()
    booster = archive.mark_dose(sid, 25, lot="LOT-7")
    step()
    dose = archive.get(sid).doses[0]
    archive.strike_entry(sid, dose.id, "charted twice")  # T0 moves to the booster
    step()
    archive.restore_entry(sid, dose.id)
    step()
    archive.strike_entry(sid, booster.id, "not given")
    step()
    archive.save_draft(sid, "half a sentence")
    step()


def test_every_change_to_an_entry_is_what_the_file_holds(tmp_path: Path, clock) -> None:  # noqa: ANN001
    path = tmp_path / "a"
    with Archive.open(path, clock=clock) as archive:
        s = archive.new_session(client="C-0042", route="im", dose_mg=50, live=True)
        archive.mark_dose(s.id)
        for i in range(30):  # earlier entries, whose remembered forms are reused
            archive.add_note(s.id, f"note {i}")
        every_change(archive, clock, s.id)
        archive.end_session(s.id)
        archive.update_integration(s.id, integration_notes="slept well")
        expected = held(archive, s.id)
    with Archive.open(path, clock=clock) as fresh:
        assert held(fresh, s.id) == expected
        got = fresh.get(s.id)
    note = got.entries[32]
    assert note.text == "first words, corrected"
    assert [c.event for c in note.history] == ["edit", "edit", "edit", "strike", "restore",
                                              "strike"]
    assert got.dosed == got.doses[0].at and got.draft == "half a sentence"


def test_each_device_and_infusion_change_is_what_the_file_holds(archive: Archive,
                                                                clock) -> None:  # noqa: ANN001
    nasal = archive.new_session(client="C-1", route="intranasal", dose_mg=56, live=True)
    archive.mark_device(nasal.id)
    archive.mark_device(nasal.id)
    assert_saved_as_held(archive, nasal.id)
    first_device = archive.get(nasal.id).entries[-2]
    archive.strike_entry(nasal.id, first_device.id, "misfired")
    assert_saved_as_held(archive, nasal.id)
    iv = archive.new_session(client="C-2", route="iv", dose_mg=40, live=True)
    archive.log_infusion(iv.id, "start", "0.5 mg/kg over 40 min")
    clock.advance(minutes=5)
    archive.log_infusion(iv.id, "rate", "60 ml/h")
    archive.log_infusion(iv.id, "stop")
    assert_saved_as_held(archive, iv.id)


def test_a_change_to_a_shared_dict_never_reaches_the_file(archive: Archive) -> None:
    """``Entry.to_dict`` shares its dict (callers only read it). One that changed it by
    mistake would change a copy in memory, never what a save writes."""
    s = archive.new_session(client="C-0042", route="im", dose_mg=50, live=True)
    note = archive.add_note(s.id, "as typed")  # the session's own entry, not a copy
    shared = note.to_dict()
    shared["text"] = "tampered"
    shared["values"]["mg"] = 999
    archive.add_note(s.id, "the next save writes the whole session again")
    assert on_disk(archive, s.id)["entries"][-2]["text"] == "as typed"
    assert on_disk(archive, s.id)["entries"][-2]["values"] == {}


def test_a_failed_save_leaves_memory_as_the_file_and_the_next_save_right(
        archive: Archive, monkeypatch: pytest.MonkeyPatch) -> None:
    s = archive.new_session(client="C-0042", route="im", dose_mg=50, live=True)
    note = archive.add_note(s.id, "kept")
    path = archive.session_path(s.id)
    before = path.read_bytes()

    def full_disk(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(StorageError):
        archive.edit_entry(s.id, note.id, "an edit the disk refused")
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert archive.get(s.id).entry(note.id).text == "kept"
    archive.add_note(s.id, "after the disk came back")
    assert_saved_as_held(archive, s.id)
    assert on_disk(archive, s.id)["entries"][-2]["text"] == "kept"
    assert on_disk(archive, s.id)["entries"][-2]["history"] == []


def test_an_encrypted_archive_writes_what_the_session_holds(tmp_path: Path,
                                                            clock) -> None:  # noqa: ANN001
    from kapsession.store.crypto import encrypt_archive

    path = tmp_path / "a"
    with Archive.open(path, clock=clock) as archive:
        s = archive.new_session(client="C-0042", route="im", dose_mg=50, live=True)
        archive.add_note(s.id, "before the archive was sealed")
    encrypt_archive(path, "correct horse battery staple", n=2 ** 10)
    with Archive.open(path, clock=clock, passphrase="correct horse battery staple") as archive:
        note = archive.add_note(s.id, "sealed")
        clock.advance(minutes=1)
        archive.edit_entry(s.id, note.id, "sealed, edited")
        expected = held(archive, s.id)
    assert not archive.session_path(s.id).read_bytes().startswith(b"{")
    with Archive.open(path, clock=clock, passphrase="correct horse battery staple") as fresh:
        assert held(fresh, s.id) == expected
        assert fresh.get(s.id).entries[-1].text == "sealed, edited"


def test_a_long_session_read_back_matches_after_many_saves(archive: Archive,
                                                           clock) -> None:  # noqa: ANN001
    """Saves alternate with edits far back in the timeline: every save reuses most forms."""
    s = archive.new_session(client="C-0042", route="im", dose_mg=50, live=True)
    archive.mark_dose(s.id)
    notes = []
    for i in range(120):
        clock.advance(seconds=20)
        notes.append(archive.add_note(s.id, f"note {i}", flagged=i % 7 == 0))
        if i % 10 == 9:
            old = notes[i // 2]
            archive.edit_entry(s.id, old.id, f"note {i // 2}, revised at {i}")
    assert_saved_as_held(archive, s.id)
    back = Session.from_dict(on_disk(archive, s.id))
    assert back.entry(notes[4].id).text == "note 4, revised at 9"
    assert back.entry(notes[4].id).changed - back.entry(notes[4].id).at == \
        timedelta(seconds=20 * 5)
