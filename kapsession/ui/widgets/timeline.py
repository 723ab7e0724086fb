"""The session timeline: every entry with its T+ time, newest at the bottom."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ...config import Config
from ...model import Entry, Session
from ...terminal import entry_text, entry_view


def entry_row(session: Session, entry: Entry, config: Config | None) -> Table:
    """One line of the live timeline: the presenter's words, compact (the strike's reason or
    that the entry changed; the dialog that acts on an entry shows its whole history)."""
    view = entry_view(session, entry, config)
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(width=9, no_wrap=True)
    grid.add_column(width=5, no_wrap=True)
    grid.add_column(width=13, no_wrap=True)
    grid.add_column(ratio=1)
    style = ""
    if entry.flagged:
        style = "bold"
    if entry.kind == "system":
        style = "dim"
    grid.add_row(Text(view.t_plus, style="dim"), Text(view.time_of_day, style="dim"),
                 Text(view.flag + view.label), entry_text(view), style=style)
    return grid


class Timeline(OptionList):
    """Entries of one session. It never takes focus: the note box keeps every key, and the
    screen moves the selection here (so a burst of typing can never land in the timeline)."""

    can_focus = False

    def __init__(self, config: Config | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.config = config
        self.session: Session | None = None

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

    @property
    def selected_entry(self) -> Entry | None:
        option = self.highlighted_option
        if option is None or self.session is None or option.id is None:
            return None
        return self.session.entry(option.id)

    def move(self, delta: int) -> None:
        """Move the selection by ``delta`` rows (clamped at either end)."""
        if not self.option_count:
            return
        current = self.option_count - 1 if self.highlighted is None else self.highlighted
        self.highlighted = max(0, min(self.option_count - 1, current + delta))

    def select_entry(self, entry_id: str) -> None:
        self.highlighted = self.get_option_index(entry_id)
