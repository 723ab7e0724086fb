"""The ``#tag`` and ``!`` prefixes of a note typed in the live screen."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import ValidationError

CATEGORIES = ("affect", "somatic", "quote", "insight", "intervention", "behaviour", "other")
# Spellings accepted for a category besides its own name.
_ALIASES = {"behavior": "behaviour"}


def resolve_category(word: str) -> str:
    """Map a tag word (or an unambiguous prefix of one) to its category.

    Raises :class:`ValidationError` naming the choices when the word is unknown or ambiguous.
    """
    word = word.lower()
    names = {**{c: c for c in CATEGORIES}, **_ALIASES}
    if word in names:
        return names[word]
    matches = sorted({cat for name, cat in names.items() if word and name.startswith(word)})
    if len(matches) == 1:
        return matches[0]
    if matches:
        return _raise(f"#{word} could be " + " or ".join("#" + m for m in matches))
    return _raise(f"#{word} is not a tag; use one of " + " ".join("#" + c for c in CATEGORIES))


def _raise(problem: str) -> str:
    raise ValidationError("tag", problem)


@dataclass(frozen=True)
class ParsedNote:
    text: str
    category: str | None
    flagged: bool


def parse_note(raw: str) -> ParsedNote:
    """Split a typed note into its text, its ``#tag`` category and its ``!`` flag.

    ``!#quote I feel safe``, ``#quote ! I feel safe`` and ``#q !I feel safe`` are the same note.
    Only a leading ``#word`` is a tag: a ``#`` later in the note is text.
    """
    rest = raw.lstrip()
    category: str | None = None
    flagged = False
    while rest:
        if rest.startswith("!") and not flagged:
            flagged = True
            rest = rest[1:].lstrip()
        elif rest.startswith("#") and category is None and len(rest) > 1 and rest[1].isalpha():
            word, _, tail = rest[1:].partition(" ")
            word, nl, tail2 = word.partition("\n")
            category = resolve_category(word)
            rest = (tail2 + (" " + tail if tail else "")) if nl else tail
            rest = rest.lstrip()
        else:
            break
    return ParsedNote(text=rest, category=category, flagged=flagged)
