"""The session timeline: every entry with its T+ time, newest at the bottom.

Arrows select; `e` edits and `d` strikes the selected entry (the screen decides how); any other
printable key is handed back to the note box, so typing never gets lost here.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ...config import Config
from ...model import Entry, Session
from ...terminal import entry_text, kind_label, local_time, t_plus


def entry_row(session: Session, entry: Entry, config: Config | None) -> Table:
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(width=9, no_wrap=True)
    grid.add_column(width=5, no_wrap=True)
    grid.add_column(width=13, no_wrap=True)
    grid.add_column(ratio=1)
    kind = Text(("! " if entry.flagged else "") + kind_label(entry))
    body = entry_text(entry, config)
    style = ""
    if entry.flagged:
        style = "bold"
    if entry.kind == "system":
        style = "dim"
    grid.add_row(Text(t_plus(session, entry.at), style="dim"), Text(local_time(entry.at),
                 style="dim"), kind, body, style=style)
    return grid


class Timeline(OptionList):
    """Entries of one session; posts :class:`EditRequested`, :class:`StrikeRequested`,
    :class:`TypeAhead`."""

    BINDINGS = [
        Binding("e", "edit_entry", "Edit", id="edit_entry", tooltip="Edit the selected entry "
                "(the original text is kept in its history)"),
        Binding("d", "strike_entry", "Strike", id="strike_entry", tooltip="Strike the selected "
                "entry through, with a reason (never deleted)"),
    ]

    class EditRequested(Message):
        def __init__(self, entry_id: str) -> None:
            super().__init__()
            self.entry_id = entry_id

    class StrikeRequested(Message):
        def __init__(self, entry_id: str) -> None:
            super().__init__()
            self.entry_id = entry_id

    class TypeAhead(Message):
        """A printable key was pressed here: the note box should take it."""

        def __init__(self, character: str) -> None:
            super().__init__()
            self.character = character

    def __init__(self, config: Config | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.config = config
        self.session: Session | None = None
        self._forwarding = False

    def show_session(self, session: Session) -> None:
        """Show every entry; keeps the selection and scrolls to the end if it was there."""
        previous = self.session
        self.session = session
        old_ids = [e.id for e in previous.entries] if previous else []
        highlighted = self.highlighted
        at_end = highlighted is None or highlighted >= len(old_ids) - 1
        if previous is not None and old_ids == [e.id for e in session.entries[:len(old_ids)]]:
            # Only new entries, or changes to a few: update in place instead of rebuilding.
            for old, new in zip(previous.entries, session.entries, strict=False):
                if old.to_dict() != new.to_dict() or previous.dosed != session.dosed:
                    self.replace_option_prompt(new.id, entry_row(session, new, self.config))
            new_entries = session.entries[len(old_ids):]
            self.add_options([Option(entry_row(session, e, self.config), id=e.id)
                              for e in new_entries])
        else:
            self.clear_options()
            self.add_options([Option(entry_row(session, e, self.config), id=e.id)
                              for e in session.entries])
        added = previous is None or len(session.entries) > len(old_ids)
        if self.option_count and (at_end or highlighted is None or added):
            # New entries are always shown: the newest is where the eye goes.
            self.highlighted = self.option_count - 1
            self.scroll_end(animate=False)

    def _selected(self) -> str | None:
        option = self.highlighted_option
        return option.id if option is not None else None

    def action_edit_entry(self) -> None:
        entry_id = self._selected()
        if entry_id:
            self.post_message(self.EditRequested(entry_id))

    def action_strike_entry(self) -> None:
        entry_id = self._selected()
        if entry_id:
            self.post_message(self.StrikeRequested(entry_id))

    def on_key(self, event: events.Key) -> None:
        if not (event.is_printable and event.character) or event.key == "question_mark":
            return
        # Once typing has begun, every key goes to the note box (an "e" inside a word must not
        # open the edit dialog) until the note box has focus.
        if self._forwarding or event.key not in ("e", "d"):
            self._forwarding = True
            event.stop()
            event.prevent_default()
            self.post_message(self.TypeAhead(event.character))

    def on_blur(self) -> None:
        self._forwarding = False
