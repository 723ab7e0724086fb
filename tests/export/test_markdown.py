"""The markdown export: its sections, its escaping of whatever a therapist typed, its files.

Golden files: ``tests/export/golden/session.md`` and ``notes/example-session.md``. After a
deliberate change to the format, regenerate them with

    KAPSESSION_REGEN_GOLDEN=1 pytest tests/export

and review the diff. Times are rendered in a fixed zone (``tz=CET``), so the goldens are the
same on every machine whatever its local time zone.
"""

from __future__ import annotations

import os
import re
import stat
from collections import Counter
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from kapsession.demo import demo_sessions
from kapsession.export import (
    escape_cell,
    escape_markdown,
    export_filename,
    export_sessions,
    render_markdown,
)
from kapsession.export.markdown import SECTIONS
from kapsession.model import (
    ChecklistItem,
    ClockSettings,
    Session,
    ValidationError,
    Vitals,
    checklist_from_texts,
)
from kapsession.model.text import clean_text, visible
from kapsession.store import Archive

# Every ASCII punctuation character: CommonMark lets a backslash escape each one of them.
MARKDOWN_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
REGEN = os.environ.get("KAPSESSION_REGEN_GOLDEN") == "1"
GOLDEN = Path(__file__).parent / "golden" / "session.md"
EXAMPLE = Path(__file__).resolve().parents[2] / "notes" / "example-session.md"

CET = timezone(timedelta(hours=1))
T0 = datetime(2026, 11, 3, 10, 0, tzinfo=CET)
SID = "5e55104f0c1d4b6f8a2e3c4d5f607182"
MD = MarkdownIt("commonmark").enable("table")
# Tables and strikethrough as GitHub renders them. Not its bare-URL links: linkify-it reads a
# URL from the raw text, backslash escapes and all, so an escaped "<" after "http://x/" shows
# its backslash there (GitHub itself ends the link at the "<").
GFM = MarkdownIt("gfm-like").disable("linkify")

# Notes a therapist might type (or paste) that mean something to a markdown renderer.
HOSTILE = [
    "# not a heading",
    "## also not ## a heading ##",
    "| a | b |\n|---|---|\n| c | d |",
    "a | b\n- | -",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<div>\nan html block\n</div>",
    "<!-- a comment -->",
    "[x](y)",
    "![i](u)",
    "[link](javascript:alert(1)) and [ref]",
    "[ref]: http://example.com/",
    "```\nfenced code\n```",
    "~~~python\nprint('x')\n~~~",
    "---",
    "setext one\n===",
    "setext two\n---",
    "***",
    "_ _ _",
    "> quoted\n> more",
    "- dash item",
    "* star item",
    "+ plus item",
    "1. first",
    "1) first",
    "2. starts at two\n3. three",
    "*emph* and **strong**",
    "_u_ and __uu__",
    "`code` and ``more `code` ``",
    "back\\slash \\* \\",
    "ends with a backslash\\\nnext line",
    "&amp; &lt; &#35; &copy &#x1F600;",
    "<http://autolink.example> <mailto:a@b.example> www.example.com",
    "   leading and trailing spaces   ",
    "first line\n    four spaces: not code\n\tand a tab",
    "one\n\ntwo after a blank line\n\n\nthree after two",
    "trailing spaces make a break  \nnext",
    "~~strike~~ ==mark== $math$ [[wiki]] :smile: ^sup^ {attr}",
    "a line\n  \nwhitespace-only line above",
    "1\\. already escaped \\# by hand",
    "*",
    "\\",
    "#",
]


def build_session(texts: dict[str, str] | None = None, notes: list[str] | None = None,
                  client: str = "C-0042") -> Session:
    """A signed session that uses every kind of entry, with fixed times.

    ``texts`` replaces the free text of the other fields (intention, detail, prompt, edit,
    reason, checklist, integration, addendum); ``notes`` are added as notes after the dose.
    """
    t = {
        "intention": "Meet the grief about my father with less fear.",
        "therapist": "AB",
        "check": "Consent reviewed",
        "pre_note": "Arrived calm, talked about the week.",
        "detail": "Mild, passed after water.",
        "prompt": "You are safe. I am right here with you.",
        "edited": "Hands open on the couch, shoulders dropped.",
        "edit": "Hands open, shoulders dropped; breathing slower.",
        "struck": "Wrong client's observation.",
        "reason": "Typed into the wrong session",
        "discharge": "Alert and oriented",
        "integration_check": "Intention revisited",
        "integration": "Themes: grief and permission to rest.\nWants to journal.",
        "addendum": "Client called the next day: slept well.",
        **(texts or {}),
    }
    s = Session.create(
        id=SID, now=T0 - timedelta(days=2), client=client, session_no=3, route="im",
        dose_mg=50, therapist=t["therapist"], intention=t["intention"],
        prep_checklist=checklist_from_texts([t["check"], "Baseline vitals taken"]),
        baseline=Vitals.create(systolic=128, diastolic=82, heart_rate=74, spo2=98),
    )
    s.prep_checklist[0].done = True
    s.go_live(T0)
    s.add_note(T0 + timedelta(minutes=5), t["pre_note"], category="behaviour")
    s.mark_dose(T0 + timedelta(minutes=12))
    at = T0 + timedelta(minutes=15)
    edited = s.add_note(at, t["edited"], category="somatic")
    struck = s.add_note(at + timedelta(minutes=1), t["struck"], flagged=True)
    at += timedelta(minutes=2)
    categories = ("affect", "somatic", "quote", "insight", "intervention", "behaviour", None)
    for i, note in enumerate(notes or []):
        s.add_note(at + timedelta(seconds=30 * i), note, category=categories[i % 7],
                   flagged=i % 3 == 0)
    at += timedelta(minutes=20)
    s.log_prompt(at, t["prompt"], "anxiety")
    s.log_side_effect(at + timedelta(minutes=1), "other", t["detail"])
    s.log_side_effect(at + timedelta(minutes=2), "nausea")
    s.log_rating(at + timedelta(minutes=3), "moaas", 4)
    s.log_rating(at + timedelta(minutes=4), "dissociation", 3)
    s.record_vitals(at + timedelta(minutes=5),
                    Vitals.create(systolic=152, diastolic=96, heart_rate=88, spo2=97),
                    flagged=True)
    s.mark_dose(at + timedelta(minutes=6), 25)
    s.record_vitals(at + timedelta(minutes=25),
                    Vitals.create(systolic=131, diastolic=84, heart_rate=76, spo2=92,
                                  resp_rate=14), flagged=True)
    s.edit_entry(at + timedelta(minutes=30), edited.id, t["edit"])
    s.strike_entry(at + timedelta(minutes=31), struck.id, t["reason"])
    s.finish(T0 + timedelta(hours=2, minutes=40))
    s.update_integration(
        discharge_checklist=[ChecklistItem(t["discharge"], True),
                             ChecklistItem("Steady gait", False)],
        integration_checklist=[ChecklistItem(t["integration_check"], True),
                               ChecklistItem("Integration session booked", False)],
        integration_date=date(2026, 11, 10),
        integration_notes=t["integration"],
        outcomes={"phq9_pre": 14, "gad7_pre": 9, "phq9_item9": 0},
    )
    s.sign(T0 + timedelta(hours=3))
    # Stored with another offset: shown converted into the display zone.
    s.add_addendum(datetime(2026, 11, 4, 12, 30, tzinfo=timezone(timedelta(hours=2))),
                   t["addendum"])
    return s


def hostile_session() -> Session:
    """The golden session: hostile text in every field a therapist can type into."""
    return build_session(
        texts={
            "intention": "# Intention?\n- not a list\n\n> not a quote <b>bold</b>",
            "therapist": "A|B*",
            "check": "[x] Consent | reviewed <i>",
            "pre_note": "1. arrived\n2) calm",
            "detail": "retched | twice\n|---|\n<b>x</b> `y`",
            "prompt": "Breathe *in*... and _out_ ![img](u)",
            "edited": "~~~\nfirst version\n~~~",
            "edit": "```\nsecond version\n```",
            "struck": "<script>alert('x')</script>",
            "reason": "[wrong](session) & ***",
            "discharge": "Alert & oriented <3",
            "integration_check": "| not | a | table |",
            "integration": "## Themes\n\n---\n\nsetext\n===\n&copy; \\*",
            "addendum": "> correction\n***\n[ref]: http://x.example",
        },
        notes=["# not a heading", "| a | b |", "<script>alert(1)</script>", "[x](y)"],
        client='C-7 "---" x: y',
    )


# ---- reading markdown back ---------------------------------------------------------------


def inline_text(token) -> str:  # type: ignore[no-untyped-def]
    out = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append("\n")
    return "".join(out)


def sections(markdown: str) -> dict[str, str]:
    """The rendered text of each ``##`` section, by heading."""
    tokens = MD.parse(markdown)
    out: dict[str, list[str]] = {}
    current = None
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.markup == "##":
            current = inline_text(tokens[i + 1])
            out[current] = []
        elif tok.type == "inline" and current is not None and tokens[i - 1].type != "heading_open":
            out[current].append(inline_text(tok))
    return {k: "\n".join(v) for k, v in out.items()}


def h2_titles(markdown: str) -> list[str]:
    tokens = MD.parse(markdown)
    return [inline_text(tokens[i + 1]) for i, t in enumerate(tokens)
            if t.type == "heading_open" and t.markup == "##"]


def structure(markdown: str) -> Counter[str]:
    """Every token type, blocks and inline, except plain text and line breaks."""
    counts: Counter[str] = Counter()
    for tok in MD.parse(markdown):
        counts[tok.type] += 1
        for child in tok.children or []:
            if child.type not in ("text", "softbreak", "hardbreak"):
                counts[child.type] += 1
    return counts


def norm(text: str) -> str:
    """Whitespace as a reader sees it: runs of it collapse, line ends don't matter."""
    return " ".join(text.split())


def render(session: Session) -> str:
    return render_markdown(session, tz=CET)


def front_matter(markdown: str) -> dict[str, object]:
    """The YAML front matter, read by a YAML parser (as Obsidian and static-site tools do)."""
    lines = markdown.split("\n")
    assert lines[0] == "---"
    end = lines.index("---", 1)
    data = yaml.safe_load("\n".join(lines[1:end]))
    assert isinstance(data, dict)
    return data


# ---- the format --------------------------------------------------------------------------


def test_sections_in_order_with_front_matter_and_title() -> None:
    md = render(build_session())
    assert h2_titles(md) == list(SECTIONS)
    meta = front_matter(md)
    # Obsidian reads tags as a list and date as a date; the sign time in the session's zone.
    assert meta == {"id": SID, "client": "C-0042", "session": 3, "date": date(2026, 11, 3),
                    "tags": ["kapsession", "kapsession/signed"], "route": "IM",
                    "medicine": "ketamine", "dose": "75 mg", "status": "signed",
                    "signed": datetime(2026, 11, 3, 13, 0), "utc_offset": "+01:00"}
    assert "\n# Session 03 · C-0042 · 2026-11-03\n" in md


def test_times_are_local_with_offset_and_t_plus() -> None:
    text = sections(render(build_session()))["Timeline"]
    # Before the dose a time reads as before it, in minutes (never a T-00:00 clock reading).
    assert "T\u221212 min · 10:00 · system — Session started" in text
    assert "T\u22127 min · 10:05 · behaviour — Arrived calm" in text
    assert "T+00:00 · 10:12 · dose — 50 mg" in text
    assert "T+00:31 · 10:43 · booster — 25 mg" in text


def test_the_time_zone_is_said_once() -> None:
    md = render(build_session())
    assert md.count("UTC+01:00") == 1
    assert ("Times are local, UTC+01:00; T+ is the time since the dose; ! marks a flagged "
            "entry.") in md
    assert "+01:00)" not in md
    # A time in another offset (an addendum written in summer time) says its own.
    s = build_session()
    s.add_addendum(datetime(2027, 4, 1, 9, 0, tzinfo=UTC), "Later note.")
    md = render_markdown(s, tz=ZoneInfo("Europe/Berlin"))
    assert md.count("UTC+01:00") == 1
    assert "- 2027-04-01 11:00 (UTC+02:00) — Later note." in md
    assert "- 2026-11-04 11:30 — Client called the next day: slept well." in md


def test_flagged_struck_and_edited_entries_keep_everything() -> None:
    md = render(build_session())
    timeline = sections(md)["Timeline"]
    # Struck through, with when and why; the raw line reads as typed.
    assert ("- T+00:04 · 10:16 · ! note — ~~Wrong client's observation.~~ "
            "(struck 11:08: Typed into the wrong session)\n") in md
    assert "Wrong client's observation." in timeline
    strikes = [t for t in GFM.parse(md) if t.type == "inline"
               and any(c.type == "s_open" for c in t.children or [])]
    assert len(strikes) == 1 and "Wrong client's observation." in strikes[0].content
    assert ("Hands open, shoulders dropped; breathing slower. (edited 11:07; earlier "
            "text: Hands open on the couch, shoulders dropped.)") in timeline


def test_vitals_table_flags_out_of_range_values() -> None:
    md = render(build_session())
    assert "| T+ | time | BP | HR | SpO₂ | RR | flag |" in md
    assert "| baseline | before the dose | 128/82 | 74 | 98% | — |  |" in md
    assert ("| T+00:30 | 10:42 | 152/96 | 88 | 97% | — | "
            "systolic above 140, diastolic above 90 |") in md
    assert "| T+00:50 | 11:02 | 131/84 | 76 | 92% | 14 | SpO₂ below 94% |" in md
    tokens = MD.parse(md)
    assert sum(t.type == "table_open" for t in tokens) == 2  # vitals, side effects


def test_integration_checklists_scores_and_observation() -> None:
    md = render(build_session())
    # Counted from the booster (10:43), not the first dose: 1 h 57 min by Finish.
    assert "- [ ] Minimum observation time passed (120 min after the last dose or booster; " \
           "computed: observed 1 h 57 min until Finish)" in md
    assert "- [x] Alert and oriented\n- [ ] Steady gait" in md
    assert "- [x] Intention revisited\n- [ ] Integration session booked" in md
    assert "- Integration session: 2026-11-10" in md
    assert "- PHQ-9 before: 14 of 27 (moderate)\n- PHQ-9 item 9 (self-harm): 0 of 3\n" in md
    assert "- Signed 2026-11-03 13:00\n" in md
    assert "follow up on thoughts of self-harm" not in md
    s = build_session()
    s.outcomes["phq9_item9"] = 1
    assert ("**PHQ-9 item 9 is above 0: follow up on thoughts of self-harm today, and note "
            "what was done.**") in render(s)
    # A clinic that observes for three hours sees the check unticked.
    longer = render_markdown(build_session(), tz=CET,
                             clock_settings=ClockSettings(min_observation_min=180))
    assert "- [ ] Minimum observation time passed (180 min after the last dose" in longer


def test_observation_is_counted_as_the_app_counts_it_until_the_discharge() -> None:
    # Found in a walk-through: the export counted dose → Finish (55 min) while the app, and
    # the record, counted until the discharge (2 h 09 min) and ticked the check.
    s = build_session()
    s.signed = None
    s.status = "ended"
    booster = s.doses[-1].at
    s.discharged = booster + timedelta(hours=2, minutes=9)
    s.ended = booster + timedelta(minutes=55)
    md = render(s)
    assert "- [x] Minimum observation time passed (120 min after the last dose or booster; " \
           "computed: observed 2 h 09 min until the discharge)" in md


def test_addendum_time_is_converted_to_the_display_zone() -> None:
    assert "- 2026-11-04 11:30 — Client called the next day: slept well." in \
        render(build_session())


@pytest.mark.parametrize("status", ["planned", "live", "ended", "signed"])
def test_every_status_renders_all_sections(status: str) -> None:
    now = datetime(2026, 11, 20, 12, 0, tzinfo=CET)
    for s in demo_sessions(24, seed=5, now=now, live=True):
        if s.status == status:
            md = render(s)
            assert h2_titles(md) == list(SECTIONS)
            assert front_matter(md)["status"] == status
            break
    else:
        pytest.skip(f"no {status} session in the demo data")


def test_unsent_draft_is_kept_and_labelled() -> None:
    now = datetime(2026, 11, 20, 12, 0, tzinfo=CET)
    live = demo_sessions(6, seed=2, now=now, live=True)[-1]
    live.set_draft("half a # thought")
    text = sections(render(live))["Timeline"]
    assert "Unsent draft (typed, not saved as a note): half a # thought" in text


# ---- escaping ----------------------------------------------------------------------------

DANGEROUS = ("html_block", "html_inline", "link_open", "image", "code_inline", "code_block",
             "fence", "blockquote_open", "ordered_list_open")


def test_hostile_notes_stay_literal_in_the_timeline() -> None:
    hostile = build_session(notes=HOSTILE)
    clean = build_session(notes=[f"plain note {i}" for i in range(len(HOSTILE))])
    md = render(hostile)
    timeline = norm(sections(md)["Timeline"])
    notes = [e.text for e in hostile.entries if e.kind == "note"]
    assert len(notes) == len(HOSTILE) + 3
    for text in notes:
        assert norm(text) in timeline, text
    # The same structure as the clean session's export, token type for token type ...
    assert structure(md) == structure(render(clean))
    # ... and none of the kinds a note could smuggle in.
    counts = structure(md)
    assert not {k: counts[k] for k in DANGEROUS if counts[k]}


def test_hostile_text_in_every_field_changes_no_structure() -> None:
    md = render(hostile_session())
    assert structure(md) == structure(render(build_session(
        notes=["plain"] * 4, texts={"intention": "a\nb\n\nc", "integration": "x"})))
    parts = sections(md)
    assert norm("~~~\nfirst version\n~~~") in norm(parts["Timeline"])
    assert norm("[wrong](session) & ***") in norm(parts["Timeline"])
    assert norm("<script>alert('x')</script>") in norm(parts["Timeline"])
    assert "retched | twice |---| <b>x</b> `y`" in parts["Side effects and ratings"]
    assert "Breathe *in*... and _out_ ![img](u)" in parts["Grounding prompts used"]
    assert "[x] Consent | reviewed <i>" in parts["Preparation"]
    assert norm("# Intention?\n- not a list\n\n> not a quote <b>bold</b>") in \
        norm(parts["Preparation"])
    assert norm("## Themes\n\n---\n\nsetext\n===\n&copy; \\*") in norm(parts["Integration notes"])
    assert norm("> correction\n***\n[ref]: http://x.example") in norm(parts["Addenda"])


@pytest.mark.parametrize("client", ["x: y", '"---"', "---", "'q' # c", "<b>", "a\\b", "{x}",
                                    "[1]", "&a *b", "@x !tag %x", "| > -", "C 01/x", "é ü 名",
                                    "...", "key: [a, b]", "\u00a0nbsp\u2028"])
def test_front_matter_survives_any_client_code(client: str) -> None:
    try:
        session = build_session(client=client)
    except ValidationError:
        pytest.skip("not a valid client code")
    md = render(session)
    assert front_matter(md)["client"] == session.client
    assert structure(md) == structure(render(build_session()))
    lines = md.split("\n")
    assert lines.index("---", 1) == 12  # the front matter closes where it should


# Where typed text sits in the export, as (markdown before it, after it, start, indent):
# a paragraph of its own, a list item's first words, words further along a list item (after
# our own label), a struck entry's text between our ~~ markers, a checklist item.
CONTEXTS = {
    "paragraph": ("", "", True, ""),
    "list item": ("- ", "", True, "  "),
    "after a label": ("- T+00:05 · 10:17 · note — ", " (edited 11:07)", False, "  "),
    "struck": ("- T+00:05 · note — ~~", "~~ (struck 11:08: wrong)", False, "  "),
    "checklist": ("- [x] ", "", True, "  "),
}


def _lines(text: str) -> list[str]:
    """Text as a reader sees it: each line without the whitespace a renderer trims."""
    return [line.strip() for line in text.split("\n")]


def assert_literal(text: str) -> None:
    """``text`` escaped renders as exactly that text, in every context it can sit in, in
    CommonMark and in GitHub's dialect: one paragraph, nothing but text and line breaks
    (and our own strikethrough)."""
    expected = _lines(visible(clean_text(text)).strip())
    for name, (before, after, start, indent) in CONTEXTS.items():
        body = escape_markdown(text, start=start, indent=indent)
        if not body:
            continue
        for md in (MD, GFM):
            tokens = md.parse(before + body + after + "\n")
            blocks = [t.type for t in tokens if t.type != "inline"]
            inline = [t for t in tokens if t.type == "inline"]
            assert len(inline) == 1, (name, blocks)
            assert blocks in (["paragraph_open", "paragraph_close"],
                              ["bullet_list_open", "list_item_open", "paragraph_open",
                               "paragraph_close", "list_item_close", "bullet_list_close"]), \
                (name, blocks)
            kinds = {c.type for c in inline[0].children or []} - {"text", "softbreak",
                                                                      "hardbreak"}
            allowed = {"s_open", "s_close"} if name == "struck" and md is GFM else set()
            assert kinds <= allowed, (name, kinds)
            # What our own words render as, on either side of the text ("☃" stands for it).
            (plain,) = [t for t in md.parse(before + "☃" + after + "\n") if t.type == "inline"]
            head, tail = inline_text(plain).split("☃")
            shown = inline_text(inline[0])
            assert shown.startswith(head) and shown.endswith(tail), name
            assert _lines(shown[len(head):len(shown) - len(tail)]) == expected, name
    cell = escape_cell(text)
    for md in (MD, GFM):
        tokens = md.parse(f"| h | i |\n|---|---|\n| {cell} | x |\n")
        cells = [inline_text(t) for t in tokens if t.type == "inline"]
        assert len(cells) == 4 and cells[::3] == ["h", "x"]
        assert norm(cells[2]) == norm(" ".join(expected))


@pytest.mark.parametrize("char", list(MARKDOWN_PUNCTUATION))
def test_every_punctuation_character_stays_literal(char: str) -> None:
    for text in (char, char * 3, f"{char} x", f"x {char}{char} y {char}", f"x{char}y",
                 f"{char}x{char}", f"a\n{char} b\n{char}{char}{char}"):
        assert_literal(text)


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_stays_literal_in_every_context(text: str) -> None:
    assert_literal(text)


def test_a_plain_sentence_is_written_exactly_as_typed() -> None:
    sentence = ("Breathing slower now, hands unclenched, jaw soft. BP down to 128/82: "
                "settled at 10:45, about 50% calmer (her words); feet on the floor - good.")
    assert escape_markdown(sentence) == sentence
    assert escape_cell(sentence) == sentence
    md = render(build_session(notes=[sentence]))
    assert f" — {sentence}\n" in md
    # The raw file reads like the record: no backslash in any line of a demo session's
    # timeline (whose notes are ordinary sentences).
    timeline = render(example_session()).split("## Timeline")[1].split("## Vitals")[0]
    assert "\\" not in timeline


def test_table_cells_keep_pipes_and_backslashes_on_one_line() -> None:
    text = "a | b \\| c\\\\|d\nsecond line"
    tokens = MD.parse(f"| h | i |\n|---|---|\n| {escape_cell(text)} | x |\n")
    cells = [inline_text(t) for t in tokens if t.type == "inline"]
    assert cells == ["h", "i", "a | b \\| c\\\\|d second line", "x"]


MARKUP = list(MARKDOWN_PUNCTUATION) + [
    " ", "  ", "    ", "\n", "\n\n", "\t", "\r", "a", "1", "x", "é", "\u00a0", "\u2028",
    "\x1b", "&amp;", "<a>", "- ", "1. ", "2) ", "# ", "> ", "|---|", "```", "~~~", "~~", "==",
    "%%", "***", "___", "[x](y)", "![i](u)", "<!--", "&#35;", "\\", "http://a.example/",
    "www.b.example", "\u202e", "\u200b", "\ufeff", "\u2066",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(min_size=1, max_size=80),
                 st.lists(st.sampled_from(MARKUP), min_size=1, max_size=40).map("".join)))
def test_any_note_round_trips_through_the_rendered_timeline(text: str) -> None:
    assert_literal(text)
    try:
        session = build_session(notes=[text])
    except ValidationError:
        assume(False)
    note = [e for e in session.entries if e.kind == "note"][-1].text
    md = render(session)
    assert norm(visible(note)) in norm(sections(md)["Timeline"])
    headings = sum(t.type == "heading_open" for t in MD.parse(md))
    assert headings == sum(t.type == "heading_open" for t in MD.parse(render(build_session())))
    assert h2_titles(md) == list(SECTIONS)


# ---- files -------------------------------------------------------------------------------


def _archive_with(tmp_path: Path, *sessions: Session) -> Archive:
    archive = Archive.open(tmp_path / "archive", clock=lambda: T0 + timedelta(days=3))
    for s in sessions:
        assert archive.add_existing(s)
    return archive


def test_export_writes_private_files_into_a_new_private_folder(tmp_path: Path) -> None:
    session = build_session()
    folder = tmp_path / "new" / "notes"
    with _archive_with(tmp_path, session) as archive:
        written = export_sessions(archive, [session.id], folder)
        day = session.started.astimezone().date().isoformat()  # type: ignore[union-attr]
        assert written == [folder / f"{day}_C-0042_s03_{SID[:8]}.md"]
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert stat.S_IMODE(written[0].stat().st_mode) == 0o600
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}_[A-Za-z0-9._-]+_s\d{2}_[0-9a-f]{8}\.md",
                            written[0].name)
        text = written[0].read_text(encoding="utf-8")
        assert text == render_markdown(session)
        # Exporting again replaces the file: same session, same name, nothing left over.
        assert export_sessions(archive, [session.id, session.id], folder) == written
        assert sorted(p.name for p in folder.iterdir()) == [written[0].name]


def test_an_existing_folder_keeps_its_permissions(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    session = build_session()
    with _archive_with(tmp_path, session) as archive:
        (path,) = export_sessions(archive, [session.id], folder)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize(("client", "safe"), [
    ("C 01/x", "C_01_x"), ("../etc/passwd", ".._etc_passwd"), ("a\\b:c*d?", "a_b_c_d_"),
    ("C-0042", "C-0042"), ("é名", "__"), ("x.y_z-1", "x.y_z-1"),
])
def test_client_codes_are_made_safe_in_file_names(tmp_path: Path, client: str,
                                                  safe: str) -> None:
    session = build_session(client=client)
    name = export_filename(session, tz=CET)
    assert name == f"2026-11-03_{safe}_s03_{SID[:8]}.md"
    with _archive_with(tmp_path, session) as archive:
        (path,) = export_sessions(archive, [session.id], tmp_path / "out")
    assert path.parent == tmp_path / "out"
    assert "/" not in path.name and path.exists()


@pytest.mark.parametrize("fmt", ["md", "json"])
def test_sessions_sharing_an_id_prefix_never_share_a_file(tmp_path: Path, fmt: str) -> None:
    # Same client, day and number; the ids agree on their first 10 characters.
    twin = "abcdef0123"
    twins = []
    for tail in ("0", "1"):
        data = build_session().to_dict()
        data["id"] = twin + tail * 22
        twins.append(Session.from_dict(data))
    other = build_session(client="C-0043")
    folder = tmp_path / "out"
    day = T0.date().isoformat()
    with _archive_with(tmp_path, *twins, other) as archive:
        written = [path for s in (*twins, other)
                   for path in export_sessions(archive, [s.id], folder, fmt=fmt)]
        assert [p.name for p in written] == [
            f"{day}_C-0042_s03_{twin}0.{fmt}", f"{day}_C-0042_s03_{twin}1.{fmt}",
            f"{day}_C-0043_s03_{SID[:8]}.{fmt}"]  # no twin: eight characters, as always
        for path, s in zip(written, (*twins, other), strict=True):
            assert s.id in path.read_text(encoding="utf-8")
        if fmt == "md":  # both in one export: the same two files again
            assert export_sessions(archive, [t.id for t in twins], folder) == written[:2]
    assert sorted(folder.iterdir()) == sorted(written)


def test_many_sessions_one_file_each(tmp_path: Path) -> None:
    now = datetime(2026, 11, 20, 12, 0, tzinfo=CET)
    sessions = demo_sessions(30, seed=4, now=now)
    with _archive_with(tmp_path, *sessions) as archive:
        written = export_sessions(archive, [s.id for s in sessions], tmp_path / "out")
    assert len(written) == len(set(written)) == 30
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in written)
    # Every exported front matter is YAML with the properties an Obsidian vault reads.
    by_id = {s.id: s for s in sessions}
    for path in written:
        meta = front_matter(path.read_text(encoding="utf-8"))
        s = by_id[meta["id"]]
        assert meta["tags"] == ["kapsession", f"kapsession/{s.status}"]
        assert meta["date"] == (s.started or s.created).astimezone().date()
        assert meta["client"] == s.client and meta["session"] == s.session_no
        assert (meta["signed"] is None) == (s.signed is None)


def test_unknown_format_is_refused(tmp_path: Path) -> None:
    session = build_session()
    with _archive_with(tmp_path, session) as archive, pytest.raises(ValueError, match="format"):
        export_sessions(archive, [session.id], tmp_path / "out", fmt="pdf")


# ---- golden files ------------------------------------------------------------------------


def _check_golden(path: Path, text: str) -> None:
    if REGEN:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} is missing; run with KAPSESSION_REGEN_GOLDEN=1"
    assert path.read_text(encoding="utf-8") == text, (
        f"{path.name} differs from what the code renders; if the change is deliberate, "
        "regenerate with KAPSESSION_REGEN_GOLDEN=1 and review the diff")


def test_golden_session() -> None:
    _check_golden(GOLDEN, render(hostile_session()))


def example_session() -> Session:
    """The demo session shown in notes/: the newest signed one with an addendum (or signed)."""
    sessions = demo_sessions(12, seed=3, now=datetime(2026, 11, 20, 12, 0, tzinfo=CET))
    signed = [s for s in sessions if s.status == "signed"]
    with_addendum = [s for s in signed if s.addenda]
    return (with_addendum or signed)[-1]


def test_example_in_notes_matches_the_code() -> None:
    _check_golden(EXAMPLE, render(example_session()))
    assert h2_titles(EXAMPLE.read_text(encoding="utf-8")) == list(SECTIONS)


def test_a_visit_reads_as_a_visit_with_no_route_or_dose(tmp_path: Path, clock) -> None:  # noqa: ANN001
    from kapsession import Archive

    with Archive.open(tmp_path / "a", clock=clock) as a:
        v = a.new_session(client="C-0042", kind="integration", intention="after session 2")
        visit = a.get(v.id)
    text = render(visit)
    data = front_matter(text)
    assert data["kind"] == "integration" and "kapsession/integration" in data["tags"]
    assert "# Integration visit 01 · C-0042" in text
    assert "- Visit: integration visit (no dose)" in text and "- Route:" not in text
    assert "Discharge readiness" not in text and "Minimum observation" not in text
