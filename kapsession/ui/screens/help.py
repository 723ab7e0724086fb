"""The keys of the screen underneath, read from its real bindings so the list never drifts."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from ..bindings import named_bindings


def screen_bindings(screen: Screen) -> list[Binding]:
    """The keys of ``screen``: its focused widget's, its own and the app's."""
    return [b for _, b in named_bindings([screen.focused, screen, screen.app])]


class HelpScreen(ModalScreen[None]):
    """``?``: the keys of the screen it was opened from."""

    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close", id="close_help")]

    def __init__(self, under: Screen) -> None:
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=False, padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        keymap = getattr(self.app, "_keymap", {})  # keys rebound in the config
        for b in screen_bindings(self.under):
            key = keymap.get(b.id, b.key) if b.id else b.key
            keys = " / ".join(self.app.get_key_display(Binding(k, b.action))
                              for k in key.split(","))
            row = Text(b.tooltip or b.description)
            row.append(f"  ({b.id})", style="dim")
            table.add_row(keys, row)
        title = getattr(self.under, "HELP_TITLE", type(self.under).__name__)
        with VerticalScroll(id="help-box"):
            yield Static(Text(f"Keys · {title}", style="bold"), id="help-title")
            yield Static(table)
            yield Static(Text("ctrl+p opens the command palette: every action by name.",
                              style="dim"))

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(None)
