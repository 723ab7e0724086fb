"""The course of one client: the scores as a chart, then every session and visit in order,
with its intention in full. Opened from home with `c`."""

from __future__ import annotations

from rich.table import Table
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import ListItem, ListView, Static

from ...course_view import course_heading, item_rows
from ...model.course import Course, CourseItem, build_course
from ..widgets.chart import CourseChart
from ..widgets.footer import KapFooter


def item_card(item: CourseItem) -> Table:
    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True, style="dim")
    table.add_column(no_wrap=True, style="dim")
    table.add_column(ratio=1)
    for row in item_rows(item):
        table.add_row(*row)
    return table


class CourseItemRow(ListItem):
    def __init__(self, item: CourseItem) -> None:
        super().__init__(Static(item_card(item)), classes="visit" if item.is_visit else "")
        self.item = item


class CourseScreen(Screen[None]):
    HELP_TITLE = "course of a client"
    CSS_PATH = "course.tcss"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="back", tooltip="Back to the list"),
        Binding("enter", "open_session", "Open", id="open_session", show=False,
                tooltip="Open the selected session or visit"),
        Binding("g", "toggle_chart", "Chart", id="toggle_chart",
                tooltip="Show or hide the chart of PHQ-9 and GAD-7"),
        Binding("e", "export_session", "Export", id="export_session",
                tooltip="Export the selected session to markdown"),
    ]

    def __init__(self, client: str) -> None:
        super().__init__()
        self.client = client
        self.course = Course(client, ())

    def compose(self) -> ComposeResult:
        yield Static(id="course-title")
        yield CourseChart(self.course, id="course-chart")
        yield ListView(id="course-items")
        yield KapFooter()

    def on_mount(self) -> None:
        self.reload()
        self.query_one("#course-items").focus()

    def reload(self) -> None:
        archive = self.app.archive  # type: ignore[attr-defined]
        key = self.client.casefold()
        ids = [s.id for s in archive.sessions() if s.client.casefold() == key]
        self.course = build_course(self.client, archive.iter_sessions(ids))
        self.query_one("#course-title", Static).update(course_heading(self.course))
        chart = self.query_one(CourseChart)
        chart.show(self.course)
        chart.display = bool(self.course.scores) and chart.display
        items = self.query_one("#course-items", ListView)
        items.clear()
        items.extend(CourseItemRow(item) for item in self.course.items)
        items.index = len(self.course.items) - 1 if self.course.items else None

    def _selected(self) -> str | None:
        row = self.query_one("#course-items", ListView).highlighted_child
        return row.item.id if isinstance(row, CourseItemRow) else None

    @on(ListView.Selected, "#course-items")
    def action_open_session(self) -> None:
        sid = self._selected()
        if sid is not None:
            from .detail import DetailScreen

            self.app.push_screen(DetailScreen(sid))

    def action_toggle_chart(self) -> None:
        chart = self.query_one(CourseChart)
        chart.display = not chart.display

    def action_export_session(self) -> None:
        sid = self._selected()
        if sid is not None:
            from .export_action import export_one

            export_one(self, sid)
