"""The live screen at 80×24, the smallest terminal kapsession promises to work in: the footer
is whole (no key cut in half) and the ctrl+s list shows every item without scrolling."""

from __future__ import annotations

from textual.widgets import OptionList

from kapsession.config import Config
from kapsession.ui.app import KapsessionApp
from kapsession.ui.widgets.choice_dialog import ChoiceDialog
from kapsession.ui.widgets.footer import KapFooter

from .helpers import resume, screen_text, visible_text


def live_session(archive, clock) -> str:  # noqa: ANN001
    s = archive.new_session(client="C-0042", route="im", dose_mg=50, live=True)
    clock.advance(minutes=5)
    archive.mark_dose(s.id)
    return s.id


async def test_the_live_footer_fits_80_columns_with_its_main_keys(archive, clock) -> None:  # noqa: ANN001
    live_session(archive, clock)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await resume(app, pilot)
        await pilot.pause()
        footer = screen.query_one(KapFooter)
        assert footer.render().cell_len <= footer.size.width  # nothing cut off
        shown = " ".join(screen_text(footer).splitlines())
        for key in ("^t Dose", "^r Vitals", "^s Effect", "^n Next", "^l Log", "^o Veil",
                    "^f Finish", "^z Undo", "f1 Keys"):
            assert key in shown, key
        # The rest is one key away on the help screen.
        assert "Situation" not in shown and "Archive" not in shown


async def test_the_live_footer_shows_every_key_when_there_is_room(archive, clock) -> None:  # noqa: ANN001
    live_session(archive, clock)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await resume(app, pilot)
        await pilot.pause()
        shown = " ".join(screen_text(screen.query_one(KapFooter)).splitlines())
        assert "^g Situation" in shown and "f2 Archive" in shown and "^z Undo" in shown


async def test_the_side_effect_list_fits_24_rows_without_scrolling(archive, clock) -> None:  # noqa: ANN001
    live_session(archive, clock)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await resume(app, pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ChoiceDialog)
        choices = dialog.query_one("#choices", OptionList)
        assert choices.option_count == len(dialog.options) >= 16
        assert choices.virtual_size.height <= choices.scrollable_content_region.height
        hint = dialog.query_one("#choice-hint")
        assert "type to narrow" in visible_text(hint)  # the hint is on screen, too
        assert hint.region.bottom <= 24
