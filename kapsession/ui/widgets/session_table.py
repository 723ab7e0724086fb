"""The home screen's list of sessions: a table drawn line by line.

Textual's DataTable measured every cell through Rich as it was added (the first page of 100
rows is 700 cells) and rendered every visible cell through Rich again: about 40 ms of a
280 ms start-up, and of every filter keystroke. Here a cell is a plain string, measured with
``cell_len``, and a row becomes segments once, when it is first drawn; drawing a line picks
the row's segments and lays its style over them.

The header stays on the first line; rows scroll under it. Up, down, page up, page down, home
and end move the cursor; a click moves it, and a click on the row under the cursor selects it,
as the DataTable did. A column marked ``shrink`` gives up width, its cells cut with "…", so
the table fits its width (every heading of the home list at 80 columns); the others keep
theirs. Its look (header, zebra rows, cursor) is in the screen's stylesheet (home.tcss).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...model.text import printable_line

# A cell: its text, or its text and a Rich style name (``"bold"``) for that cell alone.
Cell = str | tuple[str, str]
PAD = 1  # a space each side of every cell, as the DataTable had


class Column(NamedTuple):
    label: str
    right: bool = False  # numbers are set right
    shrink: bool = False  # gives up width, cut with "…", when the table is wider than its room


def _text(text: str) -> str:
    # Row text comes from the model, which cleans what is typed; a control character would
    # still move the terminal's cursor, so it is never drawn.
    return text if text.isprintable() else printable_line(text)


class SessionTable(ScrollView, can_focus=True):
    """Rows of cells under a header; one row under the cursor. Rows are added, never
    changed: the list is filled again when what it shows changes."""

    COMPONENT_CLASSES = {
        "session-table--header",
        "session-table--cursor",
        "session-table--even-row",
    }
    # Priority, like the home screen's letter keys: a key acts as it is read, so "↓↓e" typed
    # in one go exports the third row, not the first (a plain binding waited its turn behind
    # the letter, which acted on the row the cursor was still on).
    BINDINGS = [
        Binding("enter", "select_cursor", "Select", show=False),
        Binding("up", "cursor_up", "Cursor up", show=False, priority=True),
        Binding("down", "cursor_down", "Cursor down", show=False, priority=True),
        Binding("pageup", "page_up", "Page up", show=False, priority=True),
        Binding("pagedown", "page_down", "Page down", show=False, priority=True),
        Binding("home,ctrl+home", "first_row", "First row", show=False, priority=True),
        Binding("end,ctrl+end", "last_row", "Last row", show=False, priority=True),
    ]

    class _RowMessage(Message):
        def __init__(self, table: SessionTable, row: int, key: str) -> None:
            super().__init__()
            self.table, self.row, self.key = table, row, key

        @property
        def control(self) -> SessionTable:
            return self.table

    class Highlighted(_RowMessage):
        """The cursor moved to ``row`` (``key``)."""

    class Selected(_RowMessage):
        """Enter on a row, or a click on the row under the cursor."""

    def __init__(self, columns: Sequence[Column], *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.columns = tuple(columns)
        self._keys: list[str] = []
        self._rows: list[tuple[Cell, ...]] = []
        self._index: dict[str, int] = {}
        self._widths = [cell_len(c.label) for c in self.columns]  # what the cells need
        self._shown = list(self._widths)  # what they get at the width on screen
        self._lines: dict[int, list[Segment]] = {}  # row → its segments at the shown widths
        self._styles: dict[str, Style] = {}
        self.cursor_row = 0

    # ---- content ------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self._rows)

    def clear(self) -> None:
        """No rows; the cursor back on the first. The columns keep their widths, so a list
        filled again as a filter is typed does not shift sideways under the eye."""
        self._keys, self._rows, self._index = [], [], {}
        self._lines.clear()
        self.cursor_row = 0
        self._resize()
        self.scroll_to(y=0, animate=False, immediate=True)

    def add_rows(self, rows: Sequence[tuple[str, Sequence[Cell]]]) -> None:
        """Append ``(key, cells)`` rows; a key is shown once."""
        widths = self._widths
        n = len(self.columns)
        for key, cells in rows:
            if key in self._index:
                raise ValueError("a row with this key is already shown")
            if len(cells) != n:
                raise ValueError(f"a row has {len(cells)} cells for {n} columns")
            cells = tuple(_text(c) if isinstance(c, str) else (_text(c[0]), c[1])
                          for c in cells)
            for i, cell in enumerate(cells):
                w = cell_len(cell if isinstance(cell, str) else cell[0])
                if w > widths[i]:
                    widths[i] = w
            self._index[key] = len(self._rows)
            self._keys.append(key)
            self._rows.append(cells)
        self._resize()

    def row_cells(self, row: int) -> tuple[str, ...]:
        """The text of each cell of ``row``."""
        return tuple(c if isinstance(c, str) else c[0] for c in self._rows[row])

    def row_key(self, row: int) -> str:
        return self._keys[row]

    def row_index(self, key: str) -> int | None:
        """The row showing ``key``, or ``None`` when none does."""
        return self._index.get(key)

    @property
    def cursor_key(self) -> str | None:
        """The key of the row under the cursor (``None`` in an empty table)."""
        return self._keys[self.cursor_row] if self._rows else None

    def _resize(self) -> None:
        shown = self._fitted()
        if shown != self._shown:
            self._shown = shown
            self._lines.clear()  # drawn at the old widths
        width = sum(shown) + 2 * PAD * len(shown)
        self.virtual_size = Size(width, len(self._rows) + 1)  # + the header line
        self.cursor_row = min(self.cursor_row, max(0, len(self._rows) - 1))
        self.refresh()

    def _fitted(self) -> list[int]:
        """The columns' widths on screen: what the cells need, less what the ``shrink``
        columns give up (down to their heading's width) for the table to fit its room. If it
        still does not fit, it scrolls sideways."""
        shown = list(self._widths)
        room = self.scrollable_content_region.width or self.size.width
        excess = sum(shown) + 2 * PAD * len(shown) - room
        if room <= 0 or excess <= 0:
            return shown
        for i, column in enumerate(self.columns):
            if column.shrink and excess > 0:
                give = min(excess, shown[i] - cell_len(column.label))
                shown[i] -= give
                excess -= give
        return shown

    def on_resize(self) -> None:
        self._resize()

    # ---- drawing ------------------------------------------------------------------------

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            style = self._styles[name] = Style.parse(name)
        return style

    def _segments(self, cells: Sequence[Cell]) -> list[Segment]:
        out = []
        pad = " " * PAD
        for cell, width, column in zip(cells, self._shown, self.columns, strict=True):
            text, style = (cell, None) if isinstance(cell, str) else (cell[0], self._style(cell[1]))
            if cell_len(text) > width:  # a shrunk column: cut, and say so
                text = set_cell_size(text, width - 1) + "…"
            space = " " * (width - cell_len(text))
            out.append(Segment(pad + space + text + pad if column.right
                               else pad + text + space + pad, style))
        return out

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        scroll_x, scroll_y = self.scroll_offset
        base = self.rich_style
        if y == 0:
            segments = self._segments([c.label for c in self.columns])
            style = base + self.get_component_rich_style("session-table--header")
        else:
            row = scroll_y + y - 1
            if row >= len(self._rows):
                return Strip.blank(width, base)
            segments = self._lines.get(row)
            if segments is None:
                segments = self._lines[row] = self._segments(self._rows[row])
            if row == self.cursor_row:
                style = base + self.get_component_rich_style("session-table--cursor")
            elif row % 2 == 0:
                style = base + self.get_component_rich_style("session-table--even-row")
            else:
                style = base
        strip = Strip(segments)
        return strip.crop_extend(scroll_x, scroll_x + width, None).apply_style(style)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()

    # ---- the cursor ---------------------------------------------------------------------

    def move_cursor(self, row: int) -> None:
        """The cursor on ``row`` (kept within the rows), scrolled into view."""
        if not self._rows:
            return
        row = min(max(row, 0), len(self._rows) - 1)
        moved = row != self.cursor_row
        self.cursor_row = row
        self._scroll_to_cursor()
        self.refresh()
        if moved:
            self.post_message(self.Highlighted(self, row, self._keys[row]))

    def _scroll_to_cursor(self) -> None:
        visible = max(1, self.size.height - 1)  # rows under the header
        top = self.scroll_offset.y
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + visible:
            self.scroll_to(y=self.cursor_row - visible + 1, animate=False, immediate=True)

    def _page(self) -> int:
        return max(1, self.size.height - 2)

    def action_cursor_up(self) -> None:
        self.move_cursor(self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self.cursor_row + 1)

    def action_page_up(self) -> None:
        self.move_cursor(self.cursor_row - self._page())

    def action_page_down(self) -> None:
        self.move_cursor(self.cursor_row + self._page())

    def action_first_row(self) -> None:
        self.move_cursor(0)

    def action_last_row(self) -> None:
        self.move_cursor(len(self._rows) - 1)

    def action_select_cursor(self) -> None:
        if self._rows:
            self.post_message(self.Selected(self, self.cursor_row, self._keys[self.cursor_row]))

    def on_click(self, event: events.Click) -> None:
        if event.y < 1:  # the header
            return
        row = self.scroll_offset.y + event.y - 1
        if row >= len(self._rows):
            return
        if row == self.cursor_row:
            self.action_select_cursor()
        else:
            self.move_cursor(row)
