"""What is due: integration visits to book, check-ins, sessions to sign (`d` on home).

A list to act from: enter opens the session an item is about (to sign it, or to see when
its client was last seen), `c` the client's course. The "what" column is cut to fit a narrow
screen; the line under the list says the item under the cursor in full.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from ...course_view import DUE_COLUMNS, due_row, due_text
from ...model.due import DueItem, due_items
from ..widgets.footer import KapFooter
from ..widgets.session_table import Column, SessionTable

_SINCE, _CLIENT, _WHAT = DUE_COLUMNS
COLUMNS = (Column(_SINCE), Column(_CLIENT), Column(_WHAT, shrink=True))


class DueScreen(Screen[None]):
    HELP_TITLE = "what is due"
    DEFAULT_CSS = """
    DueScreen #due-heading { padding: 0 1; text-style: bold; height: auto; }
    DueScreen #due-list { height: 1fr; }
    DueScreen #due-whole { padding: 1 1 0 1; color: $text-muted; height: auto; }
    """
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="back", tooltip="Back to the list"),
        # Priority: the list's own enter would hide this one from the footer.
        Binding("enter", "open_session", "Open", id="due_open", priority=True,
                tooltip="Open the session this is about: sign it, or see its visits"),
        Binding("c", "client_course", "Course", id="due_course",
                tooltip="This client's course: every session and visit, scores and chart"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.items: list[DueItem] = []
        self._filled = False

    def compose(self) -> ComposeResult:
        yield Static(id="due-heading", markup=False)
        yield SessionTable(COLUMNS, id="due-list")
        yield Static(id="due-whole", markup=False)
        yield KapFooter()

    def on_mount(self) -> None:
        self._fill()
        self.query_one(SessionTable).focus()

    def on_screen_resume(self) -> None:
        # Back from a session signed or a visit booked: what is due has changed.
        if self._filled:
            self._fill()
        self._filled = True

    def _fill(self) -> None:
        app = self.app
        table = self.query_one(SessionTable)
        row = table.cursor_row
        self.items = due_items(app.archive.sessions(), app.clock(),  # type: ignore[attr-defined]
                               app.config.due_rules)  # type: ignore[attr-defined]
        n = len(self.items)
        self.query_one("#due-heading", Static).update(
            f"{n} thing{'' if n == 1 else 's'} due, oldest first" if n else "Nothing is due.")
        table.clear()
        table.add_rows([(str(i), due_row(d)) for i, d in enumerate(self.items)])
        table.display = bool(self.items)
        table.move_cursor(row)
        self._show_whole()

    @property
    def selected(self) -> DueItem | None:
        table = self.query_one(SessionTable)
        return self.items[table.cursor_row] if self.items else None

    @on(SessionTable.Highlighted)
    def _show_whole(self) -> None:
        item = self.selected
        whole = self.query_one("#due-whole", Static)
        whole.update(f"{item.client}: {due_text(item)}" if item else "")
        whole.display = item is not None

    @on(SessionTable.Selected)  # a click on the row under the cursor
    def action_open_session(self) -> None:
        item = self.selected
        if item is not None:
            from .detail import DetailScreen

            self.app.push_screen(DetailScreen(item.session_id))

    def action_client_course(self) -> None:
        item = self.selected
        if item is not None:
            from .course import CourseScreen

            self.app.push_screen(CourseScreen(item.client))
