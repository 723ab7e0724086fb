"""Conflict copies that file-sync tools leave beside a session file, merged on open.

When two devices change one session file before a sync tool carries either change across, the
tool keeps one version under the file's name and the other beside it, renamed (observed and
documented shapes, see ``docs/sync.md``)::

    <id>.sync-conflict-20261201-105617-YI4DR3G.json        Syncthing (device id, 7 letters)
    <id> (Anna's conflicted copy 2026-12-01).json          Dropbox (sometimes "… (1)")
    <id> (conflicted copy 2026-12-01 105617).json          Nextcloud, ownCloud
    <id>_conflict-20261201-105617.json                     older ownCloud clients

Each copy is merged into its session with :func:`kapsession.model.merge.merge` and then moved
out of ``sessions/`` into ``conflicts/`` (0700; the copy 0600), never deleted: it is the other
device's own record. Two different signed versions are not merged; the copy goes to
``conflicts/to-decide/`` and is reported for a person. Conflict copies of ``index.json`` are
only a cache of the session files: they are removed, and the index is rebuilt as usual.

Reading and writing go through callables the archive passes in, so an encrypted archive merges
the same way (see :func:`load_copy`). A read-only window merges nothing and moves nothing: it
reports the copies, and the window that holds the archive merges them when it opens.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from ..model import Session
from ..model.session import Entry
from ..model.text import printable_line
from .errors import ArchiveError
from .fsutil import FILE_MODE, ensure_private_dir, fsync_dir, read_limited
from .layout import (
    CONFLICTS_DIR,
    SEALED_MAGIC,
    SESSIONS_DIR,
    TO_DECIDE_DIR,
    session_file_name,
)
from .migrations import migrate
from .storage import Codec, DamagedFile, SealedFile

log = logging.getLogger(__name__)

#: As ``archive.SESSION_TABLE`` (not imported: the archive imports this module).
_SESSION_TABLE = "session"
#: A session file is far smaller; a larger "copy" is not read whole into memory.
COPY_MAX_BYTES = 64 * 1024 * 1024

_SID = r"(?P<sid>[0-9a-f]{32})"
_EXT = r"(?P<ext>\.json)"
#: (tool, pattern of a conflict copy's name). The stem is a session id; ``who`` names the
#: device (or person) where the tool says so.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("Syncthing", re.compile(
        _SID + r"(?:\.sync-conflict-\d{8}-\d{6}-(?P<who>[A-Z0-9]{7}))+" + _EXT + r"\Z")),
    ("Dropbox", re.compile(
        _SID + r" \((?P<who>[^()]{0,100}?)'s conflicted copy \d{4}-\d{2}-\d{2}"
        r"(?: \(\d+\))?\)(?: \(\d+\))?" + _EXT + r"\Z")),
    ("Nextcloud", re.compile(
        _SID + r" \(conflicted copy \d{4}-\d{2}-\d{2}(?: \d{6})?(?: \(\d+\))?\)(?: \(\d+\))?"
        + _EXT + r"\Z")),
    ("ownCloud", re.compile(_SID + r"_conflict-\d{8}-\d{6}" + _EXT + r"\Z")),
)
_SESSION_FILE = re.compile(r"[0-9a-f]{32}\.json\Z")
_INDEX_COPY = re.compile(r"index(?:\.sync-conflict-\d{8}-\d{6}-[A-Z0-9]{7}| \([^/]*conflicted "
                         r"copy[^/]*\)|_conflict-\d{8}-\d{6})\.json\Z")


@dataclass(frozen=True)
class ConflictCopy:
    """A file a sync tool left in ``sessions/``: which session it copies, from where."""

    path: Path
    session_id: str
    tool: str
    #: Where the tool says it came from: a Syncthing device id's first 7 letters, a Dropbox
    #: device or person; for Nextcloud, only the tool's name.
    source: str


@dataclass(frozen=True)
class ConflictReport:
    """What was done with one conflict copy (no note text: reports may be logged)."""

    session_id: str
    #: The copy's file name as the sync tool made it (shown through printable_line).
    copy_name: str
    tool: str
    source: str
    #: What merging did, as a phrase, or what went wrong.
    outcome: str
    #: Where the copy is kept now, relative to the archive (``None``: left in sessions/).
    kept_as: str | None = None
    #: Two different signed versions: a person must choose (see docs/sync.md).
    needs_decision: bool = False
    #: Nothing was done (read-only, or the copy or the session could not be read).
    pending: bool = False
    #: The session's record changed (the copy added something and it was written).
    merged: bool = False

    @property
    def line(self) -> str:
        where = f"; the copy is kept as {self.kept_as}" if self.kept_as else ""
        return printable_line(f"session {self.session_id[:8]}: {self.tool} conflict copy from "
                              f"{self.source}: {self.outcome}{where}")


def is_session_file_name(name: str) -> bool:
    """Whether ``name`` is a session file's (``<32 hex>.json``)."""
    # The length first: opening an archive asks this of every one of 10,000 names.
    return len(name) == 37 and _SESSION_FILE.match(name) is not None


def is_conflict_copy_name(name: str) -> bool:
    """Whether ``name`` is a sync tool's conflict copy of a session file (merged on open,
    never set aside as damaged)."""
    return not is_session_file_name(name) and any(p.match(name) for _, p in _PATTERNS)


def parse_copy_name(path: Path) -> ConflictCopy | None:
    """The conflict copy named ``path``, or ``None`` if its name is not one."""
    name = path.name
    for tool, pattern in _PATTERNS:
        m = pattern.match(name)
        if m:
            who = (m.groupdict().get("who") or "").strip()
            if tool == "Syncthing":
                source = f"Syncthing device {who}"
            elif tool == "Dropbox" and who:
                source = who
            else:
                source = f"another {tool} device"
            return ConflictCopy(path, m["sid"], tool, printable_line(source)[:100])
    return None


def find_copies(sessions_dir: Path) -> list[ConflictCopy]:
    """The conflict copies in ``sessions_dir``, in name order (each device merges alike)."""
    try:
        names = sorted(os.listdir(sessions_dir))
    except FileNotFoundError:
        return []
    found = []
    for name in names:
        if name.startswith(".") or not name.endswith(".json") or is_session_file_name(name):
            continue
        copy = parse_copy_name(sessions_dir / name)
        if copy is not None:
            found.append(copy)
    return found


def load_copy(path: Path, sid: str, codec: Codec | None) -> Session:
    """Read ``path`` (a session file or a copy of one) as the session ``sid``.

    A sealed file is bound to its file name (it is the associated data of its encryption), and
    a conflict copy has another name: it is opened as the session file it copies (and, for a
    copy sealed under its own name by a conversion, as itself). Raises :class:`DamagedFile`.
    """
    try:
        raw = read_limited(path, COPY_MAX_BYTES)
    except (OSError, ValueError) as exc:
        raise DamagedFile(path, f"cannot be read ({getattr(exc, 'strerror', None) or exc})") \
            from None
    if codec is not None:
        try:
            raw = codec.decode(raw, path.with_name(session_file_name(sid)))
        except DamagedFile:
            raw = codec.decode(raw, path)
    elif raw.startswith(SEALED_MAGIC):
        raise SealedFile(path)
    try:
        doc = orjson.loads(raw)[_SESSION_TABLE]["1"]
        data, _ = migrate(dict(doc))
        session = _from_dict(data)
    except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError):
        raise DamagedFile(path, "is not a session file") from None
    except ValueError as exc:
        raise DamagedFile(path, f"has a bad field: {exc}") from None
    if session.id != sid:
        raise DamagedFile(path, "holds another session than its name says")
    return session


#: While one conflict copy is merged: the entries read from the first of its two versions,
#: by id, with their stored form. The other version is mostly the same entries; those are
#: taken as read instead of being checked again (two sessions of 2,000 entries: 13 ms each).
#: A context variable, so two archives opening in two threads never share it.
_READ_ENTRIES: ContextVar[dict[str, tuple[dict[str, Any], Entry]] | None] = ContextVar(
    "kapsession_read_entries", default=None)


@contextmanager
def _reading_a_pair() -> Iterator[None]:
    token = _READ_ENTRIES.set({})
    try:
        yield
    finally:
        _READ_ENTRIES.reset(token)


def _from_dict(data: dict[str, Any]) -> Session:
    """``Session.from_dict``; within :func:`_reading_a_pair`, an entry stored exactly as in
    the version read before is that entry (it passed the same checks): the two sessions share
    it, which is safe only because a merge never changes what it merges."""
    known = _READ_ENTRIES.get()
    raw_entries = data.get("entries")
    if known is None or not isinstance(raw_entries, list):
        return Session.from_dict(data)
    taken: list[Entry | None] = []
    fresh = []
    for raw in raw_entries:
        eid = raw.get("id") if isinstance(raw, dict) else None
        seen = known.get(eid) if isinstance(eid, str) else None
        # A dose stays in what Session.from_dict sees: it checks that a visit has none.
        if seen is not None and seen[0] == raw and raw.get("kind") not in ("dose", "booster"):
            taken.append(seen[1])
        else:
            taken.append(None)
            fresh.append(raw)
    if len(fresh) == len(raw_entries):
        session = Session.from_dict(data)
    else:
        try:
            session = Session.from_dict({**data, "entries": fresh})
        except ValueError:
            session = Session.from_dict(data)  # raises again, naming the entry's own index
        parsed = iter(session.entries)
        session.entries = [e if e is not None else next(parsed) for e in taken]
    if not known:
        for raw, entry in zip(raw_entries, session.entries, strict=True):
            known[entry.id] = (raw, entry)
    return session


def resolve(
    root: Path,
    *,
    load: Callable[[Path, str], Session],
    write: Callable[[Session], None] | None,
    write_all: Callable[[list[Session]], dict[str, str]] | None = None,
) -> list[ConflictReport]:
    """Merge every conflict copy in ``root/sessions`` into its session and move it to
    ``root/conflicts``; remove conflict copies of the index. ``write`` stores a merged session
    (``None``: read-only, so only report). ``write_all``, if given, stores them all at once
    (one sync for all, not one per session) and returns the ids it could not write, with why.
    Never raises for one copy: its report says why.

    Every merge is planned first, then the merged sessions are written, then the copies
    moved: a copy leaves ``sessions/`` only once what was merged from it is on the disk, so a
    crash at any point merges it again next time (a merge of what is already there changes
    nothing). Two copies of one session merge one after the other into one write."""
    sessions_dir = root / SESSIONS_DIR
    if write is not None:
        _drop_index_copies(root)
    plans: list[_Plan] = []
    merged: dict[str, Session] = {}  # to be written, by id, in the order first merged
    for copy in find_copies(sessions_dir):
        try:
            plans.append(_plan_one(root, copy, load, merged, read_only=write is None))
        except (ArchiveError, OSError) as exc:
            plans.append(_Plan(copy, _not_merged(copy, exc)))
    failed: dict[str, str] = {}
    if merged:
        assert write is not None
        if write_all is not None:
            failed = write_all(list(merged.values()))
        else:
            for session in merged.values():
                try:
                    write(session)
                except (ArchiveError, OSError) as exc:
                    failed[session.id] = getattr(exc, "strerror", None) or str(exc)
    reports = []
    for plan in plans:
        if plan.done is not None:
            reports.append(plan.done)
            continue
        copy = plan.copy
        why = failed.get(plan.writes) if plan.writes else None
        if why is not None:
            reports.append(_report(copy, f"not merged ({why}); left in place", pending=True))
            continue
        try:
            kept = _move(root, copy.path, to_decide=plan.to_decide)
        except OSError as exc:
            reports.append(_not_merged(copy, exc))
            continue
        reports.append(_report(copy, plan.outcome, kept, needs_decision=plan.to_decide,
                               merged=plan.writes is not None))
    # The moves are made durable once, together (each after what it merged was written).
    moved = {(root / r.kept_as).parent for r in reports if r.kept_as is not None}
    for folder in (sessions_dir, *sorted(moved)) if moved else ():
        _try_fsync_dir(folder)
    return reports


@dataclass
class _Plan:
    """What to do with one copy: report ``done`` as it is, or move it (to the folder for a
    person when ``to_decide``) once the session ``writes`` (if any) is written."""

    copy: ConflictCopy
    done: ConflictReport | None = None
    outcome: str = ""
    to_decide: bool = False
    writes: str | None = None


def _not_merged(copy: ConflictCopy, exc: BaseException) -> ConflictReport:
    why = getattr(exc, "strerror", None) or str(exc)
    log.warning("could not merge a conflict copy of session %s: %s", copy.session_id[:8],
                type(exc).__name__)
    return _report(copy, f"not merged ({why}); left in place", pending=True)


def _try_fsync_dir(folder: Path) -> None:
    try:
        fsync_dir(folder)
    except OSError:
        pass  # durability of a move only: the next open merges the copy again


def _plan_one(root: Path, copy: ConflictCopy, load: Callable[[Path, str], Session],
              merged: dict[str, Session], *, read_only: bool) -> _Plan:
    if read_only:
        return _Plan(copy, _report(copy, "not merged yet: this window only reads the archive; "
                                   "the window that writes merges it", pending=True))
    sid = copy.session_id
    session_path = root / SESSIONS_DIR / session_file_name(sid)
    if sid not in merged and not session_path.exists():
        try:
            theirs = load(copy.path, sid)
        except DamagedFile as exc:
            return _Plan(copy, _report(copy, f"the copy cannot be read ({exc.problem}); left "
                                       "in place", pending=True))
        # The tool kept only the copy (the file itself was removed): the copy is the session.
        merged[sid] = theirs
        return _Plan(copy, outcome="restored as the session (its file was missing)",
                     writes=sid)
    with _reading_a_pair():
        try:
            theirs = load(copy.path, sid)
        except DamagedFile as exc:
            return _Plan(copy, _report(copy, f"the copy cannot be read ({exc.problem}); left "
                                       "in place", pending=True))
        ours = merged[sid] if sid in merged else load(session_path, sid)
    from ..model.merge import merge  # only when there is a copy: not on every open

    result = merge(ours, theirs, source=copy.source)
    if result.needs_decision:
        return _Plan(copy, outcome=result.summary, to_decide=True,
                     writes=sid if sid in merged else None)
    if result.changed:
        merged[sid] = result.session
    return _Plan(copy, outcome=result.summary, writes=sid if sid in merged else None)


def _report(copy: ConflictCopy, outcome: str, kept_as: str | None = None, *,
            needs_decision: bool = False, pending: bool = False,
            merged: bool = False) -> ConflictReport:
    return ConflictReport(copy.session_id, printable_line(copy.path.name), copy.tool,
                          copy.source, outcome, kept_as, needs_decision, pending, merged)


def _move(root: Path, path: Path, *, to_decide: bool) -> str:
    """Move ``path`` into conflicts/ (or conflicts/to-decide/) under a name not yet taken;
    the relative path it got."""
    folder = ensure_private_dir(root / CONFLICTS_DIR)
    if to_decide:
        folder = ensure_private_dir(folder / TO_DECIDE_DIR)
    target = folder / path.name
    n = 1
    while target.exists():
        n += 1
        target = folder / f"{path.stem}.{n}{path.suffix}"
    os.replace(path, target)  # same file system: the archive folder
    os.chmod(target, FILE_MODE)
    return str(target.relative_to(root))


def index_copies(root: Path) -> list[str]:
    """Sync tools' conflict copies of the index in the archive folder (a short listing)."""
    try:
        return [name for name in os.listdir(root) if _INDEX_COPY.match(name)]
    except OSError:
        return []


def _drop_index_copies(root: Path) -> None:
    """Conflict copies of the index are a cache of the session files, rebuilt from them."""
    try:
        names = os.listdir(root)
    except OSError:
        return
    for name in names:
        if _INDEX_COPY.match(name):
            try:
                os.unlink(root / name)
            except OSError:
                pass


def to_decide(root: Path) -> list[str]:
    """The copies kept for a person to decide (two signed versions), by file name."""
    try:
        return sorted(n for n in os.listdir(root / CONFLICTS_DIR / TO_DECIDE_DIR)
                      if not n.startswith("."))
    except (FileNotFoundError, NotADirectoryError):
        return []


def merged_earlier(root: Path) -> list[tuple[ConflictCopy, float]]:
    """The copies merged before now and kept in ``conflicts/``, newest first, with when each
    was put there (its file's time: the move keeps the sync tool's time, so it is when the
    other device wrote it)."""
    try:
        entries = list(os.scandir(root / CONFLICTS_DIR))
    except (FileNotFoundError, NotADirectoryError):
        return []
    kept = []
    for entry in entries:
        copy = parse_copy_name(Path(entry.path)) if entry.is_file() else None
        if copy is not None:
            try:
                kept.append((copy, entry.stat().st_mtime))
            except OSError:
                continue
    return sorted(kept, key=lambda pair: pair[1], reverse=True)


def summary_line(reports: list[ConflictReport], waiting: list[str]) -> str | None:
    """One line about sync conflicts for the home screen's banner (``None``: nothing to say)."""
    merged = sum(1 for r in reports if not r.pending and not r.needs_decision)
    pending = sum(1 for r in reports if r.pending)
    parts = []
    if merged:
        parts.append(f"{merged} conflict {'copy' if merged == 1 else 'copies'} from another "
                     "device merged")
    if pending:
        parts.append(f"{pending} not merged yet")
    if waiting:
        parts.append(f"{len(waiting)} signed {'session' if len(waiting) == 1 else 'sessions'}"
                     " with two versions for you to decide")
    if not parts:
        return None
    return "Sync: " + "; ".join(parts) + " — run `kapsession conflicts` for details."
