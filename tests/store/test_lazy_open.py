"""A lazy open (what the screens use): the index's head first, the rest when first needed.

The home list draws its first page from the head of ``index.json`` (the newest rows, under the
same MAC as the rest) and only then reads the whole index, a ``stat`` of every session file
and the sync conflict copies (issue 18). Nothing may be missed or written from the head alone.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kapsession import Archive
from kapsession.store.index import HEAD_ROWS
from tests.conftest import FrozenClock


def build(root: Path, clock: FrozenClock, n: int = HEAD_ROWS + 20) -> list[str]:
    """``n`` sessions a day apart, closed so the index (and its head) is written; their ids,
    oldest first."""
    ids = []
    with Archive.open(root, clock=clock) as a:
        with a.bulk():
            for i in range(n):
                ids.append(a.new_session(client=f"C-{i % 7:04d}", route="im", dose_mg=50,
                                             live=True).id)
                clock.advance(days=1)
    return ids


def test_the_head_is_the_newest_page_and_the_rest_is_read_on_first_need(
        tmp_path: Path, clock: FrozenClock) -> None:
    ids = build(tmp_path / "a", clock)
    with Archive.open(tmp_path / "a", clock=clock, read_only=True) as full:
        expected = full.sessions()
    with Archive.open(tmp_path / "a", clock=clock, lazy=True) as a:
        assert not a.loaded
        first = a.first_page()
        assert len(first) == HEAD_ROWS and first == expected[:HEAD_ROWS]
        assert first[0].id == ids[-1]  # newest first
        assert len(a) == len(ids) and a.loaded  # any question about the whole archive reads it
        assert a.sessions() == expected and a.first_page() == expected[:HEAD_ROWS]


@pytest.mark.parametrize("first_use", ["get", "add_note", "problems", "live_sessions",
                                       "summary", "conflicts"])
def test_every_way_in_reads_the_rest_first(tmp_path: Path, clock: FrozenClock,
                                           first_use: str) -> None:
    ids = build(tmp_path / "a", clock, n=3)
    oldest = ids[0]
    with Archive.open(tmp_path / "a", clock=clock, lazy=True) as a:
        assert not a.loaded
        {"get": lambda: a.get(oldest), "add_note": lambda: a.add_note(oldest, "after a lazy open"),
         "problems": lambda: a.problems, "live_sessions": a.live_sessions,
         "summary": lambda: a.summary(oldest[:8]), "conflicts": a.conflicts}[first_use]()
        assert a.loaded and len(a) == 3
    with Archive.open(tmp_path / "a", clock=clock) as a:
        assert [s.id for s in a.sessions()] == ids[::-1]
        if first_use == "add_note":
            assert [e.text for e in a.get(oldest).entries][-1] == "after a lazy open"


def test_a_file_changed_after_the_index_was_written_is_read_with_the_rest(
        tmp_path: Path, clock: FrozenClock) -> None:
    root = tmp_path / "a"
    ids = build(root, clock, n=3)
    stale_index = (root / "index.json").read_bytes()
    with Archive.open(root, clock=clock) as a:
        a.add_note(ids[-1], "written after the index")  # as if a crash kept the index stale
    (root / "index.json").write_bytes(stale_index)
    with Archive.open(root, clock=clock, lazy=True) as a:
        assert a.first_page()[0].entries == 0  # the head says what the index said
        a.finish_loading()
        assert a.first_page()[0].entries == 1  # the file's size and time told it changed
        assert a.summary(ids[-1]).entries == 1


def test_without_a_head_it_vouches_for_everything_is_read_at_once(
        tmp_path: Path, clock: FrozenClock) -> None:
    root = tmp_path / "a"
    build(root, clock, n=3)
    raw = (root / "index.json").read_bytes()
    head_end = raw.index(b',"sessions":')
    # A row of the head edited by hand (the same length, so the head still parses): its MAC
    # fails, and nothing of the index is believed.
    forged = raw[:head_end].replace(b'"C-0001"', b'"C-0666"', 1) + raw[head_end:]
    assert len(forged) == len(raw) and forged != raw
    (root / "index.json").write_bytes(forged)
    with Archive.open(root, clock=clock, lazy=True) as a:
        assert a.loaded and len(a.first_page()) == 3
    (root / "index.json").unlink()
    with Archive.open(root, clock=clock, lazy=True) as a:
        assert a.loaded and len(a) == 3


def test_the_head_is_checked_on_its_own_and_the_rest_when_it_is_read(
        tmp_path: Path, clock: FrozenClock) -> None:
    """The first page comes from the head alone (its own MAC), without reading the whole
    file; the rest of the index is checked when it is read, and an edit there makes the
    session files be read instead (the index is then written anew)."""
    root = tmp_path / "a"
    ids = build(root, clock, n=3)
    raw = (root / "index.json").read_bytes()
    head_end = raw.index(b',"sessions":')
    # Past the head: the whole file's MAC fails, the head's holds.
    (root / "index.json").write_bytes(raw[:head_end] + raw[head_end:].replace(
        b'"client"', b'"Client"', 1))
    with Archive.open(root, clock=clock, lazy=True) as a:
        assert not a.loaded and [s.id for s in a.first_page()] == ids[::-1]
        a.finish_loading()
        assert len(a) == 3 and a.summary(ids[0]).client == "C-0000"
    rewritten = (root / "index.json").read_bytes()
    assert b'"Client"' not in rewritten and b'"head_mac"' in rewritten


def test_an_empty_archive_opens_lazily(tmp_path: Path, clock: FrozenClock) -> None:
    with Archive.open(tmp_path / "a", clock=clock, lazy=True) as a:
        assert a.first_page() == [] and len(a) == 0
    with Archive.open(tmp_path / "a", clock=clock, lazy=True) as a:  # an index of no rows
        assert a.first_page() == [] and len(a) == 0


def test_conflict_copies_are_merged_with_the_rest_not_before_the_first_page(
        tmp_path: Path, clock: FrozenClock) -> None:
    root, desk = tmp_path / "laptop", tmp_path / "desk"
    with Archive.open(root, clock=clock) as a:
        sid = a.new_session(client="C-0042", route="im", dose_mg=50, live=True).id
    shutil.copytree(root, desk)
    with Archive.open(desk, clock=clock) as a:
        a.add_note(sid, "written on the desk")
    copy = root / "sessions" / f"{sid}.sync-conflict-20261201-105617-YI4DR3G.json"
    shutil.copyfile(desk / "sessions" / f"{sid}.json", copy)
    with Archive.open(root, clock=clock, lazy=True) as a:
        assert copy.exists() and [s.id for s in a.first_page()] == [sid]
        a.finish_loading()
        assert not copy.exists() and len(a.conflicts()) == 1
        assert [e.text for e in a.get(sid).entries if e.kind == "note"] == ["written on the desk"]


def test_an_encrypted_archive_opens_lazily_too(tmp_path: Path, clock: FrozenClock) -> None:
    from kapsession.store.crypto import init_encrypted

    root = tmp_path / "a"
    init_encrypted(root, "correct horse battery", n=2**10)
    with Archive.open(root, clock=clock, passphrase="correct horse battery") as a:
        ids = [a.new_session(client="C-0001", route="im", dose_mg=50, live=True).id
               for _ in range(3)]
    assert b'"head_end"' not in (root / "index.json").read_bytes()  # sealed like the rest
    with Archive.open(root, clock=clock, passphrase="correct horse battery", lazy=True) as a:
        assert not a.loaded and {s.id for s in a.first_page()} == set(ids)
        a.add_note(ids[0], "after a lazy open")
        assert a.loaded and a.summary(ids[0]).entries == 1


def test_an_index_of_the_layout_before_the_heads_own_mac_is_read_whole_and_rewritten(
        tmp_path: Path, clock: FrozenClock) -> None:
    """The index is a cache: one written by the previous kapsession (a head, but no MAC of its
    own) is not read lazily; it is read whole, under its whole-file MAC as before, and written
    anew in today's layout when the archive closes."""
    import hashlib
    import hmac

    from kapsession.store.device_key import device_key

    root = tmp_path / "a"
    ids = build(root, clock, n=3)
    raw = (root / "index.json").read_bytes()
    start = raw.index(b'"head_mac":"')
    end = raw.index(b'"head_end":')
    body = raw[raw.index(b'",', 8) + 2:start] + raw[end:]  # the body, without the head's MAC
    key = device_key()
    assert key is not None
    mac = hmac.new(key, body, hashlib.sha256).hexdigest().encode()
    (root / "index.json").write_bytes(b'{"mac":"' + mac + b'",' + body)  # as 0.1 wrote it
    with Archive.open(root, clock=clock, lazy=True) as a:
        assert a.loaded and [s.id for s in a.first_page()] == ids[::-1]
    assert b'"head_mac":"' in (root / "index.json").read_bytes()
    with Archive.open(root, clock=clock, lazy=True) as a:
        assert not a.loaded  # today's layout: the head alone, again
