"""How a client's course and the due list read: Rich renderables for ``kapsession client``,
``kapsession due`` and the course screen (so the terminal and the app say the same).

Everything a therapist typed goes in as ``rich.text.Text`` (never markup); the model has
already removed control characters where the text entered.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from .model.course import Course, CourseItem, Score
from .model.due import DueItem, checkin_label
from .model.vocab import SESSION_KINDS, route_label

ITEM9_MARK = "PHQ-9 item 9 above 0: follow up"


class Trimmed:
    """``renderable`` with its lines ending at their last character: Rich pads table cells
    and lines to the width, which leaves trailing spaces in what ``client`` and ``due``
    print (and in anything pasted or diffed from them)."""

    def __init__(self, renderable: RenderableType) -> None:
        self.renderable = renderable

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        lines = console.render_lines(self.renderable, options, pad=False)
        for line in lines:
            yield from _rstrip(line)
            yield Segment.line()


def _rstrip(line: list[Segment]) -> list[Segment]:
    out = list(line)
    while out and not out[-1].control and not out[-1].text.rstrip():
        out.pop()
    if out and not out[-1].control:
        last = out[-1]
        out[-1] = Segment(last.text.rstrip(), last.style)
    return out


def _local(dt: datetime, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return dt.astimezone().strftime(fmt)


def what_line(item: CourseItem) -> str:
    """``dosing session 2 · IM 60 mg · signed`` or ``integration visit · ended``."""
    if item.kind == "dosing":
        what = f"dosing session {item.dosing_no}"
        route = route_label(item.route)
        if item.dose_mg is not None:
            route += f" {item.dose_mg:g} mg" + ("" if item.dose_given else " planned")
        parts = [what, route]
    else:
        parts = [SESSION_KINDS[item.kind]]
    return " · ".join([*parts, item.status])


def score_text(score: Score) -> Text:
    text = Text(score.label)
    for word in ("response", "remission"):
        start = score.label.find(f"· {word}")
        if start >= 0:
            text.stylize("bold green", start + 2, start + 2 + len(word))
    return text


def item_rows(item: CourseItem) -> list[tuple[RenderableType, ...]]:
    """The rows of one session or visit: what it was, its intention in full, its scores."""
    rows: list[tuple[RenderableType, ...]] = [(
        Text(_local(item.date)), Text(f"#{item.session_no}", justify="right"),
        Text(what_line(item), style="bold"),
    )]
    intention = Text(item.intention or "—", overflow="fold")
    rows.append(("", "", intention))
    if item.scores:
        line = Text("; ").join(score_text(sc) for sc in item.scores)
        line.overflow = "fold"
        rows.append(("", "", line))
    if item.item9_marked:
        rows.append(("", "", Text(f"! {ITEM9_MARK} (scored {item.item9})", style="bold red")))
    return rows


def course_heading(course: Course) -> Text:
    """``Course of C-0042 · 4 dosing sessions, 2 visits · PHQ-9 18 → 4 · response``."""
    n, v = course.dosing_count, course.visit_count
    text = Text("Course of ", style="bold")
    text.append(course.client, style="bold")
    text.append(f" · {n} dosing session{'' if n == 1 else 's'}, {v} visit{'' if v == 1 else 's'}")
    phq = course.series("phq9")
    if phq:
        text.append(f" · PHQ-9 {phq[0].value} → {phq[-1].value}" if len(phq) > 1
                    else f" · PHQ-9 {phq[0].value}")
        latest = phq[-1]
        for word, on in (("response", latest.response), ("remission", latest.remission)):
            if on:
                text.append(" · ")
                text.append(word, style="bold green")
    return text


def course_table(course: Course) -> Table:
    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True, style="dim")
    table.add_column(no_wrap=True, style="dim")
    table.add_column(ratio=1)
    for i, item in enumerate(course.items):
        if i:
            table.add_row("", "", "")
        for row in item_rows(item):
            table.add_row(*row)
    return table


def course_renderable(course: Course) -> RenderableType:
    if not course.items:
        return Text(f"No sessions for {course.client}.")
    return Group(course_heading(course), Text(""), course_table(course))


# ---- what is due --------------------------------------------------------------------------

def _session_name(d: DueItem) -> str:
    return (f"session #{d.session_no}" if d.session_kind == "dosing"
            else f"{SESSION_KINDS[d.session_kind]} #{d.session_no}")


def due_text(d: DueItem) -> str:
    """What to do, in a line: ``book the integration visit after session #3 (by …)``."""
    if d.what == "book":
        assert d.by is not None
        text = f"book the integration visit after {_session_name(d)} (by {_local(d.by, '%Y-%m-%d')}"
        if d.booked is not None:
            text += f"; set for {_local(d.booked, '%Y-%m-%d')}, later than that"
        return text + ")"
    if d.what == "checkin":
        return f"{checkin_label(d.checkin)} check-in after {_session_name(d)}"
    ended = _local(d.ended) if d.ended else "—"
    return f"sign {_session_name(d)} (ended {ended})"


#: The columns of the list of what is due: the command line's and the due screen's.
DUE_COLUMNS = ("due since", "client", "what")


def due_row(d: DueItem) -> tuple[str, str, str]:
    """One row of the list of what is due, as text (shown literally)."""
    return _local(d.since), d.client, due_text(d)


def due_table(items: Sequence[DueItem]) -> Table:
    table = Table(box=None, header_style="bold", padding=(0, 1))
    since, client, what = DUE_COLUMNS
    table.add_column(since, no_wrap=True)
    table.add_column(client, no_wrap=True)
    table.add_column(what, ratio=1, overflow="fold")
    for d in items:
        table.add_row(*(Text(cell) for cell in due_row(d)))
    return table


def due_renderable(items: Sequence[DueItem]) -> RenderableType:
    if not items:
        return Text("Nothing is due.")
    n = len(items)
    return Group(Text(f"{n} thing{'' if n == 1 else 's'} due, oldest first", style="bold"),
                 due_table(items))
