"""The grounding prompt library: the built-in prompts, a therapist's own file, and bad files."""

from __future__ import annotations

import ast
import dataclasses
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kapsession.prompts as prompts_module
from kapsession.model.vocab import PROMPT_SITUATIONS
from kapsession.prompts import (
    MAX_FILE_BYTES,
    MAX_PROMPTS,
    TEXT_MAX,
    Prompt,
    PromptFileError,
    PromptLibrary,
    builtin_library,
    load_library,
    parse_prompts,
)

FALLBACK = "using the built-in prompts only"


def toml_string(value: str) -> str:
    """``value`` as a TOML basic string (escaping what TOML does not allow raw)."""
    out = []
    for ch in value:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def prompts_toml(*pairs: tuple[str, str]) -> str:
    return "".join(
        f"[[prompt]]\nsituation = {toml_string(s)}\ntext = {toml_string(t)}\n\n" for s, t in pairs
    )


def write(tmp_path: Path, content: str | bytes, name: str = "my-prompts.toml") -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def assert_fell_back(result: tuple[PromptLibrary, str | None], path: Path) -> str:
    library, message = result
    assert library is builtin_library()
    assert message is not None
    assert str(path) in message
    assert FALLBACK in message
    assert "\n" not in message
    return message


# --- the built-in library ----------------------------------------------------------------------


def test_builtin_library_covers_every_situation_generously():
    library = builtin_library()
    assert len(library) >= 30
    assert library.situations() == list(PROMPT_SITUATIONS)
    for situation in PROMPT_SITUATIONS:
        assert len(library.for_situation(situation)) >= 6, situation


def test_builtin_texts_are_short_single_paragraphs_and_unique():
    library = builtin_library()
    for prompt in library.prompts:
        assert prompt.source == "built-in"
        assert 0 < len(prompt.text) <= TEXT_MAX
        assert "\n" not in prompt.text and "\r" not in prompt.text
        assert prompt.text == prompt.text.strip()
    texts = [p.text.casefold() for p in library.prompts]
    assert len(texts) == len(set(texts))


def test_builtin_file_has_no_duplicates_dropped_silently():
    # Every [[prompt]] in the data file survives parsing: none is a silent duplicate.
    raw = (Path(prompts_module.__file__).parent / "builtin.toml").read_text(encoding="utf-8")
    assert len(tomllib.loads(raw)["prompt"]) == len(builtin_library())


def test_builtin_offers_touch_only_as_a_question():
    touching = [
        p.text for p in builtin_library().prompts if "hand on" in p.text or "my hand" in p.text
    ]
    assert touching, "the library should offer touch, with consent"
    for text in touching:
        assert "?" in text


def test_builtin_library_is_cached():
    assert builtin_library() is builtin_library()


def test_loader_does_not_import_screens_or_storage():
    tree = ast.parse(Path(prompts_module.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & {"textual", "tinydb", "rich"}


# --- the library type --------------------------------------------------------------------------


def test_library_situations_follow_vocabulary_order_and_skip_empty():
    library = PromptLibrary(
        (
            Prompt("Wiggle your toes.", "closing"),
            Prompt("You are safe.", "anxiety"),
        )
    )
    assert library.situations() == ["anxiety", "closing"]
    assert [p.text for p in library.for_situation("closing")] == ["Wiggle your toes."]
    assert library.for_situation("overwhelm") == []
    assert library.for_situation("re-entry and closing") == library.for_situation("closing")
    assert len(library) == 2


def test_prompt_is_frozen_and_checks_its_situation():
    prompt = Prompt("You are safe.", "anxiety")
    with pytest.raises(dataclasses.FrozenInstanceError):
        prompt.text = "changed"  # type: ignore[misc]
    with pytest.raises(ValueError):
        Prompt("You are safe.", "panic")
    with pytest.raises(ValueError):
        Prompt("You are safe.", "anxiety", source="someone else")


# --- parse_prompts -----------------------------------------------------------------------------


def test_parse_reads_prompts_in_file_order():
    parsed = parse_prompts(
        prompts_toml(("anxiety", "Breathe with me."), ("closing", "Take your time.")),
        source="yours",
        name="mine.toml",
    )
    assert parsed == [
        Prompt("Breathe with me.", "anxiety", "yours"),
        Prompt("Take your time.", "closing", "yours"),
    ]


@pytest.mark.parametrize("label", ["anxiety or fear", "Anxiety Or Fear", "  ANXIETY  ", "Anxiety"])
def test_label_or_any_case_is_accepted_for_situation(label):
    [prompt] = parse_prompts(prompts_toml((label, "You are safe.")), source="yours", name="f")
    assert prompt.situation == "anxiety"


def test_every_label_maps_to_its_key():
    for key, label in PROMPT_SITUATIONS.items():
        [prompt] = parse_prompts(prompts_toml((label, "Breathe.")), source="yours", name="f")
        assert prompt.situation == key


def test_terminal_escapes_are_cleaned_from_text():
    [prompt] = parse_prompts(
        prompts_toml(("anxiety", "\x1b[31mYou are safe.\x1b[0m\x07")), source="yours", name="f"
    )
    assert "\x1b" not in prompt.text and "\x07" not in prompt.text
    assert prompt.text == "[31mYou are safe.[0m"


def test_multi_line_text_becomes_one_paragraph():
    source = '[[prompt]]\nsituation = "closing"\ntext = """\n  Take your time.\n\n  No rush.\n"""\n'
    [prompt] = parse_prompts(source, source="yours", name="f")
    assert prompt.text == "Take your time. No rush."


def test_duplicate_texts_in_a_situation_are_kept_once():
    parsed = parse_prompts(
        prompts_toml(
            ("anxiety", "You are safe."),
            ("anxiety", "  you are SAFE.  "),
            ("closing", "You are safe."),
        ),
        source="yours",
        name="f",
    )
    assert [(p.situation, p.text) for p in parsed] == [
        ("anxiety", "You are safe."),
        ("closing", "You are safe."),
    ]


def test_text_at_the_limit_is_accepted_and_one_over_refused():
    [prompt] = parse_prompts(prompts_toml(("nausea", "a" * TEXT_MAX)), source="yours", name="f")
    assert len(prompt.text) == TEXT_MAX
    with pytest.raises(PromptFileError) as err:
        parse_prompts(prompts_toml(("nausea", "a" * (TEXT_MAX + 1))), source="yours", name="f")
    assert (err.value.number, err.value.field) == (1, "text")
    assert str(TEXT_MAX) in str(err.value)


@pytest.mark.parametrize(
    ("source", "number", "field", "words"),
    [
        ('prompt = "hello"', None, None, "list"),
        ('[prompt]\nsituation = "anxiety"\ntext = "x"', None, None, "list"),
        ('title = "mine"\n[[prompt]]\nsituation = "anxiety"\ntext = "x"', None, None, "title"),
        ("", None, None, "no prompts"),
        ("prompt = []", None, None, "no prompts"),
        ('prompt = ["just text"]', 1, None, "table"),
        ('[[prompt]]\nsituation = "anxiety"', 1, "text", "missing"),
        ('[[prompt]]\ntext = "x"', 1, "situation", "missing"),
        ('[[prompt]]\nsituation = 3\ntext = "x"', 1, "situation", "text"),
        ('[[prompt]]\nsituation = "anxiety"\ntext = 42', 1, "text", "text"),
        ('[[prompt]]\nsituation = "anxiety"\ntext = ["a", "b"]', 1, "text", "list"),
        ('[[prompt]]\nsituation = "anxiety"\ntext = "   "', 1, "text", "empty"),
        ('[[prompt]]\nsituation = "anxiety"\ntext = "\\u001b\\u0007"', 1, "text", "empty"),
        ('[[prompt]]\nsituation = "panic"\ntext = "x"', 1, "situation", "unknown situation"),
        ('[[prompt]]\nsituation = "anxiety"\ntext = "x"\nauthor = "me"', 1, None, "author"),
        (
            '[[prompt]]\nsituation = "anxiety"\ntext = "ok"\n'
            '[[prompt]]\nsituation = "closing"\ntext = ""',
            2,
            "text",
            "empty",
        ),
    ],
)
def test_parse_errors_say_where(source, number, field, words):
    with pytest.raises(PromptFileError) as err:
        parse_prompts(source, source="yours", name="mine.toml")
    message = str(err.value)
    assert message.startswith("mine.toml")
    assert words in message
    assert err.value.number == number
    assert err.value.field == field
    if number is not None:
        assert f"prompt {number}" in message
    if field is not None:
        assert f"'{field}'" in message


def test_too_many_prompts_refused():
    many = prompts_toml(*(("anxiety", f"Breath number {i}.") for i in range(MAX_PROMPTS + 1)))
    with pytest.raises(PromptFileError, match="limit is 500"):
        parse_prompts(many, source="yours", name="f")
    exactly = prompts_toml(*(("anxiety", f"Breath number {i}.") for i in range(MAX_PROMPTS)))
    assert len(parse_prompts(exactly, source="yours", name="f")) == MAX_PROMPTS


def test_error_messages_do_not_echo_what_the_therapist_wrote():
    secret = "Remember what your father said on the boat " * 4
    for source in (
        prompts_toml(("anxiety", secret * 3)),
        prompts_toml((secret, "You are safe.")),
        f'[[prompt]]\nsituation = "anxiety"\ntext = "x"\n"{secret}" = 1\n',
        f'[[prompt]]\nsituation = "anxiety"\ntext = "{secret}\n',  # unterminated string
    ):
        with pytest.raises(PromptFileError) as err:
            parse_prompts(source, source="yours", name="f")
        message = str(err.value)
        assert secret[:40] not in message
        assert len(message) < 200


# --- load_library ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [None, ""])
def test_no_file_means_builtin_only(path):
    assert load_library(path) == (builtin_library(), None)


def test_add_mode_merges_yours_after_the_builtin(tmp_path):
    builtin = builtin_library()
    already = builtin.for_situation("anxiety")[0].text
    path = write(
        tmp_path,
        prompts_toml(
            ("anxiety", "Feel the blanket's weight on you."),
            ("closing", "Notice the light behind the mask."),
            ("anxiety", already),  # already built in: kept once
        ),
    )
    library, message = load_library(path, "add")
    assert message is None
    assert len(library) == len(builtin) + 2
    assert library.prompts[: len(builtin)] == builtin.prompts
    anxiety = library.for_situation("anxiety")
    assert anxiety[-1] == Prompt("Feel the blanket's weight on you.", "anxiety", "yours")
    assert [p.text for p in anxiety].count(already) == 1
    assert library.situations() == list(PROMPT_SITUATIONS)


def test_add_is_the_default_mode(tmp_path):
    path = write(tmp_path, prompts_toml(("overwhelm", "One breath at a time.")))
    assert load_library(path) == load_library(path, "add")


def test_replace_mode_uses_yours_and_keeps_builtin_for_uncovered_situations(tmp_path):
    path = write(
        tmp_path,
        prompts_toml(
            ("anxiety", "Feel the blanket's weight on you."),
            ("anxiety or fear", "I am here."),
            ("closing", "Notice the light behind the mask."),
        ),
    )
    library, message = load_library(path, "replace")
    builtin = builtin_library()
    assert message is None
    assert [p.text for p in library.for_situation("anxiety")] == [
        "Feel the blanket's weight on you.",
        "I am here.",
    ]
    assert [p.source for p in library.for_situation("closing")] == ["yours"]
    for situation in ("overwhelm", "nausea", "disorientation"):
        assert library.for_situation(situation) == builtin.for_situation(situation)
    assert library.situations() == list(PROMPT_SITUATIONS)


def test_replace_mode_covering_everything_has_no_builtin(tmp_path):
    path = write(tmp_path, prompts_toml(*((key, f"Mine for {key}.") for key in PROMPT_SITUATIONS)))
    library, message = load_library(str(path), "replace")
    assert message is None
    assert len(library) == len(PROMPT_SITUATIONS)
    assert {p.source for p in library.prompts} == {"yours"}


def test_unknown_mode_falls_back_with_a_message(tmp_path):
    path = write(tmp_path, prompts_toml(("anxiety", "You are safe.")))
    library, message = load_library(path, "merge")
    assert library is builtin_library()
    assert message is not None and "'add' or 'replace'" in message


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.toml"
    message = assert_fell_back(load_library(path), path)
    assert "not found" in message


def test_directory_is_not_a_prompts_file(tmp_path):
    message = assert_fell_back(load_library(tmp_path), tmp_path)
    assert "not a file" in message


def test_malformed_toml_names_the_file(tmp_path):
    path = write(tmp_path, '[[prompt]]\nsituation = "anxiety"\ntext = "unterminated\n')
    message = assert_fell_back(load_library(path), path)
    assert "not valid TOML" in message


def test_deeply_nested_toml_is_refused_not_crashed(tmp_path):
    path = write(tmp_path, "prompt = " + "[" * 50_000)
    message = assert_fell_back(load_library(path), path)
    assert "not valid TOML" in message


def test_wrong_types_name_file_prompt_and_field(tmp_path):
    path = write(
        tmp_path,
        prompts_toml(("anxiety", "fine")) + '[[prompt]]\nsituation = "nausea"\ntext = 12\n',
    )
    message = assert_fell_back(load_library(path), path)
    assert "prompt 2" in message and "'text'" in message and "must be text" in message


def test_unknown_situation(tmp_path):
    path = write(tmp_path, prompts_toml(("despair", "You are safe.")))
    message = assert_fell_back(load_library(path, "replace"), path)
    assert "unknown situation" in message and "'situation'" in message
    assert "anxiety" in message  # the valid keys are listed


def test_one_bad_prompt_rejects_the_whole_file(tmp_path):
    path = write(tmp_path, prompts_toml(("anxiety", "Good one."), ("anxiety", "x" * 400)))
    library, message = load_library(path)
    assert message is not None and "prompt 2" in message
    assert all(p.source == "built-in" for p in library.prompts)


def test_file_over_one_megabyte_refused(tmp_path):
    body = prompts_toml(("anxiety", "You are safe."))
    padding = "#" * (MAX_FILE_BYTES + 1 - len(body) - 1) + "\n"
    path = write(tmp_path, body + padding)
    assert path.stat().st_size == MAX_FILE_BYTES + 1
    message = assert_fell_back(load_library(path), path)
    assert "1 MB" in message


def test_file_of_exactly_one_megabyte_accepted(tmp_path):
    body = prompts_toml(("anxiety", "You are safe here."))
    path = write(tmp_path, body + "#" * (MAX_FILE_BYTES - len(body) - 1) + "\n")
    assert path.stat().st_size == MAX_FILE_BYTES
    library, message = load_library(path, "replace")
    assert message is None
    assert [p.text for p in library.for_situation("anxiety")] == ["You are safe here."]


def test_not_utf8(tmp_path):
    path = write(tmp_path, b'[[prompt]]\nsituation = "anxiety"\ntext = "caf\xe9"\n')
    message = assert_fell_back(load_library(path), path)
    assert "UTF-8" in message


def test_utf8_byte_order_mark_is_tolerated(tmp_path):
    path = write(tmp_path, "\ufeff" + prompts_toml(("closing", "Welcome back.")))
    library, message = load_library(path)
    assert message is None
    assert library.for_situation("closing")[-1].text == "Welcome back."


def test_escape_sequences_in_a_users_file_are_cleaned(tmp_path):
    path = write(tmp_path, prompts_toml(("anxiety", "Breathe \x1b[31mslowly\x1b[0m.")))
    library, message = load_library(path)
    assert message is None
    mine = [p for p in library.prompts if p.source == "yours"]
    assert [p.text for p in mine] == ["Breathe [31mslowly[0m."]


def test_control_characters_in_the_file_name_do_not_reach_the_message(tmp_path):
    path = tmp_path / "bad\x1b[2Jname.toml"
    library, message = load_library(path)
    assert library is builtin_library()
    assert message is not None and "\x1b" not in message and "not found" in message


# --- properties --------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(
    content=st.one_of(st.binary(max_size=2000), st.text(max_size=2000)),
    mode=st.sampled_from(["add", "replace"]),
)
def test_any_file_content_never_raises_and_keeps_the_builtin(tmp_path_factory, content, mode):
    folder = tmp_path_factory.mktemp("prop")
    path = write(folder, content)
    library, message = load_library(path, mode)
    builtin = builtin_library()
    assert sum(p.source == "built-in" for p in library.prompts) >= 25 or (
        message is None and mode == "replace"
    )
    assert library.situations() == list(PROMPT_SITUATIONS)
    if message is not None:
        assert library is builtin
        assert str(path) in message and "\n" not in message
    for prompt in library.prompts:
        assert 0 < len(prompt.text) <= TEXT_MAX and "\x1b" not in prompt.text


_texts = st.text(st.characters(exclude_categories=["Cs"]), max_size=320)
_situation_names = st.sampled_from(
    [*PROMPT_SITUATIONS, *PROMPT_SITUATIONS.values(), "ANXIETY", "Overwhelm", "unknown"]
)


@settings(max_examples=200, deadline=None)
@given(
    pairs=st.lists(
        st.tuples(_situation_names, _texts),
        max_size=8,
    )
)
def test_parsed_prompts_are_always_clean_or_refused(pairs):
    try:
        parsed = parse_prompts(prompts_toml(*pairs), source="yours", name="gen.toml")
    except PromptFileError as err:
        assert str(err).startswith("gen.toml")
        assert "\n" not in str(err)
        return
    assert pairs and len(parsed) <= len(pairs)
    for prompt in parsed:
        assert prompt.situation in PROMPT_SITUATIONS
        assert prompt.source == "yours"
        assert 0 < len(prompt.text) <= TEXT_MAX
        assert prompt.text == prompt.text.strip()
        assert not any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in prompt.text)
    keys = [(p.situation, p.text.casefold()) for p in parsed]
    assert len(keys) == len(set(keys))
