"""Client history: one client's sessions side by side, and any of them opened from here."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Static

from ...model.text import visible
from ...model.vocab import route_label
from ..widgets.footer import KapFooter


def _first_line(text: str, width: int) -> str:
    if not text:
        return "—"
    line = text.splitlines()[0]
    return line if len(line) <= width else line[:width - 1] + "…"


class HistoryScreen(Screen[None]):
    HELP_TITLE = "client history"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="back"),
        Binding("enter", "open_session", "Open", id="open_session", show=False),
        Binding("e", "export_session", "Export", id="export_session"),
    ]

    def __init__(self, client: str) -> None:
        super().__init__()
        self.client = client

    def compose(self) -> ComposeResult:
        yield Static(id="history-title", markup=False)
        table: DataTable[object] = DataTable(id="history", cursor_type="row")
        yield table
        yield KapFooter()

    def on_mount(self) -> None:
        rows = [s for s in reversed(self.app.archive.sessions())  # type: ignore[attr-defined]
                if s.client == self.client]
        self.query_one("#history-title", Static).update(
            Text(f"{self.client} · {len(rows)} session{'s' if len(rows) != 1 else ''}",
                 style="bold"))
        table = self.query_one("#history", DataTable)
        for col in ("#", "date", "route and dose", "intention", "flagged", "integration",
                    "status"):
            table.add_column(col)
        for s in rows:
            table.add_row(
                str(s.session_no), s.date.astimezone().strftime("%Y-%m-%d"),
                route_label(s.route) + (f" {s.dose_mg:g} mg" if s.dose_mg else ""),
                Text(_first_line(visible(s.intention), 36)),
                str(s.flagged),
                s.integration_date.isoformat() if s.integration_date else "—",
                s.status,
                key=s.id,
            )
        table.focus()

    def _selected(self) -> str | None:
        table = self.query_one("#history", DataTable)
        if not table.row_count:
            return None
        key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return key.value

    @on(DataTable.RowSelected)
    def action_open_session(self) -> None:
        sid = self._selected()
        if sid:
            from .detail import DetailScreen

            self.app.push_screen(DetailScreen(sid))

    def action_export_session(self) -> None:
        sid = self._selected()
        if sid:
            from .export_action import export_one

            export_one(self, sid)
