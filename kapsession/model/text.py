"""Cleaning and limits for text a therapist types.

Text is cleaned once, here, where it enters the model: every screen, the CLI and the exports
can then show it literally without worrying about terminal control sequences.
"""

from __future__ import annotations

import re
import unicodedata

from .errors import ValidationError

NOTE_MAX = 10_000
SHORT_MAX = 200

# C0 and C1 control characters except newline (tab is turned into a space first). Removing ESC
# and the C1 introducers makes ANSI/OSC sequences inert: what remains is printable text.
# Lone surrogates (from undecodable terminal input) cannot be written as UTF-8 JSON: they
# become U+FFFD. One pattern for both, so clean text is scanned once.
_UNWANTED = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def _replace(match: re.Match[str]) -> str:
    return "\ufffd" if match.group() >= "\ud800" else ""


def clean_text(value: object, *, multiline: bool = True) -> str:
    """Return ``value`` as a string with control characters removed.

    Line endings become ``\\n`` (or a space when ``multiline`` is false); tabs become a space.
    Lone surrogates become U+FFFD. The result is NFC and cleaning it again changes nothing.
    """
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {type(value).__name__}")
    text = value.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    # Controls go before normalising: removed after, they could leave two characters that
    # compose side by side, and the text would change again when read back.
    text = _UNWANTED.sub(_replace, text)
    text = unicodedata.normalize("NFC", text)
    if not multiline:
        text = text.replace("\n", " ")
    return text


def printable_line(value: str) -> str:
    """``value`` as one line of a message: control characters removed (a file name may hold
    ESC, which would reach the terminal), and what cannot be written as UTF-8 (the bytes of a
    file name that are not UTF-8) as backslash escapes, so printing it cannot fail."""
    return clean_text(value.encode("utf-8", "backslashreplace").decode("utf-8"),
                      multiline=False)


def require_text(
    field: str, value: object, *, max_len: int, multiline: bool = True, allow_empty: bool = False
) -> str:
    """Clean ``value`` and check it is within ``max_len`` characters (and not blank)."""
    if not isinstance(value, str):
        raise ValidationError(field, "must be text")
    text = clean_text(value, multiline=multiline).strip()
    if not text and not allow_empty:
        raise ValidationError(field, "must not be empty")
    if len(text) > max_len:
        raise ValidationError(field, f"is {len(text):,} characters; the limit is {max_len:,}")
    return text


def optional_text(field: str, value: object, *, max_len: int, multiline: bool = True) -> str:
    """Like :func:`require_text`, but blank is allowed (and ``None`` means blank)."""
    if value is None:
        return ""
    return require_text(field, value, max_len=max_len, multiline=multiline, allow_empty=True)


# Characters that change how text looks without showing themselves: bidi embeddings, overrides
# and isolates can make a note read in another order than it is stored (U+202E turns
# "txt.exe" into "exe.txt"), zero-width ones hide breaks or pad words, tag characters
# (U+E0000 block) carry invisible ASCII. The record keeps them as typed; every renderer shows
# them through :func:`visible`, so what a reader sees is what the record holds.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u2028-\u202e"
    "\u2060-\u2064\u2066-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb\U0001d173-\U0001d17a"
    "\U000e0000-\U000e007f]"
)
# Zero-width (non-)joiners are how Persian, the Indic scripts and emoji sequences are written:
# between two such characters they are spelling, not a trick, and are kept as they are.
_JOINERS = "\u200c\u200d"


def _joins(text: str, i: int) -> bool:
    if i == 0 or i == len(text) - 1:
        return False
    before, after = text[i - 1], text[i + 1]
    return all(ch > "\x7f" and not ch.isspace() and _INVISIBLE.match(ch) is None
               for ch in (before, after))


def visible(text: str) -> str:
    """``text`` with every invisible formatting character written as ``⟨U+202E⟩``.

    For display only (terminal, exports); the stored text keeps the characters. Joiners
    between two non-ASCII characters (Persian, Indic scripts, emoji sequences) are kept."""
    if _INVISIBLE.search(text) is None:
        return text
    out = []
    for i, ch in enumerate(text):
        if _INVISIBLE.match(ch) is not None and not (ch in _JOINERS and _joins(text, i)):
            out.append(f"\u27e8U+{ord(ch):04X}\u27e9")
        else:
            out.append(ch)
    return "".join(out)


#: A lot (batch) number: as marked with a dose and as the REMS form takes it.
LOT_MAX = 40


def validate_lot(field_name: str, value: object, *, stored: bool = False) -> str:
    """A lot number as printed on the package: one line, 1–:data:`LOT_MAX` characters, every
    one printable. Refused rather than cleaned: a lot with a character taken out, or cut to
    the limit, is another lot number.

    ``stored``: a lot read back from a record, checked as it was when written (one line,
    the length), so a session stored before the printable rule still opens."""
    if isinstance(value, str) and not stored:
        lot = value.strip()
        if lot and not lot.isprintable():
            raise ValidationError(field_name, "has a character that does not print; type the "
                                              "lot as printed on the package")
        if len(lot) > LOT_MAX:
            raise ValidationError(field_name, f"is {len(lot)} characters; the limit is {LOT_MAX}")
    return require_text(field_name, value, max_len=LOT_MAX, multiline=False)
