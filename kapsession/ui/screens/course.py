"""The course of one client: the scores as a chart, then every session and visit in order,
with its intention in full. Opened from home with `c`."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from ...course_view import course_heading
from ...model.course import Course, build_course
from ..widgets.chart import CourseChart
from ..widgets.course_list import CourseList
from ..widgets.footer import KapFooter


class CourseScreen(Screen[None]):
    HELP_TITLE = "course of a client"
    CSS_PATH = "course.tcss"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="back", tooltip="Back to the list"),
        Binding("enter", "open_session", "Open", id="open_session", show=False,
                tooltip="Open the selected session or visit"),
        # The list takes no focus (see CourseList): the screen moves its cursor.
        Binding("up", "move(-1)", "Earlier", id="course_earlier", show=False),
        Binding("down", "move(1)", "Later", id="course_later", show=False),
        Binding("home", "move_to(0)", "First", id="course_first", show=False),
        Binding("end", "move_to(-1)", "Last", id="course_last", show=False),
        Binding("g", "toggle_chart", "Chart", id="toggle_chart",
                tooltip="Show or hide the chart of PHQ-9 and GAD-7"),
        Binding("e", "export_session", "Export", id="export_session",
                tooltip="Export the selected session to markdown"),
    ]

    def __init__(self, client: str) -> None:
        super().__init__()
        self.client = client
        self.course = Course(client, ())
        self._chart_hidden = False

    def compose(self) -> ComposeResult:
        yield Static(id="course-title")
        yield CourseChart(self.course, id="course-chart")
        yield CourseList(id="course-items")
        yield KapFooter()

    def on_mount(self) -> None:
        self.query_one("#course-title", Static).update(f"Reading the course of {self.client}…")
        self.query_one(CourseChart).display = False
        self.reload()

    @work(thread=True, exclusive=True, group="course")
    def reload(self) -> None:
        """Read the client's sessions (one file each) away from the UI thread: the screen is
        there at once and fills in when they are read."""
        archive = self.app.archive  # type: ignore[attr-defined]
        key = self.client.casefold()
        ids = [s.id for s in archive.sessions() if s.client.casefold() == key]
        course = build_course(self.client, archive.iter_sessions(ids))
        self.app.call_from_thread(self._show, course)

    def _show(self, course: Course) -> None:
        self.course = course
        self.query_one("#course-title", Static).update(course_heading(self.course))
        chart = self.query_one(CourseChart)
        chart.show(self.course)
        chart.display = bool(self.course.scores) and not self._chart_hidden
        self.query_one(CourseList).show(self.course.items)

    def _selected(self) -> str | None:
        item = self.query_one(CourseList).selected
        return item.id if item is not None else None

    def action_move(self, step: int) -> None:
        self.query_one(CourseList).move(step)

    def action_move_to(self, index: int) -> None:
        self.query_one(CourseList).move_to(index)

    def action_open_session(self) -> None:
        sid = self._selected()
        if sid is not None:
            from .detail import DetailScreen

            self.app.push_screen(DetailScreen(sid))

    def action_toggle_chart(self) -> None:
        self._chart_hidden = not self._chart_hidden
        self.query_one(CourseChart).display = bool(self.course.scores) and not self._chart_hidden

    def action_export_session(self) -> None:
        sid = self._selected()
        if sid is not None:
            from .export_action import export_one

            export_one(self, sid)
