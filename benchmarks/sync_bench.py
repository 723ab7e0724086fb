"""Sync conflict copies (issue 19), measured by hand: not a test, nothing here fails a build.

    python benchmarks/sync_bench.py              10,000 sessions, 5 runs
    python benchmarks/sync_bench.py --sessions 1000 --runs 3

Targets:
  * merging a conflict copy costs at most 50 ms per session (read both versions, merge, write
    the session, move the copy to conflicts/), also for a session of 2,000 entries on each
    side (random ids; old counted ids that all collide; one side signed);
  * opening a 10,000-session archive with ten conflict copies takes at most 1.2× opening it
    with none.

Builds a throwaway archive of demo sessions in a temp folder (removed at the end). Every
timed open works on a fresh copy of it, so a run never sees what an earlier one merged. The
machine is shared and noisy: each figure is a median, and the two opens alternate.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import orjson  # noqa: E402

from kapsession import Archive  # noqa: E402
from kapsession.demo import demo_sessions  # noqa: E402
from kapsession.model import Session  # noqa: E402
from kapsession.model.merge import merge  # noqa: E402
from kapsession.model.rems import ENTRY_FIELDS  # noqa: E402
from kapsession.model.vitals import Vitals  # noqa: E402
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
    theirs.discharged = None  # and before the discharge: notes are taken until then
    for i in range(3):
        theirs.add_note(at + timedelta(minutes=i + 1), f"written on the desk {k}.{i}")
    note = next((e for e in theirs.entries if e.kind == "note" and e.struck is None), None)
    if note is not None:
        theirs.edit_entry(at + timedelta(minutes=5), note.id, note.text + " (desk)")
    return theirs


# ---- big sessions: 2,000 entries on each side -------------------------------------------

BIG_SID = "b" * 32
BIG_T0 = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)


def _counted(s: Session) -> Session:
    """``s`` with entry ids counted ``e1``, ``e2``… as before schema 5 (references too)."""
    data = s.to_dict()
    new = {e["id"]: f"e{n}" for n, e in enumerate(data["entries"], 1)}
    for e in data["entries"]:
        e["id"] = new[e["id"]]
    data["rems"] = {k: new.get(v, v) if k in ENTRY_FIELDS else v
                    for k, v in data["rems"].items()}
    return Session.from_dict(data)


def _write_entries(s: Session, first: int, n: int, who: str) -> None:
    """``n`` entries, one every 5 seconds from entry number ``first`` (the desk's 2 seconds
    later): notes, every tenth vitals, every 25th a rating."""
    for i in range(first, first + n):
        now = BIG_T0 + timedelta(seconds=5 * i + (2 if who == "desk" else 0))
        if i % 10 == 0:
            s.record_vitals(now, Vitals(systolic=110 + i % 40, diastolic=70, heart_rate=72))
        elif i % 25 == 0:
            s.log_rating(now, "dissociation", i % 5)
        else:
            s.add_note(now, f"{who} note {i}: client describes warmth in the hands, breathing "
                            "slow and even")


def big_pair(case: str, size: int = 2000) -> tuple[Session, Session]:
    """Two versions of one session of ``size`` entries each (the merged one is larger).

    ``shared``: random ids; all but 100 entries shared, 100 new on each side, 20 notes edited
    on both sides, both sides' REMS answers. ``counted``: ids counted as before schema 5,
    half shared and half each side's own under the same ``e`` numbers (every one renamed).
    ``signed``: one side signed, the other wrote 100 more (they become an addendum)."""
    own = size // 2 if case == "counted" else 100
    base = Session.create(id=BIG_SID, now=BIG_T0, client="C-0001", session_no=1,
                          route="intranasal", dose_mg=56)
    base.go_live(BIG_T0, device="laptop")
    base.mark_dose(BIG_T0 + timedelta(seconds=1))
    _write_entries(base, 1, size - own - len(base.entries), "shared")
    if case == "counted":
        base = _counted(base)
    ours, theirs = (Session.from_dict(base.to_dict()) for _ in range(2))
    start = len(base.entries)
    _write_entries(ours, start, own, "laptop")
    _write_entries(theirs, start, own, "desk")
    if case == "counted":
        ours, theirs = _counted(ours), _counted(theirs)
    later = BIG_T0 + timedelta(seconds=5 * (start + own + 10))
    notes = [e.id for e in base.entries if e.kind == "note"][:20]
    for k, eid in enumerate(notes):
        ours.edit_entry(later + timedelta(seconds=k), eid, f"laptop's reading {k}")
        theirs.edit_entry(later + timedelta(seconds=k + 30), eid, f"desk's reading {k}")
    for side in (ours, theirs):
        vitals = [e.id for e in side.vitals_entries]
        side.set_rems(bp_pre=vitals[0], bp_40=vitals[len(vitals) // 2], bp_end=vitals[-1])
    if case == "signed":
        ours.finish(later + timedelta(minutes=5))
        ours.sign(later + timedelta(minutes=6))
    assert min(len(ours.entries), len(theirs.entries)) >= size
    return ours, theirs


def big_case(work: Path, case: str, runs: int) -> dict[str, float]:
    """For one big session and its conflict copy: merge() alone and what the copy adds to
    opening the archive (read both, merge, write, move), in ms, median and best of ``runs``
    (the best says what it costs when no one else uses the machine); and entry counts."""
    ours, theirs = big_pair(case)
    pure = []
    for _ in range(runs):
        t = time.perf_counter()
        result = merge(ours, theirs, source="bench")
        pure.append(time.perf_counter() - t)
    base = work / f"big-{case}"
    with Archive.open(base) as archive:
        archive.add_existing(ours)
    copy_bytes = orjson.dumps({"session": {"1": theirs.to_dict()}})
    whole: list[float] = []  # per run: (open with the copy) - (open without), alternating
    for run in range(runs + 1):  # the first is a warm-up
        opened = {}
        for kind in ("none", "copy"):
            target = work / f"big-{case}-{run}-{kind}"
            shutil.copytree(base, target)
            if kind == "copy":
                (target / "sessions" / COPY_NAME.format(sid=BIG_SID)).write_bytes(copy_bytes)
            opened[kind], _, reports = timed_open(target)
            if kind == "copy" and reports != 1:
                raise SystemExit(f"expected one merge, got {reports}")
            shutil.rmtree(target)
        if run:
            whole.append(max(opened["copy"] - opened["none"], 0))
    shutil.rmtree(base)
    return {"merge": statistics.median(pure) * 1000, "merge_best": min(pure) * 1000,
            "whole": statistics.median(whole) * 1000, "whole_best": min(whole) * 1000,
            "each": len(ours.entries), "merged": len(result.session.entries)}


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
        # 1. One big session (2,000 entries on each side) and its copy: first, before the
        # big archive's files are written (their flush to disk slows every fsync after).
        big_ok = True
        lines: list[str] = []
        for case in ("shared", "counted", "signed"):
            r = big_case(work, case, max(args.runs, 9))  # each run is short: a few more
            ok = r["whole"] <= 50
            big_ok = big_ok and ok
            lines.append(
                f"big session, {case}: {r['each']:,} entries each side, {r['merged']:,} "
                f"merged: merge() {r['merge']:.1f} ms (best {r['merge_best']:.1f}); whole "
                f"merge of the copy {r['whole']:.1f} ms (best {r['whole_best']:.1f}; "
                f"target ≤ 50 ms) {'OK' if ok else 'MISSED'}")
        base = work / "base"
        ids = build(base, args.sessions)

        # The conflict copies: each session as the other device wrote it, in the stored
        # shape of a session file (TinyDB table "session", document 1).
        copies: dict[str, bytes] = {}
        for k, sid in enumerate(ids):
            theirs = other_device(load_copy(base / "sessions" / f"{sid}.json", sid, None), k)
            copies[sid] = orjson.dumps({"session": {"1": theirs.to_dict()}})

        # 2. The merge itself, and the whole per-copy work, per session.
        pure: list[float] = []
        for sid in ids:
            ours = load_copy(base / "sessions" / f"{sid}.json", sid, None)
            theirs = Session.from_dict(other_device(ours, 0).to_dict())
            t = time.perf_counter()
            merge(ours, theirs, source="bench")
            pure.append(time.perf_counter() - t)
        entries = [len(load_copy(base / "sessions" / f"{sid}.json", sid, None).entries)
                   for sid in ids]

        # 3. Opening with none and with ten copies, alternating, each on a fresh copy.
        plain: list[float] = []
        with_copies: list[float] = []
        closes: dict[str, list[float]] = {"none": [], "copies": []}
        for run in range(args.runs + 1):  # the first is a warm-up
            for kind in ("none", "copies"):
                target = work / f"run-{run}-{kind}"
                shutil.copytree(base, target)
                if kind == "copies":
                    place_copies(target, ids, copies)
                # The copy's 10,000 new files on the disk first, as an archive in use has
                # long been: else the first fsync of the merge waits for all of them.
                os.sync()
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
        for line in lines:
            print(line)

        return 0 if ok_merge and big_ok else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
