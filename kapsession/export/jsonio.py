"""JSON export and import: every field of every session, for backup and ``kapsession import``.

An export file is one JSON object::

    {"format": "kapsession-export", "version": 1, "exported": "<ISO 8601>",
     "sessions": [<Session.to_dict()>, ...]}

written compactly with one session per line. Import checks the whole file before it adds
anything: a file that is not JSON, over 200 MB, not in this format, of an unknown version, or
holding one session that is malformed (or from a newer schema) is refused as a whole with an
:class:`ImportFileError` naming the file, the session (number and id) and the field — never
what the file holds there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

import orjson

from ..model import Session
from ..model.errors import KapsessionError
from ..model.text import NOTE_MAX
from ..model.times import system_clock, to_iso
from ..store.errors import FutureSchema
from ..store.migrations import migrate

FORMAT = "kapsession-export"
VERSION = 1
MAX_IMPORT_BYTES = 200 * 1024 * 1024
# The longest text the model accepts anywhere (integration notes); an import may not exceed it.
TEXT_MAX = NOTE_MAX * 5

_ID_RE = re.compile(r"[0-9a-f]{32}")  # used with fullmatch: "$" would let a final newline by
# What the model's clean_text removes where text enters: C0 and C1 controls except newline.
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


# A problem may quote what the file holds (a bad timestamp shows its first 40 characters).
# A message names the field and the problem, never content: quoted parts are left out.
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'" + r'|"(?:[^"\\]|\\.)*"')


def _problem(exc: Exception) -> str:
    return _QUOTED.sub("the value", str(exc))


class ImportFileError(KapsessionError, ValueError):
    """An import file was refused; the message names the file and what is wrong with it."""


def _header(exported: datetime) -> bytes:
    head = orjson.dumps({"format": FORMAT, "version": VERSION, "exported": to_iso(exported)})
    return head[:-1] + b',"sessions":[\n'


def session_json(session: Session) -> bytes:
    """One session as compact JSON (one line), as it appears in an export file."""
    return orjson.dumps(session.to_dict())


def wrap_sessions(parts: Iterable[bytes], exported: datetime) -> bytes:
    """An export file around sessions already serialised with :func:`session_json`."""
    return _header(exported) + b",\n".join(parts) + b"\n]}\n"


def sessions_to_json(sessions: Iterable[Session], *, exported: datetime | None = None) -> bytes:
    """An export file holding ``sessions`` (``exported`` defaults to now)."""
    return wrap_sessions((session_json(s) for s in sessions), exported or system_clock())


# ---- import -------------------------------------------------------------------------------


def parse_import(data: bytes, name: str) -> list[Session]:
    """The sessions in an export file, checked and migrated to the current schema.

    Raises :class:`ImportFileError` (its message starts with ``name``) if anything is wrong.
    """
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportFileError(f"{name}: is {len(data) / 1e6:,.0f} MB; an import file may be at "
                              f"most {MAX_IMPORT_BYTES // (1024 * 1024)} MB")
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise ImportFileError(f"{name}: not a JSON file (line {exc.lineno}, column "
                              f"{exc.colno})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ImportFileError(f"{name}: not a kapsession export (it has no "
                              f'"format": "{FORMAT}")')
    version = doc.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ImportFileError(f"{name}: the export has no version number")
    if version > VERSION:
        raise ImportFileError(f"{name}: written by a newer kapsession (export version {version}; "
                              f"this one reads version {VERSION}); upgrade kapsession to import it")
    if version != VERSION:
        raise ImportFileError(f"{name}: unknown export version {version}")
    raw_sessions = doc.get("sessions")
    if not isinstance(raw_sessions, list):
        raise ImportFileError(f'{name}: "sessions" is missing or not a list')
    out = []
    for number, raw in enumerate(raw_sessions, 1):
        what = f"session {number}"
        if isinstance(raw, dict) and isinstance(raw.get("id"), str) and _ID_RE.fullmatch(raw["id"]):
            what += f" (id {raw['id'][:8]})"
        if not isinstance(raw, dict):
            raise ImportFileError(f"{name}: {what}: expected an object")
        try:
            data_now, _ = migrate(dict(raw))
            session = Session.from_dict(data_now)
        except FutureSchema as exc:
            raise ImportFileError(f"{name}: {what}: {_problem(exc)}") from None
        except ValueError as exc:
            raise ImportFileError(f"{name}: {what}: {_problem(exc)}") from None
        out.append(session)
    return out
