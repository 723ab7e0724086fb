"""Home: the archive list, its filter, and the offer to resume a live session."""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable
from typing import Any, TypeVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from ...model import KapsessionError, SessionSummary, ValidationError
from ...model.filter import Filter, parse_filter, summary_haystack
from ...model.times import format_minutes, format_t_plus
from ...model.vocab import SESSION_KINDS, route_label
from ...store import UnknownSession
from ...store.conflicts import summary_line, to_decide
from ...store.devices import live_elsewhere_text
from ...store.index import HEAD_ROWS
from ..widgets.choice_dialog import ChoiceDialog
from ..widgets.footer import KapFooter
from ..widgets.session_table import Cell, Column, SessionTable

# Rows are added to the table a page at a time (more when the cursor reaches the end). The
# first page is the index's head, drawn before the rest of the archive is read: one number.
PAGE = HEAD_ROWS
# A read-only window re-reads the archive this often (seconds).
READ_ONLY_REFRESH_S = 30.0
# The live sessions' T+ in the banner is redrawn this often (seconds), while any is live.
BANNER_REFRESH_S = 15.0
# Notes are searched once typing pauses this long (seconds).
SEARCH_PAUSE_S = 0.3
COLUMNS = (Column("date"), Column("client"), Column("#", right=True),
           Column("route and dose", shrink=True),
           Column("duration", right=True), Column("status"), Column("entries", right=True))


def summary_row(s: SessionSummary) -> tuple[Cell, ...]:
    """The cells of a session's row (shown as they are: no markup)."""
    dose = f" {s.dose_mg:g} mg" if s.dose_mg else ""
    return (
        s.date.astimezone().strftime("%Y-%m-%d %H:%M"),
        s.client,
        str(s.session_no),
        route_label(s.route) + dose if s.kind == "dosing" else SESSION_KINDS[s.kind],
        format_minutes(s.duration_min),
        (s.status, "bold") if s.status == "live" else s.status,
        str(s.entries),
    )


#: Actions of the list's priority keys, off while the filter has focus (see BINDINGS).
_LIST_KEYS = frozenset({"new_session", "focus_filter", "export_session",
                        "client_history", "new_visit", "show_due", "resume", "toggle_sort",
                        "quit_app"})


_F = TypeVar("_F", bound=Callable[..., Any])


def _needs_the_archive(method: _F) -> _F:
    """For the list's keys and timers that need the whole archive. After a lazy open whose
    rest could not be read (a sessions folder gone with a disk, a sync tool), each tries to
    read it again, and while it cannot, does nothing more than say why: raising out of the
    handler would close the app."""
    @functools.wraps(method)
    def guarded(self: HomeScreen, *args: Any, **kwargs: Any) -> Any:
        if not self.archive.loaded and not self._finish_loading():
            return None
        return method(self, *args, **kwargs)

    return guarded  # type: ignore[return-value]


class HomeScreen(Screen[None]):
    """The archive, newest first."""

    HELP_TITLE = "archive"
    # Its CSS (home.tcss) is loaded with the app's: see KapsessionApp.CSS_PATH.
    # The list's keys are priority bindings: they act as the key is read, before the keys
    # typed after it are handed to the list, so "nC-0042" or "/C-0042" typed in one go lands
    # in the field the key opens. (A plain binding acts only once the key has come back up
    # from the list, after the rest went to the list and were lost.) While the filter has
    # focus they are off (check_action), and the letters are typed into it.
    BINDINGS = [
        Binding("n", "new_session", "New session", id="new_session", priority=True,
                tooltip="Prepare a new session"),
        Binding("enter", "open_session", "Open", id="open_session", show=False, priority=True,
                tooltip="Open the selected session"),
        Binding("slash", "focus_filter", "Filter", id="focus_filter", priority=True,
                tooltip="Filter: client code, 2026-11, >=2026-10-01, words in notes"),
        Binding("e", "export_session", "Export", id="export_session", priority=True,
                tooltip="Export the selected session to markdown"),
        Binding("c", "client_history", "Course", id="client_history", priority=True,
                tooltip="This client's course: every session and visit, scores and chart"),
        # Off the footer (it is full at 80 columns); in the help, the palette and the due line.
        Binding("v", "new_visit", "Visit", id="new_visit", show=False, priority=True,
                tooltip="A preparation or integration visit for the selected client"),
        Binding("d", "show_due", "Due", id="show_due", show=False, priority=True,
                tooltip="Integration visits to book, check-ins due, sessions to sign"),
        Binding("r", "resume", "Resume", id="resume", priority=True,
                tooltip="Resume the live session"),
        Binding("s", "toggle_sort", "Sort", id="toggle_sort", priority=True,
                tooltip="Sort by date (newest first) or by client code"),
        Binding("q", "quit_app", "Quit", id="home_quit", priority=True,
                tooltip="Quit kapsession"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="clear_filter",
                priority=True),
    ]

    sort_by_client = False

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[SessionSummary] = []
        self._haystacks: dict[str, tuple[SessionSummary, str]] = {}
        self._search_timer: Timer | None = None
        self._mounted_once = False
        self._unread_why: str | None = None  # why the rest of the archive could not be read

    def compose(self) -> ComposeResult:
        yield Static(id="banner", markup=False)
        yield Static(id="due-line", markup=False)
        yield Input(placeholder="/ to filter: client code, 2026-11, >=2026-10-01, words…",
                    id="filter", max_length=500)
        yield Static(id="filter-error", markup=False)
        yield Static(id="progress", markup=False)
        yield SessionTable(COLUMNS, id="sessions")
        yield Static(id="empty", markup=False)
        yield KapFooter()

    def on_mount(self) -> None:
        if self.archive.loaded:
            self.refresh_list()
        else:  # opened lazily (kapsession.launch)
            self._show_first_page()
        self.query_one("#sessions", SessionTable).focus()
        if self.archive.read_only:
            # The other window keeps writing: show its changes every so often.
            self.set_interval(READ_ONLY_REFRESH_S, self._reread)
        # The banner's T+ of a session still live keeps counting (a minute at a time).
        self.set_interval(BANNER_REFRESH_S, self._tick_banner)

    def archive_changed(self, session_ids: set[str]) -> None:
        """Sessions changed under the app (a sync tool's copies merged): list them again."""
        self.refresh_list()

    @_needs_the_archive
    def _tick_banner(self) -> None:
        if self.app.screen is self and self.archive.live_sessions():
            self._update_banner()

    @_needs_the_archive
    def _reread(self) -> None:
        if self.app.screen is self:
            self.archive.refresh()
            self.refresh_list()

    def on_screen_resume(self) -> None:
        # ScreenResume also arrives on the first push, right after on_mount filled the list.
        if self._mounted_once:
            self.refresh_list()
        self._mounted_once = True
        if self.archive.loaded:
            # After the list is drawn: at 10,000 sessions the due list takes a few tens of ms.
            self.call_after_refresh(self._update_due_line)

    def _show_first_page(self) -> None:
        """The newest rows, from the index's head of a lazily opened archive (see
        :meth:`after_first_frame`)."""
        self._rows = self.archive.first_page()
        self.query_one("#sessions", SessionTable).add_rows(
            [(s.id, summary_row(s)) for s in self._rows])

    def after_first_frame(self) -> None:
        """The app is running (Textual's Ready event) and the first frame, with the newest
        rows, is on its way to the terminal: for a lazily opened archive, the rest of the
        archive is read once it has gone."""
        if not self.archive.loaded:
            self.call_after_refresh(self._finish_loading)

    def _finish_loading(self) -> bool:
        """The first page is on the screen: read the rest of the archive (at 10,000 sessions
        about 30 ms: the whole index, a stat of every file, sync conflict copies), then show
        what the first page could not: changes found, the banner, what is due, the keys.
        Whether all is read now."""
        first = self._rows
        try:
            self.archive.finish_loading()
        except (KapsessionError, OSError) as exc:
            # What opening the archive would have said: the first page stays, read-only in
            # effect (every key that needs the rest asks again: _needs_the_archive).
            why = str(exc) if isinstance(exc, KapsessionError) else (exc.strerror or "I/O")
            if why != self._unread_why:  # said once, not at every key typed in the filter
                self._unread_why = why
                self.notify(f"The rest of the archive could not be read: {why}",
                            severity="error", timeout=30, markup=False)
            # For as long as it stays so: the rows shown are the index's, not checked since.
            empty = self.query_one("#empty", Static)
            empty.update(f"Only the newest sessions, as the index last listed them: the rest "
                         f"of the archive could not be read ({why}). The next key that needs "
                         "it tries again.")
            empty.display = True
            return False
        self._unread_why = None
        # What exists now (above all the summaries, one per session) lives as long as the
        # app: out of the cyclic collector's reach, as kapsession.launch does before the run.
        gc.freeze()
        rows = self.archive.sessions()
        if rows and rows[:len(first)] == first and not self.sort_by_client \
                and not self.query_one("#filter", Input).value:
            self._rows = rows  # the page drawn stands: the rest only makes more to page to
            self._show_count()
            self._update_banner()
        else:  # files changed since the index was written, merges, or no sessions (welcome)
            self.refresh_list()
        self.refresh_bindings()
        self._update_due_line()
        return True

    def _update_due_line(self) -> None:
        """One line: how much is due and the oldest item (the list itself is on `d`)."""
        from ...course_view import due_text
        from ...model.due import due_items

        items = due_items(self.archive.sessions(), self.app.clock(),  # type: ignore[attr-defined]
                          self.app.config.due_rules)  # type: ignore[attr-defined]
        line = self.query_one("#due-line", Static)
        line.display = bool(items)
        if items:
            n = len(items)
            # The count and the key first: a narrow screen cuts the end of the line.
            line.update(Text(f"Due (press d): {n} thing{'' if n == 1 else 's'}; oldest: "
                             f"{items[0].client} · {due_text(items[0])}", no_wrap=True,
                             overflow="ellipsis"))

    # ---- the list -----------------------------------------------------------------------

    @property
    def archive(self):  # noqa: ANN201 - the app's archive
        return self.app.archive  # type: ignore[attr-defined]

    def _filter(self) -> Filter:
        text = self.query_one("#filter", Input).value
        error = self.query_one("#filter-error", Static)
        try:
            flt = parse_filter(text)
        except ValidationError as exc:
            error.update(exc.problem)
            error.display = True
            return Filter()
        error.display = False
        return flt

    @_needs_the_archive
    def refresh_list(self) -> None:
        """Show the sessions the filter matches. Summaries answer at once; words that only
        the notes can contain are looked for in a worker (after a short typing pause), with
        progress shown."""
        flt = self._filter()
        summaries = self.archive.sessions()
        if self.sort_by_client:
            summaries = sorted(summaries, key=lambda s: (s.client.lower(), -s.session_no))
        rows: list[SessionSummary] = []
        pending: list[SessionSummary] = []
        if flt.empty:
            rows = summaries
        else:
            # A word that begins some client code is a client code being typed: it narrows
            # by client and is not looked for in the notes.
            clients = {s.client.lower() for s in summaries}
            client_words = {w for w in flt.words if any(c.startswith(w) for c in clients)}
            for s in summaries:
                if not flt.matches_summary(s, words=False):
                    continue
                hay = self._haystack(s)
                missing = [w for w in flt.words if w not in hay]
                if not missing:
                    rows.append(s)
                elif not client_words.intersection(missing):
                    pending.append(s)
        self._rows = rows
        self._show_rows(total_known=not pending)
        self._update_banner()
        empty = self.query_one("#empty", Static)
        if not summaries:
            empty.update("Welcome. No sessions yet: press n to prepare one, or start "
                         "`kapsession --demo` to try the app on sample sessions.")
        self.workers.cancel_group(self, "note-search")
        if self._search_timer is not None:
            self._search_timer.stop()
            self._search_timer = None
        progress = self.query_one("#progress", Static)
        if pending:
            progress.update("Searching the notes…")
            progress.display = True
            if SEARCH_PAUSE_S > 0:
                self._search_timer = self.set_timer(
                    SEARCH_PAUSE_S, lambda: self._search_notes(flt, rows, pending))
            else:
                self._search_notes(flt, rows, pending)
        else:
            progress.display = False

    def _haystack(self, s: SessionSummary) -> str:
        cached = self._haystacks.get(s.id)
        if cached is None or cached[0] is not s:
            cached = (s, summary_haystack(s))
            self._haystacks[s.id] = cached
        return cached[1]

    def _show_rows(self, *, total_known: bool = True, more: bool = False) -> None:
        """Fill the table with the first page of ``self._rows`` (or, with ``more``, add the
        next page): rows are added a page at a time, so typing stays quick at any size."""
        table = self.query_one("#sessions", SessionTable)
        rows = self._rows
        end = None
        if more:
            start = table.row_count
        else:
            selected = self.selected_id()
            table.clear()
            start = 0
            if selected is not None:
                # Back from a session on the third page: its page (and those before it) again,
                # so the cursor comes back to it and not to the first row.
                at = next((i for i, s in enumerate(rows) if s.id == selected), 0)
                end = (at // PAGE + 1) * PAGE
        table.add_rows([(s.id, summary_row(s)) for s in rows[start:end or start + PAGE]])
        if not more and selected is not None:
            row = table.row_index(selected)
            if row is not None:  # else filtered out: the cursor stays on the first row
                table.move_cursor(row)
        self._show_count(total_known)

    def _show_count(self, total_known: bool = True) -> None:
        """How many rows are shown of how many, or why none is."""
        table = self.query_one("#sessions", SessionTable)
        rows = self._rows
        empty = self.query_one("#empty", Static)
        if len(rows) > table.row_count:
            empty.update(f"{table.row_count:,} of {len(rows):,} sessions shown; moving down "
                         "past the last row shows more.")
            empty.display = True
        elif not rows and len(self.archive):
            empty.update("No session matches the filter (escape clears it)." if total_known
                         else "Searching the notes…")
            empty.display = True
        else:
            empty.display = not len(self.archive)

    @on(SessionTable.Highlighted, "#sessions")
    def _maybe_more(self, event: SessionTable.Highlighted) -> None:
        table = event.table
        if event.row >= table.row_count - 1 and table.row_count < len(self._rows):
            self._show_rows(more=True)

    @work(thread=True, exclusive=True, group="note-search")
    def _search_notes(self, flt: Filter, found: list[SessionSummary],
                      pending: list[SessionSummary]) -> None:
        worker = get_current_worker()
        matches = list(found)
        total = len(pending)
        for n, summary in enumerate(pending, 1):
            if worker.is_cancelled:
                return
            words = [w for w in flt.words if w not in self._haystack(summary)]
            text = self.archive.search_text(summary.id)
            if all(w in text for w in words):
                matches.append(summary)
            if n % 250 == 0 or n == total:
                self.app.call_from_thread(self._search_progress, n, total)
        if worker.is_cancelled:
            return
        if self.sort_by_client:
            matches.sort(key=lambda s: (s.client.lower(), -s.session_no))
        else:
            matches.sort(key=lambda s: s.date, reverse=True)
        self.app.call_from_thread(self._search_done, matches)

    def _search_progress(self, n: int, total: int) -> None:
        progress = self.query_one("#progress", Static)
        progress.update(f"Searching the notes… {n:,} / {total:,} sessions")
        progress.display = n < total

    def _search_done(self, matches: list[SessionSummary]) -> None:
        self.query_one("#progress", Static).display = False
        self._rows = matches
        self._show_rows()

    def _live_line(self, s: SessionSummary) -> str:
        """``C-0042 session 3 · IM · T+00:41`` (before the dose: since arrival)."""
        now = self.app.clock()  # type: ignore[attr-defined]
        if s.dosed is not None:
            clock = format_t_plus(now - s.dosed)
        elif s.started is not None:
            clock = f"arrived {s.started.astimezone().strftime('%H:%M')}, no dose yet"
        else:
            clock = "not started"
        return f"{s.client} session {s.session_no} · {route_label(s.route)} · {clock}"

    def _update_banner(self) -> None:
        lines = []
        archive = self.archive
        if archive.read_only:
            why = archive.read_only_reason or "it is open in another kapsession window"
            lines.append(f"Read-only: {why}. You can review and export here.")
        live = archive.live_sessions()
        for s in live:
            how = ("open it with enter to read it" if archive.read_only
                   else "press r to return to it" if len(live) == 1
                   else "press r to choose one")
            where = live_elsewhere_text(archive, s.id)  # issue 19 (helper-g)
            if where:
                how = f"{where}; enter reads it here or takes it over"
            lines.append(f"Live: {self._live_line(s)} — {how}")
        for problem in archive.problems[:3]:
            lines.append(f"Archive problem: {problem}")
        # issue 19 (helper-g): what opening did with sync tools' conflict copies.
        sync = summary_line(archive.conflicts(), to_decide(archive.path))
        if sync:
            lines.append(sync)
        banner = self.query_one("#banner", Static)
        banner.update(Text("\n".join(lines)))
        banner.display = bool(lines)

    def selected_id(self) -> str | None:
        return self.query_one("#sessions", SessionTable).cursor_key

    @on(Input.Changed, "#filter")
    def _filter_changed(self) -> None:
        self.refresh_list()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        # At once: see action_focus_filter.
        self.set_focus(self.query_one("#sessions", SessionTable))

    @on(SessionTable.Selected, "#sessions")
    def _row_selected(self) -> None:
        self.action_open_session()

    # ---- actions ------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in _LIST_KEYS and isinstance(self.focused, Input):
            return False  # typed into the filter (enter there goes back to the list)
        if action == "resume":
            if not self.archive.loaded:
                return True  # r typed at start-up: action_resume reads the rest and decides
            # A read-only window can look at a live session (enter) but not write to it.
            return bool(self.archive.live_sessions()) and not self.archive.read_only
        if action in ("new_session", "new_visit"):
            return not self.archive.read_only
        return True

    async def action_quit_app(self) -> None:
        # The screen's own action, so check_action keeps q for the filter while it has focus.
        await self.app.action_quit()

    def action_toggle_sort(self) -> None:
        self.sort_by_client = not self.sort_by_client
        self.notify("Sorted by client code" if self.sort_by_client else "Sorted by date, "
                    "newest first", timeout=3)
        self.refresh_list()

    def action_focus_filter(self) -> None:
        # At once, not with focus() (which waits its turn behind the keys already typed):
        # "/C-0042" typed in one go put nothing in the filter.
        self.set_focus(self.query_one("#filter", Input))

    def action_clear_filter(self) -> None:
        flt = self.query_one("#filter", Input)
        flt.value = ""
        self.set_focus(self.query_one("#sessions", SessionTable))

    @_needs_the_archive
    def action_new_session(self) -> None:
        from .prepare import PrepareScreen

        self.app.push_screen(PrepareScreen())

    def action_open_session(self) -> None:
        if isinstance(self.focused, Input):  # enter in the filter: back to the list, at once
            self._filter_submitted()
            return
        self._open_selected()

    @_needs_the_archive
    def _open_selected(self) -> None:
        sid = self.selected_id()
        if sid is None:
            return
        try:
            summary = self.archive.summary(sid)
            self.archive.get(sid)  # readable still? (one small file; the screen reads it too)
        except UnknownSession as exc:
            # Its file went away or was damaged since the row was drawn (by hand, a sync
            # tool): say which, and show the list as it is now.
            self.notify(str(exc), severity="warning", markup=False, timeout=10)
            self.refresh_list()
            return
        if summary.status == "live" and not self.archive.read_only:
            self.action_resume(sid)
            return
        if summary.status == "planned" and summary.kind == "dosing" and not self.archive.read_only:
            from .prepare import PrepareScreen

            self.app.push_screen(PrepareScreen(sid))
            return
        from .detail import DetailScreen

        self.app.push_screen(DetailScreen(sid))

    @_needs_the_archive
    def action_resume(self, sid: str | None = None) -> None:
        """Return to a live session: the one given, the only one, or the one chosen from
        all of them (two rooms, or a small group), each with its clock."""
        live = self.archive.live_sessions()
        if self.archive.read_only:
            self.notify("This window is read-only: the session is live in the other window.")
            return
        if not live:
            self.notify("No live session to resume.")
            return
        if sid is None and len(live) > 1:
            self.app.push_screen(
                ChoiceDialog("Return to which live session?",
                             [(s.id, self._live_line(s)) for s in live]),
                callback=lambda chosen: chosen and self.app.open_live(chosen))  # type: ignore[attr-defined]
            return
        self.app.open_live(sid or live[0].id)  # type: ignore[attr-defined]

    @_needs_the_archive
    def action_export_session(self) -> None:
        sid = self.selected_id()
        if sid is None:
            return
        from .export_action import export_one

        export_one(self, sid)

    @_needs_the_archive
    def action_client_history(self) -> None:
        sid = self.selected_id()
        if sid is None:
            return
        from .course import CourseScreen

        self.app.push_screen(CourseScreen(self.archive.summary(sid).client))

    @_needs_the_archive
    def action_new_visit(self) -> None:
        from .new_visit import start_new_visit

        sid = self.selected_id()
        start_new_visit(self, self.archive.summary(sid).client if sid else None)

    @_needs_the_archive
    def action_show_due(self) -> None:
        from .due import DueScreen

        self.app.push_screen(DueScreen())
