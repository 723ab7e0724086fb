"""The two themes: a calm low-light one for the dim room (default) and a light one."""

from __future__ import annotations

from textual.theme import Theme

KAP_DARK = Theme(
    name="kap-dark",
    primary="#7a9e9f",
    secondary="#8f8aa8",
    accent="#b39b72",
    warning="#c9a25b",
    error="#c47a6f",
    success="#7f9f7a",
    foreground="#b8b4aa",
    background="#121315",
    surface="#17191c",
    panel="#1e2126",
    dark=True,
)

KAP_LIGHT = Theme(
    name="kap-light",
    primary="#3f6e70",
    secondary="#5d577a",
    accent="#8a6d3b",
    warning="#9a6b12",
    error="#a3453a",
    success="#4d6b48",
    foreground="#2b2b2b",
    background="#f4f1ea",
    surface="#ebe7de",
    panel="#e0dbd0",
    dark=False,
)

THEMES = (KAP_DARK, KAP_LIGHT)
