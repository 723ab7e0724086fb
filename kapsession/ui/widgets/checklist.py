"""A checklist that reads without colour: a ticked box shows ✓, an unticked one is empty.

Textual's SelectionList draws every box with the same ``X`` and tells ticked from unticked by
colour alone, which a dim room or a colour-blind therapist cannot see. This keeps everything
else about it (keys, messages, styles) and changes only the glyph inside the box.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.strip import Strip
from textual.widgets import Checkbox, SelectionList
from textual.widgets.option_list import OptionDoesNotExist

TICKED = "✓"
UNTICKED = " "


class Checklist(SelectionList[int]):
    """Checklist items by index; ``selected`` holds the indexes of the ticked ones."""

    def render_line(self, y: int) -> Strip:
        line = super().render_line(y)
        # SelectionList draws one line per item, its box the Checkbox's ▐X▌ in the first
        # segments, so line y is the item at scroll offset + y.
        try:
            item = self.get_option_at_index(self.scroll_offset.y + y)
        except OptionDoesNotExist:
            return line
        segments = list(line)
        if len(segments) < 2 or segments[1].text != Checkbox.BUTTON_INNER:
            return line  # not a box line (the layout of SelectionList changed): leave it
        glyph = TICKED if item.value in self.selected else UNTICKED
        segments[1] = Segment(glyph, segments[1].style)
        return Strip(segments, line.cell_length)
