"""A scrolling form: tab goes from field to field, never to the scroll container itself."""

from __future__ import annotations

from textual.containers import VerticalScroll


class Form(VerticalScroll, can_focus=False):
    """The form scrolls to whichever field has focus."""
