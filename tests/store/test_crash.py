"""SIGKILL a writer at random moments; nothing whose call returned may be lost.

Runs 30 kills in the normal suite; `KAPSESSION_KILLS=200 pytest -m crash` for the full run.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kapsession import Archive

KILLS = int(os.environ.get("KAPSESSION_KILLS", "30"))
WRITER = Path(__file__).with_name("crash_writer.py")


@pytest.mark.crash
def test_sigkill_at_random_moments_loses_nothing_acknowledged(tmp_path: Path) -> None:
    rng = random.Random(int(os.environ.get("KAPSESSION_CRASH_SEED", "1")))
    path = tmp_path / "archive"
    acked_notes: dict[str, str] = {}  # entry id -> text
    acked_edits: dict[str, str] = {}
    acked_vitals = 0
    last_draft = None
    counter = 0
    sid = None
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    for kill in range(KILLS):
        child = subprocess.Popen([sys.executable, str(WRITER), str(path), str(counter)],
                                 stdout=subprocess.PIPE, text=True, env=env)
        assert child.stdout is not None
        first = child.stdout.readline().split()
        assert first and first[0] == "ready", first
        sid = first[1]
        time.sleep(rng.uniform(0.0, 0.08))
        child.send_signal(signal.SIGKILL)
        child.wait()
        for line in child.stdout.read().splitlines():
            parts = line.split()
            if len(parts) < 2 or (parts[0] != "vitals" and len(parts) < 3 and parts[0] != "draft"):
                continue  # a line cut by the kill was never fully acknowledged
            if parts[0] == "note" and len(parts) == 3:
                acked_notes[parts[1]] = parts[2]
                counter = max(counter, int(parts[2].split("-")[1]))
            elif parts[0] == "edit" and len(parts) == 3:
                acked_edits[parts[1]] = parts[2]
            elif parts[0] == "vitals":
                acked_vitals += 1
            elif parts[0] == "draft":
                last_draft = parts[1]
        child.stdout.close()
        # After every kill: the archive opens, nothing is torn, every acknowledged op is there.
        with Archive.open(path) as archive:
            assert not archive.read_only, f"stale lock after kill {kill}"
            assert archive.problems == [], archive.problems
            assert [s.id for s in archive.live_sessions()] == [sid]  # it resumes
            session = archive.get(sid)
        by_id = {e.id: e for e in session.entries}
        for entry_id, text in acked_notes.items():
            entry = by_id[entry_id]
            assert text in [entry.text, *[h.text for h in entry.edits]]
        for entry_id, text in acked_edits.items():
            entry = by_id[entry_id]
            assert text in [entry.text, *[h.text for h in entry.edits]]
        assert len(session.vitals_entries) >= acked_vitals
        if last_draft is not None:
            assert session.draft.startswith("draft-")
            assert int(session.draft.split("-")[1]) >= int(last_draft.split("-")[1])
        assert not (path / "damaged").exists()
        leftovers = [p.name for p in (path / "sessions").iterdir() if p.suffix != ".json"]
        assert all(name.endswith(".tmp") for name in leftovers)
    assert len(acked_notes) > KILLS  # the writer really got work done between kills
