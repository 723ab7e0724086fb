"""The sessions and visits of a course, one card each, drawn line by line.

A card per session as a widget of its own made the course of a 60-session client take
~370 ms to open; laid out as lines once (and again on a resize), it takes a few ms, and
only the lines on screen are drawn. The course screen's up/down move the cursor (▌).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.console import Console
from rich.segment import Segment
from rich.text import Text
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...course_view import item_rows
from ...model.course import CourseItem

DATE_W, NO_W = 16, 4  # "2026-11-03 10:00", " #12"
GUTTER = 2  # the cursor mark and a space


def card_lines(item: CourseItem, width: int, console: Console) -> list[Text]:
    """The card of one item as lines of at most ``width`` cells: date and number, then what it
    was, the intention in full and the scores, wrapped under one another."""
    indent = DATE_W + 1 + NO_W + 1
    text_w = max(10, width - indent)
    out: list[Text] = []
    for n, (date, number, body) in enumerate(item_rows(item)):
        body = body if isinstance(body, Text) else Text(str(body))
        # Most lines fit: wrapping them anyway was half the cost of laying out a course.
        plain = body.plain
        fits = "\n" not in plain and "\t" not in plain and cell_len(plain) <= text_w
        for i, line in enumerate([body] if fits else body.wrap(console, text_w)):
            head = Text(" " * indent)
            if n == 0 and i == 0:
                head = Text.assemble((str(date.plain if isinstance(date, Text) else date)
                                      .ljust(DATE_W), "dim"), " ",
                                     (str(number.plain if isinstance(number, Text) else number)
                                      .rjust(NO_W), "dim"), " ")
            out.append(head + line)
    return out


class CourseList(ScrollView, can_focus=False):
    """Not focusable: the course screen binds the keys and calls :meth:`move` and
    :meth:`move_to`. Taking the focus as the screen opened cost ~14 ms (of ~80) of processor
    time: Textual's footer builds its keys again on every focus change."""

    COMPONENT_CLASSES = {"course-list--cursor"}
    # A stable gutter: the scrollbar appearing would change the width and lay out every card
    # again.
    DEFAULT_CSS = """
    CourseList { scrollbar-gutter: stable; }
    CourseList > .course-list--cursor { color: $accent; text-style: bold; }
    """

    def __init__(self, **kw: str) -> None:
        super().__init__(**kw)
        self.items: list[CourseItem] = []
        self.index = 0
        self._lines: list[list[Segment]] = []
        self._starts: list[int] = []  # the first line of each card
        self._laid_out_width = 0

    # ---- content ------------------------------------------------------------------------

    def show(self, items: Sequence[CourseItem]) -> None:
        """Show ``items`` with the cursor on the newest."""
        self.items = list(items)
        self.index = max(0, len(self.items) - 1)
        self._laid_out_width = 0
        self._lay_out()
        if self._laid_out_width:  # laid out at the width on screen: in view in this frame
            self._scroll_to_cursor()
        else:  # not sized yet: once it is
            self.call_after_refresh(self._scroll_to_cursor)

    @property
    def selected(self) -> CourseItem | None:
        return self.items[self.index] if self.items else None

    def card_text(self, index: int) -> str:
        """The plain text of one card (what a therapist reads), for tests and checks."""
        start = self._starts[index]
        end = self._starts[index + 1] - 1 if index + 1 < len(self._starts) else len(self._lines)
        return "\n".join("".join(s.text for s in line).rstrip()
                         for line in self._lines[start:end])

    def _lay_out(self) -> None:
        width = self.scrollable_content_region.width or self.size.width
        if width <= 0 or width == self._laid_out_width:
            return
        self._laid_out_width = width
        console = self.app.console
        lines: list[list[Segment]] = []
        starts = []
        for item in self.items:
            starts.append(len(lines))
            for text in card_lines(item, width - GUTTER, console):
                text.end = ""
                lines.append(list(text.render(console)))
            lines.append([])  # a blank line between cards
        self._lines, self._starts = lines, starts
        self.virtual_size = Size(width, len(lines))
        self.refresh()

    def on_resize(self) -> None:
        self._lay_out()
        self._scroll_to_cursor()

    # ---- drawing ------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        n = self.scroll_offset.y + y
        if not self._lines or n >= len(self._lines):
            return Strip.blank(width, self.rich_style)
        start = self._starts[self.index] if self.items else -1
        end = (self._starts[self.index + 1] - 1 if self.index + 1 < len(self._starts)
               else len(self._lines) - 1)
        if start <= n < end:
            mark = Segment("▌ ", self.get_component_rich_style("course-list--cursor"))
        else:
            mark = Segment("  ")
        strip = Strip([mark, *self._lines[n]])
        return strip.crop_extend(0, width, self.rich_style).apply_style(self.rich_style)

    # ---- keys ---------------------------------------------------------------------------

    def _scroll_to_cursor(self) -> None:
        if not self.items or not self._starts:
            return
        start = self._starts[self.index]
        end = (self._starts[self.index + 1] if self.index + 1 < len(self._starts)
               else len(self._lines))
        self.scroll_to_region(Region(0, start, 1, end - start), animate=False, force=True)

    def move(self, step: int) -> None:
        """The cursor ``step`` cards later (earlier when negative), within the list."""
        if self.items:
            self.index = min(max(self.index + step, 0), len(self.items) - 1)
            self._scroll_to_cursor()
            self.refresh()

    def move_to(self, index: int) -> None:
        """The cursor on card ``index`` (−1: the last)."""
        if self.items:
            self.index = index % len(self.items)
            self._scroll_to_cursor()
            self.refresh()
