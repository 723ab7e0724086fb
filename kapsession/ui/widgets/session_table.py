"""The home screen's list of sessions: a table drawn line by line.

Textual's DataTable measured every cell through Rich as it was added (the first page of 100
rows is 700 cells) and rendered every visible cell through Rich again: about 40 ms of a
280 ms start-up, and of every filter keystroke. Here a cell is a plain string, measured with
``cell_len``, and a row becomes segments once, when it is first drawn; drawing a line picks
the row's segments and lays its style over them.

The header stays on the first line; rows scroll under it. Up, down, page up, page down, home
and end move the cursor; a click moves it, and a click on the row under the cursor selects it,
as the DataTable did.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from rich.cells import cell_len
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
    # The DataTable's look, kept: a bold header on the panel colour, zebra rows, the block
    # cursor (dimmer while the list does not have the focus).
    DEFAULT_CSS = """
    SessionTable {
        background: $surface;
        color: $foreground;
        &:focus {
            background-tint: $foreground 5%;
            & > .session-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .session-table--header { background-tint: $foreground 5%; }
        }
        &:dark > .session-table--even-row { background: $surface-darken-1 40%; }
        & > .session-table--header { text-style: bold; background: $panel; color: $foreground; }
        &:ansi > .session-table--header { background: ansi_bright_blue; color: ansi_default; }
        & > .session-table--even-row { background: $surface-lighten-1 50%; }
        & > .session-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """
    BINDINGS = [
        Binding("enter", "select_cursor", "Select", show=False),
        Binding("up", "cursor_up", "Cursor up", show=False),
        Binding("down", "cursor_down", "Cursor down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home,ctrl+home", "first_row", "First row", show=False),
        Binding("end,ctrl+end", "last_row", "Last row", show=False),
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
        self._widths = [cell_len(c.label) for c in self.columns]
        self._lines: dict[int, list[Segment]] = {}  # row → its segments at these widths
        self._styles: dict[str, Style] = {}
        self.cursor_row = 0

    # ---- content ------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self._rows)

    def clear(self) -> None:
        """No rows; the cursor back on the first."""
        self._keys, self._rows, self._index = [], [], {}
        self._widths = [cell_len(c.label) for c in self.columns]
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
                    self._lines.clear()  # drawn at the old widths
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
        width = sum(self._widths) + 2 * PAD * len(self._widths)
        self.virtual_size = Size(width, len(self._rows) + 1)  # + the header line
        self.cursor_row = min(self.cursor_row, max(0, len(self._rows) - 1))
        self.refresh()

    # ---- drawing ------------------------------------------------------------------------

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            style = self._styles[name] = Style.parse(name)
        return style

    def _segments(self, cells: Sequence[Cell]) -> list[Segment]:
        out = []
        pad = " " * PAD
        for cell, width, column in zip(cells, self._widths, self.columns, strict=True):
            text, style = (cell, None) if isinstance(cell, str) else (cell[0], self._style(cell[1]))
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
