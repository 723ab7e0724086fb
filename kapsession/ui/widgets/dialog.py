"""The base of kapsession's dialogs: keys typed while a dialog opens reach it, in order.

Between the moment a dialog is pushed and the moment its field has focus, Textual hands keys
to the dialog screen itself, where they would be dropped. A therapist who presses ctrl+r and
types "120" at once must find "120" in the systolic field, so such keys are held here and
given to the focused field as soon as it has focus, after any keys handed over by the widget
the dialog was opened from (those were typed earlier).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from textual import events
from textual.screen import ModalScreen
from textual.widget import Widget

ResultType = TypeVar("ResultType")

#: Called with the dialog's focused field once it has focus: hands over keys typed earlier.
Handoff = Callable[[Widget], None]


class Dialog(ModalScreen[ResultType]):
    def __init__(self) -> None:
        super().__init__()
        self._held: list[events.Key] = []
        self._ready = False
        self.handoff: Handoff | None = None

    def on_key(self, event: events.Key) -> None:
        if not self._ready and self.focused is None:
            event.stop()
            event.prevent_default()
            self._held.append(event)

    def focus_first(self, widget: Widget) -> None:
        """Focus ``widget`` and give it what was typed while the dialog opened."""
        widget.focus()
        self._ready = True
        if self.handoff is not None:
            self.handoff(widget)
        for key in self._held:
            widget.post_message(events.Key(key.key, key.character))
        self._held.clear()
