"""The grounding prompt library: the built-in prompts and the therapist's own prompts file.

A prompt is a short text a therapist reads aloud, grouped by situation (the keys of
``PROMPT_SITUATIONS``). The built-in library ships as ``builtin.toml`` beside this module; a
therapist's own file uses the same format (documented at the top of ``builtin.toml``)::

    [[prompt]]
    situation = "anxiety"
    text = "You are safe. I am right here with you."

Pure Python: no screens, no storage. A bad user file never takes the built-in library away:
:func:`load_library` reports the problem as a message and falls back to the built-in prompts.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..model.errors import KapsessionError
from ..model.text import clean_text
from ..model.vocab import PROMPT_SITUATIONS

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_PROMPTS",
    "TEXT_MAX",
    "Prompt",
    "PromptFileError",
    "PromptLibrary",
    "builtin_library",
    "load_library",
    "parse_prompts",
]

TEXT_MAX = 300
MAX_PROMPTS = 500
MAX_FILE_BYTES = 1_048_576  # 1 MB
SOURCES = ("built-in", "yours")
MODES = ("add", "replace")

_PROMPT_KEYS = ("situation", "text")
# Snippets of a file's content shown in a message are cut to this length: a message names the
# problem, it does not echo what the therapist wrote.
_SNIPPET_MAX = 30

# "anxiety" and "anxiety or fear" both name the same situation, in any case.
_SITUATION_NAMES: dict[str, str] = {
    **{label.casefold(): key for key, label in PROMPT_SITUATIONS.items()},
    **{key.casefold(): key for key in PROMPT_SITUATIONS},
}


class PromptFileError(KapsessionError, ValueError):
    """A prompts file that cannot be used, with a one-line message naming the file.

    ``number`` (1-based, in file order) and ``field`` say where the problem is, when known.
    """

    def __init__(
        self, name: str, problem: str, *, number: int | None = None, field: str | None = None
    ) -> None:
        self.name = name
        self.problem = problem
        self.number = number
        self.field = field
        where = []
        if number is not None:
            where.append(f"prompt {number}")
        if field is not None:
            where.append(f"'{field}'")
        location = f" ({', '.join(where)})" if where else ""
        super().__init__(f"{name}{location}: {problem}")


@dataclass(frozen=True)
class Prompt:
    """One grounding prompt: what to read aloud, and the situation it is for."""

    text: str
    situation: str
    source: str = "built-in"

    def __post_init__(self) -> None:
        if self.situation not in PROMPT_SITUATIONS:
            raise ValueError(f"unknown prompt situation {self.situation[:_SNIPPET_MAX]!r}")
        if self.source not in SOURCES:
            raise ValueError(f"prompt source must be one of {', '.join(SOURCES)}")

    @property
    def situation_label(self) -> str:
        return PROMPT_SITUATIONS[self.situation]


@dataclass(frozen=True)
class PromptLibrary:
    """An ordered collection of prompts, browsed by situation."""

    prompts: tuple[Prompt, ...]

    def situations(self) -> list[str]:
        """The situation keys, in ``PROMPT_SITUATIONS`` order, that have at least one prompt."""
        present = {p.situation for p in self.prompts}
        return [key for key in PROMPT_SITUATIONS if key in present]

    def for_situation(self, situation: str) -> list[Prompt]:
        """The prompts for ``situation`` (a key or its label), in library order."""
        key = situation_key(situation)
        return [p for p in self.prompts if p.situation == key]

    def __len__(self) -> int:
        return len(self.prompts)


def situation_key(name: object) -> str | None:
    """The situation key for a key or a label (any case, spacing ignored); ``None`` if unknown."""
    if not isinstance(name, str):
        return None
    return _SITUATION_NAMES.get(" ".join(name.split()).casefold())


def _snippet(value: str) -> str:
    """A short, printable quotation of file content for a message."""
    value = clean_text(value, multiline=False)
    if len(value) > _SNIPPET_MAX:
        value = value[: _SNIPPET_MAX - 1] + "…"
    return repr(value)


def _type_name(value: object) -> str:
    return {
        str: "text",
        int: "a number",
        float: "a number",
        bool: "true/false",
        list: "a list",
        dict: "a table",
    }.get(type(value), "a date or time")


def _dedupe_key(prompt: Prompt) -> tuple[str, str]:
    return prompt.situation, prompt.text.casefold()


def _unique(prompts: list[Prompt]) -> list[Prompt]:
    """``prompts`` with a text repeated in one situation (ignoring case) kept once: the first."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for prompt in prompts:
        key = _dedupe_key(prompt)
        if key not in seen:
            seen.add(key)
            kept.append(prompt)
    return kept


def _parse_one(entry: object, *, number: int, source: str, name: str) -> Prompt:
    if not isinstance(entry, dict):
        raise PromptFileError(
            name, f"must be a [[prompt]] table, not {_type_name(entry)}", number=number
        )
    unknown = [key for key in entry if key not in _PROMPT_KEYS]
    if unknown:
        raise PromptFileError(
            name,
            f"unknown key {_snippet(unknown[0])}; a prompt has only 'situation' and 'text'",
            number=number,
        )
    for field in _PROMPT_KEYS:
        if field not in entry:
            raise PromptFileError(name, "is missing", number=number, field=field)

    raw_situation = entry["situation"]
    if not isinstance(raw_situation, str):
        raise PromptFileError(
            name,
            f"must be text, not {_type_name(raw_situation)}",
            number=number,
            field="situation",
        )
    situation = situation_key(raw_situation)
    if situation is None:
        raise PromptFileError(
            name,
            f"unknown situation {_snippet(raw_situation)}; use one of "
            + ", ".join(PROMPT_SITUATIONS),
            number=number,
            field="situation",
        )

    raw_text = entry["text"]
    if not isinstance(raw_text, str):
        raise PromptFileError(
            name, f"must be text, not {_type_name(raw_text)}", number=number, field="text"
        )
    # One paragraph: line breaks and runs of spaces (from a multi-line TOML string) become one
    # space, and terminal control characters are dropped so the text is safe to show.
    text = " ".join(clean_text(raw_text, multiline=False).split())
    if not text:
        raise PromptFileError(name, "must not be empty", number=number, field="text")
    if len(text) > TEXT_MAX:
        raise PromptFileError(
            name,
            f"is {len(text):,} characters; the limit is {TEXT_MAX}",
            number=number,
            field="text",
        )
    return Prompt(text=text, situation=situation, source=source)


def parse_prompts(text: str, *, source: str, name: str) -> list[Prompt]:
    """Parse the TOML ``text`` of a prompts file into prompts, in file order.

    ``source`` is ``"built-in"`` or ``"yours"``; ``name`` names the file in error messages. A text
    repeated within a situation (ignoring case) is kept once. Raises :class:`PromptFileError` on
    any problem.
    """
    if source not in SOURCES:
        raise ValueError(f"source must be one of {', '.join(SOURCES)}")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's messages are fixed phrases plus a position, never a copy of the content.
        detail = str(exc).splitlines()[0] if str(exc) else "invalid TOML"
        raise PromptFileError(name, f"is not valid TOML: {detail[:80]}") from None
    except RecursionError:
        raise PromptFileError(name, "is not valid TOML: nested too deeply") from None

    unknown = [key for key in data if key != "prompt"]
    if unknown:
        raise PromptFileError(
            name, f"unknown key {_snippet(unknown[0])}; the file holds only [[prompt]] tables"
        )
    entries = data.get("prompt")
    if entries is None:
        raise PromptFileError(name, "has no prompts; add [[prompt]] tables with situation and text")
    if not isinstance(entries, list):
        raise PromptFileError(
            name, f"'prompt' must be a list of [[prompt]] tables, not {_type_name(entries)}"
        )
    if not entries:
        raise PromptFileError(name, "has no prompts; add [[prompt]] tables with situation and text")
    if len(entries) > MAX_PROMPTS:
        raise PromptFileError(name, f"has {len(entries):,} prompts; the limit is {MAX_PROMPTS}")
    prompts = [
        _parse_one(entry, number=number, source=source, name=name)
        for number, entry in enumerate(entries, start=1)
    ]
    return _unique(prompts)


@functools.cache
def builtin_library() -> PromptLibrary:
    """The built-in library, read once from ``builtin.toml`` in this package."""
    data = resources.files(__package__).joinpath("builtin.toml").read_text(encoding="utf-8")
    return PromptLibrary(tuple(parse_prompts(data, source="built-in", name="builtin.toml")))


def _read_user_file(path: Path, name: str) -> str:
    try:
        exists, is_file = path.exists(), path.is_file()
        data = b""
        if is_file:
            with path.open("rb") as handle:
                # Read one byte past the limit rather than trusting the size on disk.
                data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise PromptFileError(name, f"cannot be read ({reason})") from None
    except ValueError:  # a path with a NUL character in it
        raise PromptFileError(name, "is not a usable file name") from None
    if not exists:
        raise PromptFileError(name, "not found")
    if not is_file:
        raise PromptFileError(name, "is not a file")
    if len(data) > MAX_FILE_BYTES:
        raise PromptFileError(name, "is larger than 1 MB")
    try:
        # utf-8-sig: some editors put a byte-order mark at the start, which TOML does not allow.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PromptFileError(name, f"is not UTF-8 text (bad byte at offset {exc.start})") from None


def load_library(path: Path | str | None, mode: str = "add") -> tuple[PromptLibrary, str | None]:
    """The prompt library to use, and a one-line message if the therapist's file is not usable.

    ``path`` is the therapist's own prompts file (``None`` or ``""``: the built-in library only).
    ``mode`` ``"add"`` gives the built-in prompts followed by the therapist's (a text already in
    the built-in library for the same situation is kept once). ``"replace"`` gives only the
    therapist's prompts — except that a situation their file does not cover keeps its built-in
    prompts, so every situation always has something to read.

    Never raises for a problem with the file: on any problem (missing, unreadable, over 1 MB, not
    UTF-8, invalid TOML, wrong types, unknown situation or key, empty or too-long text, more than
    500 prompts) it returns the built-in library and a message naming the file and the problem.
    """
    builtin = builtin_library()
    if path is None or (isinstance(path, str) and not path.strip()):
        return builtin, None
    name = clean_text(str(path), multiline=False)
    try:
        path = Path(path).expanduser()
    except (RuntimeError, TypeError):  # no home directory to expand "~" into; not a path
        return builtin, (
            f"Prompts file {name}: is not a usable file name; using the built-in prompts only."
        )

    mode_key = mode.strip().casefold() if isinstance(mode, str) else ""
    if mode_key not in MODES:
        return builtin, (
            f"Prompts mode {_snippet(str(mode))} is not 'add' or 'replace'; "
            "using the built-in prompts only."
        )

    try:
        user = parse_prompts(_read_user_file(path, name), source="yours", name=name)
    except PromptFileError as exc:
        return builtin, f"Prompts file {exc}; using the built-in prompts only."

    if mode_key == "add":
        combined = _unique([*builtin.prompts, *user])
    else:
        covered = {p.situation for p in user}
        kept = [p for p in builtin.prompts if p.situation not in covered]
        combined = [*user, *kept]
    return PromptLibrary(tuple(combined)), None
