"""The footer of every screen, clean at 80 columns.

Textual's footer draws its key list and the docked "^p palette" over each other when the
keys do not fit, which left stray letters at 80×24 ("^p palettey"). On a narrow screen the
palette hint gives way (ctrl+p still works; help lists it).

A screen with more keys than 80 columns hold (the live screen) names the few to keep, with
their labels, as ``narrow``: when the whole list does not fit, only those are shown, so no
key is cut in half ("^z Und"). The help screen (``?``/F1) lists every key anyway.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

# Below this width the keys need the room the palette hint takes.
PALETTE_HINT_MIN_WIDTH = 100
# What the palette hint takes when shown: "^p palette", its border and padding.
PALETTE_HINT_WIDTH = 12


class KapFooter(Footer):
    def __init__(self, *children: Widget, narrow: Mapping[str, str] | None = None,
                 compact: bool = False, **kwargs: object) -> None:
        """``narrow``: action → label of the keys kept when not every key fits."""
        super().__init__(*children, compact=compact, **kwargs)  # type: ignore[arg-type]
        self.narrow = dict(narrow) if narrow else None
        self._narrowed = False

    def _shown_bindings(self) -> Iterable[tuple[str, str]]:
        """(key display, description) of each key the full footer would show, once per
        action, as :class:`Footer` lays them out."""
        seen: set[str] = set()
        for _, binding, _, _ in self.screen.active_bindings.values():
            if binding.show and binding.action not in seen:
                seen.add(binding.action)
                yield self.app.get_key_display(binding), binding.description

    def _needs_narrow(self, width: int) -> bool:
        if self.narrow is None or width <= 0:
            return False
        gap = 1 if self.compact else 3  # the margin and the paddings around each key
        wanted = sum(cell_len(key) + 1 + cell_len(label) + gap
                     for key, label in self._shown_bindings())
        if self.show_command_palette:
            wanted += PALETTE_HINT_WIDTH
        return wanted > width

    def compose(self) -> ComposeResult:
        self._narrowed = self._bindings_ready and self._needs_narrow(self.size.width)
        for widget in super().compose():
            if (self._narrowed and self.narrow is not None and isinstance(widget, FooterKey)
                    and not widget.has_class("-command-palette")):
                if widget.action not in self.narrow:
                    continue
                widget.description = self.narrow[widget.action]
            yield widget

    def on_resize(self, event: events.Resize) -> None:
        self.show_command_palette = event.size.width >= PALETTE_HINT_MIN_WIDTH
        if self._bindings_ready and self._needs_narrow(event.size.width) != self._narrowed:
            self.refresh(recompose=True)
