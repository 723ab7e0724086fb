"""The cached demo archives and their plain-TinyDB references, and throwaway copies of them.

Layout under ``benchmarks/.cache/`` (git-ignored)::

    <N>/archive/         a kapsession archive of N demo sessions (``kapsession demo-data``)
    <N>/reference.json   the same sessions in one plain TinyDB file (default JSONStorage),
                         table "sessions", one document per session; built only when the
                         note-save reference asks for it (:func:`ensure_reference`), never
                         above 10,000 sessions (it would be ~850 MB at 50,000)
    <N>/meta.json        what was built, with which kapsession, and how long it took

A cache entry is built in a temp folder and renamed into place, so an interrupted build
never leaves a half archive behind; it is rebuilt when missing or when it was built by a
different kapsession version, schema or index layout. Nothing measured ever writes to the
cache: every benchmark that opens an archive for writing (and so takes its lock and may rewrite its
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


def compile_bytecode() -> int:
    """Compile kapsession's modules to bytecode, as ``pip install .`` does when it installs.

    A person's installed kapsession starts from ``__pycache__``; an editable checkout run with
    ``PYTHONDONTWRITEBYTECODE=1`` (set on some machines, this one included) would instead
    compile every module from source at every start, about 45 ms of CPU that no installed
    copy pays, while Textual, installed by pip, is measured from its bytecode. Returns how
    many modules were (re)compiled."""
    import compileall

    import kapsession

    package = Path(kapsession.__file__).resolve().parent
    before = sum(1 for _ in package.rglob("*.pyc"))
    compileall.compile_dir(package, quiet=1)
    return sum(1 for _ in package.rglob("*.pyc")) - before


def _stamp() -> dict[str, object]:
    import kapsession
    from kapsession.model.session import SCHEMA_VERSION
    from kapsession.store.index import INDEX_LAYOUT

    return {"kapsession": kapsession.__version__, "schema": SCHEMA_VERSION,
            "index": INDEX_LAYOUT, "seed": SEED}


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
        log(f"  {build_s:.1f} s")
        meta = {
            **_stamp(), "sessions": n, "built": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "build_s": round(build_s, 2), "archive_bytes": _tree_bytes(tmp / "archive"),
        }
        (tmp / "meta.json").write_text(json.dumps(meta, indent=2))
        target = entry(n)
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def ensure_reference(n: int, log=print) -> Path:  # noqa: ANN001
    """The plain TinyDB reference of the cached archive of ``n`` sessions, built if missing
    (written to a temp name and renamed, so an interrupted build leaves nothing)."""
    ensure(n, log)
    target = entry(n) / "reference.json"
    if target.exists():
        return target
    log(f"building the plain TinyDB reference of {n:,} sessions …")
    t0 = time.perf_counter()
    tmp = target.with_name(f".reference-{os.getpid()}.json")
    try:
        docs = _build_reference(entry(n) / "archive", tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    meta_path = entry(n) / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta.update(reference_build_s=round(time.perf_counter() - t0, 2), reference_docs=docs,
                reference_bytes=target.stat().st_size)
    meta_path.write_text(json.dumps(meta, indent=2))
    log(f"  {docs:,} documents, {meta['reference_bytes'] / 1e6:.1f} MB "
        f"({meta['reference_build_s']:.1f} s)")
    return target


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
    shutil.copy2(ensure_reference(n), target)
    return target
