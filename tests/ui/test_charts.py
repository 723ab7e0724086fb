"""The charts read true at a glance: a value is drawn on its own side of every line it does not
cross, a score sits between its band's cut-offs, numbers are written beside the marks where
there is room, and a planned session does not look like one held. Pure drawing functions,
checked over every value and at the sizes the screens give them (80×24 and 120×36 and more)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kapsession.model.course import Course, CourseItem, Score, VitalsPoint
from kapsession.model.vitals import Vitals, VitalsThresholds
from kapsession.ui.widgets.chart_canvas import course_chart, vitals_chart

START = datetime(2026, 11, 2, 10, tzinfo=UTC)
# (width, height): the live screen's F3 chart at 80×24 (34×6) and 120×36, the detail
# screen's at 80×24 and 120×36, and more.
VITALS_SIZES = [(34, 6), (30, 10), (74, 14), (114, 14), (60, 11), (100, 24)]
# The course chart at 80×24 (76×10) and 120×36 (116×13), the smallest and the largest.
COURSE_SIZES = [(30, 10), (76, 10), (116, 13), (76, 15), (156, 30)]


def lines_of(text) -> list[str]:  # noqa: ANN001
    return text.plain.split("\n")


def row_of(lines: list[str], char: str, first: int = 1) -> int:
    """The row of the one mark ``char`` in the plot (from row ``first``: the legend left out)."""
    rows = [y for y, line in enumerate(lines) if y >= first and char in line]
    assert len(rows) == 1, (char, lines)
    return rows[0]


def line_row(lines: list[str], label: str) -> int:
    """The row along whose bottom edge the line labelled ``label`` runs."""
    rows = [y for y, line in enumerate(lines) if line.startswith(label) and "▁" in line]
    assert len(rows) == 1, (label, lines)
    return rows[0]


@pytest.mark.parametrize("size", VITALS_SIZES)
def test_a_reading_is_drawn_on_its_side_of_the_flag_lines(size) -> None:  # noqa: ANN001
    width, height = size
    plot = slice(0, -3) if height < 10 else slice(0, -4)  # compact: no legend, no caption
    first = 0 if height < 10 else 1
    for value in range(50, 201):
        point = VitalsPoint(20, Vitals(systolic=value, diastolic=min(value - 10, 80)))
        lines = lines_of(vitals_chart([point], width, height, VitalsThresholds()))
        s, line = row_of(lines[plot], "S", first), line_row(lines, "140")  # the plot only
        # Above the line (a smaller row number) exactly when it is flagged: above 140.
        assert (s <= line) == (value > 140), (value, "\n".join(lines))
        point = VitalsPoint(20, Vitals(systolic=max(value + 10, 120), diastolic=value))
        lines = lines_of(vitals_chart([point], width, height, VitalsThresholds()))
        d, line = row_of(lines[plot], "D", first), line_row(lines, " 90")
        assert (d <= line) == (value > 90), (value, "\n".join(lines))


def test_a_systolic_138_is_below_the_140_line_and_says_138() -> None:
    # From a clinician's walk-through: 12.5 mmHg rows drew a 138 on the 140 line.
    points = [VitalsPoint(m, Vitals(systolic=s, diastolic=d, heart_rate=h, spo2=o))
              for m, s, d, h, o in [(10, 132, 84, 78, 98), (40, 148, 94, 92, 96),
                                    (70, 138, 88, 84, 93), (110, 128, 82, 74, 97)]]
    for width, height in [(74, 14), (114, 14)]:
        lines = lines_of(vitals_chart(points, width, height))
        line = line_row(lines, "140")
        below = [y for y, text in enumerate(lines) if "S138" in text or "138S" in text]
        above = [y for y, text in enumerate(lines) if "S148" in text or "148S" in text]
        assert below and below[0] > line and above and above[0] <= line, "\n".join(lines)
        assert "".join(lines).count("▁") > 2 * (width - 10)  # both flag lines drawn whole


def course_of(*phq9: int, planned: int = 0, gad7: tuple[int, ...] = ()) -> Course:
    """A course of dosing sessions four days apart with these PHQ-9 (and GAD-7) scores
    before each, then ``planned`` sessions not held yet."""
    items = []
    for n, value in enumerate([*phq9, *[None] * planned]):
        at = START + timedelta(days=4 * n)
        scores = [] if value is None else [Score("phq9", value, at, "before", "", None)]
        if n < len(gad7):
            scores.append(Score("gad7", gad7[n], at, "before", "", None))
        items.append(CourseItem(
            id=f"s{n}", session_no=n + 1, kind="dosing", dosing_no=n + 1, date=at,
            route="im", dose_mg=60, dose_given=value is not None,
            status="planned" if value is None else "signed", intention="",
            scores=tuple(scores), item9=0))
    return Course("C-0042", tuple(items))


# PHQ-9's bands (GAD-7 shares the cut-offs 5, 10, 15): the line under each, the one above.
BAND_LINES = [(0, 4, None, " 5"), (5, 9, " 5", "10"), (10, 14, "10", "15"),
              (15, 19, "15", "20"), (20, 27, "20", None)]


@pytest.mark.parametrize("size", COURSE_SIZES)
def test_a_score_sits_between_its_band_cut_offs(size) -> None:  # noqa: ANN001
    width, height = size
    for low, high, under, over in BAND_LINES:
        for value in range(low, high + 1):
            lines = lines_of(course_chart(course_of(value), width, height))
            y = row_of(lines[:-4], "●")  # the plot, without the rows under the axis
            if under is not None:  # on or above its own cut-off's line ...
                assert y <= line_row(lines, under), (value, "\n".join(lines))
            if over is not None:  # ... and under the next band's
                assert y > line_row(lines, over), (value, "\n".join(lines))


def test_at_80_by_24_scores_of_one_band_are_told_apart_by_their_numbers() -> None:
    # 76×10 is the course chart at 80×24: one row for the moderately severe band (15–19).
    lines = lines_of(course_chart(course_of(16, 18, 12, 4, gad7=(13, 11, 8, 3)), 76, 10))
    band = lines[line_row(lines, "15")]
    assert "●16" in band and "●18" in band, "\n".join(lines)
    assert "●12" in lines[line_row(lines, "10")] and "◆8" in lines[line_row(lines, " 5")]


def test_planned_sessions_are_marked_apart_from_those_held() -> None:
    for width, height in [(76, 10), (116, 13)]:
        lines = lines_of(course_chart(course_of(17, 12, planned=2), width, height))
        assert "▲ dosing session  △ planned" in lines[0]
        under_axis = "".join(lines[-4:])
        assert under_axis.count("▲") == 2 and under_axis.count("△") == 2, "\n".join(lines)
        # Only sessions held get the dotted line up the plot.
        assert len({x for line in lines[1:-4] for x, c in enumerate(line) if c == "┊"}) == 2


async def test_f3_at_80_by_24_draws_the_vitals_in_the_few_rows_beside_the_clock(
        archive, clock) -> None:  # noqa: ANN001
    # The live screen gives the chart 6 rows at 80×24: no legend, no caption, but the flag
    # lines and the values still (it said "the chart needs 30×10 characters").
    from kapsession.config import Config
    from kapsession.ui.app import KapsessionApp
    from kapsession.ui.widgets.chart import VitalsChart

    s = archive.new_session(client="C-0042", route="im", dose_mg=50, live=True)
    archive.mark_dose(s.id)
    clock.advance(minutes=40)
    archive.record_vitals(s.id, systolic=138, diastolic=86, heart_rate=80, spo2=97)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_live(s.id)
        await pilot.pause()
        await pilot.press("f3")
        await pilot.pause()
        chart = app.screen.query_one("#live-chart", VitalsChart)
        lines = lines_of(chart.render())
        assert chart.content_size.height < 10, "no longer the compact case"
        assert "needs" not in "".join(lines)
        sys_row = next(y for y, line in enumerate(lines) if "S138" in line or "138S" in line)
        assert sys_row > line_row(lines, "140") and "97" in lines[-3]


def test_flag_lines_configured_alike_or_off_the_scale_still_draw() -> None:
    point = VitalsPoint(20, Vitals(systolic=150, diastolic=95, heart_rate=80))
    for limits in (VitalsThresholds(systolic_high=120, diastolic_high=120),
                   VitalsThresholds(systolic_high=400, diastolic_high=10)):
        lines = lines_of(vitals_chart([point], 74, 14, limits))
        assert "S150" in "".join(lines) and "D95" in "".join(lines)
