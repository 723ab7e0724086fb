"""kapsession's performance promises (PRODUCT.md §5), measured by hand. See README.md here.

    python benchmarks/run.py            100, 1,000 and 10,000 sessions; idle window 60 s
    python benchmarks/run.py --quick    100 and 1,000 sessions; idle window 10 s
    python benchmarks/run.py --json results.json --runs 5

Prints one table: each figure beside its reference measured in the same run, its target, and
whether it meets it. The machine is shared and noisy, so every figure is a median over
``--runs`` repeats (after one warm-up where a process is started), and targets that are
relative compare against references measured moments apart.
This is not a test: nothing here fails a build. It never writes to the cached archives;
everything that writes works on a throwaway copy.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _archives  # noqa: E402
import _pty  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402
from rich.text import Text  # noqa: E402

PROBE = HERE / "_probe.py"
MINIMAL_APP = HERE / "_minimal_app.py"
MARKS_PROBE = HERE / "_startup_marks.py"
TERM_SIZE = (120, 36)  # columns, rows of the pseudo-terminal (a laptop's terminal window)
SIZES = (100, 1_000, 10_000)
PROMISED = 10_000  # PRODUCT.md's promises hold up to this size; above it rows are (scaling)
SHORT_ENTRIES, LONG_ENTRIES = 10, 2_000  # the note save's two session lengths
QUICK_SIZES = (100, 1_000)
IDLE_SIZE = 1_000
FILTER_QUERIES = ("C-00", "grief")
REF_SAVE_BUDGET_S = 20.0  # per run: the naive reference stops after this (at least 5 saves)
NOTES = [
    "Breathing slower, hands open on the couch.",
    "#affect tearful, says it feels like relief",
    "Quiet for a long stretch, absorbed in the music.",
    "!#somatic jaw clenching, eased after the body scan",
    "\"I don't need to fix this right now.\"",
]

err = Console(stderr=True, highlight=False)


def log(msg: str) -> None:
    err.print(Text(msg, style="dim"))


# ---- small statistics -----------------------------------------------------------------------

def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else math.nan


# ---- durable note save ----------------------------------------------------------------------

def _save_run(archive: Any, saves: int) -> tuple[list[float], list[float]]:
    """One run: a new live session, a dose, ``saves`` notes, a booster. Times in ms."""
    s = archive.new_session(client="C-9999", route="im", dose_mg=50, live=True)
    t0 = time.perf_counter()
    archive.mark_dose(s.id)
    dose_ms = [(time.perf_counter() - t0) * 1000]
    times = []
    gc.collect()
    for i in range(saves):
        text = NOTES[i % len(NOTES)]
        t0 = time.perf_counter()
        archive.add_note(s.id, text, category="affect" if i % 3 == 0 else None,
                         flagged=i % 17 == 0)
        times.append((time.perf_counter() - t0) * 1000)
    t0 = time.perf_counter()
    archive.mark_dose(s.id, 25)  # a booster, late in the session
    dose_ms.append((time.perf_counter() - t0) * 1000)
    archive.end_session(s.id)
    return times, dose_ms


def bench_note_saves(variants: dict[str, Callable[[], tuple[Path, str | None]]], saves: int,
                     runs: int) -> dict[str, dict[str, Any]]:
    """``Archive.add_note`` on a live session, ``saves`` per run, for each variant (an archive
    size, or the largest one encrypted). ``variants[name]()`` makes a fresh copy of that
    archive and says its passphrase.

    A save is mostly two fsyncs, and on this VM their cost depends on where a copy's files
    happen to land on disk (one copy can be twice as slow as another for its whole life) and
    on the disk's mood of the minute. So each run saves into a fresh copy, and the runs are
    interleaved (run 1 of every variant, then run 2 …), each after an ``os.sync``: the
    medians then compare archive sizes, not placements, writeback or minutes."""
    from kapsession import Archive

    per_run: dict[str, list[dict[str, float]]] = {name: [] for name in variants}
    dose_ms: dict[str, list[float]] = {name: [] for name in variants}
    for run in range(runs):
        for name, make in variants.items():
            folder, passphrase = make()
            # The copy just wrote up to 10,000 files: flush them now, or the first fsyncs of
            # the saves wait for that writeback (ext4 commits it in the same journal).
            os.sync()
            try:
                with Archive.open(folder, passphrase=passphrase) as archive:
                    times, doses = _save_run(archive, saves)
            finally:
                shutil.rmtree(folder, ignore_errors=True)
            dose_ms[name] += doses
            per_run[name].append({"p50": pct(times, 50), "p95": pct(times, 95),
                                  "max": max(times), "n": len(times)})
            log(f"    note save run {run + 1}, {name}: p50 {per_run[name][-1]['p50']:.2f} ms, "
                f"p95 {per_run[name][-1]['p95']:.2f} ms")
    return {name: {"p50_ms": median([r["p50"] for r in per_run[name]]),
                   "p95_ms": median([r["p95"] for r in per_run[name]]), "saves": saves,
                   "runs": per_run[name], "dose_median_ms": median(dose_ms[name]),
                   "dose_ms": dose_ms[name]} for name in variants}


def _session_of(archive: Any, entries: int) -> str:
    """A new live, dosed session holding ``entries`` timeline entries; its id."""
    s = archive.new_session(client="C-9998", route="im", dose_mg=50, live=True)
    archive.mark_dose(s.id)
    while archive.summary(s.id).entries < entries:
        i = archive.summary(s.id).entries
        archive.add_note(s.id, NOTES[i % len(NOTES)], category="affect" if i % 3 == 0 else None)
    return s.id


def bench_save_growth(n: int, work: Path, saves: int, runs: int) -> dict[str, Any]:
    """Note save p95 into a session that already holds 2,000 entries, beside one into a
    session of 10 (issue 18: ≤ 3× and ≤ 10 ms). Each run: a fresh copy of the archive of
    ``n`` sessions, one long session and ``saves // 10`` short ones (filled in ``bulk()``,
    then synced), then ``saves`` saves into each length, alternating one long, one short
    (the order swapped every other save), each short session taking ten of them, so the
    short figure is for sessions of 10–20 entries and the long one for 2,000–2,000+saves."""
    from kapsession import Archive
    from kapsession.store.session_files import load_session_file

    per_run: dict[str, list[dict[str, float]]] = {"short": [], "long": []}
    for run in range(runs):
        folder = _archives.work_copy(n, work)
        try:
            with Archive.open(folder) as archive:
                t0 = time.perf_counter()
                with archive.bulk():
                    long_id = _session_of(archive, LONG_ENTRIES)
                    shorts = [_session_of(archive, SHORT_ENTRIES)
                              for _ in range(max(1, saves // 10))]
                log(f"    filled a {LONG_ENTRIES:,}-entry session and {len(shorts)} of "
                    f"{SHORT_ENTRIES} in {time.perf_counter() - t0:.1f} s")
                os.sync()
                times: dict[str, list[float]] = {"short": [], "long": []}
                cpu: dict[str, list[float]] = {"short": [], "long": []}
                gc.collect()
                for i in range(saves):
                    order = (("long", long_id), ("short", shorts[i // 10 % len(shorts)]))
                    for name, sid in (order if i % 2 else order[::-1]):
                        text = NOTES[i % len(NOTES)]
                        c0, t0 = time.thread_time(), time.perf_counter()
                        archive.add_note(sid, text)
                        times[name].append((time.perf_counter() - t0) * 1000)
                        # CPU apart from waiting for the disk: what the session's size costs
                        cpu[name].append((time.thread_time() - c0) * 1000)
                entries = {"long": archive.summary(long_id).entries,
                           "short": max(archive.summary(x).entries for x in shorts)}
                # A save writes each entry's remembered form: the file must still be the
                # session as held (not timed).
                on_disk, _ = load_session_file(archive.session_path(long_id))
                if on_disk.to_dict() != archive.get(long_id).to_dict():
                    raise RuntimeError("the long session's file differs from the session")
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        for name, ts in times.items():
            per_run[name].append({"p50": pct(ts, 50), "p95": pct(ts, 95), "n": len(ts),
                                  "cpu_p50": pct(cpu[name], 50), "entries_at_end": entries[name]})
        log(f"    save growth run {run + 1}: p95 {per_run['short'][-1]['p95']:.2f} ms "
            f"({SHORT_ENTRIES} entries), {per_run['long'][-1]['p95']:.2f} ms "
            f"({LONG_ENTRIES:,} entries)")
    return {name: {"p50_ms": median([r["p50"] for r in rs]),
                   "p95_ms": median([r["p95"] for r in rs]),
                   "cpu_p50_ms": median([r["cpu_p50"] for r in rs]), "saves": saves, "runs": rs}
            for name, rs in per_run.items()} | {"sessions": n}


def encrypted_copy(n: int, work: Path) -> tuple[Path, str]:
    """A fresh copy of the archive of ``n`` sessions after ``kapsession encrypt`` (scrypt key,
    AES-GCM per file)."""
    from kapsession.store.crypto import encrypt_archive

    passphrase = "benchmark passphrase"
    folder = _archives.work_copy(n, work)
    t0 = time.perf_counter()
    encrypt_archive(folder, passphrase)
    log(f"    encrypted a copy of {n:,} sessions in {time.perf_counter() - t0:.1f} s")
    return folder, passphrase


def bench_reference_save(n: int, work: Path, saves: int, runs: int) -> dict[str, Any]:
    """Plain TinyDB, default JSONStorage, one file: ``table.update`` of one session's document
    with a note appended, the way a naive design would save a note."""
    from tinydb import TinyDB

    per_run = []
    for run in range(runs):
        path = _archives.reference_copy(n, work)
        db = TinyDB(path)
        try:
            table = db.table("sessions")
            doc_id = len(table)  # the newest session (documents were inserted oldest first)
            entries = list(table.get(doc_id=doc_id)["entries"])
            times: list[float] = []
            spent = 0.0
            gc.collect()
            for i in range(saves):
                entries.append({
                    "id": secrets.token_hex(8), "at": datetime.now(UTC).isoformat(),
                    "kind": "note", "text": NOTES[i % len(NOTES)], "category": None,
                    "flagged": False, "values": {}, "history": [],
                })
                t0 = time.perf_counter()
                table.update({"entries": entries}, doc_ids=[doc_id])
                dt = time.perf_counter() - t0
                times.append(dt * 1000)
                spent += dt
                if spent > REF_SAVE_BUDGET_S and len(times) >= 5:
                    break
        finally:
            db.close()
            path.unlink()
        per_run.append({"p50": pct(times, 50), "p95": pct(times, 95), "n": len(times)})
        log(f"    reference save run {run + 1}: p50 {per_run[-1]['p50']:.1f} ms, "
            f"p95 {per_run[-1]['p95']:.1f} ms over {len(times)} saves")
    return {"p50_ms": median([r["p50"] for r in per_run]),
            "p95_ms": median([r["p95"] for r in per_run]),
            "saves": min(r["n"] for r in per_run), "runs": per_run}


# ---- processes: start-up, peak RSS, list --json ------------------------------------------------

def _timed(cmd: list[str], **kw: Any) -> tuple[float, subprocess.CompletedProcess[bytes]]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, env=_archives.bench_env(), **kw)
    return time.perf_counter() - t0, proc


def _probe_startup(args: list[str]) -> tuple[float, dict[str, Any]]:
    t0 = time.monotonic()
    wall, proc = _timed([sys.executable, str(PROBE), "startup", *args, "--t0", repr(t0)])
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.decode(errors="replace").strip().splitlines()[-1:])
    return wall, json.loads(proc.stdout.decode().strip().splitlines()[-1])


def home_dates(archive_dir: Path, k: int = 5) -> list[bytes]:
    """The date text of the first ``k`` rows of the home list, as the home screen writes it
    (``summary_row`` in kapsession/ui/screens/home.py): what the start-up waits to see."""
    from kapsession import Archive

    with Archive.open(archive_dir, read_only=True) as archive:
        shown = [s.date.astimezone().strftime("%Y-%m-%d %H:%M") for s in archive.sessions()[:k]]
    if len(set(shown)) < len(shown):
        log(f"    note: two of the first {k} rows share a date; start-up waits for {shown}")
    return [d.encode() for d in shown]


def bench_startup(archive_dir: Path, runs: int) -> dict[str, Any]:
    """Start-up as a person sees it: a fresh ``kapsession --archive DIR`` exec'd in a real
    pseudo-terminal (120×36, TERM=xterm-256color), timed from the fork to the moment the date
    text of the home list's fifth row has been written to the terminal, beside the minimal
    app (Header, five-row DataTable, Footer; _minimal_app.py) waited for the same way.
    Interleaved, the order swapped every run; one warm-up pair (disk cache, bytecode) is not
    counted."""
    from _minimal_app import DATES

    env = _archives.bench_env()
    sides = {
        "app": ([*_archives.kapsession_cmd(), "--archive", str(archive_dir)],
                home_dates(archive_dir)),
        "ref": ([sys.executable, str(MINIMAL_APP)], [d.encode() for d in DATES]),
    }
    got: dict[str, list[_pty.DrawnResult]] = {"app": [], "ref": []}
    for run in range(runs + 1):
        for name in (("app", "ref") if run % 2 == 0 else ("ref", "app")):
            argv, needles = sides[name]
            res = _pty.time_to_drawn(argv, env, needles, cols=TERM_SIZE[0], rows=TERM_SIZE[1])
            if not res.ok:
                raise RuntimeError(f"{'kapsession' if name == 'app' else 'minimal app'}: "
                                   f"{res.problem}")
            if run:
                got[name].append(res)
        if run:
            log(f"    start-up run {run}: {got['app'][-1].drawn_s * 1000:.0f} ms, minimal "
                f"{got['ref'][-1].drawn_s * 1000:.0f} ms")
    app, ref = got["app"], got["ref"]
    breakdown = startup_breakdown(archive_dir, sides, env, runs=3)
    loaded_rss = peak_rss_once_read(sides["app"][0], env, sides["app"][1])
    return {"app_s": median([r.drawn_s for r in app]), "ref_s": median([r.drawn_s for r in ref]),
            "breakdown_s": breakdown,
            "app_first_output_s": median([r.first_output_s for r in app]),
            "ref_first_output_s": median([r.first_output_s for r in ref]),
            "app_cpu_s": median([r.cpu_s for r in app]),
            "ref_cpu_s": median([r.cpu_s for r in ref]),
            "app_rss_mb": max(max(r.rss_mb for r in app), loaded_rss),
            "app_rss_drawn_mb": max(r.rss_mb for r in app),
            "ref_rss_mb": max(r.rss_mb for r in ref),
            "app_runs_s": [r.drawn_s for r in app], "ref_runs_s": [r.drawn_s for r in ref],
            "waited_for": [d.decode() for d in sides["app"][1]], "terminal": TERM_SIZE}


COPIES = 10  # issue 19: opening with ten sync conflict copies
COPY_NAME = "{sid}.sync-conflict-20261201-105617-YI4DR3G.json"


def add_conflict_copies(root: Path, k: int = COPIES) -> list[Path]:
    """``k`` Syncthing conflict copies beside the largest sessions of ``root``, each the
    session as another device wrote it (three notes of its own). Their paths."""
    from datetime import timedelta

    import orjson

    from kapsession import Archive
    from kapsession.store.layout import SESSION_TABLE

    with Archive.open(root, read_only=True) as archive:
        largest = sorted(archive.sessions(), key=lambda s: -s.entries)[:k]
        copies = []
        for summary in largest:
            theirs = archive.get(summary.id)
            at = max((e.changed for e in theirs.entries), default=theirs.created)
            if theirs.status == "signed":
                theirs.status, theirs.signed = "ended", None  # written before the signature came
            theirs.discharged = None
            for i in range(3):
                theirs.add_note(at + timedelta(minutes=i + 1), f"written on the desk {i}")
            path = root / "sessions" / COPY_NAME.format(sid=summary.id)
            path.write_bytes(orjson.dumps({SESSION_TABLE: {"1": theirs.to_dict()}}))
            copies.append(path)
    return copies


def bench_startup_copies(n: int, work: Path, runs: int) -> dict[str, Any]:
    """Start-up as in bench_startup, on two fresh copies of the archive per run: one as it
    is, one with ten sync conflict copies (issue 19: ≤ 1.2×). Each run starts from its own
    copy, since the app merges the copies (just after the first page is drawn) and moves them
    to conflicts/; the benchmark checks that it did."""
    from kapsession import Archive

    env = _archives.bench_env()
    base = _archives.work_copy(n, work / "copies-base")  # not the measures' own work copy
    Archive.open(base).close()  # today's index (with its head), written once for all copies
    needles = home_dates(base)
    got: dict[str, list[_pty.DrawnResult]] = {"none": [], "copies": []}
    merged = []
    for run in range(runs + 1):
        for side in (("none", "copies") if run % 2 == 0 else ("copies", "none")):
            root = work / f"startup-{side}"
            shutil.rmtree(root, ignore_errors=True)
            shutil.copytree(base, root, copy_function=shutil.copy2)
            copies = add_conflict_copies(root) if side == "copies" else []
            res = _pty.time_to_drawn([*_archives.kapsession_cmd(), "--archive", str(root)],
                                     env, needles, cols=TERM_SIZE[0], rows=TERM_SIZE[1])
            if not res.ok:
                raise RuntimeError(f"{side}: {res.problem}")
            if copies:
                merged.append(sum(not c.exists() for c in copies))
            if run:
                got[side].append(res)
        if run:
            log(f"    start-up run {run}: none {got['none'][-1].drawn_s * 1000:.0f} ms, ten "
                f"copies {got['copies'][-1].drawn_s * 1000:.0f} ms")
    shutil.rmtree(work / "copies-base", ignore_errors=True)
    return {"none_s": median([r.drawn_s for r in got["none"]]),
            "copies_s": median([r.drawn_s for r in got["copies"]]),
            "none_cpu_s": median([r.cpu_s for r in got["none"]]),
            "copies_cpu_s": median([r.cpu_s for r in got["copies"]]),
            "merged": merged, "runs": runs}


def peak_rss_once_read(argv: list[str], env: dict[str, str], needles: list[bytes],
                       settle_s: float = 2.0) -> float:
    """The peak resident set (VmHWM) once the whole archive is read: the start-up's rows are
    drawn from the index's head and the rest is read just after, so the figure taken when
    the rows are drawn leaves the summaries out. Waits for the rows, then ``settle_s``."""
    term = _pty._Terminal(argv, env, *TERM_SIZE)
    try:
        if not term.wait_for(needles[0], 60):  # the first row's date: the rows are there
            raise RuntimeError(f"never drew {needles[0]!r}")
        time.sleep(settle_s)
        with open(f"/proc/{term.proc.pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        raise RuntimeError("no VmHWM in /proc")
    finally:
        term.close()


def startup_breakdown(archive_dir: Path, sides: dict[str, tuple[list[str], list[bytes]]],
                      env: dict[str, str], runs: int) -> dict[str, dict[str, float]]:
    """Where the start-up time goes: both programs run again through _startup_marks.py,
    which timestamps each step (medians over ``runs``; not part of the headline)."""
    marks: dict[str, list[dict[str, float]]] = {"app": [], "ref": []}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "marks.json"
        for _run in range(runs):
            for name, argv in (("app", ["--archive", str(archive_dir)]), ("ref", ["--minimal"])):
                res = _pty.time_to_drawn([sys.executable, str(MARKS_PROBE), *argv],
                                         dict(env, BENCH_MARKS=str(out)), sides[name][1],
                                         cols=TERM_SIZE[0], rows=TERM_SIZE[1], t0_env="BENCH_T0")
                try:
                    got = json.loads(out.read_text())
                    out.unlink()
                except (OSError, ValueError):
                    continue
                got.pop("frames", None)
                got.pop("cpu", None)
                if res.ok:
                    marks[name].append({**got, "drawn": res.drawn_s})
    result = {}
    for name, runs_marks in marks.items():
        keys = [k for k in (runs_marks[0] if runs_marks else {}) if k != "exited"]
        result[name] = {k: median([m[k] for m in runs_marks if k in m]) for k in keys}
    return result


def breakdown_text(marks: dict[str, float]) -> str:
    ordered = sorted(marks.items(), key=lambda kv: kv[1])
    return " · ".join(f"{k} {v * 1000:,.0f}" for k, v in ordered if k != "open start")


def bench_startup_headless(archive_dir: Path, runs: int) -> dict[str, Any]:
    """The old start-up figure, kept for comparison only: ``App.run_test()`` (headless, no
    terminal), from the process start to the rows painted, against the probe's minimal app.
    It misses what a terminal costs and reads its clock differently: not the headline."""
    app_w, ref_w, app_rss, ref_rss, marks = [], [], [], [], []
    for run in range(runs + 1):  # run 0 warms the disk cache and the bytecode: not counted
        w, out = _probe_startup(["--archive", str(archive_dir)])
        rw, rout = _probe_startup(["--minimal"])
        if not out["ok"] or out["rows"] == 0:
            raise RuntimeError("the home list never showed its rows")
        if run:
            app_w.append(w)
            ref_w.append(rw)
            app_rss.append(out["rss_mb"])
            ref_rss.append(rout["rss_mb"])
            marks.append(out["marks"])
    breakdown = {k: median([m[k] for m in marks]) for k in marks[0]} if marks else {}
    return {"app_s": median(app_w), "ref_s": median(ref_w), "app_rss_mb": max(app_rss),
            "ref_rss_mb": max(ref_rss), "rows": out["rows"], "breakdown_s": breakdown,
            "app_runs_s": app_w, "ref_runs_s": ref_w}


def bench_list(archive_dir: Path, n: int, runs: int) -> dict[str, Any]:
    cmd = [*_archives.kapsession_cmd(), "list", "--json", "--archive", str(archive_dir)]
    ref_cmd = [sys.executable, "-c", _JSON_LIST, str(archive_dir / "index.json")]
    times, ref_times = [], []
    for run in range(runs + 1):
        wall, proc = _timed(cmd)
        rwall, rproc = _timed(ref_cmd)
        if run == 0:
            if proc.returncode != 0:
                raise RuntimeError(proc.stderr.decode(errors="replace").strip())
            count = len(json.loads(proc.stdout))
            if count != n:
                raise RuntimeError(f"list --json printed {count} sessions, expected {n}")
            if rproc.returncode != 0 or len(json.loads(rproc.stdout)) != n:
                raise RuntimeError("the json reference failed: "
                                   + rproc.stderr.decode(errors="replace").strip()[-200:])
            continue
        times.append(wall)
        ref_times.append(rwall)
    return {"s": median(times), "ref_s": median(ref_times), "runs_s": times,
            "ref_runs_s": ref_times}


# The floor for `list --json`: read the archive's own index with the standard json module
# and print its rows as objects, newest first (the same information `list --json` prints).
_JSON_LIST = """
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    table = json.load(f)["sessions"]["1"]
fields = table["fields"][:-2]  # without mtime_ns and size
rows = [dict(zip(fields, row)) for row in table["rows"]]
rows.sort(key=lambda r: r["started"] or r["created"], reverse=True)
json.dump(rows, sys.stdout, indent=2)
sys.stdout.write("\\n")
"""


# ---- filter keystrokes -----------------------------------------------------------------------

def bench_filter(args: list[str], runs: int) -> dict[str, Any]:
    cmd = [sys.executable, str(PROBE), "filter", *args, "--runs", str(runs)]
    for q in FILTER_QUERIES:
        cmd += ["--query", q]
    proc = subprocess.run(cmd, capture_output=True, env=_archives.bench_env(), timeout=1800)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.decode(errors="replace").strip().splitlines()[-1:])
    data = json.loads(proc.stdout.decode().strip().splitlines()[-1])
    out: dict[str, Any] = {}
    for q, res in data["queries"].items():
        out[q] = {
            "median_ms": median(res["latency_ms"]), "max_ms": max(res["latency_ms"] or [0]),
            "handler_median_ms": median(res["handler_ms"]),
            "pilot_median_ms": median(res["pilot_ms"]),
            "search_ms": median(res["search_ms"]), "keystrokes": len(res["latency_ms"]),
            "raw": res,
        }
    return out


# ---- export ----------------------------------------------------------------------------------

def bench_export(archive_dir: Path, work: Path, runs: int) -> dict[str, Any]:
    try:
        from kapsession.export import export_sessions
    except Exception as exc:  # noqa: BLE001 - being written elsewhere; report, do not crash
        return {"error": f"cannot import export_sessions: {type(exc).__name__}: {exc}"}
    from kapsession import Archive

    rates, ref_rates = [], []
    with Archive.open(archive_dir, read_only=True) as archive:
        ids = [s.id for s in archive.sessions()]
        for run in range(runs + 1):
            folder = work / f"export-{run}"
            gc.collect()
            # export_sessions ends with os.sync(): flush what this benchmark wrote before
            # (archive copies), so the export pays only for its own files.
            os.sync()
            t0 = time.perf_counter()
            try:
                written = export_sessions(archive, ids, folder, fmt="md")
            except Exception as exc:  # noqa: BLE001
                shutil.rmtree(folder, ignore_errors=True)
                return {"error": f"export_sessions failed: {type(exc).__name__}: {exc}"}
            dt = time.perf_counter() - t0
            shutil.rmtree(folder, ignore_errors=True)
            if len(written) != len(ids):
                return {"error": f"export wrote {len(written)} files for {len(ids)} sessions"}
            # The reference: only reading every session (what any export must do).
            t0 = time.perf_counter()
            for sid in ids:
                archive.get(sid)
            rdt = time.perf_counter() - t0
            if run:  # run 0 warms the page cache
                rates.append(len(ids) / dt)
                ref_rates.append(len(ids) / rdt)
    return {"per_s": median(rates), "ref_per_s": median(ref_rates), "sessions": len(ids),
            "runs_per_s": rates}


# ---- idle CPU --------------------------------------------------------------------------------

def bench_idle(work: Path, window: float) -> dict[str, Any]:
    from kapsession import Archive

    archive_dir = _archives.work_copy(IDLE_SIZE, work / "idle")
    with Archive.open(archive_dir) as archive:
        s = archive.new_session(client="C-9999", route="im", dose_mg=50, live=True)
        archive.mark_dose(s.id)
    env = _archives.bench_env()
    cols, rows = TERM_SIZE
    app = _pty.idle_cpu([*_archives.kapsession_cmd(), "--archive", str(archive_dir)], env,
                        [(b"press r to return", b"r"), (b"since the dose", b"")], window_s=window,
                        cols=cols, rows=rows)
    ref = _pty.idle_cpu([sys.executable, str(MINIMAL_APP)], env, [(b"C-0005", b"")],
                        window_s=window, cols=cols, rows=rows)
    shutil.rmtree(archive_dir, ignore_errors=True)
    if not app.ok:
        raise RuntimeError(f"kapsession in the terminal: {app.problem}")
    return {"cpu_pct": app.cpu_percent, "ref_cpu_pct": ref.cpu_percent if ref.ok else math.nan,
            "window_s": app.window_s, "bytes_per_s": app.bytes_per_s,
            "ref_bytes_per_s": ref.bytes_per_s, "ref_problem": ref.problem}


# ---- the table -------------------------------------------------------------------------------

def verdict(ok: bool | None) -> Text:
    if ok is None:
        return Text("n/a", style="dim")
    return Text("PASS", style="green") if ok else Text("MISS", style="bold red")


def build_rows(results: dict[str, Any], sizes: tuple[int, ...]) -> list[dict[str, Any]]:
    """Rows of (measure, sessions, figure, reference, target, ok), as plain data."""
    rows: list[dict[str, Any]] = []

    def add(measure: str, n: int | str, figure: str, reference: str, target: str,
            ok: bool | None) -> None:
        group = ("filter" if measure.startswith(("filter", "  notes")) else
                 "save" if measure.startswith(("note save", "  dose", "  CPU per save")) else
                 "start-up" if measure.startswith(("start-up", "  first", "  where", "  CPU")) else
                 measure)
        rows.append({"measure": measure, "sessions": n, "figure": figure,
                     "reference": reference, "target": target, "ok": ok, "group": group})

    per = results["sizes"]
    base = per.get(str(sizes[0]), {}).get("note_save", {})
    for n in sizes:
        r = per[str(n)].get("note_save")
        ref = per[str(n)].get("note_save_ref")
        if r is None:
            continue
        if "error" in r:
            add("note save p95", n, r["error"], "", "≤ 10 ms", None)
            continue
        ratio = r["p95_ms"] / base["p95_ms"] if base else math.nan
        ok = r["p95_ms"] <= 10 and (n == sizes[0] or ratio <= 1.5)
        target = "≤ 10 ms" if n == sizes[0] else f"≤ 10 ms and ≤ 1.5× the {sizes[0]} figure"
        fig = f"{r['p95_ms']:.2f} ms (p50 {r['p50_ms']:.2f}; n={r['saves']})"
        if n != sizes[0]:
            fig += f"; {ratio:.2f}× @{sizes[0]}"
        reftxt = (f"{ref['p95_ms']:,.1f} ms (p50 {ref['p50_ms']:,.1f}; n={ref['saves']})"
                  if ref and "error" not in ref else (ref or {}).get("error", ""))
        add("note save p95", n, fig, reftxt, target, ok)
    for n in sizes:
        r = per[str(n)].get("note_save")
        if r and "error" not in r:
            add("  dose/booster mark", n, f"{r['dose_median_ms']:.1f} ms (median of "
                f"{len(r['dose_ms'])})", "", "(info)", None)
    for n in sizes:
        r = per[str(n)].get("note_save_enc")
        plain = per[str(n)].get("note_save")
        if r is None or plain is None or "error" in plain:
            continue
        if "error" in r:
            add("note save p95, encrypted", n, r["error"], "", "≤ 2× unencrypted", None)
            continue
        ratio = r["p95_ms"] / plain["p95_ms"]
        add("note save p95, encrypted", n,
            f"{r['p95_ms']:.2f} ms (p50 {r['p50_ms']:.2f}); {ratio:.2f}× unencrypted",
            f"unencrypted {plain['p95_ms']:.2f} ms", "≤ 2× unencrypted", ratio <= 2)
    def within(n: int, target: str) -> str:
        return target if n <= PROMISED else "(scaling)"

    def judged(n: int, ok: bool) -> bool | None:
        return ok if n <= PROMISED else None

    g = results.get("save_growth")
    if g is not None:
        m = f"note save p95, {LONG_ENTRIES:,}-entry session"
        if "error" in g:
            add(m, "", g["error"], "", "≤ 3× and ≤ 10 ms", None)
        else:
            short, long_ = g["short"], g["long"]
            ratio = long_["p95_ms"] / short["p95_ms"]
            add(m, g["sessions"],
                f"{long_['p95_ms']:.2f} ms (p50 {long_['p50_ms']:.2f}; n={long_['saves']}); "
                f"{ratio:.2f}×",
                f"{SHORT_ENTRIES}-entry session {short['p95_ms']:.2f} ms "
                f"(p50 {short['p50_ms']:.2f})",
                f"≤ 3× the {SHORT_ENTRIES}-entry figure and ≤ 10 ms",
                ratio <= 3 and long_["p95_ms"] <= 10)
            add("  CPU per save (p50), without the disk waits", g["sessions"],
                f"{long_['cpu_p50_ms']:.2f} ms "
                f"({long_['cpu_p50_ms'] / short['cpu_p50_ms']:.1f}×)",
                f"{SHORT_ENTRIES}-entry session {short['cpu_p50_ms']:.2f} ms", "(info)", None)
    for n in sizes:
        r = per[str(n)].get("copies")
        if r is None:
            continue
        m = f"start-up with {COPIES} sync conflict copies (pty)"
        if "error" in r:
            add(m, n, r["error"], "", "≤ 1.2× none", None)
            continue
        ratio = r["copies_s"] / r["none_s"]
        add(m, n, f"{r['copies_s'] * 1000:,.0f} ms ({ratio:.2f}×; CPU "
            f"{r['copies_cpu_s'] / r['none_cpu_s']:.2f}×; merged "
            f"{min(r['merged'])}–{max(r['merged'])} of {COPIES} each run)",
            f"no copies {r['none_s'] * 1000:,.0f} ms", "≤ 1.2× none",
            ratio <= 1.2 and min(r["merged"]) == COPIES)
    for n in sizes:
        r = per[str(n)].get("startup")
        if r is None:
            continue
        m = "start-up, exec → 5 rows drawn (pty)"
        if "error" in r:
            add(m, n, r["error"], "", within(n, "≤ 1.5× minimal"), None)
            continue
        ratio = r["app_s"] / r["ref_s"]
        add(m, n, f"{r['app_s'] * 1000:,.0f} ms ({ratio:.2f}×; median of "
            f"{len(r['app_runs_s'])})",
            f"minimal app {r['ref_s'] * 1000:,.0f} ms", within(n, "≤ 1.5× minimal"),
            judged(n, ratio <= 1.5))
        add("  first output on the terminal", n, f"{r['app_first_output_s'] * 1000:,.0f} ms",
            f"minimal app {r['ref_first_output_s'] * 1000:,.0f} ms", "(info)", None)
        if r.get("ref_cpu_s"):
            add("  CPU used by then", n, f"{r['app_cpu_s'] * 1000:,.0f} ms "
                f"({r['app_cpu_s'] / r['ref_cpu_s']:.2f}×)",
                f"minimal app {r['ref_cpu_s'] * 1000:,.0f} ms", "(info: steadier when busy)",
                None)
        b = r.get("breakdown_s") or {}
        if b.get("app") and b.get("ref"):
            add("  where it went (ms since exec)", n, breakdown_text(b["app"]),
                breakdown_text(b["ref"]), "(info)", None)
    for n in sizes:
        r = per[str(n)].get("headless")
        if r is None:
            continue
        m = "start-up, headless run_test (old method)"
        if "error" in r:
            add(m, n, r["error"], "", "(info)", None)
            continue
        add(m, n, f"{r['app_s'] * 1000:,.0f} ms ({r['app_s'] / r['ref_s']:.2f}×)",
            f"probe's minimal app {r['ref_s'] * 1000:,.0f} ms", "(info)", None)
    for n in sizes:
        r = per[str(n)].get("filter")
        ref = results.get("filter_ref") or {}
        if r is None:
            continue
        for q in FILTER_QUERIES:
            if "error" in r:
                add(f"filter key '{q}'", n, r["error"], "", "≤ 50 ms", None)
                continue
            f = r[q]
            reftxt = (f"minimal Input {ref[q]['median_ms']:.1f} ms" if q in ref else "")
            add(f"filter key '{q}'", n,
                f"{f['median_ms']:.0f} ms (max {f['max_ms']:.0f}; handler "
                f"{f['handler_median_ms']:.0f}; {f['keystrokes']} keys)",
                reftxt, within(n, "≤ 50 ms median"), judged(n, f["median_ms"] <= 50))
        for q in FILTER_QUERIES:
            if "error" not in r and not math.isnan(r[q]["search_ms"]):
                add(f"  notes searched for '{q}'", n,
                    f"{r[q]['search_ms']:,.0f} ms after the last key (thread; "
                    f"{r[q]['raw'].get('search_rows', ['?'])[-1]} matches)", "", "(info)", None)
    for n in sizes:
        r = per[str(n)].get("list")
        if r is None:
            continue
        if "error" in r:
            add("list --json", n, r["error"], "", within(n, "≤ 2× json"), None)
            continue
        ratio = r["s"] / r["ref_s"]
        add("list --json", n, f"{r['s'] * 1000:,.0f} ms ({ratio:.2f}×)",
            f"index printed with json {r['ref_s'] * 1000:,.0f} ms", within(n, "≤ 2× json"),
            judged(n, ratio <= 2))
    for n in sizes:
        r = per[str(n)].get("export")
        if r is None:
            continue
        if "error" in r:
            add("markdown export", n, r["error"], "", within(n, "≥ 1,000 sessions/s"), None)
            continue
        add("markdown export", n, f"{r['per_s']:,.0f} sessions/s",
            f"reading only {r['ref_per_s']:,.0f}/s", within(n, "≥ 1,000 sessions/s"),
            judged(n, r["per_s"] >= 1000))
    for n in sizes:
        r = per[str(n)].get("startup")
        if r is None:
            continue
        if "error" in r:
            add("peak RSS", n, "n/a", "", "≤ 150 MB", None)
            continue
        add("peak RSS", n, f"{r['app_rss_mb']:.0f} MB (once all is read; "
            f"{r.get('app_rss_drawn_mb', r['app_rss_mb']):.0f} MB when the rows are drawn)",
            f"minimal app {r['ref_rss_mb']:.0f} MB", within(n, "≤ 150 MB"),
            judged(n, r["app_rss_mb"] <= 150))
    r = results.get("idle")
    if r is not None:
        if "error" in r:
            add("idle live session CPU", IDLE_SIZE, r["error"], "", "≤ 1 % of a core", None)
        else:
            add("idle live session CPU", IDLE_SIZE,
                f"{r['cpu_pct']:.2f} % over {r['window_s']:.0f} s "
                f"({r['bytes_per_s'] / 1024:.1f} KiB/s drawn)",
                f"minimal app {r['ref_cpu_pct']:.2f} % "
                f"({r['ref_bytes_per_s'] / 1024:.1f} KiB/s)", "≤ 1 % of a core",
                r["cpu_pct"] <= 1)
    return rows


def print_table(rows: list[dict[str, Any]], title: str) -> None:
    table = Table(title=title, show_lines=False, header_style="bold")
    for col, kw in (("measure", {}), ("sessions", {"justify": "right"}), ("kapsession", {}),
                    ("reference", {}), ("target", {}), ("result", {})):
        table.add_column(col, **kw)
    previous = None
    for row in rows:
        if previous is not None and row["group"] != previous:
            table.add_section()
        previous = row["group"]
        n = row["sessions"]
        table.add_row(row["measure"], f"{n:,}" if isinstance(n, int) else str(n),
                      row["figure"], row["reference"], row["target"], verdict(row["ok"]))
    out = Console(highlight=False)
    if not out.is_terminal:  # piped or redirected: do not squeeze the table into 80 columns
        out = Console(highlight=False, width=170)
    out.print(table)


def scaling_rows(results: dict[str, Any], sizes: tuple[int, ...]) -> list[list[str]]:
    """How each O(sessions) figure grows: one row per measure, one column per size."""
    def cell(n: int, key: str, fmt: Callable[[dict[str, Any]], str]) -> str:
        r = results["sizes"].get(str(n), {}).get(key)
        if r is None:
            return ""
        return "n/a" if "error" in r else fmt(r)

    def ms(x: float) -> str:
        return f"{x * 1000:,.0f} ms"

    measures: list[tuple[str, str, Callable[[dict[str, Any]], str]]] = [
        ("start-up (pty)", "startup",
         lambda r: f"{ms(r['app_s'])} ({r['app_s'] / r['ref_s']:.1f}×)"),
        ("peak RSS", "startup", lambda r: f"{r['app_rss_mb']:.0f} MB"),
        ("list --json", "list", lambda r: f"{ms(r['s'])} ({r['s'] / r['ref_s']:.1f}×)"),
        *[(f"filter key '{q}'", "filter",
           lambda r, q=q: f"{r[q]['median_ms']:.0f} ms") for q in FILTER_QUERIES],
        ("markdown export", "export", lambda r: f"{r['per_s']:,.0f}/s"),
        ("note save p95", "note_save", lambda r: f"{r['p95_ms']:.2f} ms"),
    ]
    rows = []
    for label, key, fmt in measures:
        cells = [cell(n, key, fmt) for n in sizes]
        if any(cells):
            rows.append([label, *cells])
    return rows


def print_scaling(results: dict[str, Any], sizes: tuple[int, ...]) -> None:
    rows = scaling_rows(results, sizes)
    results["scaling"] = {"sizes": sizes, "rows": rows}
    if not rows:
        return
    table = Table(title="How each figure grows with the archive (sessions)",
                  header_style="bold")
    table.add_column("measure")
    for n in sizes:
        table.add_column(f"{n:,}", justify="right")
    for row in rows:
        table.add_row(*row)
    out = Console(highlight=False)
    if not out.is_terminal:
        out = Console(highlight=False, width=170)
    out.print(table)


# ---- main ------------------------------------------------------------------------------------

MEASURES = ("save", "growth", "startup", "copies", "filter", "list", "export", "idle",
            "headless")
DEFAULT_MEASURES = tuple(m for m in MEASURES if m != "headless")  # the old start-up: on request


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="100 and 1,000 sessions only; idle window 10 s")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--runs", type=int, default=3, metavar="K",
                        help="repeats of each measure; medians are reported (default 3)")
    parser.add_argument("--saves", type=int, default=250, metavar="N",
                        help="note saves per run (default 250)")
    parser.add_argument("--idle-window", type=float, metavar="S",
                        help="idle CPU window in seconds (default 60, 10 with --quick)")
    parser.add_argument("--startup-runs", type=int, default=5, metavar="K",
                        help="start-up pairs in the terminal; medians (default 5)")
    parser.add_argument("--only", metavar="M,M",
                        help=f"only these measures: {','.join(MEASURES)} (default: all but "
                        "headless, the old run_test start-up)")
    parser.add_argument("--sizes", metavar="N,N",
                        help="archive sizes (default 100,1000,10000; the scaling table: "
                        "100,1000,10000,50000)")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.saves < 20 or args.startup_runs < 1:
        parser.error("--runs ≥ 1, --startup-runs ≥ 1 and --saves ≥ 20")
    sizes = (tuple(int(x) for x in args.sizes.split(",")) if args.sizes
             else QUICK_SIZES if args.quick else SIZES)
    only = set(args.only.split(",")) if args.only else set(DEFAULT_MEASURES)
    if only - set(MEASURES):
        parser.error(f"--only takes: {', '.join(MEASURES)}")
    window = args.idle_window or (10.0 if args.quick else 60.0)

    started = time.time()
    compiled = _archives.compile_bytecode()
    if compiled:
        log(f"compiled {compiled} kapsession modules to bytecode first, as pip does at install")
    meta = {}
    growth_size = max((n for n in sizes if n <= PROMISED), default=min(sizes))
    for n in sorted(set(sizes) | ({IDLE_SIZE} if "idle" in only else set())
                    | ({growth_size} if "growth" in only else set())):
        meta[str(n)] = _archives.ensure(n, log)

    results: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "args": {"sizes": sizes, "runs": args.runs, "saves": args.saves,
                 "idle_window_s": window, "only": sorted(only),
                 "startup_runs": args.startup_runs, "terminal": TERM_SIZE},
        "archives": meta, "sizes": {},
    }

    def attempt(name: str, fn, *a: Any) -> dict[str, Any]:  # noqa: ANN001
        t0 = time.perf_counter()
        try:
            out = fn(*a)
        except Exception as exc:  # noqa: BLE001 - one broken measure must not hide the rest
            log(f"    {name}: FAILED: {type(exc).__name__}: {exc}")
            return {"error": f"failed: {type(exc).__name__}"}
        log(f"    {name}: {time.perf_counter() - t0:.1f} s")
        return out

    with tempfile.TemporaryDirectory(prefix="kapsession-bench-") as tmp:
        work = Path(tmp)
        if "filter" in only:
            log("filter keystrokes on the minimal app …")
            results["filter_ref"] = attempt("minimal filter", bench_filter, ["--minimal"],
                                            args.runs)
        for n in sizes:
            log(f"{n:,} sessions")
            per: dict[str, Any] = {}
            results["sizes"][str(n)] = per
            archive_dir = _archives.work_copy(n, work)
            if "startup" in only:
                per["startup"] = attempt("start-up", bench_startup, archive_dir,
                                         args.startup_runs)
            if "copies" in only and n == PROMISED:
                per["copies"] = attempt("start-up with ten conflict copies", bench_startup_copies,
                                        n, work, args.startup_runs)
            if "headless" in only:
                per["headless"] = attempt("start-up, headless (old)", bench_startup_headless,
                                          archive_dir, args.runs)
            if "list" in only:
                per["list"] = attempt("list --json", bench_list, archive_dir, n, args.runs)
            if "filter" in only:
                per["filter"] = attempt("filter", bench_filter, ["--archive", str(archive_dir)],
                                        args.runs)
            if "export" in only:
                per["export"] = attempt("export", bench_export, archive_dir, work, args.runs)
            shutil.rmtree(archive_dir, ignore_errors=True)
        if "save" in only:  # on fresh copies: it adds live sessions
            log("note saves, every archive in turn …")
            biggest = max(sizes)
            variants: dict[str, Callable[[], tuple[Path, str | None]]] = {
                str(n): (lambda n=n: (_archives.work_copy(n, work), None)) for n in sizes}
            variants["encrypted"] = lambda: encrypted_copy(biggest, work)
            saved = attempt("note saves", bench_note_saves, variants, args.saves, args.runs)
            for n in sizes:
                per = results["sizes"][str(n)]
                per["note_save"] = saved.get(str(n), saved)  # {"error": …} if it failed
                if n <= PROMISED:  # one TinyDB file of 50,000 sessions: ~850 MB per save
                    per["note_save_ref"] = attempt(f"reference save, {n:,} sessions",
                                                   bench_reference_save, n, work, args.saves,
                                                   args.runs)
            results["sizes"][str(biggest)]["note_save_enc"] = saved.get("encrypted", saved)
        if "growth" in only:
            log(f"note saves by session length ({SHORT_ENTRIES} and {LONG_ENTRIES:,} entries, "
                f"{growth_size:,} sessions) …")
            results["save_growth"] = attempt("save growth", bench_save_growth, growth_size,
                                             work, max(50, args.saves // 2), args.runs)
        if "idle" in only:
            log(f"idle live session, {window:.0f} s each for kapsession and the minimal app …")
            results["idle"] = attempt("idle", bench_idle, work, window)

    results["elapsed_s"] = round(time.time() - started, 1)
    rows = build_rows(results, sizes)
    results["table"] = rows
    title = (f"kapsession benchmarks — {results['when']} — medians of {args.runs} run(s), "
             f"{os.cpu_count()} CPUs")
    print_table(rows, title)
    if len(sizes) > 1:
        print_scaling(results, sizes)
    misses = [r for r in rows if r["ok"] is False]
    Console(highlight=False).print(
        Text(f"{len(misses)} miss(es); took {results['elapsed_s']:.0f} s", style="bold"))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
