"""A session live on another device (issue 19): read here, or taken over after a yes."""

from __future__ import annotations

from textual.app import App

from ...model.session import LiveOn
from ...store import ArchiveError
from ...store.devices import live_on_text
from ..widgets.confirm_dialog import ConfirmDialog


def open_live_elsewhere(app: App[None], session_id: str, where: LiveOn) -> None:
    """Ask whether to take the session over. No: it opens read-only (the detail view), the
    other device keeps writing it. Yes: the record notes the takeover and the live screen
    opens here."""
    from .detail import DetailScreen
    from .integration import IntegrationScreen
    from .live import LiveScreen

    archive = app.archive  # type: ignore[attr-defined]
    text = live_on_text(where)

    def answered(yes: bool | None) -> None:
        if not yes:
            app.push_screen(DetailScreen(session_id))
            app.notify(f"Read-only here: this session is {text}.", timeout=15, markup=False)
            return
        try:
            archive.take_over(session_id)
        except ArchiveError as exc:
            app.notify(str(exc), title="Not taken over", severity="error", markup=False)
            return
        if archive.get(session_id).status == "live":
            app.push_screen(LiveScreen(session_id))
        else:  # finished there, still monitored: the integration screen takes the vitals
            app.push_screen(IntegrationScreen(session_id))

    app.push_screen(ConfirmDialog(
        f"This session is {text}",
        f"Take it over here ({archive.device})? Do this only when {where.device} no longer "
        "writes it: from now on notes are written on this device, and the timeline records "
        "the takeover. n / escape opens it read-only.",
        yes="Take it over here", irreversible=True), callback=answered)
