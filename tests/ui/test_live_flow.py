"""The whole live session driven by keys, and the stored session checked afterwards."""

from __future__ import annotations

from textual.widgets import Input, OptionList

from kapsession.ui.screens.integration import IntegrationScreen
from kapsession.ui.screens.live import LiveScreen
from kapsession.ui.screens.prepare import PrepareScreen
from kapsession.ui.widgets.choice_dialog import ChoiceDialog
from kapsession.ui.widgets.proceed_dialog import ProceedDialog
from kapsession.ui.widgets.prompt_panel import PromptPanel
from kapsession.ui.widgets.vitals_dialog import VitalsDialog

from .helpers import screen_text


async def type_text(pilot, text: str) -> None:  # noqa: ANN001
    for ch in text:
        await pilot.press(ch if ch != " " else "space")


async def test_a_whole_session_by_keys(make_app, archive, clock) -> None:  # noqa: ANN001
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n")
        assert isinstance(app.screen, PrepareScreen)
        await type_text(pilot, "C-0042")
        app.screen.query_one("#dose", Input).value = "50"
        app.screen.query_one("#systolic", Input).value = "150"
        app.screen.query_one("#diastolic", Input).value = "95"
        app.screen.query_one("#heart_rate", Input).value = "72"
        app.screen.query_one("#spo2", Input).value = "98"
        await pilot.pause()
        assert "Flagged" in str(app.screen.query_one("#baseline-flag").render())
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ProceedDialog)  # the checklist is not ticked: asked
        assert "Consent reviewed" in screen_text(app.screen)
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, LiveScreen)
        sid = app.screen.session_id

        clock.advance(minutes=5)
        await pilot.press("ctrl+t")
        await pilot.pause()
        await pilot.press("enter")  # the planned 50 mg
        await pilot.pause()
        assert archive.get(sid).dosed == clock.now

        note = app.screen.query_one("#note", Input)
        for raw in ("#som shoulders dropped", "!#quote I am not alone", "calm breathing"):
            clock.advance(minutes=3)
            note.value = raw
            await pilot.press("enter")
            await pilot.pause()
            assert note.value == ""

        await pilot.press("ctrl+r")
        await pilot.pause()
        assert isinstance(app.screen, VitalsDialog)
        dialog = app.screen
        dialog.query_one("#systolic", Input).value = "400"
        dialog.query_one("#diastolic", Input).value = "10"
        dialog.query_one("#heart_rate", Input).value = "80"
        dialog.query_one("#spo2", Input).value = "97"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, VitalsDialog)  # refused, still open, nothing lost
        assert "50–300" in str(dialog.query_one("#systolic-error").render())
        assert dialog.query_one("#heart_rate", Input).value == "80"
        dialog.query_one("#systolic", Input).value = "145"
        dialog.query_one("#diastolic", Input).value = "92"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, LiveScreen)

        await pilot.press("ctrl+s")  # side effect or rating
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        options = app.screen.query_one(OptionList)
        options.highlighted = options.get_option_index("nausea")
        await pilot.press("enter")
        await pilot.pause()
        assert "Nausea: how severe?" in screen_text(app.screen)
        await pilot.press("1")  # mild
        await pilot.pause()

        panel = app.screen.query_one(PromptPanel)
        first = panel.current.text
        await pilot.press("ctrl+n")
        second = panel.current.text
        assert second != first
        await pilot.press("ctrl+l")
        await pilot.pause()

        # Edit the first note from the timeline, then strike the plain one.
        await pilot.press("escape")
        note = app.screen.query_one("#note", Input)
        assert app.focused is note  # the note box keeps the keys; an entry is selected
        timeline = app.screen.query_one("#timeline", OptionList)
        timeline.highlighted = 3  # the fourth entry (ids are random since schema 5)
        await pilot.press("enter", "enter")  # the action list, then "Edit the text"
        await pilot.pause()
        edit = app.screen.query_one("#text", Input)
        edit.value = "shoulders dropped, hands open"
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("escape")
        timeline = app.screen.query_one("#timeline", OptionList)
        timeline.highlighted = 5  # the sixth entry
        await pilot.press("enter", "down", "enter")  # "Strike through"
        await pilot.pause()
        app.screen.query_one("#text", Input).value = "wrong client"
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("escape", "x")  # any printable key goes back to the note box
        assert app.focused is note and note.value == "x"
        assert note.mode == "note"
        note.value = ""

        await pilot.press("ctrl+o")
        assert app.screen.has_class("veiled")
        assert not app.screen.query_one("#timeline").display or \
            app.screen.query_one("#timeline").styles.display == "none"
        await pilot.press("ctrl+o")
        assert not app.screen.has_class("veiled")

        clock.advance(minutes=120)
        await pilot.press("ctrl+f")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, IntegrationScreen)

    s = archive.get(sid)
    assert s.status == "ended"
    assert s.baseline is not None and s.baseline.systolic == 150
    notes = [e for e in s.entries if e.kind == "note"]
    assert [(n.category, n.flagged) for n in notes] == [("somatic", False), ("quote", True),
                                                         (None, False)]
    assert notes[0].text == "shoulders dropped, hands open"
    assert [h.text for h in notes[0].edits] == ["shoulders dropped"]
    assert notes[2].struck is not None and notes[2].struck.reason == "wrong client"
    assert notes[2].text == "calm breathing"
    [vitals] = s.vitals_entries
    assert vitals.values["systolic"] == 145 and vitals.flagged
    assert [e.values for e in s.entries if e.kind == "side_effect"] == [
        {"effect": "nausea", "severity": "mild"}]
    assert [e.text for e in s.entries if e.kind == "prompt"] == [second]
    assert s.total_dose_mg == 50
    # Went live with a flagged baseline and an unticked checklist: recorded, not blocked.
    assert s.proceeded is not None and "Consent reviewed" in s.proceeded.unticked
