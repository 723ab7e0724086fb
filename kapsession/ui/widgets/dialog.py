"""The base of kapsession's dialogs: keys typed while a dialog opens reach it, in order.

Between the moment a dialog is pushed and the moment its field has focus, Textual hands keys
to the dialog screen itself, where they would be dropped. A therapist who presses ctrl+r and
types "120⏎80" at once must find 120 and 80 in their fields. So the app holds every key that
arrives while a dialog is not ready (:meth:`KapsessionApp.on_event`), and routes them, in
order, when the dialog says it is (:class:`Dialog.Ready`): enter then moves between fields
as if typed slowly. Keys the widget the dialog was opened from held for it (typed earlier
still) are handed to the field first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget

ResultType = TypeVar("ResultType")

#: Called with the dialog's focused field once it has focus: hands over keys typed earlier.
Handoff = Callable[[Widget], None]


class Dialog(ModalScreen[ResultType]):
    class Ready(Message):
        """To the app: the dialog's field has focus; the keys held for it can go."""

    def __init__(self) -> None:
        super().__init__()
        self.ready = False
        self.handoff: Handoff | None = None

    def focus_first(self, widget: Widget) -> None:
        """Focus ``widget``: from now on keys go to it (first those typed while opening)."""
        self.set_focus(widget)  # at once: Widget.focus() waits for a later turn
        self.ready = True
        if self.handoff is not None:
            self.handoff(widget)
        self.app.post_message(self.Ready())
