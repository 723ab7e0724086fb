"""The footer of every screen, clean at 80 columns.

Textual's footer draws its key list and the docked "^p palette" over each other when the
keys do not fit, which left stray letters at 80×24 ("^p palettey"). On a narrow screen the
palette hint gives way (ctrl+p still works; help lists it).
"""

from __future__ import annotations

from textual import events
from textual.widgets import Footer

# Below this width the keys need the room the palette hint takes.
PALETTE_HINT_MIN_WIDTH = 100


class KapFooter(Footer):
    def on_resize(self, event: events.Resize) -> None:
        self.show_command_palette = event.size.width >= PALETTE_HINT_MIN_WIDTH
