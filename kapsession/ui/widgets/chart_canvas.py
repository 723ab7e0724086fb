"""Charts drawn with characters: the course's PHQ-9/GAD-7 and one session's vitals against T+.

Plain Rich (no plotting library, see docs/charts.md): a grid of cells, each a character and a
style, turned into ``rich.text.Text``. Markers are letters and shapes as well as colours, so a
chart reads without colour. Pure functions of the data and the size, so tests and snapshots
draw the same chart every time.
"""

from __future__ import annotations

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

    def put_beside(self, x: int, y: int, char: str, style: str = "") -> None:
        """A mark at (x, y), or beside it when another mark is there: two readings that
        share a cell both stay visible, at their true height."""
        for dx in (0, 1, -1, 2, -2):
            cx = x + dx
            if 0 <= cx < self.width and 0 <= y < self.height and (
                    self.chars[y][cx] in " ┈┊" or self.chars[y][cx] == char):
                self.put(cx, y, char, style)
                return
        self.put(x, y, char, style)

    def write(self, x: int, y: int, text: str, style: str = "") -> None:
        for i, char in enumerate(text):
            self.put(x + i, y, char, style)

    def hline(self, y: int, x0: int, x1: int, char: str = "┈", style: str = GRID_STYLE) -> None:
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


def _row(value: float, low: float, high: float, top: int, bottom: int) -> int:
    """The row of ``value`` in a plot from row ``top`` (``high``) to ``bottom`` (``low``)."""
    if high <= low:
        return bottom
    frac = (min(max(value, low), high) - low) / (high - low)
    return bottom - round(frac * (bottom - top))


def _col(value: float, low: float, high: float, left: int, right: int) -> int:
    if high <= low:
        return (left + right) // 2
    return left + round((value - low) / (high - low) * (right - left))


def _too_small(width: int, height: int, need_w: int, need_h: int) -> Text | None:
    if width < need_w or height < need_h:
        return Text(f"(the chart needs {need_w}×{need_h} characters)", style="dim")
    return None


# ---- the course -------------------------------------------------------------------------

COURSE_LEGEND = "● PHQ-9  ◆ GAD-7  ▲ dosing session  ! item 9 above 0  ┈ band cut-offs"
#: PHQ-9's bands, lowest first (GAD-7 shares the cut-offs 5, 10 and 15).
BANDS = ((0, 4, "minimal"), (5, 9, "mild"), (10, 14, "moderate"),
         (15, 19, "mod-sev"), (20, PHQ9_MAX, "severe"))  # mod-sev: moderately severe
NAMES_W = 9  # the band names' margin on the right


class BandAxis:
    """Rows by band, not by point: every band gets the same rows (severe the spare ones), so
    even a short chart puts a 4 below the 5 line and a 5 on it. A band starts at its dotted
    line: a mark on the line or above it, up to the next line, is in that band."""

    def __init__(self, top: int, bottom: int) -> None:
        rows = max(bottom - top + 1, len(BANDS))
        counts = [1] * len(BANDS)
        for _ in range(rows - len(BANDS)):  # each spare row to the most crowded band
            i = max(range(len(BANDS)),
                    key=lambda i: (BANDS[i][1] - BANDS[i][0] + 1) / counts[i])
            counts[i] += 1
        self.spans = []  # (low, high, name, bottom row, rows)
        row = bottom
        for (low, high, name), n in zip(BANDS, counts, strict=True):
            self.spans.append((low, high, name, row, n))
            row -= n

    def row(self, value: int) -> int:
        for low, high, _name, bottom, n in self.spans:
            if value <= high or high == PHQ9_MAX:
                off = min(n - 1, max(0, (value - low) * n // (high - low + 1)))
                return bottom - off
        raise AssertionError("unreachable")


def course_chart(course: Course, width: int, height: int) -> Text:
    """PHQ-9 (●) and GAD-7 (◆) over the course's dates, the band cut-offs 5/10/15/20 drawn
    with the band names, dosing sessions marked ▲ under the axis (and ┊ up the plot), item 9
    above 0 as ``!`` on a row of its own."""
    small = _too_small(width, height, 30, 10)
    if small is not None:
        return small
    c = Canvas(width, height)
    c.write(0, 0, COURSE_LEGEND[:width])
    for x, style in ((0, PHQ_STYLE), (9, GAD_STYLE), (18, DOSE_STYLE), (36, FLAG_STYLE)):
        if x < width:
            c.put(x, 0, COURSE_LEGEND[x], style)
    top, bottom = 1, height - 5  # plot rows; the axis, dosing, item 9 and date rows
    names = width >= 60
    left, right = AXIS_W, width - 2 - (NAMES_W if names else 0)
    bands = BandAxis(top, bottom)
    for low, _high, name, row, _n in bands.spans:
        c.write(0, row, f"{low:>2} ┤", GRID_STYLE)
        if low:
            c.hline(row, left, right)
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
            c.put(x, axis + 1, "▲", DOSE_STYLE)
            c.vline(x, top, bottom)
        if item.item9_marked:
            c.put(x, axis + 2, "!", FLAG_STYLE)
    for scale, mark, style in (("phq9", "●", PHQ_STYLE), ("gad7", "◆", GAD_STYLE)):
        for sc in course.series(scale):
            c.put_beside(col(sc.at), bands.row(sc.value), mark, style)
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

VITALS_LEGEND = "S systolic  D diastolic  H heart rate (bpm)  ┈ flag lines"


def vitals_chart(points: Sequence[VitalsPoint], width: int, height: int,
                 thresholds: VitalsThresholds | None = None) -> Text:
    """BP (S, D, mmHg) and heart rate (H, bpm) against T+ in minutes, the systolic and
    diastolic flag lines drawn; SpO₂ as its values on a row of its own (a few rows of plot
    cannot tell 96 from 94). Flagged values are red as well as placed."""
    small = _too_small(width, height, 30, 10)
    if small is not None:
        return small
    limits = thresholds or VitalsThresholds()
    c = Canvas(width, height)
    c.write(0, 0, VITALS_LEGEND[:width])
    for x, style in ((0, SYS_STYLE), (12, DIA_STYLE), (25, HR_STYLE)):
        if x < width:
            c.put(x, 0, VITALS_LEGEND[x], style)
    left, right = AXIS_W, width - 2
    top, bottom = 1, height - 5  # BP and HR rows; then SpO₂, the axis, ticks, caption
    spo2_row, axis = bottom + 1, bottom + 2
    c.write(0, spo2_row, "SpO₂", GRID_STYLE)
    c.write(0, axis, "   └" + "─" * (right - left + 1), GRID_STYLE)
    if not points:
        c.write(left, (top + bottom) // 2, "no vitals recorded in this session", GRID_STYLE)
        return c.text()
    values = [v for p in points for v in (p.vitals.systolic, p.vitals.diastolic,
                                          p.vitals.heart_rate) if v is not None]
    low = min([60, *values]) // 10 * 10
    high = -(-max([160, *values]) // 10) * 10
    for value in (high, limits.systolic_high, limits.diastolic_high, low):
        if low <= value <= high:
            y = _row(value, low, high, top, bottom)
            c.write(0, y, f"{value:>3}┤", GRID_STYLE)
            if value in (limits.systolic_high, limits.diastolic_high):
                c.hline(y, left, right)
    t_low = min(0.0, min(p.minutes for p in points))
    t_high = max(60.0, max(p.minutes for p in points))

    def col(minutes: float) -> int:
        return _col(minutes, t_low, t_high, left + 1, right - 1)

    if t_low < 0:
        c.vline(col(0), top, bottom)  # the dose, T+0
    spo2_end = left
    for p in points:
        x, v = col(p.minutes), p.vitals
        for value, mark, style, high_flag in (
                (v.heart_rate, "H", HR_STYLE, limits.heart_rate_high),
                (v.diastolic, "D", DIA_STYLE, limits.diastolic_high),
                (v.systolic, "S", SYS_STYLE, limits.systolic_high)):
            if value is not None:
                flagged = value > high_flag or (mark == "H" and value < limits.heart_rate_low)
                c.put_beside(x, _row(value, low, high, top, bottom), mark,
                             FLAG_STYLE if flagged else style)
        if v.spo2 is not None:
            label = str(v.spo2)
            at = max(x, spo2_end + 1)  # side by side when two are close, never on top
            if at + len(label) <= width:
                c.write(at, spo2_row, label,
                        FLAG_STYLE if v.spo2 < limits.spo2_low else SPO2_STYLE)
                spo2_end = at + len(label)
    last_end = -1
    for minutes in _ticks(t_low, t_high):
        label = f"T+{int(minutes)}" if minutes >= 0 else f"T{int(minutes)}"
        x = min(col(minutes), right - len(label) + 1)
        if x > last_end:
            c.write(x, axis + 1, label, GRID_STYLE)
            last_end = x + len(label)
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
