"""Sync conflict copies (issue 19), measured by hand: not a test, nothing here fails a build.

    python benchmarks/sync_bench.py              10,000 sessions, 5 runs
    python benchmarks/sync_bench.py --sessions 1000 --runs 3

Targets:
  * merging a conflict copy costs at most 50 ms per session (read both versions, merge, write
    the session, move the copy to conflicts/);
  * opening a 10,000-session archive with ten conflict copies takes at most 1.2× opening it
    with none.

Builds a throwaway archive of demo sessions in a temp folder (removed at the end). Every
timed open works on a fresh copy of it, so a run never sees what an earlier one merged. The
machine is shared and noisy: each figure is a median, and the two opens alternate.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import orjson  # noqa: E402

from kapsession import Archive  # noqa: E402
from kapsession.demo import demo_sessions  # noqa: E402
from kapsession.model import Session  # noqa: E402
from kapsession.model.merge import merge  # noqa: E402
from kapsession.store.conflicts import load_copy  # noqa: E402

COPIES = 10
COPY_NAME = "{sid}.sync-conflict-20261201-105617-YI4DR3G.json"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def build(root: Path, n: int) -> list[str]:
    """An archive of ``n`` demo sessions with a valid index; the ids of ten of the largest."""
    t = time.perf_counter()
    with Archive.open(root) as archive:
        with archive.bulk():
            for s in demo_sessions(n, seed=1):
                archive.add_existing(s)
        ids = [s.id for s in sorted(archive.sessions(), key=lambda s: -s.entries)[:COPIES]]
    log(f"built {n:,} sessions in {time.perf_counter() - t:.1f} s")
    return ids


def other_device(session: Session, k: int) -> Session:
    """The same session as another device wrote it: three notes of its own, one edited."""
    theirs = Session.from_dict(session.to_dict())
    at = max(e.changed for e in theirs.entries) if theirs.entries else theirs.created
    if theirs.status == "signed":
        theirs.status = "ended"  # written there before the signature arrived
        theirs.signed = None
    for i in range(3):
        theirs.add_note(at + timedelta(minutes=i + 1), f"written on the desk {k}.{i}")
    note = next((e for e in theirs.entries if e.kind == "note" and e.struck is None), None)
    if note is not None:
        theirs.edit_entry(at + timedelta(minutes=5), note.id, note.text + " (desk)")
    return theirs


def place_copies(root: Path, ids: list[str], copies: dict[str, bytes]) -> None:
    for sid in ids:
        (root / "sessions" / COPY_NAME.format(sid=sid)).write_bytes(copies[sid])


def timed_open(root: Path) -> tuple[float, float, int]:
    """(seconds to open, seconds to close, conflict copies merged). Closing writes the index
    when anything changed, as it does after any note; the target is about opening."""
    t = time.perf_counter()
    archive = Archive.open(root)
    opened = time.perf_counter() - t
    reports = archive.conflicts()
    t = time.perf_counter()
    archive.close()
    return opened, time.perf_counter() - t, len(reports)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="kapsession-sync-bench-"))
    try:
        base = work / "base"
        ids = build(base, args.sessions)

        # The conflict copies: each session as the other device wrote it, in the stored
        # shape of a session file (TinyDB table "session", document 1).
        copies: dict[str, bytes] = {}
        for k, sid in enumerate(ids):
            theirs = other_device(load_copy(base / "sessions" / f"{sid}.json", sid, None), k)
            copies[sid] = orjson.dumps({"session": {"1": theirs.to_dict()}})

        # 1. The merge itself, and the whole per-copy work, per session.
        pure: list[float] = []
        for sid in ids:
            ours = load_copy(base / "sessions" / f"{sid}.json", sid, None)
            theirs = Session.from_dict(other_device(ours, 0).to_dict())
            t = time.perf_counter()
            merge(ours, theirs, source="bench")
            pure.append(time.perf_counter() - t)
        entries = [len(load_copy(base / "sessions" / f"{sid}.json", sid, None).entries)
                   for sid in ids]

        # 2. Opening with none and with ten copies, alternating, each on a fresh copy.
        plain: list[float] = []
        with_copies: list[float] = []
        closes: dict[str, list[float]] = {"none": [], "copies": []}
        for run in range(args.runs + 1):  # the first is a warm-up
            for kind in ("none", "copies"):
                target = work / f"run-{run}-{kind}"
                shutil.copytree(base, target)
                if kind == "copies":
                    place_copies(target, ids, copies)
                seconds, closing, merged = timed_open(target)
                if kind == "copies" and merged != COPIES:
                    raise SystemExit(f"expected {COPIES} merges, got {merged}")
                if run:
                    (with_copies if kind == "copies" else plain).append(seconds)
                    closes[kind].append(closing)
                shutil.rmtree(target)
        p, c = statistics.median(plain), statistics.median(with_copies)
        per_copy = max(c - p, 0) / COPIES
        ok_merge = max(pure) <= 0.050 and per_copy <= 0.050
        ok_open = c <= 1.2 * p
        print(f"sessions: {args.sessions:,}; merged sessions have {min(entries)}–"
              f"{max(entries)} entries")
        print(f"merge() alone: median {statistics.median(pure) * 1000:.2f} ms, "
              f"max {max(pure) * 1000:.2f} ms per session")
        print(f"whole merge of one copy (read, merge, write, move), from the open times: "
              f"{per_copy * 1000:.1f} ms (target ≤ 50 ms) {'OK' if ok_merge else 'MISSED'}")
        print(f"open, no copies: median {p * 1000:.0f} ms over {args.runs} runs")
        print(f"open, {COPIES} copies: median {c * 1000:.0f} ms "
              f"({c / p:.2f}×, target ≤ 1.2×) {'OK' if ok_open else 'MISSED'}")
        cn, cc = statistics.median(closes["none"]), statistics.median(closes["copies"])
        print(f"close: {cn * 1000:.0f} ms with none, {cc * 1000:.0f} ms after merging (the "
              "index is rewritten, as after any note)")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
