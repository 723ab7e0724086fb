"""Reading what a widget shows, as plain text."""

from __future__ import annotations

from textual.widget import Widget


def visible_text(widget: Widget) -> str:
    lines = []
    for y in range(widget.size.height):
        strip = widget.render_line(y)
        lines.append("".join(segment.text for segment in strip).rstrip())
    return "\n".join(lines)


def screen_text(screen: Widget) -> str:
    """The text of every displayed leaf widget on ``screen`` (hidden ones left out)."""
    parts = []
    for widget in screen.walk_children(with_self=False):
        if widget.children:
            continue
        chain = [n for n in widget.ancestors_with_self if isinstance(n, Widget)]
        if not all(n.display for n in chain):
            continue
        parts.append(visible_text(widget))
    return "\n".join(parts)
