"""The pre-dose decision: what is flagged or not done, and go live anyway (never blocked).

`y` goes live; `r` moves to an optional reason, where enter goes live; `n` or
`escape` stays on the form. The decision and the reason go into the record.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Static

from ...model.session import REASON_MAX
from .dialog import Dialog


class ProceedDialog(Dialog[str | None]):
    """Returns the reason ("" for none) to go live, or ``None`` to stay on the form."""


    # Priority, so each letter acts as it arrives, even in a burst ("r" then the reason
    # typed at once lands in the field); while the reason is being typed they are letters.
    BINDINGS = [
        Binding("y", "proceed", "Go live", id="proceed_yes", priority=True),
        Binding("r", "reason", "Reason", id="proceed_reason", priority=True),
        Binding("n", "answer_no", "Back to the form", id="proceed_no", priority=True),
        Binding("escape", "cancel", "Back to the form", id="proceed_cancel", priority=True),
    ]

    def __init__(self, title: str, detail: Text) -> None:
        super().__init__()
        self.title_text = title
        self.detail = detail

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="proceed-dialog"):
            yield Static(Text(self.title_text, style="bold"), classes="dialog-title")
            yield Static(self.detail, classes="dialog-help")
            reason = Input(id="reason", placeholder="reason (optional), e.g. repeat BP 138/86 "
                           "after 10 min", max_length=REASON_MAX)
            # Not focusable until asked for (r): a "y" is an answer, never a letter in it.
            reason.can_focus = False
            yield reason
            yield Static(Text("y: go live (recorded as proceeded) · r: reason, then enter · "
                              "n / escape: back to the form"), classes="dialog-hint")

    def on_mount(self) -> None:
        self.ready = True
        self.app.post_message(self.Ready())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("proceed", "reason", "answer_no"):
            return not isinstance(self.focused, Input)
        return True

    def action_answer_no(self) -> None:
        self.dismiss(None)

    def action_reason(self) -> None:
        reason = self.query_one("#reason", Input)
        reason.can_focus = True
        self.set_focus(reason)

    @on(Input.Submitted, "#reason")
    def action_proceed(self) -> None:
        self.dismiss(self.query_one("#reason", Input).value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
