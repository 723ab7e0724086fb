"""Export sessions as markdown or JSON, and import JSON exports back into an archive.

Markdown: one file per session, ``YYYY-MM-DD_<client>_s<NN>_<id8>.md`` (see
:mod:`kapsession.export.markdown` for the format and its escaping). ``<id8>`` is the first eight
characters of the session id, or more when another session in the archive shares them, so no
two sessions of an archive ever get the same name.

JSON (see :mod:`kapsession.export.jsonio` for the format):

- one session → one file named like the markdown one, ``YYYY-MM-DD_<client>_s<NN>_<id8>.json``;
- more than one → one file ``kapsession-export-<YYYYMMDD-HHMMSS>.json`` (local time of the
  export) holding them all, so a whole archive is restored with one ``kapsession import``.
  A file never grows past :data:`JSON_PART_BYTES` (100 MB, half the import limit): a larger
  export is split into ``kapsession-export-<stamp>-part1.json``, ``-part2.json``, … each of
  which imports on its own.

Every file is written atomically (temp file, rename) with mode 0600; a missing folder is
created with mode 0700 (an existing one is left as it is). A file of the same name is replaced:
it holds the same session, exported before (names differ between sessions, see above). One
export of many sessions syncs the disk once at the end rather than once per file.

A session that cannot be read or rendered does not stop the others: a backup exports
everything readable and names (by file, never by content) what it could not.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..model import ClockSettings, Session, ValidationError, VitalsThresholds
from ..model.ids import short_ids
from ..store.errors import ArchiveError, SessionUnreadable, UnknownSession
from ..store.fsutil import (
    FileTooLarge,
    NotARegularFile,
    atomic_write,
    ensure_private_dir,
    fsync_dir,
    read_limited,
    shown_path,
)
from ..store.storage import DamagedFile
from .jsonio import (
    MAX_IMPORT_BYTES,
    ImportFileError,
    parse_import,
    session_json,
    sessions_to_json,
    wrap_sessions,
)
from .markdown import escape_cell, escape_markdown, export_filename, render_markdown

if TYPE_CHECKING:
    from ..store import Archive

__all__ = [
    "ImportFileError",
    "ImportReport",
    "escape_cell",
    "escape_markdown",
    "export_filename",
    "export_sessions",
    "import_file",
    "parse_import",
    "render_markdown",
    "sessions_to_json",
]

FORMATS = ("md", "json")
JSON_PART_BYTES = 100 * 1024 * 1024
# Up to this many files, each is fsynced as it is written; beyond, the disk is synced once.
_DURABLE_EACH = 8
# From this many sessions on, markdown is rendered in worker processes.
_PARALLEL_FROM = 200


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (session id, reason)


def _folder(folder: Path) -> Path:
    if not folder.is_dir():
        ensure_private_dir(folder)
    return folder


class _Skipped:
    """Where the sessions that could not be exported are named: the caller's list, or (with
    none) the first one raises :class:`SessionUnreadable`, as the export of one session
    should."""

    def __init__(self, into: list[str] | None) -> None:
        self.into = into

    def add(self, sid: str, problem: str) -> None:
        if self.into is None:
            raise SessionUnreadable(sid, problem)
        self.into.append(problem)


def _sessions(archive: Archive, ids: list[str], skipped: _Skipped) -> Iterator[Session]:
    for sid in dict.fromkeys(ids):  # each session once, in the order given
        try:
            session = archive.get(sid)
        except SessionUnreadable as exc:
            skipped.add(sid, exc.problem)
            continue
        except UnknownSession:
            skipped.add(sid, f"{sid}.json: not in the archive")
            continue
        yield session


def _render_failed(sid: str, exc: Exception) -> str:
    # Only the exception's type: its message might quote what the session holds.
    return f"{sid}.json: could not be exported ({type(exc).__name__})"


def export_sessions(archive: Archive, ids: list[str], folder: Path, *, fmt: str = "md",
                    clock_settings: ClockSettings | None = None,
                    skipped: list[str] | None = None) -> list[Path]:
    """Write the sessions ``ids`` into ``folder`` as ``fmt`` (``md`` or ``json``).

    Returns the paths written. ``clock_settings`` gives the minimum observation time shown in
    the markdown's discharge checks (default: DOMAIN.md's); vitals are flagged with the
    archive's thresholds.

    A session that cannot be read or rendered is left out and, when ``skipped`` is a list,
    named there (file name and problem, never content) while every other session is
    exported; without ``skipped`` it raises :class:`SessionUnreadable`. Failing to write
    (a full disk) raises ``OSError`` whatever ``skipped`` is.
    """
    if fmt not in FORMATS:
        raise ValidationError("format", f"{fmt[:20]!r} is not one of: {', '.join(FORMATS)}")
    folder = _folder(Path(folder))
    unique = list(dict.fromkeys(archive.resolve_id(i) for i in ids))
    durable = len(unique) <= _DURABLE_EACH
    bad = _Skipped(skipped)
    # Over the whole archive, not just this export: a later export never reuses a name either.
    shown = short_ids(s.id for s in archive.sessions())
    if fmt == "md":
        thresholds = getattr(archive, "thresholds", None)
        # Forking is only safe in a process without other threads (the CLI, not the app).
        # An encrypted archive's key stays in this process: its exports are not parallel.
        if (len(unique) >= _PARALLEL_FROM and (os.cpu_count() or 1) > 1
                and getattr(archive, "codec", None) is None
                and sys.platform != "win32" and threading.active_count() == 1):
            written = _markdown_in_processes(archive, unique, folder, clock_settings,
                                             thresholds, shown, bad)
        else:
            written = []
            for session in _sessions(archive, unique, bad):
                path = _write_markdown(session, folder, clock_settings, thresholds, durable,
                                       shown.get(session.id), bad)
                if path is not None:
                    written.append(path)
    else:
        written = _export_json(archive, unique, folder, durable=durable, shown=shown,
                               skipped=bad)
    if not durable and written:
        os.sync()
        fsync_dir(folder)
    return written


def _write_markdown(session: Session, folder: Path, clock_settings: ClockSettings | None,
                    thresholds: VitalsThresholds | None, durable: bool,
                    short_id: str | None, skipped: _Skipped) -> Path | None:
    try:
        text = render_markdown(session, clock_settings=clock_settings, thresholds=thresholds)
        path = folder / export_filename(session, "md", short_id=short_id)
    except Exception as exc:  # one session that will not render must not stop a backup
        skipped.add(session.id, _render_failed(session.id, exc))
        return None
    atomic_write(path, text.encode("utf-8"), durable=durable)
    return path


def _markdown_chunk(files: list[tuple[str, str]], folder: str,
                    clock_settings: ClockSettings | None,
                    thresholds: VitalsThresholds | None) -> tuple[list[str], list[str]]:
    """In a worker process: read, render and write a share of a large export. Returns the
    files written and the problems of the sessions that could not be (plain strings, so
    nothing that fails to pickle reaches the parent)."""
    from ..store.session_files import load_session_file

    out: list[str] = []
    problems: list[str] = []
    skipped = _Skipped(problems)
    for name, short_id in files:
        path = Path(name)
        try:
            session, _ = load_session_file(path)
        except DamagedFile as exc:  # its message names the file
            problems.append(str(exc))
            continue
        except ArchiveError as exc:  # from a newer kapsession
            problems.append(f"{path.name}: {exc}")
            continue
        except Exception as exc:
            problems.append(_render_failed(path.stem, exc))
            continue
        written = _write_markdown(session, Path(folder), clock_settings, thresholds,
                                  durable=False, short_id=short_id, skipped=skipped)
        if written is not None:
            out.append(str(written))
    return out, problems


def _markdown_in_processes(archive: Archive, ids: list[str], folder: Path,
                           clock_settings: ClockSettings | None,
                           thresholds: VitalsThresholds | None, shown: dict[str, str],
                           skipped: _Skipped) -> list[Path]:
    """Rendering is pure Python: a large export uses every core (the files are only read)."""
    workers = min(os.cpu_count() or 1, 8)
    files = [(str(archive.session_path(sid)), shown[sid]) for sid in ids]
    size = max(64, len(files) // (workers * 4))
    chunks = [files[i:i + size] for i in range(0, len(files), size)]
    context = multiprocessing.get_context("fork")
    written: list[Path] = []
    problems: list[str] = []
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        for paths, bad in pool.map(_markdown_chunk, chunks, [str(folder)] * len(chunks),
                                   [clock_settings] * len(chunks),
                                   [thresholds] * len(chunks)):
            written.extend(Path(p) for p in paths)
            problems.extend(bad)
    for problem in problems:
        skipped.add(problem.partition(".json:")[0], problem)
    return written


def _export_json(archive: Archive, ids: list[str], folder: Path, *, durable: bool,
                 shown: dict[str, str], skipped: _Skipped) -> list[Path]:
    if len(ids) == 1:
        for session in _sessions(archive, ids, skipped):
            try:
                path = folder / export_filename(session, "json",
                                                short_id=shown.get(session.id))
                data = sessions_to_json([session], exported=archive.clock())
            except Exception as exc:  # as for markdown: named, never a traceback
                skipped.add(session.id, _render_failed(session.id, exc))
                return []
            atomic_write(path, data, durable=durable)
            return [path]
        return []
    now = archive.clock()
    stamp = now.astimezone().strftime("%Y%m%d-%H%M%S")
    written: list[Path] = []
    part: list[bytes] = []
    size = 0

    def flush(name: str) -> None:
        path = folder / name
        atomic_write(path, wrap_sessions(part, now), durable=durable)
        written.append(path)

    for session in _sessions(archive, ids, skipped):
        try:
            data = session_json(session)
        except Exception as exc:
            skipped.add(session.id, _render_failed(session.id, exc))
            continue
        if part and size + len(data) > JSON_PART_BYTES:
            flush(f"kapsession-export-{stamp}-part{len(written) + 1}.json")
            part, size = [], 0
        part.append(data)
        size += len(data) + 2
    if written:
        flush(f"kapsession-export-{stamp}-part{len(written) + 1}.json")
    else:
        flush(f"kapsession-export-{stamp}.json")
    return written


def import_file(archive: Archive, path: Path) -> ImportReport:
    """Add the sessions of a JSON export to ``archive``.

    The whole file is checked first (:func:`parse_import`); then each session is added unless
    its id is already in the archive, which is never changed (skipped: "already in the
    archive"). Raises :class:`ImportFileError` naming the file if it is refused: also when it
    is not a regular file (``/dev/zero``, a pipe) or holds more than 200 MB, before reading
    more than that.
    """
    path = Path(path)
    name = shown_path(path)
    try:
        data = read_limited(path, MAX_IMPORT_BYTES)
    except NotARegularFile:
        raise ImportFileError(f"{name}: is not a regular file (a folder, device or pipe cannot "
                              "be imported)") from None
    except FileTooLarge as exc:
        raise ImportFileError(f"{name}: is {exc.size / 1e6:,.0f} MB; an import file may be at "
                              f"most {MAX_IMPORT_BYTES // (1024 * 1024)} MB") from None
    sessions = parse_import(data, name)
    report = ImportReport()
    if len(sessions) > 1:
        with archive.bulk():
            _add(archive, sessions, report)
    else:
        _add(archive, sessions, report)
    return report


def _add(archive: Archive, sessions: Iterable[Session], report: ImportReport) -> None:
    seen: set[str] = set()
    for session in sessions:
        if session.id in seen:
            report.skipped.append((session.id, "appears more than once in the file"))
            continue
        seen.add(session.id)
        if archive.add_existing(session):
            report.added.append(session.id)
        else:
            report.skipped.append((session.id, "already in the archive"))
