"""The one-line note box of the live screen.

Focus never selects the text (a keystroke must never replace an unsent note), and a pasted
block keeps every line: line breaks become " / " instead of everything after the first line
being dropped.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class NoteInput(Input):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(select_on_focus=False, **kwargs)  # type: ignore[arg-type]

    def _on_paste(self, event: events.Paste) -> None:
        if event.text:
            lines = [line.strip() for line in event.text.splitlines() if line.strip()]
            text = " / ".join(lines)
            selection = self.selection
            if selection.is_empty:
                self.insert_text_at_cursor(text)
            else:
                self.replace(text, *selection)
        event.stop()
        event.prevent_default()  # Input's own handler would paste the first line again
