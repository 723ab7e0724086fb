"""The footer of every screen: the keys that act here, on one line, clean at 80 columns.

One line drawn as text, not Textual's footer (a widget for every key, composed again every
time the focus or the screen's keys changed: about 10 ms of processor time at start-up, and
again on every screen). It reads the same: a bold key, its label, the command palette's key at
the right; a click on a key presses it; a disabled key is dim; hovering shows its tooltip.

The palette hint gives way on a narrow screen (ctrl+p still works; help lists it). A screen
with more keys than 80 columns hold (the live screen) names the few to keep, with their
labels, as ``narrow``: when the whole list does not fit, only those are shown, so no key is
cut in half ("^z Und"). The help screen (``?``/F1) lists every key anyway.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.screen import Screen
from textual.widget import Widget

# Below this width the keys need the room the palette hint takes.
PALETTE_HINT_MIN_WIDTH = 100
PALETTE_EDGE = "▏"  # the thin line between the keys and the palette hint


class FooterItem(NamedTuple):
    action: str
    key: str  # what pressing it sends (simulate_key)
    shown: str  # how the key is written: "^p", "n", "F3"
    label: str
    enabled: bool
    tooltip: str


class KapFooter(Widget, can_focus=False):
    ALLOW_SELECT = False
    COMPONENT_CLASSES = {
        "kap-footer--key",
        "kap-footer--label",
        "kap-footer--hover",
        "kap-footer--edge",
    }
    # Its look is in the app's stylesheet (app.tcss): every screen has a footer.

    def __init__(self, *, narrow: Mapping[str, str] | None = None, compact: bool = False,
                 id: str | None = None) -> None:  # noqa: A002
        """``narrow``: action → label of the keys kept when not every key fits. ``compact``:
        less space around each key."""
        super().__init__(id=id)
        self.narrow = dict(narrow) if narrow else None
        self.compact = compact
        self._items: list[FooterItem] | None = None  # the screen's keys, until they change
        self._spans: list[tuple[int, int, FooterItem]] = []  # x range of each key drawn
        self._hover: FooterItem | None = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        self._items = None
        self.refresh()

    # ---- what is shown ------------------------------------------------------------------

    def items(self) -> list[FooterItem]:
        """Each key the screen shows in its footer, once per action, in binding order."""
        if self._items is None:
            seen: set[str] = set()
            items = []
            for _node, binding, enabled, tooltip in self.screen.active_bindings.values():
                if binding.show and binding.action not in seen:
                    seen.add(binding.action)
                    items.append(FooterItem(binding.action, binding.key,
                                            self.app.get_key_display(binding),
                                            binding.description, enabled,
                                            tooltip or binding.description))
            self._items = items
        return self._items

    def _palette_hint(self) -> tuple[FooterItem, Text] | None:
        """The command palette's key and how it is drawn, docked right, as compact as
        Textual drew it ("▏^p palette "); ``None`` where it gives way."""
        if self.size.width < PALETTE_HINT_MIN_WIDTH or not self.app.ENABLE_COMMAND_PALETTE:
            return None
        found = self.screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
        if found is None:
            return None
        _node, binding, enabled, tooltip = found
        item = FooterItem(binding.action, binding.key, self.app.get_key_display(binding),
                          binding.description, enabled, binding.tooltip or binding.description)
        hint = Text.assemble(
            (PALETTE_EDGE, self.get_component_rich_style("kap-footer--edge")),
            (item.shown, self.get_component_rich_style("kap-footer--key")),
            (f" {item.label} ", self.get_component_rich_style("kap-footer--label")))
        return item, hint

    def _text(self, item: FooterItem) -> tuple[str, str]:
        """The key's part and the label's part, spaced as Textual's footer spaces them."""
        if self.compact:
            return item.shown, f" {item.label} "  # the space after: between two keys
        return f" {item.shown} ", f"{item.label} "

    def shown(self) -> list[FooterItem]:
        """The keys drawn at the current width: all of them, or the ``narrow`` ones; and of
        those, as many whole keys as fit (never a key cut in half: help lists them all)."""
        return self._fitted(self._palette_hint())

    def _fitted(self, hint: tuple[FooterItem, Text] | None) -> list[FooterItem]:
        items = self.items()
        room = self.size.width - (hint[1].cell_len if hint is not None else 0)
        if self.narrow is not None and self._width(items) > room:
            items = [item._replace(label=self.narrow[item.action])
                     for item in items if item.action in self.narrow]
        while items and self._width(items) > room:
            items = items[:-1]
        return items

    def _width(self, items: list[FooterItem]) -> int:
        return sum(cell_len(k) + cell_len(lab) for k, lab in map(self._text, items))

    # ---- drawing ------------------------------------------------------------------------

    def render(self) -> Text:
        key_style = self.get_component_rich_style("kap-footer--key")
        label_style = self.get_component_rich_style("kap-footer--label")
        # Hovering lights the key's background only: its letters keep their colours.
        hover = Style(bgcolor=self.get_component_rich_style("kap-footer--hover").bgcolor)
        dim = Style(dim=True)
        line = Text(no_wrap=True, overflow="crop", end="")
        spans = []
        palette = self._palette_hint()
        for item in self._fitted(palette):
            key, label = self._text(item)
            start = line.cell_len
            extra = (Style() if item.enabled else dim) + (
                hover if item == self._hover else Style())
            line.append(key, key_style + extra)
            line.append(label, label_style + extra)
            spans.append((start, line.cell_len, item))
        if palette is not None:
            item, hint = palette
            gap = self.size.width - line.cell_len - hint.cell_len
            if gap >= 0:
                line.append(" " * gap)
                start = line.cell_len + 1
                line.append_text(hint)
                spans.append((start, line.cell_len, item))
        self._spans = spans
        return line

    # ---- the mouse ----------------------------------------------------------------------

    def _item_at(self, x: int) -> FooterItem | None:
        for start, end, item in self._spans:
            if start <= x < end:
                return item
        return None

    def on_mouse_down(self, event: events.MouseDown) -> None:
        item = self._item_at(event.x)
        if item is None:
            return
        if item.enabled:
            self.app.simulate_key(item.key)
        else:
            self.app.bell()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        item = self._item_at(event.x)
        if item != self._hover:
            self._hover = item
            self.tooltip = item.tooltip if item else None
            self.refresh()

    def on_leave(self) -> None:
        if self._hover is not None:
            self._hover = None
            self.tooltip = None
            self.refresh()
