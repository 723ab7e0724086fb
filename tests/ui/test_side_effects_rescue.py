"""Side effects with a severity and rescue medication from the live screen, by keys only:
each item of the default lists within four keys, keys typed fast landing where they were
typed, bad values refused with the dialog kept open."""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from textual.widgets import Input, OptionList

from kapsession import Archive
from kapsession.config import Config
from kapsession.ui.app import KapsessionApp
from kapsession.ui.screens.live import LiveScreen
from kapsession.ui.widgets.choice_dialog import ChoiceDialog, rank, shortcut
from kapsession.ui.widgets.rescue_dialog import RescueDialog

from .helpers import burst, record, resume, screen_text, visible_text

OPEN = "ctrl+s"  # the live screen's key for a side effect, a rating or a rescue medication


def live_session(archive: Archive, clock) -> str:  # noqa: ANN001
    s = archive.new_session(client="C-0042", route="im", dose_mg=50, live=True)
    clock.advance(minutes=5)
    archive.mark_dose(s.id)
    clock.advance(minutes=20)  # 10:25, T+00:20
    return s.id


def test_rank_puts_the_label_start_first_then_a_word_start_then_letters_in_order() -> None:
    labels = ["elevated BP", "low SpO₂", "Sedation", "excessive sedation", "dizziness"]
    assert rank("", labels) == [0, 1, 2, 3, 4]
    assert rank("se", labels) == [2, 3]  # "Sedation" begins with it; a word of the other
    assert rank("SP", labels) == [1]  # case does not matter
    assert rank("dz", labels) == [4]  # letters in order
    assert rank("xq", labels) == []
    assert rank("e", labels) == [0, 3]  # one letter: the start of the label or a word only
    assert shortcut(0, labels) == "e" and shortcut(3, labels) == "ex"
    assert shortcut(4, labels) == "d"


async def test_every_item_of_the_default_lists_is_at_most_four_keys_away(
        archive, clock) -> None:  # noqa: ANN001
    """For each side effect, rating and rescue drug of the default config: the chooser shows
    its letters; ctrl+s, those letters and enter (counted: at most 4 keys) open exactly the
    next step for that item; escape then leaves the record as it was."""
    sid = live_session(archive, clock)
    before = record(archive, sid)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    counts: dict[str, int] = {}
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await resume(app, pilot)
        await pilot.press(OPEN)
        chooser = app.screen
        assert isinstance(chooser, ChoiceDialog)
        items = list(zip(chooser.options, chooser.shortcuts, strict=True))
        shown = screen_text(chooser)
        await pilot.press("escape")
        assert len(items) == 2 + 10 + 3 + 1  # ratings, side effects, rescue drugs, other drug
        for (key, label), letters in items:
            assert letters is not None, label
            assert f"{label}" in shown and letters in shown
            keys = [OPEN, *letters, "enter"]
            counts[label] = len(keys)
            await burst(pilot, [OPEN], letters, ["enter"])
            opened = app.screen
            if key.startswith("rating:"):
                assert isinstance(opened, ChoiceDialog) and not opened.filterable
                assert ("MOAA/S" if key == "rating:moaas" else "Dissociation") in \
                    opened.title_text
            elif key.startswith("rescue:"):
                assert isinstance(opened, RescueDialog)
                drug = label.removeprefix("rescue: ").split(" ")[0]
                expected = "" if key == "rescue:other" else drug
                assert opened.query_one("#drug", Input).value == expected
            else:
                assert isinstance(opened, ChoiceDialog) and not opened.filterable
                assert opened.title_text.lower().startswith(label.lower())
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen is screen, label
        assert screen.query_one("#note", Input).value == ""
    assert record(archive, sid) == before
    assert max(counts.values()) <= 4, counts


async def test_a_side_effect_with_its_severity_typed_in_one_burst(archive, clock) -> None:  # noqa: ANN001
    """ctrl+s n ⏎ 2 (four keys) and the next note, all typed before the first dialog is up:
    nausea, moderate, and the note's letters in the note box, none lost."""
    sid = live_session(archive, clock)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await resume(app, pilot)
        await burst(pilot, [OPEN], "n", ["enter"], "2", "pale, sips water")
        assert app.screen is screen
        assert screen.query_one("#note", Input).value == "pale, sips water"
        assert "nausea (moderate)" in visible_text(screen.query_one("#timeline"))
    [effect] = [e for e in archive.get(sid).entries if e.kind == "side_effect"]
    assert effect.values == {"effect": "nausea", "severity": "moderate"}


async def test_other_asks_its_severity_then_what_it_was(archive, clock) -> None:  # noqa: ANN001
    sid = live_session(archive, clock)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await resume(app, pilot)
        await burst(pilot, [OPEN], "o", ["enter"], "0", "tingling hands", ["enter"])
        assert isinstance(app.screen, LiveScreen)
    effect = archive.get(sid).entries[-1]
    assert (effect.values, effect.text) == ({"effect": "other", "severity": None},
                                            "tingling hands")


async def test_letters_typed_while_the_chooser_opens_only_narrow_it(archive, clock) -> None:  # noqa: ANN001
    """Printable keys in a chooser only filter: digits and letters typed in one burst with
    ctrl+s land in its filter, pick nothing and change nothing; escape leaves no trace."""
    sid = live_session(archive, clock)
    before = record(archive, sid)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await resume(app, pilot)
        for typed in ["123", "zq", string.ascii_lowercase]:
            await burst(pilot, [OPEN], typed)
            chooser = app.screen
            assert isinstance(chooser, ChoiceDialog)
            assert chooser.query_one("#filter", Input).value == typed
            if typed != "123":
                assert chooser.query_one("#choices", OptionList).option_count == 0
                assert "Nothing matches" in screen_text(chooser)
            await burst(pilot, ["enter"])  # enter on an empty list picks nothing: stays
            assert app.screen is chooser
            await burst(pilot, ["escape"])
            assert app.screen is screen
        assert screen.query_one("#note", Input).value == ""
    assert record(archive, sid) == before


async def test_a_rescue_drug_from_the_list_is_one_enter_with_its_dose_and_route(
        archive, clock) -> None:  # noqa: ANN001
    sid = live_session(archive, clock)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await resume(app, pilot)
        await burst(pilot, [OPEN], "r", ["enter"], ["enter"], "settling")
        assert app.screen is screen
        assert screen.query_one("#note", Input).value == "settling"
        assert "ondansetron 4 mg ODT" in visible_text(screen.query_one("#timeline"))
    rescue = archive.get(sid).entries[-1]
    assert rescue.kind == "rescue" and rescue.at == clock.now
    assert (rescue.values["drug"], rescue.values["mg"], rescue.values["route"]) == (
        "ondansetron", 4.0, "odt")
    assert rescue.values["given"] == clock.now.isoformat(timespec="microseconds")


async def test_a_rescue_given_earlier_is_charted_with_its_time(archive, clock) -> None:  # noqa: ANN001
    """clonidine, 0.15 mg typed over the list's 0.1, given at 10:18 (charted at 10:25):
    the typed dose replaces the suggested one, and the timeline says when it was given."""
    sid = live_session(archive, clock)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await resume(app, pilot)
        await burst(pilot, [OPEN], "c", ["enter"], "0.15")
        dialog = app.screen
        assert isinstance(dialog, RescueDialog)
        assert dialog.query_one("#mg", Input).value == "0.15"
        await pilot.press("tab", "tab")  # to the time (selected on focus: typing replaces)
        await burst(pilot, "10:18", ["enter"])
        assert app.screen is screen
        assert "clonidine 0.15 mg PO, given 10:18" in visible_text(screen.query_one("#timeline"))
    rescue = archive.get(sid).entries[-1]
    assert rescue.values["given"].startswith("2026-11-03T10:18:00") and rescue.at == clock.now


async def test_lorazepam_without_a_route_asks_for_it_on_enter(archive, clock) -> None:  # noqa: ANN001
    sid = live_session(archive, clock)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await resume(app, pilot)
        await burst(pilot, [OPEN], "rz", ["enter"], ["enter"], "sl", ["enter"])
        assert isinstance(app.screen, LiveScreen)
    rescue = archive.get(sid).entries[-1]
    assert (rescue.values["drug"], rescue.values["mg"], rescue.values["route"]) == (
        "lorazepam", 0.5, "sl")


@pytest.mark.parametrize(("field", "typed", "problem"), [
    ("mg", "0", "more than 0"),
    ("mg", "..", "must be a number of mg"),
    ("route", "xx", "must be one of: PO, ODT, SL, IN, IM, IV"),
    ("time", "09:59", "before the session started (10:00)"),
    ("time", "25:00", "HH:MM"),
    ("drug", "", "must not be empty"),
])
async def test_a_bad_rescue_value_is_named_beside_its_field_and_nothing_is_lost(
        archive, clock, field, typed, problem) -> None:  # noqa: ANN001
    sid = live_session(archive, clock)
    before = record(archive, sid)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await resume(app, pilot)
        await burst(pilot, [OPEN], "r", ["enter"])
        dialog = app.screen
        assert isinstance(dialog, RescueDialog)
        dialog.query_one(f"#{field}", Input).value = typed
        await burst(pilot, ["ctrl+s"])
        assert app.screen is dialog  # refused, still open
        assert problem in visible_text(dialog.query_one(f"#{field}-error"))
        assert dialog.focused is dialog.query_one(f"#{field}", Input)
        assert dialog.query_one("#drug", Input).value == ("" if field == "drug"
                                                          else "ondansetron")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, LiveScreen)
    assert record(archive, sid) == before


async def test_keys_typed_after_a_refused_enter_land_in_the_field(archive, clock) -> None:  # noqa: ANN001
    """A burst with a bad dose: the dialog refuses it, focuses the dose, and the keys typed
    after enter go on into the dialog (not into the note box behind it)."""
    sid = live_session(archive, clock)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await resume(app, pilot)
        await burst(pilot, [OPEN], "r", ["enter"], "0", ["enter"], ["backspace"], "8",
                    ["enter"])
        assert app.screen is screen and screen.query_one("#note", Input).value == ""
    assert archive.get(sid).entries[-1].values["mg"] == 8.0


async def test_a_chooser_with_a_filter_still_picks_with_the_arrows(archive, clock) -> None:  # noqa: ANN001
    """The situation chooser: arrows move over the narrowed list; enter takes the one
    highlighted."""
    live_session(archive, clock)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await resume(app, pilot)
        await burst(pilot, ["ctrl+g"], "d")
        choices = app.screen.query_one("#choices", OptionList)
        assert choices.option_count < len(app.screen.options)  # narrowed
        second = choices.get_option_at_index(1).id
        await burst(pilot, ["down"], ["enter"])
        assert app.screen is screen
        assert screen.query_one("#prompt").situation == second


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(typed=st.text(alphabet=string.ascii_letters + string.digits + " ,.;:'?()-/",
                     min_size=1, max_size=12),
       after=st.text(alphabet=string.ascii_letters, min_size=1, max_size=8))
async def test_any_printable_keys_in_the_chooser_only_filter(
        tmp_path_factory, clock, typed, after) -> None:  # noqa: ANN001
    """ctrl+s, any printable keys, escape, then more typing, in one burst: the keys before
    escape are the chooser's filter and nothing else; those after it are in the note box;
    no entry is added or changed."""
    with Archive.open(tmp_path_factory.mktemp("a"), clock=clock) as archive:
        sid = live_session(archive, clock)
        before = record(archive, sid)
        app = KapsessionApp(archive, config=Config(), clock=clock)
        async with app.run_test(size=(120, 36)) as pilot:
            screen = await resume(app, pilot)
            await burst(pilot, [OPEN], typed)
            assert app.screen.query_one("#filter", Input).value == typed
            await burst(pilot, ["escape"], after)
            assert app.screen is screen
            assert screen.query_one("#note", Input).value == after
        assert record(archive, sid) == before


async def test_given_at_follows_the_clock_until_saved(archive, clock) -> None:  # noqa: ANN001
    """Opened at 10:25 and saved at 10:28 while the drug was given: the field showed the time
    as it went, and the moment of saving is stored (not the minute the dialog opened)."""
    sid = live_session(archive, clock)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await resume(app, pilot)
        await burst(pilot, [OPEN], "c", ["enter"])
        dialog = app.screen
        assert isinstance(dialog, RescueDialog)
        stored = dialog.query_one("#time-stored")
        assert dialog.query_one("#time", Input).value == "10:25"
        assert "Stored: the moment you save (now 10:25)" in visible_text(stored)
        clock.advance(minutes=3, seconds=10)
        dialog.follow_clock()  # what its one-second timer does
        await pilot.pause()
        assert dialog.query_one("#time", Input).value == "10:28"
        assert "(now 10:28)" in visible_text(stored)
        await burst(pilot, ["ctrl+s"])
        assert app.screen is screen
    rescue = archive.get(sid).entries[-1]
    assert rescue.values["given"] == clock.now.isoformat(timespec="microseconds")


async def test_a_typed_time_is_kept_as_typed_even_the_current_minute(archive, clock) -> None:  # noqa: ANN001,E501
    sid = live_session(archive, clock)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await resume(app, pilot)
        await burst(pilot, [OPEN], "c", ["enter"])
        dialog = app.screen
        await pilot.press("tab", "tab")  # to the time, selected: typing replaces it
        await burst(pilot, "10:25")  # the minute it is now, typed on purpose
        assert "Stored: 10:25, as typed" in visible_text(
            dialog.query_one("#time-stored"))
        clock.advance(minutes=4)
        dialog.follow_clock()
        await pilot.pause()
        assert dialog.query_one("#time", Input).value == "10:25"  # the clock leaves it
        await burst(pilot, ["enter"])
        assert app.screen is screen
    rescue = archive.get(sid).entries[-1]
    assert rescue.values["given"].startswith("2026-11-03T10:25:00")
    assert rescue.at == clock.now  # charted at 10:29
