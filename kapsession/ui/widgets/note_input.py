"""The one-line note box of the live screen, which takes every key of the screen.

Focus never selects the text (a keystroke must never replace an unsent note), and a pasted
block keeps every line: line breaks become " / " instead of everything after the first line
being dropped.

The note box keeps the focus while an entry is selected in the timeline: it decides what each
key means in the order the keys were typed, and tells the screen with messages. A burst of
typing therefore lands in one place, in order: Textual runs a widget's key bindings only once
a key has travelled up to the app, by which time the box may already hold the next keys, so
enter and escape are handled here, as they arrive, not by bindings.

Modes: ``note`` (typing) → escape or an arrow → ``timeline`` (an entry is selected) → enter →
``actions`` (what to do with it) → enter → ``handoff`` (keys are held until the dialog the
action opens can take them). A printable key in ``timeline`` or ``actions`` returns to
``note`` and is typed; it never chooses anything.
"""

from __future__ import annotations

from textual import events
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input

MOVES = {"up": -1, "down": 1, "pageup": -8, "pagedown": 8}


class NoteInput(Input):
    class Submit(Message):
        """enter in the note box: ``value`` is the text as it was when enter was pressed."""

        def __init__(self, value: str) -> None:
            super().__init__()
            self.value = value

    class ModeChanged(Message):
        def __init__(self, mode: str) -> None:
            super().__init__()
            self.mode = mode

    class Move(Message):
        """An arrow: move the selection in the timeline, or in the action list."""

        def __init__(self, mode: str, delta: int) -> None:
            super().__init__()
            self.mode = mode
            self.delta = delta

    class Choose(Message):
        """enter on the action list: do the highlighted action."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(select_on_focus=False, **kwargs)  # type: ignore[arg-type]
        # A steady cursor: blinking redrew the live screen twice a second, for as long as a
        # session runs (half its idle CPU), and a still one is calmer in a dim room.
        self.cursor_blink = False
        self.mode = "note"
        self.note_only = False  # the veil: no timeline, no actions
        self._held: list[events.Key] = []
        # How much of the box, from the start, was sent with enter and is not yet saved: the
        # text stays on screen until it is on disk, and the next enter sends only what
        # follows it (keys typed fast after enter belong to the next note).
        self.sent = 0

    def set_mode(self, mode: str) -> None:
        if mode != self.mode:
            self.mode = mode
            self.post_message(self.ModeChanged(mode))

    def hand_off(self, target: Widget | None) -> None:
        """Give the keys held since an action was chosen to ``target`` (the dialog's field),
        or type them here when the action opened nothing."""
        held, self._held = self._held, []
        self.set_mode("note")
        for key in held:
            (target or self).post_message(events.Key(key.key, key.character))

    def saved(self, text: str) -> None:
        """``text`` (the oldest note sent) is on disk: it leaves the box."""
        if self.value.startswith(text):
            self.value = self.value[len(text):]
            self.sent = max(0, self.sent - len(text))
        else:  # changed meanwhile: leave what is there, and send all of it next time
            self.sent = 0

    def not_saved(self) -> None:
        """The note sent was refused or not written: everything in the box is unsent."""
        self.sent = 0

    async def _on_key(self, event: events.Key) -> None:
        key = event.key
        if self.mode == "handoff":
            self._held.append(event)
            self._stop(event)
            return
        if key == "enter":
            self._stop(event)
            if self.mode == "note":
                text = self.value[self.sent:]
                if text.strip():
                    self.sent = len(self.value)
                    self.post_message(self.Submit(text))
            elif self.mode == "timeline":
                self.set_mode("actions")
            else:
                self.set_mode("handoff")
                self.post_message(self.Choose())
            return
        if key == "escape" and not self.note_only:
            self._stop(event)
            self.set_mode({"note": "timeline", "timeline": "note"}.get(self.mode, "timeline"))
            return
        if key in MOVES and not self.note_only:
            self._stop(event)
            if self.mode == "note":
                self.set_mode("timeline")
                self.post_message(self.Move("timeline", 0))  # the first arrow: the newest
            else:
                self.post_message(self.Move(self.mode, MOVES[key]))
            return
        if event.is_printable and self.mode != "note":
            self.set_mode("note")  # and Input's own handler types the key

    @staticmethod
    def _stop(event: events.Key) -> None:
        event.stop()
        event.prevent_default()

    def _on_paste(self, event: events.Paste) -> None:
        if event.text:
            self.set_mode("note")
            lines = [line.strip() for line in event.text.splitlines() if line.strip()]
            text = " / ".join(lines)
            selection = self.selection
            if selection.is_empty:
                self.insert_text_at_cursor(text)
            else:
                self.replace(text, *selection)
        event.stop()
        event.prevent_default()  # Input's own handler would paste the first line again
