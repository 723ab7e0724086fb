"""kapsession's own key bindings of a screen: what the help screen and the palette list."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from textual.binding import Binding
from textual.dom import DOMNode


def named_bindings(nodes: Iterable[DOMNode | None]) -> Iterator[tuple[DOMNode, Binding]]:
    """``(node, binding)`` for each action of ``nodes`` that has an id and a description,
    once per action, in the order of ``nodes``.

    Only kapsession's own actions carry an id; generic widget keys (scroll left, copy
    selection …) are left out. Textual offers no public list of a node's own bindings.
    """
    seen: set[str] = set()
    for node in nodes:
        if node is None:
            continue
        for bindings in node._bindings.key_to_bindings.values():  # noqa: SLF001
            for b in bindings:
                if b.description and b.id and b.action not in seen:
                    seen.add(b.action)
                    yield node, b
