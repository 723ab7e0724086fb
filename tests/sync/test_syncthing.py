"""The real thing: one archive shared by two Syncthing devices, a session written on both while
they cannot reach each other (issue 19). Marked ``sync``; skipped, with the reason, where
Syncthing is not installed (``.ci/run`` installs it)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from kapsession import Archive
from kapsession.store.conflicts import CONFLICTS_DIR
from tests.conftest import FrozenClock

from .syncthing import Syncthing, find_binary, wait_for

pytestmark = pytest.mark.sync


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Syncthing, Syncthing]]:
    binary = find_binary()
    if binary is None:
        pytest.skip("syncthing is not installed (apt-get install -y syncthing): the two-device "
                    "sync test did not run")
    laptop = Syncthing("laptop", tmp_path, binary)
    desk = Syncthing("desk", tmp_path, binary)
    try:
        for device in (laptop, desk):
            device.start()
        laptop.add_device(desk)
        desk.add_device(laptop)
        laptop.share(desk)
        desk.share(laptop)
        wait_for("the two devices to connect",
                 lambda: laptop.connected_to(desk) and desk.connected_to(laptop))
        yield laptop, desk
    except AssertionError:
        print(laptop.tail_log(), desk.tail_log(), sep="\n----\n")
        raise
    finally:
        for device in (laptop, desk):
            device.stop()


def notes(root: Path, clock: FrozenClock) -> list[str]:
    with Archive.open(root, clock=clock, read_only=True) as archive:
        [summary] = archive.sessions()
        return [e.text for e in archive.get(summary.id).entries if e.kind == "note"]


def session_files(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "sessions").iterdir() if not p.name.startswith("."))


def same_files(a: Syncthing, b: Syncthing, *names: str) -> bool:
    return all((a.folder / n).read_bytes() == (b.folder / n).read_bytes() for n in names)


def test_a_session_written_on_two_devices_apart_ends_with_every_note_once(
        pair: tuple[Syncthing, Syncthing]) -> None:
    laptop, desk = pair
    clock = FrozenClock()
    # The session starts on the laptop and reaches the desk.
    with Archive.open(laptop.folder, clock=clock) as archive:
        sid = archive.new_session(client="C-0042", route="im", dose_mg=50, live=True).id
        archive.add_note(sid, "arrived calm")
    laptop.scan()
    session = f"sessions/{sid}.json"
    wait_for("the session to reach the desk",
             lambda: (desk.folder / session).exists() and same_files(laptop, desk, session))

    # Cut the link; each device writes the same session.
    laptop.pause(desk)
    desk.pause(laptop)
    wait_for("the link to be cut",
             lambda: not laptop.connected_to(desk) and not desk.connected_to(laptop))
    clock.advance(minutes=5)
    with Archive.open(laptop.folder, clock=clock) as archive:
        archive.add_note(sid, "written on the laptop")
    desk_clock = FrozenClock(clock.now + timedelta(minutes=1))
    with Archive.open(desk.folder, clock=desk_clock) as archive:
        archive.add_note(sid, "written on the desk")
    laptop.scan()
    desk.scan()

    # Together again: Syncthing keeps one version and puts the other beside it, on both.
    laptop.resume(desk)
    desk.resume(laptop)
    wait_for("the devices to reconnect",
             lambda: laptop.connected_to(desk) and desk.connected_to(laptop))

    def conflict_on_both() -> bool:
        names = [session_files(d.folder) for d in (laptop, desk)]
        return names[0] == names[1] and any(".sync-conflict-" in n for n in names[0]) and \
            same_files(laptop, desk, *(f"sessions/{n}" for n in names[0]))

    wait_for("Syncthing's conflict copy on both devices", conflict_on_both, timeout=120)

    # The laptop opens the archive: the copy is merged and moved out of sessions/.
    with Archive.open(laptop.folder, clock=clock) as archive:
        [report] = archive.conflicts()
        assert report.tool == "Syncthing" and not report.pending, report.line
        assert archive.problems == []
    laptop.scan()

    def merged_on_both() -> bool:
        return all(session_files(d.folder) == [f"{sid}.json"] for d in (laptop, desk)) and \
            same_files(laptop, desk, session) and \
            len(list((desk.folder / CONFLICTS_DIR).glob("*.sync-conflict-*"))) == 1

    wait_for("the merged session (and the kept copy) on both devices", merged_on_both,
             timeout=120)
    expected = ["arrived calm", "written on the laptop", "written on the desk"]
    for device in (laptop, desk):
        assert sorted(notes(device.folder, clock)) == sorted(expected), device.name
    # Opening on the desk too finds nothing left to merge, and no note twice.
    with Archive.open(desk.folder, clock=clock) as archive:
        assert archive.conflicts() == []
        texts = [e.text for e in archive.get(sid).entries if e.kind == "note"]
        assert sorted(texts) == sorted(expected)
