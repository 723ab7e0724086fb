"""The package's lot number, asked in the dose dialog (when the package is in hand), stored
with the dose, shown with it, and the one the REMS form starts from."""

from __future__ import annotations

from textual.widgets import Input

from kapsession.config import Config
from kapsession.model.protocols import DEFAULT_PROTOCOLS
from kapsession.ui.app import KapsessionApp
from kapsession.ui.widgets.dose_dialog import DoseDialog
from kapsession.ui.widgets.text_dialog import TextDialog

from .helpers import open_rems_dialog, resume, screen_text, visible_text


def im_session(archive) -> str:  # noqa: ANN001
    return archive.new_session(client="C-0042", route="im", dose_mg=50, live=True).id


async def test_the_dose_is_marked_with_its_lot(archive, clock) -> None:  # noqa: ANN001
    sid = im_session(archive)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await resume(app, pilot)
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert isinstance(app.screen, DoseDialog)
        assert "Lot (optional)" in screen_text(app.screen)
        await pilot.press("tab", *"24B-07X", "enter")  # the planned 50 mg stands
        await pilot.pause()
        assert app.screen is screen
        assert "Dose 50 mg, lot 24B-07X marked." in visible_text(screen.query_one("#note-status"))
        assert "50 mg · lot 24B-07X" in visible_text(screen.query_one("#timeline"))
    dose = archive.get(sid).doses[0]
    assert dose.values == {"mg": 50.0, "lot": "24B-07X"}


async def test_the_lot_is_optional_and_enter_on_the_dose_still_marks_it(archive, clock) -> None:  # noqa: ANN001,E501
    sid = im_session(archive)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await resume(app, pilot)
        await pilot.press("ctrl+t", "enter")
        await pilot.pause()
    assert archive.get(sid).doses[0].values == {"mg": 50.0}


async def test_a_bad_lot_is_named_and_nothing_is_marked(archive, clock) -> None:  # noqa: ANN001
    sid = im_session(archive)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await resume(app, pilot)
        await pilot.press("ctrl+t")
        await pilot.pause()
        dialog = app.screen
        lot = dialog.query_one("#lot", Input)
        lot.value = "A" * 41  # a paste too long is not cut: it is refused and named
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is dialog and lot.value == "A" * 41
        assert "Lot number is 41 characters; the limit is 40." in screen_text(dialog)
        assert dialog.focused is lot
        lot.value = "24B\x1b[31m07"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is dialog
        assert "Lot number has a character that does not print" in screen_text(dialog)
        lot.value = "24B07"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is not dialog
    assert archive.get(sid).doses[0].values == {"mg": 50.0, "lot": "24B07"}


async def test_the_rems_lot_starts_from_the_dose_and_one_source_stays(archive, clock) -> None:  # noqa: ANN001,E501
    s = archive.new_session(client="C-1", route="intranasal", medicine="esketamine",
                            dose_mg=56, protocol=DEFAULT_PROTOCOLS[0], live=True)
    archive.mark_dose(s.id, lot="XK42")
    archive.end_session(s.id)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 50)) as pilot:
        fields, keys = await open_rems_dialog(app, pilot, s.id)

        def line() -> str:
            return str(fields.get_option_at_index(keys.index("lot")).prompt)

        async def open_lot() -> TextDialog:
            fields.highlighted = keys.index("lot")
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, TextDialog)
            return app.screen

        assert line() == "Lot number: XK42"
        dialog = await open_lot()
        assert dialog.query_one("#text", Input).value == "XK42"  # the dose's, to confirm
        await pilot.press("enter")
        await pilot.pause()
        assert line() == "Lot number: XK42"
        # Confirmed as it was: no copy is stored, the dose stays the one source.
        assert "lot" not in archive.get(s.id).rems
        dialog = await open_lot()
        dialog.query_one("#text", Input).value = "XK43"
        await pilot.press("enter")
        await pilot.pause()
        assert line() == "Lot number: XK43"
        assert archive.get(s.id).rems["lot"] == "XK43"
        dialog = await open_lot()
        assert dialog.query_one("#text", Input).value == "XK43"  # what the form shows
        dialog.query_one("#text", Input).value = "XK42"  # the dose's again: the answer goes
        await pilot.press("enter")
        await pilot.pause()
        assert line() == "Lot number: XK42"
    assert "lot" not in archive.get(s.id).rems


async def test_a_lot_that_looks_like_markup_is_shown_as_typed(archive, clock) -> None:  # noqa: ANN001
    sid = im_session(archive)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await resume(app, pilot)
        await pilot.press("ctrl+t")
        await pilot.pause()
        app.screen.query_one("#lot", Input).value = "[red]L7[/]"
        await pilot.press("enter")
        await pilot.pause()
        assert "lot [red]L7[/] marked." in visible_text(screen.query_one("#note-status"))
        assert "50 mg · lot [red]L7[/]" in visible_text(screen.query_one("#timeline"))
    assert archive.get(sid).doses[0].values["lot"] == "[red]L7[/]"
