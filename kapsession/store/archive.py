"""The archive: a folder of sessions, one file each, behind one small facade.

What is on disk and under which names is :mod:`.layout`'s; the session files are
:class:`~.session_files.SessionFiles`'; the list's cache is :class:`~.index.Index`; the lock
is :class:`~.lock.ArchiveLock`; encryption is :mod:`.crypto`. This class opens them together,
keeps the summaries the list shows, and applies each change: to the model first, then to disk,
before it returns.

Every change rewrites only that session's file (atomically, durably), so its cost does not
grow with the archive. The index is rewritten on close (and after bulk loads): on open any
session file whose size or time differs from its index row is read again, so a crash before
the index was written never shows stale data, and costs one file read per session changed
since.
"""

from __future__ import annotations

import gc
import logging
import os
import secrets
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from ..model import (
    ChecklistItem,
    Entry,
    Session,
    SessionSummary,
    Vitals,
    VitalsThresholds,
    checklist_from_texts,
)
from ..model.protocols import Observation, Protocol
from ..model.session import UNDO_WINDOW, Addendum, LiveOn, Proceeded
from ..model.text import printable_line
from ..model.times import Clock, clock_rate, system_clock
from .conflicts import (
    ConflictReport,
    index_copies,
    is_conflict_copy_name,
    load_copy,
    parse_copy_name,
)
from .conflicts import resolve as resolve_conflicts
from .device_key import device_key
from .devices import LiveElsewhere, this_device
from .errors import (
    AmbiguousSessionId,
    ArchiveReadOnly,
    FutureSchema,
    MissingHeader,
    SessionUnreadable,
    StorageError,
    UnknownSession,
)
from .fsutil import FILE_MODE, ensure_private_dir, remove_stale_temps, shown_path
from .index import HEAD_ROWS, Index, fresh_summary, row_of
from .layout import (
    SEALED_MAGIC,
    SYNC_IGNORE_FILE,
    Layout,
    Stat,
    session_file_name,
    session_id_of,
    sync_ignore_text,
)
from .lock import ArchiveHeld, ArchiveLock
from .session_files import SessionFiles, load_session_file
from .storage import Codec, DamagedFile, SealedFile

__all__ = ["Archive", "load_session_file"]

#: check_for_conflicts lists the sessions folder at least this often (seconds), changed or not.
RELIST_S = 60.0

log = logging.getLogger(__name__)
T = TypeVar("T")


def _starts_with(path: Path, magic: bytes) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(len(magic)) == magic
    except OSError:  # missing, a folder, unreadable: reading it later says what is wrong
        return False


def _holds_sealed_files(layout: Layout) -> bool:
    """Whether the (header-less) archive holds sealed files. The index's first bytes tell;
    without an index, every session file is about to be read anyway."""
    if layout.index.exists():
        return _starts_with(layout.index, SEALED_MAGIC)
    try:
        names = os.listdir(layout.sessions)
    except FileNotFoundError:
        return False
    return any(_starts_with(layout.sessions / name, SEALED_MAGIC) for name in names
               if session_id_of(name) is not None)


def _take_lock(layout: Layout) -> tuple[ArchiveLock | None, str | None]:
    """The archive's lock, or ``None`` and why this process may only read.

    Only the holder of the lock writes. When another window holds it, or the lock file cannot
    be used (a folder, no permission, a read-only disk), the archive still opens, read-only:
    the therapist's notes are never out of reach because of the lock.
    """
    try:
        ensure_private_dir(layout.root)
        ensure_private_dir(layout.sessions)
        lock = ArchiveLock.acquire(layout.root)
    except ArchiveHeld:
        return None, ArchiveReadOnly.HELD_ELSEWHERE
    except OSError as exc:
        if not layout.sessions.is_dir():
            raise  # nothing to read either: say what went wrong
        why = exc.strerror or type(exc).__name__
        return None, (f"its lock file {layout.lock.name} cannot be used ({why}), so nothing "
                      "may be changed; remove or repair it to write again")
    return lock, None


def _write_sync_ignores(layout: Layout) -> None:
    """Tell Syncthing which files each computer keeps for itself, unless the person already
    has an ignore file there (theirs is left as it is; docs/sync.md says what to add). The
    index is only believed on the computer that wrote it: synced, every open elsewhere would
    read every session file and write it anew."""
    path = layout.root / SYNC_IGNORE_FILE
    if path.exists():
        return
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(sync_ignore_text())
    except OSError:
        pass  # a read-only or full disk: syncing still works, only less cheaply


class Archive:
    """A folder of sessions. Open with :meth:`Archive.open`; close (or use ``with``) when done.

    Every method that changes a session writes it to disk before returning. Invalid input
    raises ``ValueError`` naming the field; a read-only archive raises :class:`ArchiveReadOnly`;
    a failed write raises :class:`StorageError` and leaves what was stored untouched.
    """

    def __init__(self, path: Path, *, clock: Clock, thresholds: VitalsThresholds,
                 read_only: bool, lock: ArchiveLock | None, codec: Codec | None = None,
                 read_only_reason: str | None = None, index_key: bytes | None = None,
                 device: str | None = None) -> None:
        self.path = path
        self.layout = Layout(path)
        #: How files are sealed on disk (``None``: plain JSON; see :mod:`.crypto`).
        self.codec = codec
        self.clock = clock
        #: Undo stays two real minutes when a practice clock runs N times faster.
        self.undo_window = UNDO_WINDOW * clock_rate(clock)
        self.thresholds = thresholds
        self.read_only = read_only
        #: Why a read-only archive is read-only, as a sentence (``None`` when writable or
        #: when read-only was asked for).
        self.read_only_reason = read_only_reason
        self._lock = lock
        self._files = SessionFiles(self.layout, codec=codec, read_only=read_only)
        self._index = Index(self.layout.index, key=index_key, codec=codec)
        self._problems: list[str] = []
        self._unreadable: dict[str, str] = {}
        self._summaries_: dict[str, SessionSummary] = {}
        self._stats_: dict[str, Stat] = {}
        # Opened with ``lazy``: the index's newest rows, shown before the rest is read, and
        # the index's bytes (already checked) for when it is. ``None`` once all is read.
        self._head: list[SessionSummary] | None = None
        self._index_raw: bytes | None = None
        self._live: dict[str, Session] = {}
        self._persisted: dict[str, dict[str, Any]] = {}
        self._sorted: list[SessionSummary] | None = None
        self._live_sorted: list[SessionSummary] = []
        self._index_dirty = False
        self._closed = False
        self._conflict_reports: list[ConflictReport] = []  # issue 19 (helper-g)
        self._sessions_mtime: int | None = None  # see check_for_conflicts
        self._listed_at = time.monotonic()
        #: This device's name, stored in a session when it goes live here (issue 19).
        self.device = this_device(device)

    # ---- opening and closing ------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        clock: Clock | None = None,
        thresholds: VitalsThresholds | None = None,
        read_only: bool = False,
        passphrase: str | None = None,
        device: str | None = None,
        lazy: bool = False,
    ) -> Archive:
        """Open (creating if needed) the archive at ``path``.

        If another process holds the archive, this one opens read-only; check ``read_only``.
        An encrypted archive needs its ``passphrase``.

        ``lazy``: read only the index's head now, so :meth:`first_page` answers at once (the
        screens draw it before anything else); everything else (the rest of the index, a
        ``stat`` of every session file, sync conflict copies) is read by
        :meth:`finish_loading`, or by the first method that needs it. Without a head this
        device vouches for, the archive is read whole at once, as without ``lazy``.
        """
        layout = Layout(Path(path).expanduser())
        lock: ArchiveLock | None = None
        reason: str | None = None
        if not read_only:
            lock, reason = _take_lock(layout)
            read_only = lock is None
        elif not layout.root.is_dir():
            raise FileNotFoundError(f"no archive at {layout.root}")
        codec = None
        try:
            if layout.header.exists():
                from .crypto import codec_for

                # Raises WrongPassphrase / PassphraseRequired with one clear message; the
                # writer brings an old header up to date.
                codec = codec_for(layout.root, passphrase, writer=lock is not None)
            elif _holds_sealed_files(layout):
                # Sealed files without their header: nothing may be set aside as damaged, and
                # nothing written in plain text beside them. (Files that changed since the
                # index was written are checked as they are read: see _read_session.)
                raise MissingHeader(layout.root)
        except BaseException:
            if lock is not None:
                lock.release()
            raise
        archive = cls(layout.root, clock=clock or system_clock, thresholds=thresholds or
                      VitalsThresholds(), read_only=read_only, lock=lock, codec=codec,
                      read_only_reason=reason, index_key=device_key(), device=device)
        try:
            archive._open_lazily() if lazy else archive._load()
        except BaseException:
            archive.close()
            raise
        if not archive.read_only:  # only once it opened: a refused archive gets nothing new
            _write_sync_ignores(layout)
        return archive

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Write the index and release the lock. Safe to call twice.

        An index that cannot be written (disk full) is only a cache: the next open reads the
        session files instead, so this says so in the log and does not raise."""
        if self._closed:
            return
        self._closed = True
        try:
            if not self.read_only and self._index_dirty:
                self._try_flush_index()
        finally:
            if self._lock is not None:
                self._lock.release()

    # ---- loading ------------------------------------------------------------------------

    def _open_lazily(self) -> None:
        try:
            got = self._index.read_head()
        except (SealedFile, DamagedFile):
            got = None  # the whole load says what is wrong, as it always has
        if got is None:
            self._load()
        else:
            self._head, self._index_raw = got

    @property
    def loaded(self) -> bool:
        """Whether everything is read (always, unless opened ``lazy`` and not yet needed)."""
        return self._head is None

    def finish_loading(self) -> None:
        """Read what a ``lazy`` open left for later (nothing if all is read): the rest of the
        index, every session file's size and time (files changed since the index was written
        are read again), sync conflict copies. Any method that needs the whole archive calls
        it first."""
        if self._head is None:
            return
        head, raw = self._head, self._index_raw
        self._head = self._index_raw = None  # read from here on (the accessors come back)
        try:
            self._load(raw)
        except BaseException:
            # Not read after all: nothing half-read stands for the archive; asked again, it
            # tries again (and says what went wrong again).
            self._summaries_.clear()
            self._stats_.clear()
            self._head, self._index_raw = head, raw
            raise

    def first_page(self) -> list[SessionSummary]:
        """The newest sessions, up to the index's head (:data:`.index.HEAD_ROWS`): the list's
        first page. Before :meth:`finish_loading` they come from the index alone, which this
        device wrote and vouched for; the files behind them are checked when it runs."""
        if self._head is not None:
            return list(self._head)
        return self._newest_first()[:HEAD_ROWS]

    # What a lazy open leaves unread is read on first use of any of these (finish_loading
    # returns at once when all is read).

    @property
    def _summaries(self) -> dict[str, SessionSummary]:
        self.finish_loading()
        return self._summaries_

    @property
    def _stats(self) -> dict[str, Stat]:
        self.finish_loading()
        return self._stats_

    @property
    def problems(self) -> list[str]:
        """Messages about files that could not be read or written (each names the file)."""
        self.finish_loading()
        return self._problems

    @property
    def unreadable(self) -> dict[str, str]:
        """Sessions whose file could not be read: id → message naming the file and why."""
        self.finish_loading()
        return self._unreadable

    def _load(self, index_raw: bytes | None = None) -> None:
        # Building one summary per session creates tens of thousands of objects, none of them
        # garbage: the cyclic collector's passes meanwhile are pure cost (~15% at 10,000).
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            self._load_index_and_files(index_raw)
        finally:
            if was_enabled:
                gc.enable()

    def _load_index_and_files(self, index_raw: bytes | None) -> None:
        indexed: dict[str, list[Any]] = {}
        try:
            indexed, current = self._index.read(index_raw)
            if not current:
                self._index_dirty = True  # rewrite it, vouched for, in today's layout
        except SealedFile:
            raise MissingHeader(self.path) from None
        except DamagedFile as exc:
            self._set_aside(self.layout.index, exc.problem, note="it will be rebuilt")
            self._index_dirty = True
        if not self.read_only:
            remove_stale_temps(self.path)
        for sid, stat in self._files.scan():
            summary = fresh_summary(indexed.pop(sid, None), stat)
            if summary is not None:
                self._summaries[sid] = summary
                self._stats[sid] = stat
                continue
            session = self._read_session(sid)
            if session is not None:
                self._remember(session, stat)
                self._index_dirty = True
        if indexed:  # rows for files that are gone
            self._index_dirty = True
        if self._index_dirty and not self.read_only:
            self._try_flush_index()
        # issue 19 (helper-g): merge sync tools' conflict copies; one call, for the lead to
        # re-wire in the facade. Reading goes through load_copy so sealed copies open too.
        # After the index write: a merged session only marks the index for close.
        # Only when the scan saw one (or the root holds an index copy): listing the folder
        # again cost every open 15 ms at 10,000 sessions.
        if self._files.conflict_copies or index_copies(self.layout.root):
            self._conflict_reports = self._resolve_conflicts()
        self._sessions_mtime = self._sessions_folder_mtime()

    def _resolve_conflicts(self) -> list[ConflictReport]:
        writable = not self.read_only
        return resolve_conflicts(self.path, load=lambda path, sid: load_copy(path, sid, self.codec),
                                 write=self._write if writable else None,
                                 write_all=self._write_all if writable else None)

    def _write_all(self, sessions: list[Session]) -> dict[str, str]:
        """Write merged sessions, each on disk before it replaces its file (a crash leaves
        one whole version), and sync their folder once for all (a durable write syncs it
        after every file). The ids not written, with why: their copies stay to be merged
        again."""
        failed: dict[str, str] = {}
        self._files.sync_folder = False
        try:
            for session in sessions:
                try:
                    self._write(session)
                except StorageError as exc:
                    failed[session.id] = str(exc)
        finally:
            self._files.sync_folder = True
        if len(failed) < len(sessions):
            try:
                self._files.sync_folder_now()
            except OSError as exc:
                why = os.strerror(exc.errno) if exc.errno else "the disk did not confirm"
                failed.update({s.id: why for s in sessions})
        return failed

    def _sessions_folder_mtime(self) -> int | None:
        try:
            return os.stat(self.layout.sessions).st_mtime_ns
        except OSError:
            return None

    def check_for_conflicts(self, before_merge: Callable[[set[str]], object] | None = None
                            ) -> list[ConflictReport]:
        """Merge the sync conflict copies that arrived since the archive was read (a sync tool
        works while the app runs); what was done now, also added to :meth:`conflicts`.

        Cheap enough to call every few seconds: one ``stat`` of the sessions folder, and a
        listing of it only when its time changed (a file was added, renamed or removed, this
        window's own saves included) or a minute has passed (a file system whose times tick
        coarsely can give a copy written just after a save the same time). A read-only window
        reports a copy once and leaves it for the window that writes.

        ``before_merge`` runs when there is something to merge, before anything is, with the
        ids of the sessions the copies are of: the screens showing them write what is typed
        but not yet saved, so the merge has it, and nothing saved afterwards from an older
        form writes over what the other device added.

        A copy left in place (it could not be read or written, or this window only reads)
        is tried again at each listing, and said again only when something changes for it."""
        if self._head is not None or self._closed:
            return []  # not read yet: finish_loading merges what is there
        mtime = self._sessions_folder_mtime()
        now = time.monotonic()
        if mtime == self._sessions_mtime and now - self._listed_at < RELIST_S:
            return []
        self._sessions_mtime, self._listed_at = mtime, now
        try:
            names = os.listdir(self.layout.sessions)
        except OSError:
            return []
        copies = [n for n in names if is_conflict_copy_name(n)]
        left = {r.copy_name: r for r in self._conflict_reports if r.pending}
        fresh = [n for n in copies if printable_line(n) not in left]
        if not (fresh or (copies and not self.read_only)) and not index_copies(self.layout.root):
            return []  # nothing new, and a read-only window cannot do more for the rest
        if before_merge is not None:
            ids = {c.session_id for n in copies
                   if (c := parse_copy_name(self.layout.sessions / n)) is not None}
            before_merge(ids)
        reports = []
        for report in self._resolve_conflicts():
            before = left.get(report.copy_name)
            if before is not None and report.pending and report.outcome == before.outcome:
                continue  # left in place as before: said once already
            if before is not None:
                self._conflict_reports.remove(before)  # this report takes its place
            reports.append(report)
        self._conflict_reports.extend(reports)
        self._sessions_mtime = self._sessions_folder_mtime()  # the moves changed it again
        return reports

    def conflicts(self) -> list[ConflictReport]:
        """What was done with sync tools' conflict copies when the archive opened (issue 19;
        copies still waiting for a person: :func:`.conflicts.to_decide`)."""
        self.finish_loading()
        return list(self._conflict_reports)

    def session_path(self, ref: str) -> Path:
        """The file that holds the session ``ref`` (for exports that read files in bulk)."""
        return self._files.path(self.resolve_id(ref))

    def _read_session(self, sid: str) -> Session | None:
        """Read one session file; set it aside (writable) or report it (read-only) if damaged.
        When it cannot be read, :attr:`unreadable` says why."""
        path = self._files.path(sid)
        try:
            session, changed = self._files.load(sid)
        except FutureSchema as exc:
            message = f"{shown_path(path.name)}: {exc} (left in place)"
            self.problems.append(message)
            self.unreadable[sid] = message
            return None
        except SealedFile:
            raise MissingHeader(self.path) from None
        except DamagedFile as exc:
            self.unreadable[sid] = self._set_aside(path, exc.problem)
            return None
        self.unreadable.pop(sid, None)
        if changed and not self.read_only:
            try:
                self._write(session)
            except StorageError as exc:
                # Open it as read, in today's shape; the file is rewritten with its next change.
                self.problems.append(f"{shown_path(path.name)}: not yet rewritten in today's "
                                     f"format ({exc})")
        return session

    def _set_aside(self, path: Path, problem: str, note: str = "") -> str:
        message = self._files.set_aside(path, problem, note)
        self.problems.append(message)
        return message

    def _remember(self, session: Session, stat: Stat | None) -> None:
        self._summaries[session.id] = SessionSummary.of(session)
        if stat is not None:
            self._stats[session.id] = stat
        self._sorted = None

    # ---- the index ----------------------------------------------------------------------

    def _try_flush_index(self) -> None:
        """Write the index if possible; if not, keep it in memory and say why once."""
        try:
            self.flush_index()
        except StorageError as exc:
            why = os.strerror(exc.errno) if exc.errno else "an I/O error"
            name = self.layout.index.name
            if not any(p.startswith(f"{name}:") for p in self.problems):
                self.problems.append(f"{name}: could not be written ({why}); the archive "
                                     "works without it, and it is written again later")
            log.warning("could not write the archive index: %s", why)

    def flush_index(self) -> None:
        """Rewrite the index from the summaries in memory (one atomic write)."""
        if self.read_only:
            return
        self._before_write()
        try:
            stats = self._stats
            self._index.write((row_of(summary, stats.get(summary.id, (0, 0)))
                               for summary in self._newest_first()),  # the head first
                              durable=self._files.durable)
        except OSError as exc:
            raise StorageError("the archive index", exc) from exc
        self._index_dirty = False

    # ---- reading ------------------------------------------------------------------------

    def sessions(self) -> list[SessionSummary]:
        """Summaries of every session, newest first. Opens no session file."""
        return list(self._newest_first())

    def _newest_first(self) -> list[SessionSummary]:
        # Kept until a summary changes: the UI asks for the list (and the live ones) often.
        if self._sorted is None:
            # Ties (two sessions in one minute) in id order, as the index's head was written.
            self._sorted = sorted(self._summaries.values(), key=lambda s: (s.date, s.id),
                                  reverse=True)
            self._live_sorted = [s for s in self._sorted if s.status == "live"]
        return self._sorted

    def __len__(self) -> int:
        return len(self._summaries)

    def live_sessions(self) -> list[SessionSummary]:
        """The sessions still live (usually none or one), newest first."""
        self._newest_first()
        return list(self._live_sorted)

    def summary(self, ref: str) -> SessionSummary:
        return self._summaries[self.resolve_id(ref)]

    def resolve_id(self, ref: str) -> str:
        """The full id for ``ref``, which may be any unique prefix of it."""
        ref = ref.strip().lower()
        if ref in self._summaries:
            return ref
        if not ref:
            raise UnknownSession(ref)
        matches = [sid for sid in self._summaries if sid.startswith(ref)]
        if not matches:
            unreadable = [sid for sid in self.unreadable if sid.startswith(ref)]
            if len(unreadable) == 1:  # say why, rather than that there is no such session
                raise SessionUnreadable(unreadable[0], self.unreadable[unreadable[0]])
            raise UnknownSession(ref)
        if len(matches) > 1:
            raise AmbiguousSessionId(ref, len(matches))
        return matches[0]

    def get(self, ref: str) -> Session:
        """The whole session (a copy: change it through the archive's methods).

        Raises :class:`SessionUnreadable` (an :class:`UnknownSession`) naming the file if it
        cannot be read; the session then leaves the list."""
        sid = self.resolve_id(ref)
        self._drop_if_replaced(sid)
        cached = self._live.get(sid)
        if cached is not None:
            return Session.from_dict(cached.to_dict())
        session = self._read_session(sid)
        if session is None:
            self._summaries.pop(sid, None)
            self._sorted = None
            raise SessionUnreadable(sid, self.unreadable.get(
                sid, f"{session_file_name(sid)}: cannot be read"))
        return session

    def iter_sessions(self, ids: Iterable[str] | None = None) -> Iterator[Session]:
        """Whole sessions, newest first (or for ``ids``), skipping any that became unreadable
        (:attr:`unreadable` names them)."""
        for sid in ids if ids is not None else [s.id for s in self.sessions()]:
            try:
                yield self.get(sid)
            except UnknownSession:
                continue

    def search_text(self, ref: str) -> str:
        """Everything typed into a session, lowercased, for the free-text filter.

        Reads the file directly (no caches touched), so it may run in a worker thread while
        the UI thread uses the archive. Returns '' for a file that cannot be read.
        """
        doc = self._files.raw(ref)
        if doc is None:
            return ""
        parts = [doc.get("intention") or "", doc.get("integration_notes") or ""]
        for entry in doc.get("entries") or []:
            parts.append(entry.get("text") or "")
            parts.extend(h.get("text") or "" for h in entry.get("history") or [])
        parts.extend(a.get("text") or "" for a in doc.get("addenda") or [])
        return "\n".join(p for p in parts if isinstance(p, str)).lower()

    def next_session_no(self, client: str) -> int:
        client = client.strip()
        numbers = [s.session_no for s in self._summaries.values() if s.client == client]
        return max(numbers, default=0) + 1

    def refresh(self) -> None:
        """Read again what changed on disk (for a read-only window beside a live one)."""
        self._head = self._index_raw = None
        self._summaries.clear()
        self._stats.clear()
        self.unreadable.clear()
        self._live.clear()
        self._persisted.clear()
        self._sorted = None
        self._load()

    # ---- writing ------------------------------------------------------------------------

    def _require_writable(self) -> None:
        if self.read_only:
            raise ArchiveReadOnly(self.path, self.read_only_reason)
        if self._closed:
            raise ValueError("the archive is closed")

    def _before_write(self) -> None:
        if self._lock is not None:
            self._lock.check()  # LockLost: another window may hold the archive now
        if self.codec is not None:
            try:
                self.codec.keep_header(self.path)
            except OSError as exc:
                raise StorageError("the encryption header", exc) from exc

    def _write(self, session: Session) -> None:
        # Each entry encoded once, when it is new or changed: a long session's save
        # serialises what changed, not its whole timeline again (issue 18).
        data = self._files.stored(session)
        self._before_write()
        try:
            stat = self._files.write(data, session.id)
        except OSError as exc:
            raise StorageError(f"session {session.id[:8]}", exc) from exc
        self._persisted[session.id] = data
        self._live[session.id] = session
        self._remember(session, stat)
        self._index_dirty = True

    def _drop_if_replaced(self, sid: str) -> None:
        """issue 19 (helper-g): a sync tool may replace a session file under a running window,
        with a version from another device that already holds every change made here (each
        change is on disk before it returns). Then forget the copy in memory, so the next
        read or change starts from the file instead of writing the other device's away."""
        if sid not in self._live:
            return
        try:
            st = os.stat(self._files.path(sid))
        except OSError:
            return
        if (st.st_mtime_ns, st.st_size) != self._stats.get(sid):
            self._live.pop(sid, None)
            self._persisted.pop(sid, None)

    def _for_write(self, sid: str) -> Session:
        self._drop_if_replaced(sid)
        session = self._live.get(sid)
        if session is None:
            session = self._read_session(sid)
            if session is None:
                raise SessionUnreadable(sid, self.unreadable.get(
                    sid, f"{session_file_name(sid)}: cannot be read"))
            self._live[sid] = session
            self._persisted[sid] = self._files.stored(session)
        return session

    def _change(self, ref: str, change: Callable[[Session, datetime], T], *,
                take_over: bool = False) -> T:
        """Apply ``change`` to a session and write it; on any failure, undo it in memory."""
        self._require_writable()
        sid = self.resolve_id(ref)
        session = self._for_write(sid)
        elsewhere = session.live_elsewhere(self.device)  # issue 19 (helper-g)
        if elsewhere is not None and not take_over:
            raise LiveElsewhere(elsewhere)
        try:
            result = change(session, self.clock())
            self._write(session)
        except BaseException:
            self._live[sid] = self._files.session_of(self._persisted[sid])
            raise
        if isinstance(result, Entry):
            # A copy, as get() gives: the entry in the session held here changes only through
            # these methods (an assignment to it would be written at the next save, with no
            # history). Its fields cannot change in place, so the copy is cheap.
            return result.copy()  # type: ignore[return-value]
        return result

    def new_session(
        self,
        *,
        client: str,
        route: str | None = None,
        dose_mg: float | str | None = None,
        intention: str = "",
        medicine: str = "ketamine",
        therapist: str = "",
        prep_checklist: Iterable[str | ChecklistItem] = (),
        baseline: Vitals | dict[str, Any] | None = None,
        protocol: Protocol | None = None,
        live: bool = False,
        kind: str = "dosing",
    ) -> Session:
        """Create a planned session (``live=True`` starts its clock at once) and save it.

        ``kind="preparation"`` or ``"integration"`` makes a visit: no route, dose or clock;
        ``live=True`` then opens it for notes, scores and signing at once (it is held now)."""
        self._require_writable()
        items = [c if isinstance(c, ChecklistItem) else checklist_from_texts([c])[0]
                 for c in prep_checklist]
        if isinstance(baseline, dict):
            baseline = Vitals.create(**baseline, require_all=False)
        now = self.clock()
        sid = secrets.token_hex(16)
        session = Session.create(
            id=sid, now=now, client=client, session_no=self.next_session_no(client),
            route=route, medicine=medicine, dose_mg=dose_mg, therapist=therapist,
            intention=intention, prep_checklist=items, baseline=baseline, kind=kind,
            protocol=protocol,
        )
        if live:
            session.finish(now) if session.is_visit else session.go_live(now,
                                                                          device=self.device)
        self._write(session)
        return Session.from_dict(session.to_dict())

    def go_live(self, ref: str, proceeded: Proceeded | None = None) -> None:
        """planned → live; ``proceeded``: the pre-dose decision (flags, unticked, reason)."""
        self._change(ref, lambda s, now: s.go_live(now, proceeded, device=self.device))

    def live_elsewhere(self, ref: str) -> LiveOn | None:
        """Where the session is live, if on another device (issue 19): it is then read-only
        here until :meth:`take_over`."""
        return self.get(ref).live_elsewhere(self.device)

    def take_over(self, ref: str) -> Entry | None:
        """Write this live session on this device from now on (after the therapist confirmed
        it); the timeline records it. The other device should have stopped writing it."""
        return self._change(ref, lambda s, now: s.take_over(now, self.device), take_over=True)

    def update_preparation(self, ref: str, **fields: Any) -> None:
        """Change preparation fields (client, route, medicine, dose_mg, therapist, intention,
        prep_checklist, baseline)."""
        if "baseline" in fields and isinstance(fields["baseline"], dict):
            fields["baseline"] = Vitals.create(**fields["baseline"], require_all=False)
        if "client" in fields:
            # A changed client code means a new place in that client's numbering.
            def change(s: Session, now: datetime) -> None:
                old = s.client
                s.update_preparation(**fields)
                if s.client != old:
                    s.session_no = self.next_session_no(s.client)
            self._change(ref, change)
        else:
            self._change(ref, lambda s, now: s.update_preparation(**fields))

    def mark_dose(self, ref: str, mg: float | str | None = None,
                  lot: str | None = None) -> Entry:
        """First call: the dose (T0, the planned dose unless ``mg`` says otherwise).
        Later calls: a booster of ``mg``. ``lot``: the package's lot number."""
        return self._change(ref, lambda s, now: s.mark_dose(now, mg, lot))

    def add_note(self, ref: str, text: str, category: str | None = None,
                 flagged: bool = False) -> Entry:
        """Add a note; it is on disk, durably, when this returns."""
        return self._change(ref, lambda s, now: s.add_note(now, text, category=category,
                                                           flagged=flagged))

    def record_vitals(self, ref: str, *, systolic: Any = None, diastolic: Any = None,
                      heart_rate: Any = None, spo2: Any = None,
                      resp_rate: Any = None) -> Entry:
        """Record vitals (BP, heart rate and SpO₂ required); out-of-range values are flagged."""
        vitals = Vitals.create(systolic=systolic, diastolic=diastolic, heart_rate=heart_rate,
                               spo2=spo2, resp_rate=resp_rate)
        flagged = bool(self.thresholds.flags(vitals))
        return self._change(ref, lambda s, now: s.record_vitals(now, vitals, flagged=flagged))

    # ---- side effects and rescue medication (issue 15, item 4) ----

    def log_side_effect(self, ref: str, effect: str, detail: str = "",
                        severity: str | None = None) -> Entry:
        """A side effect; ``severity`` is mild, moderate or severe (``None``: not rated)."""
        return self._change(ref, lambda s, now: s.log_side_effect(now, effect, detail,
                                                                  severity))

    def log_rescue(self, ref: str, *, drug: str, mg: float | str, route: str,
                   at: datetime | None = None) -> Entry:
        """A rescue medication: drug, mg, route (PO, ODT, SL, IN, IM, IV) and when it was
        given (``at``; by default now, else a time within the session, never later)."""
        return self._change(ref, lambda s, now: s.log_rescue(now, drug, mg, route, at))

    # ----

    def log_rating(self, ref: str, scale: str, score: int | str) -> Entry:
        return self._change(ref, lambda s, now: s.log_rating(now, scale, score))

    def log_prompt(self, ref: str, text: str, situation: str) -> Entry:
        return self._change(ref, lambda s, now: s.log_prompt(now, text, situation))

    def edit_entry(self, ref: str, entry_id: str, text: str) -> Entry:
        return self._change(ref, lambda s, now: s.edit_entry(now, entry_id, text))

    def strike_entry(self, ref: str, entry_id: str, reason: str) -> Entry:
        return self._change(ref, lambda s, now: s.strike_entry(now, entry_id, reason))

    def restore_entry(self, ref: str, entry_id: str, reason: str = "") -> Entry:
        """A struck entry stands again; the strike stays in its history."""
        return self._change(ref, lambda s, now: s.restore_entry(now, entry_id, reason))

    def last_change(self, ref: str) -> Entry | None:
        """The entry whose record changed last, while undo still offers it."""
        return self.get(ref).last_change(self.clock(), self.undo_window)

    def undo_last(self, ref: str, entry_id: str) -> Entry:
        """Undo the last change (to ``entry_id``) with a new history event."""
        return self._change(ref, lambda s, now: s.undo_last(now, entry_id, self.undo_window))

    def save_draft(self, ref: str, text: str) -> None:
        """Keep the unsent note; skipped when it has not changed."""
        sid = self.resolve_id(ref)
        current = self._live.get(sid)
        if current is not None and current.draft == text:
            return
        self._change(sid, lambda s, now: s.set_draft(text))

    def end_session(self, ref: str) -> None:
        """live → ended."""
        self._change(ref, lambda s, now: s.finish(now))

    # ---- monitoring until discharge and the REMS form (issue #15) -------------------------

    def mark_ready(self, ref: str) -> None:
        """The client would be ready to leave (recorded, with its time)."""
        self._change(ref, lambda s, now: s.mark_ready(now))

    def discharge(self, ref: str) -> None:
        """The client is discharged: monitoring ends (after Finish)."""
        self._change(ref, lambda s, now: s.discharge(now))

    def observation(self, ref: str, default_minutes: int = 120) -> Observation:
        """The minimum observation now: ``minimum_minutes``, ``since`` (the last dose or
        booster), ``ends_at``, ``passed``. ``default_minutes`` serves a session without a
        protocol."""
        return self.get(ref).observation(self.clock(), default_minutes)

    def mark_device(self, ref: str) -> Entry:
        """The next intranasal device (the first is the dose when none was marked)."""
        return self._change(ref, lambda s, now: s.mark_device(now))

    def log_infusion(self, ref: str, event: str, rate: str | None = None) -> Entry:
        """An IV infusion's ``start`` (with its rate), ``rate`` change or ``stop``."""
        return self._change(ref, lambda s, now: s.log_infusion(now, event, rate))

    def set_protocol(self, ref: str, protocol: Protocol | None) -> None:
        self._change(ref, lambda s, now: s.update_preparation(protocol=protocol))

    def set_rems(self, ref: str, **answers: Any) -> None:
        """The therapist's answers for the REMS form (``None`` clears one)."""
        self._change(ref, lambda s, now: s.set_rems(**answers))

    def mark_rems_submitted(self, ref: str) -> None:
        self._change(ref, lambda s, now: s.mark_rems_submitted(now))

    def update_integration(self, ref: str, **fields: Any) -> None:
        """Change the discharge and integration checklists, date, notes and outcomes."""
        self._change(ref, lambda s, now: s.update_integration(**fields))

    def sign(self, ref: str, missing: list[str] | tuple[str, ...] = (),
             by: str | None = None) -> None:
        """ended → signed: read-only for ever after. ``missing``: REMS fields signed empty;
        ``by``: the signer's initials."""
        self._change(ref, lambda s, now: s.sign(now, missing, by))

    def add_addendum(self, ref: str, text: str) -> Addendum:
        """A dated addendum to a signed session."""
        return self._change(ref, lambda s, now: s.add_addendum(now, text))

    def add_existing(self, session: Session) -> bool:
        """Store a whole session as it is (import, demo data). Never replaces an existing id:
        returns ``False`` and changes nothing when the id is already in the archive."""
        self._require_writable()
        if session.id in self._summaries or self._files.exists(session.id):
            return False
        self._write(session)
        self._live.pop(session.id, None)  # not being worked on: do not keep it in memory
        self._persisted.pop(session.id, None)
        return True

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """Write many sessions fast: no fsync per file, one sync and one index write at the
        end. For demo data and imports, not for a live session."""
        self._require_writable()
        self._files.durable = False
        try:
            yield
        finally:
            self._files.durable = True
            self._files.sync()
            self.flush_index()
