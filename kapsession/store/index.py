"""The archive index: one summary row per session, so the list opens without reading every file.

The index is a cache. A row is used only while its session file has the size and time the row
records; any other file is read again. What a row *says* (status, signed, dates) is trusted
because the whole index carries a MAC under this device's key (:mod:`.device_key`), kept
outside the archive folder: an index edited by hand, written by another device or an older
kapsession is not believed, and the session files are read instead (once; the index is then
rewritten). Without that, an edited row could show an unsigned session as "signed".

The file is JSON, in TinyDB's layout (table → document id → document) so it stays readable
by TinyDB, with the MAC as its first member and the *head* (the newest rows) next::

    {"mac":"<64 hex>","head_mac":"<64 hex>","head_end":"0000004711","head":[[...],...],
     "sessions":{"1":{"fields":[...],"rows":[[...],...]}}}

The MAC covers the bytes after the ``"mac"`` member, so checking it costs one hash of the
file and no second serialisation. Rows are lists rather than one document per session:
10,000 of them parse about three times faster. The head repeats the :data:`HEAD_ROWS` newest
rows (by the session's date), and ``head_end`` is the byte where it ends (ten digits, in a
string: JSON numbers have no leading zeros). The head has a MAC of its own over its bytes
(from ``"head_end"`` to that byte), so the first page of the list is shown from the file's
first few tens of kilobytes, read, checked and parsed alone (see :meth:`Index.read_head`),
while the whole file (3.6 MB at 10,000 sessions, 18 MB at 50,000) is read and checked after.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import orjson

from ..model import SessionSummary
from ..model.times import FIRST_YEAR, LAST_YEAR, date_in_range, in_range
from ..model.vocab import SESSION_KINDS
from .fsutil import atomic_write
from .layout import INDEX_TABLE, SEALED_MAGIC, Stat
from .storage import Codec, DamagedFile, SealedFile

#: Columns of a row: the summary's fields, then the session file's mtime (ns) and size.
INDEX_FIELDS = (*SessionSummary._fields, "mtime_ns", "size")
_FIELD_COUNT = len(SessionSummary._fields)
_MAC_HEAD = b'{"mac":"'
_MAC_HEX = 64
_MAC_TAIL = b'",'
_BODY_START = len(_MAC_HEAD) + _MAC_HEX + len(_MAC_TAIL)
_HEAD_MAC_KEY = b'"head_mac":"'
_HEAD_MAC_START = _BODY_START + len(_HEAD_MAC_KEY)
_HEAD_BODY_START = _HEAD_MAC_START + _MAC_HEX + len(_MAC_TAIL)  # what the head's MAC covers
_HEAD_END_KEY = b'"head_end":"'
_HEAD_END_DIGITS = 10
_HEAD_KEY = b'","head":'
_HEAD_START = _HEAD_BODY_START + len(_HEAD_END_KEY) + _HEAD_END_DIGITS + len(_HEAD_KEY)
# The head's MAC is not the whole file's: a head MAC can never pass for a file's.
_HEAD_MAC_CONTEXT = b"kapsession index head\n"
# What read_head reads first: the head of 100 rows is 30-40 KB.
_HEAD_READ = 64 * 1024
#: How many of the newest rows the head repeats: the home list's first page.
HEAD_ROWS = 100
#: Counts the changes of the layout above (3: the head's own MAC). The index is a cache, so an
#: index of another layout is simply read whole and written anew; this number is for caches of
#: whole archives (the benchmarks') to know they are out of date.
INDEX_LAYOUT = 3


def row_of(summary: SessionSummary, stat: Stat) -> list[Any]:
    """A summary as JSON values in :data:`INDEX_FIELDS` order."""
    return [*summary.to_dict().values(), *stat]


def summary_from_row(row: Sequence[Any]) -> SessionSummary:
    """Rebuild a summary from :func:`row_of`. Called 10,000 times when a large archive opens,
    so it parses directly; any surprise raises, and the caller reads the session file."""
    (sid, client, session_no, status, route, medicine, created, started, dosed, ended,
     signed, dose_mg, duration_min, entries, flagged, intention, integration,
     addenda, kind) = row[:_FIELD_COUNT]
    if created is None:
        raise ValueError("created: missing")
    if kind not in SESSION_KINDS:
        raise ValueError("kind: unknown kind of session")
    return SessionSummary(
        sid, client, session_no, status, route, medicine,
        _aware(created, "created"), _aware(started, "started"), _aware(dosed, "dosed"),
        _aware(ended, "ended"), _aware(signed, "signed"), dose_mg, duration_min, entries,
        flagged, intention,
        date_in_range("integration_date", date.fromisoformat(integration))
        if integration else None, addenda, kind)


def fresh_summary(row: Sequence[Any] | None, stat: Stat) -> SessionSummary | None:
    """The summary a row holds, if its session file still has the size and time it records
    and the row makes sense; else ``None`` (read the file)."""
    if row is None or (row[-2], row[-1]) != stat:
        return None
    try:
        return summary_from_row(row)
    except (KeyError, ValueError, TypeError, AttributeError):
        return None  # a damaged row


def _aware(value: str | None, key: str) -> datetime | None:
    if value is None:
        return None
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"{key}: timestamp has no UTC offset")
    if FIRST_YEAR < parsed.year < LAST_YEAR:  # the common case, without the full check's cost
        return parsed
    return in_range(key, parsed)


class Index:
    """``index.json`` of one archive: read once when it opens, written whole."""

    def __init__(self, path: Path, *, key: bytes | None, codec: Codec | None = None) -> None:
        self.path = path
        self.codec = codec
        self._key = key

    def _mac(self, body: bytes) -> bytes:
        assert self._key is not None
        return hmac.new(self._key, body, hashlib.sha256).hexdigest().encode("ascii")

    def read(self, raw: bytes | None = None) -> tuple[dict[str, list[Any]], bool]:
        """Session id → its row (in :data:`INDEX_FIELDS` order), and whether the index can be
        kept as it is (written by this device, in today's layout).

        An index whose MAC does not hold gives no rows: its session files are all read. Rows
        that make no sense are left out, so their files are read instead. ``raw``: the file's
        bytes, already read and decrypted by :meth:`read_head` (they are checked here all the
        same). Raises :class:`SealedFile` for a sealed index without a key,
        :class:`DamagedFile` for one that cannot be read."""
        raw = self._vouched_bytes() if raw is None else raw if self._vouched_for(raw) else None
        if raw is None:
            return {}, False  # parse nothing: not one row of it is believed
        try:
            tables = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise DamagedFile(self.path, "is not valid JSON (truncated or damaged)") from None
        if not isinstance(tables, dict):
            raise DamagedFile(self.path, "is not a TinyDB document store")
        rows, current = _rows(tables.get(INDEX_TABLE))
        return rows, current and isinstance(tables.get("head"), list) and "head_mac" in tables

    def read_head(self) -> tuple[list[SessionSummary], bytes | None] | None:
        """The newest rows' summaries (newest first), and the file's bytes when they had to be
        read whole (an encrypted index is decrypted whole) for :meth:`read` later; ``None``
        when the index has no head this device vouches for (the caller then reads the whole
        index the usual way). Reads, checks and parses only the head when it can: about
        0.2 ms, where reading and checking the whole index of 10,000 rows takes 5 ms and
        parsing it 15–20 ms. Raises as :meth:`read`."""
        raw: bytes | None = None
        try:
            if self.codec is None:
                with self.path.open("rb") as f:
                    start = f.read(_HEAD_READ)
                    if start.startswith(SEALED_MAGIC):
                        raise SealedFile(self.path)
                    head_end = _head_end(start)
                    if head_end is None:
                        return None
                    if head_end > len(start):
                        start += f.read(head_end - len(start))
            else:
                raw = start = self.codec.decode(self.path.read_bytes(), self.path)
                head_end = _head_end(start)
                if head_end is None:
                    return None
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise DamagedFile(self.path, f"cannot be read ({exc.strerror})") from None
        if self._key is None or len(start) < head_end or not hmac.compare_digest(
                start[_HEAD_MAC_START:_HEAD_MAC_START + _MAC_HEX],
                self._mac(_HEAD_MAC_CONTEXT + start[_HEAD_BODY_START:head_end])):
            return None
        try:
            rows = orjson.loads(start[_HEAD_START:head_end])
            return [summary_from_row(row) for row in rows], raw
        except (orjson.JSONDecodeError, KeyError, ValueError, TypeError, AttributeError):
            return None  # a head that makes no sense: the whole index is read instead

    def _vouched_bytes(self) -> bytes | None:
        """The index's bytes if this device's MAC holds for them, else ``None``."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise DamagedFile(self.path, f"cannot be read ({exc.strerror})") from None
        if self.codec is not None:
            raw = self.codec.decode(raw, self.path)
        elif raw.startswith(SEALED_MAGIC):
            raise SealedFile(self.path)
        return raw if self._vouched_for(raw) else None

    def _vouched_for(self, raw: bytes) -> bool:
        if self._key is None or not raw.startswith(_MAC_HEAD) \
                or raw[_BODY_START - len(_MAC_TAIL):_BODY_START] != _MAC_TAIL:
            return False
        return hmac.compare_digest(raw[len(_MAC_HEAD):_BODY_START - len(_MAC_TAIL)],
                                   self._mac(raw[_BODY_START:]))

    def write(self, rows: Iterable[list[Any]], *, durable: bool = True) -> None:
        """Replace the index with ``rows``, newest first (one atomic write): the first
        :data:`HEAD_ROWS` of them are its head. Raises ``OSError``. Without a key nothing is
        written: no one would believe it."""
        if self._key is None:
            return
        rows = list(rows)
        head = orjson.dumps(rows[:HEAD_ROWS])
        head_end = _HEAD_START + len(head)
        head_part = _HEAD_END_KEY + b"%0*d" % (_HEAD_END_DIGITS, head_end) + _HEAD_KEY + head
        body = b"".join((
            _HEAD_MAC_KEY, self._mac(_HEAD_MAC_CONTEXT + head_part), _MAC_TAIL, head_part, b",",
            orjson.dumps({INDEX_TABLE: {"1": {"fields": list(INDEX_FIELDS), "rows": rows}}})[1:],
        ))
        raw = _MAC_HEAD + self._mac(body) + _MAC_TAIL + body
        if self.codec is not None:
            raw = self.codec.encode(raw, self.path)
        atomic_write(self.path, raw, durable=durable)


def _head_end(start: bytes) -> int | None:
    """The byte where the head ends, from the first bytes of an index in today's layout."""
    if start[:len(_MAC_HEAD)] != _MAC_HEAD \
            or start[_BODY_START:_HEAD_MAC_START] != _HEAD_MAC_KEY \
            or start[_HEAD_BODY_START:_HEAD_BODY_START + len(_HEAD_END_KEY)] != _HEAD_END_KEY \
            or start[_HEAD_START - len(_HEAD_KEY):_HEAD_START] != _HEAD_KEY:
        return None
    digits = start[_HEAD_START - len(_HEAD_KEY) - _HEAD_END_DIGITS:_HEAD_START - len(_HEAD_KEY)]
    return int(digits) if digits.isdigit() else None


def _rows(table: Any) -> tuple[dict[str, list[Any]], bool]:
    """Rows by session id; rows of another shape are left out (their files are read)."""
    doc = table.get("1") if isinstance(table, dict) else None
    if not isinstance(doc, dict) or doc.get("fields") != list(INDEX_FIELDS) \
            or not isinstance(doc.get("rows"), list):
        return {}, False  # another kapsession's columns: read the files, write it anew
    width = len(INDEX_FIELDS)
    return {row[0]: row for row in doc["rows"] if isinstance(row, list) and len(row) == width
            and isinstance(row[0], str)}, True
