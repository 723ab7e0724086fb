"""One presenter, many renderers: ``kapsession show`` (and the detail screen and live timeline,
which draw with the same functions) and the markdown export say the same words for every
entry, and show invisible formatting characters instead of obeying them."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from rich.console import Console

from kapsession.cli import main
from kapsession.config import Config
from kapsession.export import render_markdown
from kapsession.export.markdown import timeline_line
from kapsession.model import ChecklistItem, Session, Vitals, checklist_from_texts
from kapsession.model.outcomes import OUTCOME_LABELS
from kapsession.model.present import SessionTimes, present_entries, present_entry
from kapsession.model.text import visible
from kapsession.model.vocab import ENTRY_KINDS, SCALES, SIDE_EFFECTS_OFFERED
from kapsession.store import Archive
from kapsession.terminal import entry_text, render_session
from kapsession.ui.widgets.timeline import entry_row

CET = timezone(timedelta(hours=1))
T0 = datetime(2026, 11, 3, 10, 0, tzinfo=CET)
MD = MarkdownIt("commonmark")

# Bidi embeddings, overrides, isolates and marks; zero-width characters; a tag character.
INVISIBLE = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
             "\u2069", "\u200e", "\u200f", "\u061c", "\u200b", "\u200c", "\u200d", "\u2060",
             "\ufeff", "\u00ad", "\U000e0041"]


def every_kind() -> Session:
    """A session with an entry of every kind and every change an entry can go through."""
    s = Session.create(id="a" * 32, now=T0, client="C-0042", session_no=2, route="im",
                       dose_mg=50, therapist="AB", intention="Less fear.",
                       prep_checklist=checklist_from_texts(["Consent reviewed"]),
                       baseline=Vitals.create(systolic=150, diastolic=92, heart_rate=70,
                                              spo2=98))
    s.go_live(T0)
    at = T0 + timedelta(minutes=1)
    s.add_note(at, "Arrived, settled; 50% calmer: *not* [a link] <b>.", category="affect")
    s.mark_dose(at + timedelta(minutes=2))
    note = s.add_note(at + timedelta(minutes=3), "Hands open.", category="somatic",
                      flagged=True)
    struck = s.add_note(at + timedelta(minutes=4), "Wrong client's line.")
    restored = s.add_note(at + timedelta(minutes=5), "Said: \"it's fine\".", category="quote")
    s.record_vitals(at + timedelta(minutes=6),
                    Vitals.create(systolic=152, diastolic=96, heart_rate=88, spo2=92),
                    flagged=True)
    s.record_vitals(at + timedelta(minutes=7),
                    Vitals.create(systolic=120, diastolic=80, heart_rate=70, spo2=98,
                                  resp_rate=14))
    for minute, effect in enumerate(SIDE_EFFECTS_OFFERED, start=8):
        s.log_side_effect(at + timedelta(minutes=minute), effect,
                          "tingling hands" if effect == "other" else "",
                          severity=("mild", "moderate", "severe", None)[minute % 4])
    s.log_side_effect(at + timedelta(minutes=30), "nausea", "mild, passed after water")
    s.log_rescue(at + timedelta(minutes=30, seconds=30), "ondansetron", 4, "odt",
                 at=at + timedelta(minutes=28))
    for minute, (scale, (_, levels)) in enumerate(SCALES.items(), start=31):
        for score in levels:
            s.log_rating(at + timedelta(minutes=minute, seconds=score), scale, score)
    s.log_prompt(at + timedelta(minutes=40), "You are safe. I am here.", "anxiety")
    s.mark_dose(at + timedelta(minutes=41), 25)
    s.edit_entry(at + timedelta(minutes=50), note.id, "Hands open, shoulders down.")
    s.strike_entry(at + timedelta(minutes=51), struck.id, "typed into the wrong session")
    s.strike_entry(at + timedelta(minutes=52), restored.id, "misheard")
    s.restore_entry(at + timedelta(minutes=53), restored.id, "heard right after all")
    s.finish(T0 + timedelta(hours=2, minutes=30))
    s.update_integration(discharge_checklist=[ChecklistItem("Alert and oriented", True)],
                         integration_checklist=[], integration_date=None,
                         integration_notes="Grief, rest.",
                         outcomes={"phq9_pre": 14, "phq9_item9": 1, "gad7_pre": 9})
    s.sign(T0 + timedelta(hours=3))
    return s


def words(text: str) -> list[str]:
    """The words a reader sees, in order; glyphs (·, —, !, ⚑) and brackets left out."""
    return re.findall(r"\w+", text)


def markdown_shown(line: str) -> str:
    """What a markdown renderer shows for one timeline line."""
    (inline,) = [t for t in MD.parse(line + "\n") if t.type == "inline"]
    return "".join(c.content if c.type == "text" else "\n"
                   for c in inline.children or [] if c.type in ("text", "softbreak",
                                                                "hardbreak"))


def dose_steps() -> list[Session]:
    """The kinds one route alone has: intranasal devices (with a lot) and an IV infusion."""
    nasal = Session.create(id="b" * 32, now=T0, client="C-0042", session_no=3,
                           route="intranasal", medicine="esketamine", dose_mg=56)
    nasal.go_live(T0)
    nasal.mark_dose(T0 + timedelta(minutes=1), lot="24B07X")
    nasal.mark_device(T0 + timedelta(minutes=6))
    iv = Session.create(id="c" * 32, now=T0, client="C-0042", session_no=4, route="iv",
                        dose_mg=35)
    iv.go_live(T0)
    iv.log_infusion(T0 + timedelta(minutes=1), "start", "0.5 mg/kg over 40 min")
    iv.log_infusion(T0 + timedelta(minutes=41), "stop")
    return [nasal, iv]


def test_every_entry_kind_reads_the_same_in_the_terminal_and_in_markdown() -> None:
    sessions = [every_kind(), *dose_steps()]
    assert {e.kind for s in sessions for e in s.entries} == set(ENTRY_KINDS)  # every kind
    views = [v for s in sessions for v in present_entries(s, tz=CET)]
    for view in views:
        terminal = f"{view.t_plus} {view.time} {view.flag}{view.label} " \
                   f"{entry_text(view, full=True).plain}"
        markdown = markdown_shown(timeline_line(view))
        assert words(terminal) == words(markdown), view.kind
        for glyph in ("!", "⚑"):  # the flag and the out-of-range mark read without colour
            assert (glyph in terminal) == (glyph in markdown), (view.kind, glyph)
    # The words are the record's own: values with their level, labels, every change.
    lines = [markdown_shown(timeline_line(v)) for v in views]
    text = "\n".join(lines)
    for expected in ("sedation (MOAA/S) 2 (responds only after mild prodding or shaking)",
                     "dissociation 4 (extreme)", "! vitals — BP 152/96 · HR 88 · SpO₂ 92% — "
                     "⚑ systolic above 140, diastolic above 90, SpO₂ below 94%",
                     "side effect — other (moderate): tingling hands",
                     "rescue — ondansetron 4 mg ODT, given 10:29",
                     "prompt used — anxiety or fear: You are safe. I am here.",
                     "booster — 25 mg", "dose — 50 mg", "dose — 56 mg · lot 24B07X",
                     "(edited 10:51; earlier text: Hands open.)",
                     "~~Wrong client's line.~~ (struck 10:52: typed into the wrong session)",
                     "(struck 10:53: misheard) (restored 10:54: heard right after all)"):
        assert expected in text, expected


def test_show_and_the_export_say_the_same_words_for_the_whole_session() -> None:
    s = every_kind()
    console = Console(width=200, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(render_session(s, Config(), tz=CET))
    out = console.export_text()
    shown = set(words(out))
    markdown = render_markdown(s, tz=CET)
    for view in present_entries(s, tz=CET):
        missing = set(words(markdown_shown(timeline_line(view)))) - shown
        assert not missing, (view.kind, missing)
    # The item-9 score has one label, and its reminder is in both.
    label = OUTCOME_LABELS["phq9_item9"]
    assert f"{label}: 1 of 3" in markdown and label in out
    assert "follow up on thoughts of self-harm today" in markdown
    assert "follow up on thoughts of self-harm today" in out.replace("\n", " ").replace(
        "  ", " ")
    # Outcome bands and the sign time, in both.
    assert "PHQ-9 before: 14 of 27 (moderate)" in markdown
    assert re.search(r"PHQ-9 before\s+14 of 27 \(moderate\)", out)
    assert "- Signed 2026-11-03 13:00" in markdown
    assert "signed 2026-11-03 13:00" in out
    # The zone is said once in each.
    assert markdown.count("UTC+01:00") == 1 and out.count("UTC+01:00") == 1
    # Out-of-range baseline vitals carry the glyph in both.
    assert "BP 150/92 · HR 70 · SpO₂ 98% — ⚑ systolic above 140, diastolic above 90" \
        in markdown
    assert "BP 150/92 · HR 70 · SpO₂ 98%  ⚑ systolic above 140, diastolic above 90" in out


def test_a_time_on_another_day_or_in_another_offset_says_so() -> None:
    s = every_kind()
    times = SessionTimes(s, CET)
    assert times.zone == "UTC+01:00"
    assert times.clock(T0 + timedelta(hours=1)) == "11:00"
    assert times.clock(T0 + timedelta(days=1)) == "2026-11-04 10:00"
    assert times.time_of_day(T0 + timedelta(days=1)) == "10:00"  # the live timeline's column
    late = Session.from_dict({**s.to_dict(), "signed": None, "status": "ended"})
    late.add_note(T0 + timedelta(hours=14, minutes=5), "Past midnight.")
    view = present_entry(late.entries[-1], SessionTimes(late, CET))
    assert (view.time, view.time_of_day) == ("2026-11-04 00:05", "00:05")
    console = Console(width=100, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(entry_row(late, late.entries[-1], Config()))
    local = SessionTimes(late).time_of_day(late.entries[-1].at)  # the row is in local time
    row = console.export_text()
    assert f" {local} " in row and "2026-11-0" not in row
    summer = datetime(2026, 11, 3, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    assert times.full(summer) == "2026-11-03 11:00"  # shown in the display zone
    berlin_summer = SessionTimes(s, timezone(timedelta(hours=2)))
    assert berlin_summer.zone == "UTC+02:00"
    assert berlin_summer.stamp(T0) == "2026-11-03T11:00:00"


# ---- invisible characters -----------------------------------------------------------------


@pytest.mark.parametrize("char", INVISIBLE)
def test_each_invisible_character_is_shown_by_its_code(char: str) -> None:
    code = f"⟨U+{ord(char):04X}⟩"
    assert visible(f"a{char}b") == f"a{code}b"
    assert visible(char) == code


def test_plain_text_and_joiners_inside_a_script_are_left_alone() -> None:
    for text in ("Breathing slower, 50% calmer.", "שלום עולם · مرحبا", "🙂 breathing 🌊",
                 "می\u200cخواهم", "👩\u200d👩\u200d👧", "⟨already⟩"):
        assert visible(text) == text
    # Beside ASCII a joiner does nothing a reader needs: it is shown.
    assert visible("pass\u200dword") == "pass⟨U+200D⟩word"


def hidden_session() -> Session:
    s = every_kind()
    data = s.to_dict()
    data["id"] = "b" * 32
    data["status"] = "ended"
    data["signed"] = None
    s = Session.from_dict(data)
    s.add_note(T0 + timedelta(hours=2, minutes=40),
               "dose 5\u202e0 mg\u202c and a\u200bgap", category="other")
    s.strike_entry(T0 + timedelta(hours=2, minutes=41), s.entries[-1].id,
                   "looked\u2066 wrong\u2069")
    s.integration_notes = "notes\ufeff"
    s.intention = "intent\u200f"
    return s


def test_invisible_characters_are_kept_in_the_record_and_shown_by_every_renderer(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    s = hidden_session()
    assert "\u202e" in s.entries[-1].text  # the record keeps what was typed
    shown = ("dose 5⟨U+202E⟩0 mg⟨U+202C⟩ and a⟨U+200B⟩gap", "looked⟨U+2066⟩ wrong⟨U+2069⟩",
             "notes⟨U+FEFF⟩", "intent⟨U+200F⟩")
    hidden = re.compile("[\u202a-\u202e\u2066-\u2069\u200b-\u200f\ufeff]")

    markdown = render_markdown(s, tz=CET)
    assert hidden.search(markdown) is None
    for text in shown:
        assert text in markdown, text

    with Archive.open(tmp_path / "a") as archive:
        assert archive.add_existing(s)
        assert archive.get(s.id).entries[-1].text == s.entries[-1].text
    assert main(["show", s.id, "--archive", str(tmp_path / "a")]) == 0
    out = capsys.readouterr().out
    assert hidden.search(out) is None
    flat = " ".join(out.split())
    for text in shown:
        assert " ".join(text.split()) in flat, text

    # The live timeline's row and the dialog that acts on an entry.
    console = Console(width=200, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(entry_row(s, s.entries[-1], Config()))
    row = console.export_text()
    assert hidden.search(row) is None and "5⟨U+202E⟩0 mg" in row
    view = present_entry(s.entries[-1], SessionTimes(s, CET))
    assert hidden.search(entry_text(view, full=True).plain) is None
