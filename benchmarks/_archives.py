"""The cached demo archives and their plain-TinyDB references, and throwaway copies of them.

Layout under ``benchmarks/.cache/`` (git-ignored)::

    <N>/archive/         a kapsession archive of N demo sessions (``kapsession demo-data``)
    <N>/reference.json   the same sessions in one plain TinyDB file (default JSONStorage),
                         table "sessions", one document per session
    <N>/meta.json        what was built, with which kapsession, and how long it took

A cache entry is built in a temp folder and renamed into place, so an interrupted build
never leaves a half archive behind; it is rebuilt when missing or when it was built by a
different kapsession version or schema. Nothing measured ever writes to the cache: every
benchmark that opens an archive for writing (and so takes its lock and may rewrite its
index) works on a copy made by :func:`work_copy`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
SEED = 1


def bench_env() -> dict[str, str]:
    """The environment for every child process: no user config, no user archive."""
    env = dict(os.environ)
    env["KAPSESSION_CONFIG"] = str(CACHE / "no-config.toml")  # never created: all defaults
    env.pop("KAPSESSION_ARCHIVE", None)
    env.pop("KAPSESSION_LOG", None)
    env.setdefault("TERM", "xterm-256color")
    return env


def _stamp() -> dict[str, object]:
    import kapsession
    from kapsession.model.session import SCHEMA_VERSION

    return {"kapsession": kapsession.__version__, "schema": SCHEMA_VERSION, "seed": SEED}


def kapsession_cmd() -> list[str]:
    """How to run the ``kapsession`` command of this interpreter's environment."""
    script = Path(sys.executable).with_name("kapsession")
    return [str(script)] if script.exists() else [sys.executable, "-m", "kapsession"]


def entry(n: int) -> Path:
    return CACHE / str(n)


def is_cached(n: int) -> bool:
    meta = entry(n) / "meta.json"
    try:
        data = json.loads(meta.read_text())
    except (OSError, ValueError):
        return False
    return all(data.get(k) == v for k, v in _stamp().items()) and data.get("sessions") == n


def ensure(n: int, log=print) -> dict[str, object]:  # noqa: ANN001
    """The cache entry for ``n`` sessions, built if missing; returns its meta."""
    if not is_cached(n):
        _build(n, log)
    return json.loads((entry(n) / "meta.json").read_text())


def _build(n: int, log) -> None:  # noqa: ANN001
    CACHE.mkdir(exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f"{n}.building-", dir=CACHE))
    try:
        log(f"building the demo archive of {n:,} sessions (seed {SEED}) …")
        t0 = time.perf_counter()
        subprocess.run(
            [*kapsession_cmd(), "demo-data", "--sessions", str(n), "--seed", str(SEED),
             "--archive", str(tmp / "archive")],
            check=True, env=bench_env(), stdout=subprocess.DEVNULL,
        )
        build_s = time.perf_counter() - t0
        log(f"  {build_s:.1f} s; building the plain TinyDB reference …")
        t0 = time.perf_counter()
        docs = _build_reference(tmp / "archive", tmp / "reference.json")
        ref_s = time.perf_counter() - t0
        meta = {
            **_stamp(), "sessions": n, "built": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "build_s": round(build_s, 2), "reference_build_s": round(ref_s, 2),
            "reference_docs": docs,
            "archive_bytes": _tree_bytes(tmp / "archive"),
            "reference_bytes": (tmp / "reference.json").stat().st_size,
        }
        (tmp / "meta.json").write_text(json.dumps(meta, indent=2))
        target = entry(n)
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
        log(f"  reference: {docs:,} documents, {meta['reference_bytes'] / 1e6:.1f} MB "
            f"({ref_s:.1f} s)")
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _build_reference(archive_dir: Path, target: Path) -> int:
    """Write the archive's sessions as one TinyDB file with TinyDB's default JSONStorage."""
    from tinydb import TinyDB

    from kapsession import Archive

    with Archive.open(archive_dir, read_only=True) as archive:
        docs = [s.to_dict() for s in archive.iter_sessions()]
    db = TinyDB(target)  # the default: JSONStorage, one file, rewritten in place per write
    try:
        db.table("sessions").insert_multiple(docs)
    finally:
        db.close()
    return len(docs)


def _tree_bytes(root: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            try:
                total += os.stat(os.path.join(dirpath, name)).st_size
            except FileNotFoundError:
                pass
    return total


def work_copy(n: int, into: Path) -> Path:
    """A copy of the cached archive of ``n`` sessions (times and sizes kept, so its index
    stays valid and opening it reads no session file), safe to open for writing."""
    target = into / f"archive-{n}"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(entry(n) / "archive", target, copy_function=shutil.copy2)
    lock = target / "archive.lock"
    if lock.exists():
        lock.unlink()
    return target


def reference_copy(n: int, into: Path) -> Path:
    target = into / f"reference-{n}.json"
    shutil.copy2(entry(n) / "reference.json", target)
    return target
