"""Session detail: a read-only view of one session, with export and addenda."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from ...model.course import vitals_points
from ...store import ArchiveError
from ...terminal import render_session, session_header
from ..widgets.chart import VitalsChart
from ..widgets.footer import KapFooter


class DetailScreen(Screen[None]):
    """Everything about one session; nothing here changes it except an addendum."""

    HELP_TITLE = "session detail"
    CSS_PATH = "detail.tcss"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="back", tooltip="Back to the list"),
        Binding("e", "export_session", "Export", id="export_session",
                tooltip="Export this session to markdown"),
        Binding("a", "add_addendum", "Addendum", id="add_addendum",
                tooltip="Add a dated addendum to this signed session"),
        Binding("i", "integration", "Integration", id="integration",
                tooltip="Discharge, integration and signing (ended sessions)"),
    ]

    def __init__(self, session_id: str) -> None:
        super().__init__()
        self.session_id = session_id

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail"):
            # Which session first; the picture of its vitals under it, then the record.
            yield Static(id="head")
            yield VitalsChart([], self.app.config.thresholds, id="vitals-chart")  # type: ignore[attr-defined]
            yield Static(id="body")
        yield KapFooter()

    def on_mount(self) -> None:
        self.reload()
        self.query_one("#detail").focus()

    def on_screen_resume(self) -> None:
        self.reload()

    def archive_changed(self, session_ids: set[str]) -> None:
        """A sync tool's conflict copy of this session was merged (KapsessionApp)."""
        if self.session_id in session_ids:
            self.reload()
            self.notify("This session now holds what another device recorded (a sync "
                        "conflict copy, merged).", markup=False)

    def reload(self) -> None:
        session = self.app.archive.get(self.session_id)  # type: ignore[attr-defined]
        self.status = session.status
        chart = self.query_one(VitalsChart)
        chart.show(vitals_points(session))
        chart.display = bool(chart.points)  # a picture only where there is something to see
        self.query_one("#head", Static).update(session_header(session))
        self.query_one("#body", Static).update(render_session(session, self.app.config,  # type: ignore[attr-defined]
                                                              with_header=False))
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        status = getattr(self, "status", None)
        read_only = self.app.archive.read_only  # type: ignore[attr-defined]
        if action == "add_addendum":
            return status == "signed" and not read_only
        if action == "integration":
            return status == "ended" and not read_only
        return True

    def action_export_session(self) -> None:
        from .export_action import export_one

        export_one(self, self.session_id)

    def action_add_addendum(self) -> None:
        from ..widgets.text_dialog import TextDialog

        def ask(initial: str) -> None:
            self.app.push_screen(TextDialog("Addendum", "A dated correction or addition; "
                                            "the signed session itself stays as it was.",
                                            initial=initial, multiline=True), callback=done)

        def done(text: str | None) -> None:
            if not text:
                return
            try:
                self.app.archive.add_addendum(self.session_id, text)  # type: ignore[attr-defined]
            except (ArchiveError, ValueError) as exc:
                self.notify(str(exc), title="Addendum not saved", severity="error",
                            markup=False)
                ask(text)  # the dialog comes back with the text, to try again
                return
            self.notify("Addendum added.")
            self.reload()

        ask("")

    def action_integration(self) -> None:
        from .integration import IntegrationScreen

        # Still monitored on another device: read here, or take it over after a yes.
        elsewhere = self.app.archive.live_elsewhere(self.session_id)  # type: ignore[attr-defined]
        if elsewhere is not None:
            from .elsewhere import open_live_elsewhere

            open_live_elsewhere(self.app, self.session_id, elsewhere)
            return
        self.app.push_screen(IntegrationScreen(self.session_id))
