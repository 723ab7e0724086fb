"""The reference for start-up and idle CPU: a minimal Textual app, run for real.

A Header, a DataTable of five dated rows and a Footer, nothing else: what any Textual app pays
to put a five-row table on a terminal. ``run.py`` execs it in a pseudo-terminal exactly as it
execs ``kapsession`` and waits for the same thing, the five dates drawn (:data:`DATES`).
It imports only Textual, so its interpreter start is the floor too.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Footer, Header

DATES = ("2026-11-05 09:30", "2026-11-04 10:00", "2026-11-03 14:15", "2026-11-02 09:00",
         "2026-11-01 16:45")


class Minimal(App[None]):
    BINDINGS = [("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="sessions", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("date", "client", "status")
        table.add_rows([(d, f"C-000{i + 1}", "signed") for i, d in enumerate(DATES)])
        table.focus()


if __name__ == "__main__":
    Minimal().run()
