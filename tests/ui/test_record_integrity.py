"""The record is sacred: no printable key changes an entry, a burst of typing lands in one
place in order, and every correction names the entry it changes and can be reversed."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from textual.widgets import Input

from kapsession import Archive
from kapsession.config import Config
from kapsession.ui.app import KapsessionApp
from kapsession.ui.screens.home import HomeScreen
from kapsession.ui.screens.live import LiveScreen
from kapsession.ui.widgets.confirm_dialog import ConfirmDialog
from kapsession.ui.widgets.text_dialog import TextDialog
from kapsession.ui.widgets.timeline import Timeline
from kapsession.ui.widgets.vitals_dialog import VitalsDialog

from .helpers import burst, record, resume, screen_text


def live_with_notes(archive: Archive, clock) -> str:  # noqa: ANN001
    s = archive.new_session(client="C-0042", route="im", dose_mg=50, live=True)
    clock.advance(minutes=5)
    archive.mark_dose(s.id)
    for text in ("first observation", "key insight: the grief is love", "tries to remove mask"):
        clock.advance(minutes=3)
        archive.add_note(s.id, text)
    clock.advance(minutes=3)
    return s.id


async def test_a_note_typed_fast_after_escape_is_a_note(archive, clock) -> None:  # noqa: ANN001
    """`escape` then `dozing, slow` + enter once struck an entry with the reason "ozing,
    slow": now a note beginning with any letter, typed as one burst after escape or an
    arrow, is a note, and two notes typed in one burst stay two notes."""
    sid = live_with_notes(archive, clock)
    before = record(archive, sid)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    expected = []
    async with app.run_test() as pilot:
        screen = await resume(app, pilot)
        for letter in string.ascii_lowercase:
            await burst(pilot, ["escape", "up"], f"{letter}ozing, slow breathing", ["enter"],
                        ["escape"], f"{letter}yes closed", ["enter"])
            expected += [f"{letter}ozing, slow breathing", f"{letter}yes closed"]
        assert app.screen is screen and screen.query_one("#note", Input).value == ""
    assert record(archive, sid)[:len(before)] == before  # no existing entry changed
    assert [e.text for e in archive.get(sid).entries[len(before):]] == expected


async def test_keys_typed_while_a_dialog_opens_reach_the_dialog_not_the_note(
        archive, clock) -> None:  # noqa: ANN001
    sid = live_with_notes(archive, clock)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test() as pilot:
        screen = await resume(app, pilot)
        await burst(pilot, ["ctrl+r"], "120")
        assert isinstance(app.screen, VitalsDialog)
        assert app.screen.query_one("#systolic", Input).value == "120"
        assert screen.query_one("#note", Input).value == ""
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert app.screen is screen
    assert archive.get(sid).vitals_entries == []


printable = st.text(alphabet=string.ascii_letters + string.digits + " ,.;:'?()-/", min_size=1,
                    max_size=12).filter(lambda t: t.strip())
segment = st.tuples(st.sampled_from([[], ["escape"], ["escape", "up"], ["up", "up"],
                                     ["escape", "escape"], ["down"]]),
                    printable, st.booleans())


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(segments=st.lists(segment, min_size=1, max_size=4))
async def test_any_printable_keys_end_up_as_typed_and_change_no_entry(
        tmp_path_factory, clock, segments) -> None:  # noqa: ANN001
    """Whatever a therapist types, with escapes and arrows in between: every character ends
    up in the note box or in saved notes, in order, and no entry that was there changes."""
    with Archive.open(tmp_path_factory.mktemp("a"), clock=clock) as archive:
        sid = live_with_notes(archive, clock)
        before = record(archive, sid)
        app = KapsessionApp(archive, config=Config(), clock=clock)
        async with app.run_test() as pilot:
            screen = await resume(app, pilot)
            keys: list[str] = []
            for prefix, text, enter in segments:
                keys += [*prefix, *text, *(["enter"] if enter else [])]
            await burst(pilot, keys)
            assert app.screen is screen
            box = screen.query_one("#note", Input).value
        after = record(archive, sid)
    assert after[:len(before)] == before
    saved = [e["text"] for e in after[len(before):]]
    typed = "".join(text for _, text, _ in segments)
    assert "".join(saved + [box]).replace(" ", "") == typed.replace(" ", "")


async def test_enter_on_a_selected_entry_names_it_and_edits_keep_the_old_text(
        archive, clock) -> None:  # noqa: ANN001
    sid = live_with_notes(archive, clock)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await resume(app, pilot)
        await pilot.press("escape", "up", "enter")
        panel = app.screen.query_one("#entry-actions")
        assert panel.display
        shown = screen_text(panel)
        assert "T+00:06" in shown and "key insight: the grief is love" in shown
        assert "note" in shown and "Edit the text" in shown
        await pilot.press("enter")  # Edit
        assert isinstance(app.screen, TextDialog)
        assert "key insight: the grief is love" in screen_text(app.screen)
        assert "T+00:06" in screen_text(app.screen)
        app.screen.query_one("#text", Input).value = "key insight: grief is love"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, LiveScreen)
    entry = archive.get(sid).entries[-2]
    assert entry.text == "key insight: grief is love"
    assert [e.text for e in entry.edits] == ["key insight: the grief is love"]


async def test_a_struck_entry_is_restored_from_its_menu(archive, clock) -> None:  # noqa: ANN001
    sid = live_with_notes(archive, clock)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await resume(app, pilot)
        await pilot.press("escape", "up", "enter", "down", "enter")  # Strike through
        assert isinstance(app.screen, TextDialog)
        assert "key insight" in screen_text(app.screen)
        app.screen.query_one("#text", Input).value = "miscounted arrow press"
        await pilot.press("enter")
        await pilot.pause()
        assert archive.get(sid).entries[-2].struck is not None
        await pilot.press("escape")
        app.screen.query_one(Timeline).select_entry(archive.get(sid).entries[-2].id)
        await pilot.press("enter")
        # The strike is shown with the entry; Restore is the only action besides Back.
        assert "miscounted arrow press" in screen_text(app.screen.query_one("#entry-actions"))
        await pilot.press("enter")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await pilot.pause()
    entry = archive.get(sid).entries[-2]
    assert entry.struck is None and [c.event for c in entry.history] == ["strike", "restore"]


async def test_striking_the_dose_says_where_t0_moves_and_needs_a_yes(archive, clock) -> None:  # noqa: ANN001
    sid = live_with_notes(archive, clock)
    archive.mark_dose(sid, 25)  # a booster at 10:19
    booster_at = archive.get(sid).entries[-1].at.astimezone().strftime("%H:%M")
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await resume(app, pilot)
        await pilot.press("escape")
        screen.query_one(Timeline).select_entry(archive.get(sid).entries[1].id)  # the dose
        await pilot.press("enter", "enter")  # Strike through (a dose cannot be edited)
        assert isinstance(app.screen, TextDialog)
        assert f"T0 moves to the booster at {booster_at}" in screen_text(app.screen)
        app.screen.query_one("#text", Input).value = "marked too early"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)  # not yet struck
        assert archive.get(sid).entries[1].struck is None
        await pilot.press("enter")  # a stray enter does not confirm this one
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await pilot.pause()
    s = archive.get(sid)
    assert s.entries[1].struck is not None and s.dosed == s.entries[-1].at


async def test_undo_strikes_the_note_just_saved_and_is_recorded(archive, clock) -> None:  # noqa: ANN001
    sid = live_with_notes(archive, clock)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await resume(app, pilot)
        screen.query_one("#note", Input).value = "wrong room"
        await pilot.press("enter")
        await pilot.pause()
        clock.advance(seconds=20)
        await pilot.press("ctrl+z")
        assert isinstance(app.screen, ConfirmDialog)
        assert "strike the note just recorded" in screen_text(app.screen)
        assert "wrong room" in screen_text(app.screen)
        await pilot.press("y")
        await pilot.pause()
        clock.advance(minutes=3)
        await pilot.press("ctrl+z")  # too late now: nothing offered
        assert app.screen is screen
        assert "Nothing to undo" in str(screen.query_one("#note-status").render())
    entry = archive.get(sid).entries[-1]
    assert entry.text == "wrong room" and entry.struck is not None  # struck, never removed


async def test_step_out_to_the_archive_and_back_with_two_live_sessions(archive, clock) -> None:  # noqa: ANN001
    first = live_with_notes(archive, clock)
    second = archive.new_session(client="C-0077", route="sublingual", dose_mg=200,
                                 live=True).id
    clock.advance(minutes=2)
    archive.mark_dose(second)
    clock.advance(minutes=10)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("r")  # two live sessions: which one?
        await pilot.pause()
        shown = screen_text(app.screen)
        assert "C-0042" in shown and "C-0077" in shown and "T+00:10" in shown
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, LiveScreen)
        opened = app.screen.session_id
        app.screen.query_one("#note", Input).value = "half a thought"
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        banner = screen_text(app.screen)
        assert "Live: C-0042" in banner and "Live: C-0077" in banner
        clock.advance(minutes=1)
        await pilot.press("r", "down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, LiveScreen) and app.screen.session_id != opened
    assert {archive.get(first).status, archive.get(second).status} == {"live"}
    assert archive.get(opened).draft == "half a thought"


async def test_live_help_names_keys_that_work_there_in_plain_words(archive, clock) -> None:  # noqa: ANN001
    live_with_notes(archive, clock)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await resume(app, pilot)
        await pilot.press("f1")
        await pilot.pause()
        text = screen_text(app.screen)
        rows = text.split("Keymap:")[0]
        assert "Record vitals" in rows and "Previous grounding prompt" in rows
        assert "(record_vitals)" not in rows and "mark_dose" not in rows  # ids: keymap only
        assert "?" not in rows.replace("?)", "")  # "?" types into the note box there
        assert "ctrl+b" not in text and "^b" not in text  # tmux's prefix never arrives
        assert "record_vitals" in text.split("Keymap:")[1]


async def test_vitals_typed_fast_land_each_in_its_field(archive, clock) -> None:  # noqa: ANN001
    """"120⏎80⏎72⏎97⏎" in one burst: enter used to move focus only after the next digits
    had reached the old field, where its three-digit limit dropped them."""
    sid = live_with_notes(archive, clock)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test() as pilot:
        screen = await resume(app, pilot)
        await burst(pilot, ["ctrl+r"], "120", ["enter"], "80", ["enter"], "72", ["enter"],
                    "97", ["enter"], "16", ["enter"])
        assert app.screen is screen
    [vitals] = archive.get(sid).vitals_entries
    shown = (vitals.values["systolic"], vitals.values["diastolic"],
             vitals.values["heart_rate"], vitals.values["spo2"], vitals.values["resp_rate"])
    # The respiratory rate is the last field, not a note: enter after SpO₂ moved to it
    # (found in a walk-through: "16⏎" after an enter that had saved became a note "16").
    assert shown == (120, 80, 72, 97, 16)
    assert not [e for e in archive.get(sid).entries if e.kind == "note" and e.text == "16"]


async def test_tab_typed_fast_in_a_form_moves_before_the_next_keys(archive, clock) -> None:  # noqa: ANN001
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        await burst(pilot, "C-0042", ["tab"], "AB")
        assert app.screen.query_one("#client", Input).value == "C-0042"
        assert app.screen.query_one("#therapist", Input).value == "AB"


async def test_a_stray_enter_after_ctrl_f_or_ctrl_z_changes_nothing(archive, clock) -> None:  # noqa: ANN001
    # enter is the note box's key: after ctrl+f (Finish) or ctrl+z (undo) pressed by
    # mistake, the enter meant for a note must not finish the session or undo a note.
    sid = live_with_notes(archive, clock)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test() as pilot:
        screen = await resume(app, pilot)
        await pilot.press("ctrl+f")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)  # still asking: only y finishes
        await pilot.press("escape")
        await pilot.pause()
        await burst(pilot, "the last one", ["enter"])
        await pilot.pause()
        await pilot.press("ctrl+z")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
    s = archive.get(sid)
    assert s.status == "live" and s.entries[-1].text == "the last one"
    assert not s.entries[-1].history


async def test_a_note_typed_at_once_after_the_vitals_is_kept(archive, clock) -> None:  # noqa: ANN001
    """ctrl+r, the five values with enter between them, enter to save, and the next note,
    all typed at once: the vitals are saved and the note is in the note box, whole."""
    sid = live_with_notes(archive, clock)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test() as pilot:
        screen = await resume(app, pilot)
        await burst(pilot, ["ctrl+r"], "135", ["enter"], "85", ["enter"], "85", ["enter"],
                    "97", ["enter"], ["enter"], "Typed fast after")
        await pilot.pause()
        assert app.screen is screen
        assert screen.query_one("#note", Input).value == "Typed fast after"
    [vitals] = archive.get(sid).vitals_entries
    assert (vitals.vitals.systolic, vitals.vitals.spo2) == (135, 97)


async def test_ctrl_s_saves_the_vitals_typed_just_before_it(archive, clock) -> None:  # noqa: ANN001
    sid = live_with_notes(archive, clock)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test() as pilot:
        screen = await resume(app, pilot)
        await burst(pilot, ["ctrl+r"], "133", ["enter"], "83", ["enter"], "83", ["enter"], "97",
                    ["ctrl+s"], "then a note")
        await pilot.pause()
        assert app.screen is screen
        assert screen.query_one("#note", Input).value == "then a note"
    [vitals] = archive.get(sid).vitals_entries
    assert (vitals.vitals.systolic, vitals.vitals.diastolic, vitals.vitals.spo2) == (133, 83, 97)
