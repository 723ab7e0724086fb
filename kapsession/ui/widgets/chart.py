"""Chart widgets: the course's scores and one session's vitals, drawn to the widget's size."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from ...model.course import Course, VitalsPoint
from ...model.vitals import VitalsThresholds
from .chart_canvas import course_chart, vitals_chart


class CourseChart(Widget):
    """PHQ-9 and GAD-7 across a client's course (see ``chart_canvas.course_chart``)."""

    DEFAULT_CSS = "CourseChart { height: 12; }"

    def __init__(self, course: Course, **kw: str) -> None:
        super().__init__(**kw)
        self.course = course

    def show(self, course: Course) -> None:
        self.course = course
        self.refresh()

    def render(self) -> Text:
        size = self.content_size
        return course_chart(self.course, size.width, size.height)


class VitalsChart(Widget):
    """BP, heart rate and SpO₂ of one session against T+ (``chart_canvas.vitals_chart``)."""

    DEFAULT_CSS = "VitalsChart { height: 14; }"

    def __init__(self, points: list[VitalsPoint], thresholds: VitalsThresholds,
                 **kw: str) -> None:
        super().__init__(**kw)
        self.points = points
        self.thresholds = thresholds

    def show(self, points: list[VitalsPoint]) -> None:
        self.points = points
        self.refresh()

    def render(self) -> Text:
        size = self.content_size
        return vitals_chart(self.points, size.width, size.height, self.thresholds)
