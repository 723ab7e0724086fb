"""A small dialog that asks for one piece of text (a strike reason, an edit, an addendum)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Static, TextArea

from ...model.text import NOTE_MAX
from .dialog import Dialog


class TextDialog(Dialog[str | None]):
    """Returns the text typed (stripped), or ``None`` when cancelled with escape."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="cancel_dialog"),
        Binding("ctrl+s", "save", "Save", id="save_dialog", priority=True),
    ]

    def __init__(self, title: str, help_text: str | Text = "", *, initial: str = "",
                 multiline: bool = False, max_length: int = NOTE_MAX) -> None:
        super().__init__()
        self.title_text = title
        self.help_text = help_text
        self.initial = initial
        self.multiline = multiline
        self.max_length = max_length
        self._discard_armed = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.title_text, style="bold"), classes="dialog-title")
            if self.help_text:
                help_text = self.help_text
                yield Static(help_text if isinstance(help_text, Text) else Text(help_text),
                             classes="dialog-help")
            if self.multiline:
                yield TextArea(self.initial, id="text", soft_wrap=True, show_line_numbers=False)
                hint = "ctrl+s save · escape cancel"
            else:
                # Nothing selected: a keystroke adds to the text instead of replacing it.
                yield Input(self.initial, id="text", max_length=self.max_length,
                            select_on_focus=False)
                hint = "enter save · escape cancel"
            yield Static(id="error", classes="error-message", markup=False)
            yield Static(hint, classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self.focus_first(self.query_one("#text"))

    def _value(self) -> str:
        widget = self.query_one("#text")
        return widget.text if isinstance(widget, TextArea) else widget.value  # type: ignore[attr-defined]

    @on(Input.Submitted, "#text")
    def action_save(self) -> None:
        value = self._value().strip()
        if not value:
            self.query_one("#error", Static).update("Type something, or press escape to cancel.")
            return
        if len(value) > self.max_length:
            self.query_one("#error", Static).update(
                f"{len(value):,} characters; the limit is {self.max_length:,}.")
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        typed = self._value().strip()
        if typed and typed != self.initial.strip() and not self._discard_armed:
            self._discard_armed = True
            self.query_one("#error", Static).update(
                "Press escape again to discard what you typed, or ctrl+s / enter to save it.")
            return
        self.dismiss(None)
