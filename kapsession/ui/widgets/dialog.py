"""The base of kapsession's dialogs: keys typed while a dialog opens reach it, in order.

Between the moment a dialog is pushed and the moment its field has focus, Textual hands keys
to the dialog screen itself, where they would be dropped. A therapist who presses ctrl+r and
types "120⏎80" at once must find 120 and 80 in their fields. So the app holds every key that
arrives while a dialog is not ready (:meth:`KapsessionApp.on_event`), and routes them, in
order, when the dialog says it is (:class:`Dialog.Ready`): enter then moves between fields
as if typed slowly. Keys the widget the dialog was opened from held for it (typed earlier
still) are handed to the field first.

Closing works the same way round: from the moment a dialog is dismissed until its result has
been handled (which may open the next dialog: a side effect, then its severity), keys wait,
so "ctrl+s n⏎2" typed at once picks nausea and then the severity 2, and nothing typed after a
choice lands in a dialog that is closing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from textual.await_complete import AwaitComplete
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget

ResultType = TypeVar("ResultType")

#: Keys held after a dialog closed go on after this long at the latest (normally at once).
RELEASE_AFTER_S = 1.0

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

    def after_typed_keys(self, call: Callable[[], None]) -> None:
        """Hold the keys typed from now on, and run ``call`` once the keys typed before have
        reached the focused field: enter acts on what was typed before it, and what is typed
        after it waits for what enter opens (or :meth:`take_keys`). ``call`` must return
        nothing: an awaited dismiss in the field would wait for itself."""
        self.ready = False
        (self.focused or self).call_later(call)

    def take_keys(self) -> None:
        """The dialog stays open after all (a value was refused): the held keys come here."""
        self.ready = True
        self.app.post_message(self.Ready())

    def dismiss(self, result: Any = None) -> AwaitComplete:
        self.ready = False
        app = self.app
        callbacks = self._result_callbacks
        requester = callbacks[-1].requester if callbacks else None
        if not hasattr(app, "dialogs_closing"):  # an app that holds no keys
            return super().dismiss(result)
        app.dialogs_closing += 1  # type: ignore[attr-defined]
        done = super().dismiss(result)
        pending = [True]

        def handled() -> None:  # once, whichever comes first
            if pending:
                pending.clear()
                app.dialogs_closing -= 1  # type: ignore[attr-defined]
                app.post_message(Dialog.Ready())

        # After the result callback, which runs next in the requester's queue; the timer only
        # in case that screen went away first, so keys are never held for good.
        (requester or app).call_next(handled)
        app.set_timer(RELEASE_AFTER_S, handled)
        return done
