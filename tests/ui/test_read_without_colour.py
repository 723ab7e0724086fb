"""Every screen reads without colour: ticked boxes, flags and an overdue check-in carry a
glyph or a word (PRODUCT.md §5), for a dim room and for therapists who do not see colour."""

from __future__ import annotations

from textual.widgets import Digits

from kapsession.config import Config
from kapsession.ui.app import KapsessionApp
from kapsession.ui.screens.integration import IntegrationScreen
from kapsession.ui.screens.prepare import PrepareScreen
from kapsession.ui.widgets.checklist import Checklist
from kapsession.ui.widgets.clock_panel import ClockPanel

from .helpers import visible_text


def boxes(checklist: Checklist) -> list[str]:
    """The box drawn before each item, as the screen shows it (its first three cells)."""
    lines = visible_text(checklist).splitlines()
    return [line[:3] for line in lines if line.strip()]


async def test_ticked_and_unticked_boxes_show_different_glyphs(archive, clock) -> None:  # noqa: ANN001,E501
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 50)) as pilot:
        await pilot.press("n")
        assert isinstance(app.screen, PrepareScreen)
        checklist = app.screen.query_one("#checklist", Checklist)
        before = boxes(checklist)
        assert len(before) >= 2 and len(set(before)) == 1  # nothing ticked: all alike
        checklist.focus()
        await pilot.press("space")  # tick the first item
        await pilot.pause()
        after = boxes(checklist)
        assert after[0] != after[1], "a ticked box must not differ from an unticked one " \
                                     "by colour only"
        assert after[0] == "▐✓▌" and after[1] == "▐ ▌"
        await pilot.press("space")  # and untick it again
        await pilot.pause()
        assert boxes(checklist) == before


async def test_integration_checklists_show_ticks_as_glyphs(archive, clock) -> None:  # noqa: ANN001,E501
    s = archive.new_session(client="C-0042", route="im", dose_mg=50, live=True)
    archive.mark_dose(s.id)
    clock.advance(minutes=130)
    archive.end_session(s.id)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 50)) as pilot:
        await app.push_screen(IntegrationScreen(s.id))
        await pilot.pause()
        discharge = app.screen.query_one("#discharge", Checklist)
        discharge.focus()
        await pilot.press("down", "space")  # tick the second item
        await pilot.pause()
        shown = boxes(discharge)
        assert shown[1] == "▐✓▌" and shown[0] == "▐ ▌" and shown[2] == "▐ ▌"
        assert all(box == "▐ ▌" for box in boxes(app.screen.query_one("#integration",
                                                                      Checklist)))


async def test_an_overdue_check_in_says_so_in_words_with_units(archive, clock) -> None:  # noqa: ANN001,E501
    s = archive.new_session(client="C-0042", route="im", dose_mg=50, live=True)
    archive.mark_dose(s.id)
    # The first check-in is due at T+00:40. At T+00:39:59.6 the clock reads 00:39:59 and the
    # 0.4 s left read as 1 s: a countdown never says 0 s while time is left.
    clock.advance(minutes=39, seconds=59, microseconds=600_000)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("r")
        await pilot.pause()
        panel = app.screen.query_one(ClockPanel)
        assert panel.query_one("#elapsed", Digits).value == "00:39:59"
        assert visible_text(panel.query_one("#checkin")).strip() == "Vitals due in 1 s"
        clock.advance(minutes=1, seconds=7, microseconds=800_000)  # T+00:41:07.4
        panel.tick()
        await pilot.pause()
        assert panel.query_one("#elapsed", Digits).value == "00:41:07"
        checkin = panel.query_one("#checkin")
        assert visible_text(checkin).strip() == "Vitals overdue by 1 min 07 s"
        assert checkin.has_class("overdue")


async def test_out_of_range_vitals_carry_a_flag_glyph_in_the_clock_and_timeline(archive, clock) -> None:  # noqa: ANN001,E501
    s = archive.new_session(client="C-0042", route="im", dose_mg=50, live=True)
    archive.mark_dose(s.id)
    clock.advance(minutes=10)
    archive.record_vitals(s.id, systolic=152, diastolic=96, heart_rate=88, spo2=97)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("r")
        await pilot.pause()
        panel = app.screen.query_one(ClockPanel)
        assert "⚑" in visible_text(panel.query_one("#last-vitals"))
        assert "⚑ systolic above 140" in visible_text(app.screen.query_one("#timeline"))
