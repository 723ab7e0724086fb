"""The keys of the screen underneath, read from its real bindings so the list never drifts."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Static, TextArea

from ..bindings import named_bindings


def screen_bindings(screen: Screen) -> list[Binding]:
    """The keys of ``screen``: its focused widget's, its own and the app's."""
    return [b for _, b in named_bindings([screen.focused, screen, screen.app])]


def _printable(key: str) -> bool:
    """A key that types a character (``a``, ``question_mark``), not a command key."""
    from textual.keys import key_to_character

    return len(key) == 1 or (key_to_character(key) or "\x00").isprintable()


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
        ids = Table(box=None, show_header=False, padding=(0, 2))
        ids.add_column(no_wrap=True)
        ids.add_column(style="dim")
        keymap = getattr(self.app, "_keymap", {})  # keys rebound in the config
        # Where a text box has the keys, a printable key types into it: it is no key here.
        typing = isinstance(self.under.focused, (Input, TextArea))
        for b in screen_bindings(self.under):
            key = keymap.get(b.id, b.key) if b.id else b.key
            keys = [k for k in key.split(",") if not (typing and _printable(k))]
            if not keys:
                continue
            shown = " / ".join(self.app.get_key_display(Binding(k, b.action)) for k in keys)
            table.add_row(shown, Text(b.tooltip or b.description))
            if b.id:
                ids.add_row(Text(b.id), Text(shown))
        title = getattr(self.under, "HELP_TITLE", type(self.under).__name__)
        with VerticalScroll(id="help-box"):
            yield Static(Text(f"Keys · {title}", style="bold"), id="help-title")
            yield Static(table)
            yield Static(Text("ctrl+p opens the command palette: every action by name.",
                              style="dim"))
            yield Static(Text("\nKeymap: to change a key, name its id under [keymap] in the "
                              "config (see docs/configuration.md).", style="dim"))
            yield Static(ids)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(None)
