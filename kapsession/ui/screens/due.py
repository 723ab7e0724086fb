"""What is due: integration visits to book, check-ins, sessions to sign (`d` on home)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from ...course_view import due_renderable
from ...model.due import due_items
from ..widgets.footer import KapFooter


class DueScreen(Screen[None]):
    HELP_TITLE = "what is due"
    DEFAULT_CSS = "DueScreen #due { padding: 0 1; }"
    BINDINGS = [Binding("escape", "app.pop_screen", "Back", id="back",
                        tooltip="Back to the list")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="due"):
            yield Static(id="due-list")
        yield KapFooter()

    def on_mount(self) -> None:
        app = self.app
        items = due_items(app.archive.sessions(), app.clock(),  # type: ignore[attr-defined]
                          app.config.due_rules)  # type: ignore[attr-defined]
        self.query_one("#due-list", Static).update(due_renderable(items))
        self.query_one("#due").focus()
