"""Charts drawn with characters: the course's PHQ-9/GAD-7 and one session's vitals against T+.

Plain Rich (no plotting library, see docs/charts.md): a grid of cells, each a character and a
style, turned into ``rich.text.Text``. Markers are letters and shapes as well as colours, so a
chart reads without colour. Pure functions of the data and the size, so tests and snapshots
draw the same chart every time.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

from rich.text import Text

from ...model.course import Course, VitalsPoint
from ...model.vitals import VitalsThresholds

PHQ9_MAX = 27
AXIS_W = 4  # "27 ┤"
PHQ_STYLE, GAD_STYLE = "bold cyan", "bold magenta"
DOSE_STYLE, FLAG_STYLE, GRID_STYLE = "yellow", "bold red", "dim"
SYS_STYLE, DIA_STYLE, HR_STYLE, SPO2_STYLE = "bold cyan", "cyan", "bold magenta", "bold green"
LINE = "▁"  # a cut-off or flag line: drawn along the bottom edge of a row, so between two rows
GRID_CHARS = " ┊" + LINE


class Canvas:
    """A ``width`` × ``height`` grid of characters with styles; row 0 is the top."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = max(width, 1), max(height, 1)
        self.chars = [[" "] * self.width for _ in range(self.height)]
        self.styles = [[""] * self.width for _ in range(self.height)]

    def put(self, x: int, y: int, char: str, style: str = "", *, over: bool = True) -> None:
        if 0 <= x < self.width and 0 <= y < self.height and (over or self.chars[y][x] == " "):
            self.chars[y][x] = char
            self.styles[y][x] = style

    def put_beside(self, x: int, y: int, char: str, style: str = "") -> int:
        """A mark at (x, y), or beside it when another mark is there: two readings that
        share a cell both stay visible, at their true height. Returns the column used."""
        for dx in (0, 1, -1, 2, -2):
            cx = x + dx
            if 0 <= cx < self.width and 0 <= y < self.height and (
                    self.chars[y][cx] in GRID_CHARS or self.chars[y][cx] == char):
                self.put(cx, y, char, style)
                return cx
        self.put(x, y, char, style)
        return x

    def free(self, x0: int, x1: int, y: int) -> bool:
        """Cells x0..x1 of row y hold nothing but grid (or lie off the canvas's sides)."""
        return 0 <= y < self.height and all(
            not 0 <= x < self.width or self.chars[y][x] in GRID_CHARS
            for x in range(x0, x1 + 1))

    def label(self, x: int, y: int, text: str, style: str, left: int) -> bool:
        """``text`` beside the mark at (x, y): right of it, else left of it (not left of
        column ``left``), where its cells and one more beyond are free, so a label never
        touches another mark or label. False when neither side has room."""
        n = len(text)
        if x + n < self.width and self.free(x + 1, x + n + 1, y):
            self.write(x + 1, y, text, style)
            return True
        if x - n >= left and self.free(x - n - 1, x - 1, y):
            self.write(x - n, y, text, style)
            return True
        return False

    def write(self, x: int, y: int, text: str, style: str = "") -> None:
        for i, char in enumerate(text):
            self.put(x + i, y, char, style)

    def hline(self, y: int, x0: int, x1: int, char: str = "▁", style: str = GRID_STYLE) -> None:
        for x in range(x0, x1 + 1):
            self.put(x, y, char, style, over=False)

    def vline(self, x: int, y0: int, y1: int, char: str = "┊", style: str = GRID_STYLE) -> None:
        for y in range(y0, y1 + 1):
            self.put(x, y, char, style, over=False)

    def text(self) -> Text:
        out = Text(no_wrap=True, overflow="crop")
        for y in range(self.height):
            if y:
                out.append("\n")
            row, styles = self.chars[y], self.styles[y]
            start = 0
            for x in range(1, self.width + 1):  # runs of one style, appended at once
                if x == self.width or styles[x] != styles[start]:
                    out.append("".join(row[start:x]).rstrip() if x == self.width
                               else "".join(row[start:x]), styles[start] or None)
                    start = x
        return out


class BinAxis:
    """Rows as bins of values, with each cut-off *between* two rows, never on one.

    ``cuts`` are values where a line is drawn: a value above the cut is drawn on a row above
    the line, a value at or below it on a row under it, however few the rows (a systolic 138
    under the 140 flag line, a 141 above it; a PHQ-9 of 4 under the 5 line, a 5 above). Every
    span between cuts (and ``low``, ``high``) gets whole rows of its own: one at least, the
    spare ones to the span with the most values per row. The line of a cut is drawn along the
    bottom edge of the lowest row above it (``LINE``, a lower eighth block), so it lies on the
    border between the two rows.
    """

    def __init__(self, low: float, high: float, cuts: Sequence[float], top: int,
                 bottom: int) -> None:
        edges = [low, *sorted({c for c in cuts if low < c < high}), high]
        widths = [b - a for a, b in zip(edges, edges[1:], strict=False)]
        rows = bottom - top + 1
        if rows < len(widths):
            raise ValueError(f"{len(widths)} spans need {len(widths)} rows, not {rows}")
        counts = [1] * len(widths)
        for _ in range(rows - len(widths)):
            i = max(range(len(widths)), key=lambda i: widths[i] / counts[i])
            counts[i] += 1
        self.spans: list[tuple[float, float, int, int]] = []  # (low, high, bottom row, rows)
        row = bottom
        for a, b, n in zip(edges, edges[1:], counts, strict=False):
            self.spans.append((a, b, row, n))
            row -= n
        #: (cut, row): the row whose bottom edge is the cut's line
        self.lines = [(a, r) for a, _b, r, _n in self.spans[1:]]

    def row(self, value: float) -> int:
        """The row of ``value``: in the span (a, b] that holds it (the lowest span also
        takes ``low`` and anything under it, the highest anything above ``high``)."""
        for i, (a, b, bottom, n) in enumerate(self.spans):
            if value <= b or i == len(self.spans) - 1:
                k = math.ceil((value - a) / (b - a) * n) - 1
                return bottom - min(n - 1, max(0, k))
        raise AssertionError("unreachable")


def _col(value: float, low: float, high: float, left: int, right: int) -> int:
    if high <= low:
        return (left + right) // 2
    return left + round((value - low) / (high - low) * (right - left))


def _too_small(width: int, height: int, need_w: int, need_h: int) -> Text | None:
    if width < need_w or height < need_h:
        return Text(f"(the chart needs {need_w}×{need_h} characters)", style="dim")
    return None


# ---- the course -------------------------------------------------------------------------

COURSE_LEGEND = f"● PHQ-9  ◆ GAD-7  ▲ dosing session  △ planned  ! item 9 > 0  {LINE} band cut-offs"
#: PHQ-9's bands, lowest first (GAD-7 shares the cut-offs 5, 10 and 15).
BANDS = ((0, 4, "minimal"), (5, 9, "mild"), (10, 14, "moderate"),
         (15, 19, "mod-sev"), (20, PHQ9_MAX, "severe"))  # mod-sev: moderately severe
NAMES_W = 9  # the band names' margin on the right
PLANNED = "△"  # a dosing session not held yet: not the ▲ of one that was


def _legend(c: Canvas, legend: str, styles: dict[str, str]) -> None:
    c.write(0, 0, legend[:c.width])
    for x, char in enumerate(legend[:c.width]):
        if char in styles:
            c.put(x, 0, char, styles[char])


def band_axis(top: int, bottom: int) -> BinAxis:
    """Rows for the bands: each band has rows of its own, the cut-offs 5/10/15/20 between
    them (a score above 4 is above the 5 line; integers, so the lowest span is (−1, 4])."""
    return BinAxis(-1, PHQ9_MAX, [high for _low, high, _name in BANDS[:-1]], top, bottom)


def course_chart(course: Course, width: int, height: int) -> Text:
    """PHQ-9 (●) and GAD-7 (◆) over the course's dates, each score in its band's rows with its
    number beside it where there is room; the band cut-offs 5/10/15/20 drawn between rows
    with the band names; dosing sessions marked ▲ under the axis (and ┊ up the plot), planned
    ones △; item 9 above 0 as ``!`` on a row of its own."""
    small = _too_small(width, height, 30, 10)
    if small is not None:
        return small
    c = Canvas(width, height)
    _legend(c, COURSE_LEGEND, {"●": PHQ_STYLE, "◆": GAD_STYLE, "▲": DOSE_STYLE,
                               PLANNED: DOSE_STYLE, "!": FLAG_STYLE})
    top, bottom = 1, height - 5  # plot rows; the axis, dosing, item 9 and date rows
    names = width >= 60
    left, right = AXIS_W, width - 2 - (NAMES_W if names else 0)
    bands = band_axis(top, bottom)
    for (low, _high, name), (_a, _b, row, _n) in zip(BANDS, bands.spans, strict=True):
        c.write(0, row, f"{low:>2}", GRID_STYLE)
        if low:
            c.hline(row, 3, right)
        if names:
            c.write(right + 2, row, name, GRID_STYLE)
    axis = bottom + 1
    c.write(0, axis, "   └" + "─" * (right - left + 1), GRID_STYLE)
    dates = [i.date for i in course.items]
    if not dates:
        c.write(left + 2, top, "no sessions yet", GRID_STYLE)
        return c.text()
    lo, hi = min(dates).timestamp(), max(dates).timestamp()

    def col(at: datetime) -> int:
        return _col(at.timestamp(), lo, hi, left + 1, right - 1)

    for item in course.items:
        x = col(item.date)
        if item.kind == "dosing":
            if item.status == "planned":
                c.put(x, axis + 1, PLANNED, DOSE_STYLE, over=False)
            else:
                c.put(x, axis + 1, "▲", DOSE_STYLE)
                c.vline(x, top, bottom)
        if item.item9_marked:
            c.put(x, axis + 2, "!", FLAG_STYLE)
    marks = []
    for scale, mark, style in (("phq9", "●", PHQ_STYLE), ("gad7", "◆", GAD_STYLE)):
        for sc in course.series(scale):
            y = bands.row(sc.value)
            marks.append((c.put_beside(col(sc.at), y, mark, style), y, str(sc.value), style))
    for x, y, label, style in marks:  # numbers after every mark, so none hides a mark
        c.label(x, y, label, style, left)
    first, last = min(dates).astimezone(), max(dates).astimezone()
    if names:
        c.write(right + 2, axis + 1, "dosing", GRID_STYLE)
        c.write(right + 2, axis + 2, "item 9", GRID_STYLE)
    c.write(left, axis + 3, first.strftime("%Y-%m-%d"), GRID_STYLE)
    if last.date() != first.date():
        label = last.strftime("%Y-%m-%d")
        c.write(max(left + 11, right - len(label) + 1), axis + 3, label, GRID_STYLE)
    if not course.scores:
        c.write(left + 2, top, "no PHQ-9 or GAD-7 scores yet", GRID_STYLE)
    return c.text()


# ---- one session's vitals against T+ ----------------------------------------------------

VITALS_LEGEND = f"S systolic  D diastolic  H heart rate (bpm)  {LINE} flag lines"


def vitals_axis(points: Sequence[VitalsPoint], top: int, bottom: int,
                limits: VitalsThresholds) -> BinAxis:
    """mmHg and bpm on one axis, from 60 (or lower) to 160 (or higher), in tens; the systolic
    and diastolic flag values as cuts: above the line is flagged, on or under it is not."""
    values = [v for p in points for v in (p.vitals.systolic, p.vitals.diastolic,
                                          p.vitals.heart_rate) if v is not None]
    low = min([60, *values]) // 10 * 10
    high = -(-max([160, *values]) // 10) * 10
    return BinAxis(low, high, [limits.diastolic_high, limits.systolic_high], top, bottom)


def vitals_chart(points: Sequence[VitalsPoint], width: int, height: int,
                 thresholds: VitalsThresholds | None = None) -> Text:
    """BP (S, D, mmHg) and heart rate (H, bpm) against T+ in minutes, each with its value
    beside it where there is room; the systolic and diastolic flag lines drawn between rows,
    so a value above a line is drawn above it and one at or under it below; SpO₂ as its values
    on a row of its own (a few rows of plot cannot tell 96 from 94). Flagged values are red
    as well as placed."""
    small = _too_small(width, height, 30, 6)
    if small is not None:
        return small
    limits = thresholds or VitalsThresholds()
    c = Canvas(width, height)
    # Under 10 rows (the live screen's F3 at 80×24): no legend and no caption, so the three
    # spans between the flag lines still get a row each.
    compact = height < 10
    if not compact:
        _legend(c, VITALS_LEGEND, {"S": SYS_STYLE, "D": DIA_STYLE, "H": HR_STYLE})
    left, right = AXIS_W, width - 2
    # BP and HR rows; then SpO₂, the axis, ticks, caption
    top, bottom = (0, height - 4) if compact else (1, height - 5)
    spo2_row, axis = bottom + 1, bottom + 2
    c.write(0, spo2_row, "SpO₂", GRID_STYLE)
    c.write(0, axis, "   └" + "─" * (right - left + 1), GRID_STYLE)
    if not points:
        c.write(left, (top + bottom) // 2, "no vitals recorded in this session", GRID_STYLE)
        return c.text()
    rows = vitals_axis(points, top, bottom, limits)
    for cut, y in rows.lines:
        c.write(0, y, f"{cut:>3}", GRID_STYLE)
        c.hline(y, 3, right)
    low, high = rows.spans[0][0], rows.spans[-1][1]
    if all(y != top for _cut, y in rows.lines):
        c.write(0, top, f"{high:>3}┤", GRID_STYLE)
    c.write(0, bottom, f"{low:>3}┤", GRID_STYLE)
    t_low = min(0.0, min(p.minutes for p in points))
    t_high = max(60.0, max(p.minutes for p in points))

    def col(minutes: float) -> int:
        return _col(minutes, t_low, t_high, left + 1, right - 1)

    if t_low < 0:
        c.vline(col(0), top, bottom)  # the dose, T+0
    spo2_end = left
    marks = []
    for p in points:
        x, v = col(p.minutes), p.vitals
        for value, mark, style, high_flag in (
                (v.heart_rate, "H", HR_STYLE, limits.heart_rate_high),
                (v.diastolic, "D", DIA_STYLE, limits.diastolic_high),
                (v.systolic, "S", SYS_STYLE, limits.systolic_high)):
            if value is not None:
                flagged = value > high_flag or (mark == "H" and value < limits.heart_rate_low)
                y = rows.row(value)
                style = FLAG_STYLE if flagged else style
                marks.append((c.put_beside(x, y, mark, style), y, str(value), style))
        if v.spo2 is not None:
            label = str(v.spo2)
            at = max(x, spo2_end + 1)  # side by side when two are close, never on top
            if at + len(label) <= width:
                c.write(at, spo2_row, label,
                        FLAG_STYLE if v.spo2 < limits.spo2_low else SPO2_STYLE)
                spo2_end = at + len(label)
    for x, y, label, style in marks:  # values after every mark, so none hides a mark
        c.label(x, y, label, style, left)
    last_end = -1
    for minutes in _ticks(t_low, t_high):
        label = f"T+{int(minutes)}" if minutes >= 0 else f"T{int(minutes)}"
        x = min(col(minutes), right - len(label) + 1)
        if x > last_end:
            c.write(x, axis + 1, label, GRID_STYLE)
            last_end = x + len(label)
    if not compact:
        c.write(left, axis + 2, "minutes after the dose", GRID_STYLE)
    return c.text()


def _ticks(low: float, high: float) -> list[float]:
    span = high - low
    step = next(s for s in (15, 30, 60, 120, 240, 480, 10_000) if span / s <= 6)
    first = -(-low // step) * step
    out, t = [], first
    while t <= high:
        out.append(t)
        t += step
    return out
