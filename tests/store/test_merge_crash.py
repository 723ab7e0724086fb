"""SIGKILL a process while it merges sync conflict copies: every session file stays whole, and
no note of either device is lost (issue 19's batched merge writes).

The merged sessions are written together (each file on disk before it replaces the old one),
the folder is synced once, and only then are the copies moved out of ``sessions/``. A kill at
any moment must leave each session file either as it was or merged, and every copy either
still in ``sessions/`` (merged again on the next open) or merged into its session.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from kapsession import Archive

KILLS = int(os.environ.get("KAPSESSION_KILLS", "30")) // 2
SESSIONS = 60
WRITER = Path(__file__).with_name("merge_writer.py")


def two_devices(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """An archive of ``SESSIONS`` live sessions with a note each, and beside it the same
    sessions as another device left them (a note more each): the conflict copies to come."""
    laptop, desk = tmp_path / "laptop", tmp_path / "desk"
    with Archive.open(laptop) as a:
        ids = [a.new_session(client=f"C-{i:04d}", route="im", dose_mg=50, live=True).id
               for i in range(SESSIONS)]
        for sid in ids:
            a.add_note(sid, f"laptop {sid[:8]}")
    shutil.copytree(laptop, desk)
    with Archive.open(desk) as d:
        for sid in ids:
            d.add_note(sid, f"desk {sid[:8]}")
    copies = {sid: (desk / "sessions" / f"{sid}.json").read_bytes().hex() for sid in ids}
    shutil.rmtree(desk)
    return laptop, copies


@pytest.mark.crash
def test_sigkill_while_merging_copies_loses_no_note_and_tears_no_file(tmp_path: Path) -> None:
    rng = random.Random(int(os.environ.get("KAPSESSION_CRASH_SEED", "1")))
    laptop, copies = two_devices(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    seen: set[str] = set()  # where the kills landed: before, written, moving, done
    for kill in range(KILLS):
        root = tmp_path / f"round{kill}"
        shutil.copytree(laptop, root)
        for sid, raw in copies.items():
            name = f"{sid}.sync-conflict-20261201-105617-ABCDEFG.json"
            (root / "sessions" / name).write_bytes(bytes.fromhex(raw))
        child = subprocess.Popen([sys.executable, str(WRITER), str(root)],
                                 stdout=subprocess.PIPE, text=True, env=env)
        assert child.stdout is not None
        assert child.stdout.readline().split() == ["start"]  # imports done: the open begins
        time.sleep(rng.uniform(0.0, 0.15))
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
        # After the kill, before anything else opens it: every session file is whole JSON.
        left = [p for p in (root / "sessions").iterdir() if "sync-conflict" in p.name]
        merged = [sid for sid in copies if b"desk " in (root / "sessions" / f"{sid}.json")
                  .read_bytes()]
        for sid in copies:
            orjson.loads((root / "sessions" / f"{sid}.json").read_bytes())
        seen.add("done" if not left else "moving" if len(left) < SESSIONS
                 else "written" if merged else "before")
        # The next open merges what was left; then both devices' notes are in every session.
        with Archive.open(root) as archive:
            assert archive.problems == [], archive.problems
            for sid in copies:
                notes = {e.text for e in archive.get(sid).entries if e.kind == "note"}
                assert notes == {f"laptop {sid[:8]}", f"desk {sid[:8]}"}, (kill, sid)
        assert not [p for p in (root / "sessions").iterdir() if "sync-conflict" in p.name]
        assert not (root / "damaged").exists()
        shutil.rmtree(root)
    # Some kills landed before the merge was done. (Where exactly depends on the machine's
    # speed; on the development VM, seeds 1-3 each killed it between the batched writes and
    # the moves of the copies at least once.)
    assert seen - {"done"}, seen
