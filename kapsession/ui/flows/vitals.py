"""ctrl+r, on the live screen and, until discharge, on the integration screen: one set of
vitals, saved the same way from both."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.screen import Screen
from textual.widget import AwaitMount

from ...model import Vitals
from ..widgets.vitals_dialog import VitalsDialog
from .effects import OpenDialog

FIELDS = ("systolic", "diastolic", "heart_rate", "spo2", "resp_rate")


def record_vitals(screen: Screen[Any], *, open_dialog: OpenDialog,
                  run: Callable[[str, Callable[[], object]], bool],
                  say: Callable[[str, bool], None]) -> AwaitMount | None:
    """Open the vitals dialog; save what it returns and say so (``say(message, flagged)``)."""
    thresholds = screen.app.config.thresholds  # type: ignore[attr-defined]
    archive, sid = screen.archive, screen.session_id  # type: ignore[attr-defined]

    def done(v: Vitals | None) -> None:
        if v is None:
            return
        if run("Vitals", lambda: archive.record_vitals(
                sid, **{k: getattr(v, k) for k in FIELDS})):
            flags = thresholds.flags(v)
            say("Vitals saved" + (f" — flagged: {', '.join(flags)}." if flags else "."),
                bool(flags))

    return open_dialog(VitalsDialog(thresholds), done)
