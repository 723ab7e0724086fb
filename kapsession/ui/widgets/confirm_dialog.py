"""Yes or no, from the keyboard: `y` / `enter` confirms, `n` / `escape` cancels."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static


class ConfirmDialog(ModalScreen[bool]):
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm_yes"),
        Binding("enter", "enter", "Yes", id="confirm_enter", show=False),
        Binding("n,escape", "answer(False)", "No", id="confirm_no"),
    ]

    def __init__(self, question: str, detail: str | Text = "", yes: str = "Yes", *,
                 irreversible: bool = False) -> None:
        super().__init__()
        self.question = question
        self.detail = detail
        self.yes = yes
        self.irreversible = irreversible  # then only "y" confirms, never a stray enter

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.question, style="bold"), classes="dialog-title")
            if self.detail:
                detail = self.detail
                yield Static(detail if isinstance(detail, Text) else Text(detail),
                             classes="dialog-help")
            keys = "y" if self.irreversible else "y / enter"
            yield Static(Text(f"{keys}: {self.yes} · n / escape: cancel"),
                         classes="dialog-hint")

    def action_enter(self) -> None:
        if not self.irreversible:
            self.dismiss(True)

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)
