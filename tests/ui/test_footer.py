"""The footer: the keys that act on this screen, kept up to date, and pressed by a click."""

from __future__ import annotations

from textual.widgets import Input

from kapsession.config import Config
from kapsession.ui.app import KapsessionApp
from kapsession.ui.widgets.footer import KapFooter

from .helpers import visible_text


def offset_of(footer: KapFooter, label: str) -> tuple[int, int]:
    x = visible_text(footer).index(label)
    return (x, 0)


async def test_the_footer_follows_the_keys_that_act_and_a_click_presses_one(
        archive, clock) -> None:  # noqa: ANN001
    archive.new_session(client="C-0042", route="im", dose_mg=50)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 30)) as pilot:
        footer = app.screen.query_one(KapFooter)
        assert "n New session" in visible_text(footer)
        assert visible_text(footer).endswith("▏^p palette")
        await pilot.click(KapFooter, offset=offset_of(footer, "Filter"))
        await pilot.pause()
        assert isinstance(app.focused, Input)  # the click pressed "/"
        # Typing in the filter: the list's letter keys are off, and the footer says so.
        assert "New session" not in visible_text(footer)
        await pilot.press("enter")
        await pilot.pause()
        assert "n New session" in visible_text(footer)


async def test_hovering_a_key_shows_what_it_does(archive, clock) -> None:  # noqa: ANN001
    archive.new_session(client="C-0042", route="im", dose_mg=50)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 30)) as pilot:
        footer = app.screen.query_one(KapFooter)
        key_colour = footer.get_component_rich_style("kap-footer--key").color
        await pilot.hover(KapFooter, offset=offset_of(footer, "Course"))
        assert "course" in str(footer.tooltip)
        line = footer.render()
        [hovered] = [span.style for span in line.spans if line.plain[span.start:span.end] == " c "]
        assert hovered.bgcolor == footer.get_component_rich_style("kap-footer--hover").bgcolor
        assert hovered.color == key_colour  # lit, not greyed: the letter keeps its colour
        await pilot.hover(KapFooter, offset=(footer.size.width - 20, 0))  # between keys
        assert footer.tooltip is None


async def test_a_narrow_screen_leaves_out_the_palette_hint(archive, clock) -> None:  # noqa: ANN001
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(80, 24)):
        footer = app.screen.query_one(KapFooter)
        assert "palette" not in visible_text(footer) and "? Keys" in visible_text(footer)


async def test_a_footer_too_narrow_for_its_keys_shows_whole_keys_only(archive, clock) -> None:  # noqa: ANN001
    """Never a key cut in half ("q Qu"): the keys that do not fit are left out whole (the help
    screen lists every key)."""
    archive.new_session(client="C-0042", route="im", dose_mg=50)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(40, 24)):
        footer = app.screen.query_one(KapFooter)
        drawn = visible_text(footer)
        assert len(drawn) <= 40 and "n New session" in drawn
        labels = [item.label for item in footer.items()]
        shown = [item.label for item in footer.shown()]
        assert shown == labels[:len(shown)] and len(shown) < len(labels)
        assert drawn.rstrip().endswith(shown[-1])  # the last one drawn is whole
