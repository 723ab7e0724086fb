"""Schema migrations for stored sessions: the one place an old stored shape is upgraded.

``MIGRATIONS[n]`` turns a schema-``n`` document into a schema-``n+1`` one. Schema 1 is the
first; when the shape changes, bump ``SCHEMA_VERSION`` in the model and add a step here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..model import SCHEMA_VERSION
from .errors import FutureSchema


def _strikes_into_history(data: dict[str, Any]) -> dict[str, Any]:
    """1 → 2: an entry's ``history`` held only edits and its ``struck`` the strike; now the
    history is every change in order (edits came first: a struck entry could not be edited)."""
    entries = data.get("entries")
    if not isinstance(entries, list):
        return data  # the model's check names it
    data = dict(data, entries=[dict(e) if isinstance(e, dict) else e for e in entries])
    for entry in data["entries"]:
        if not isinstance(entry, dict):
            continue
        history = entry.get("history") or []
        if not isinstance(history, list):
            continue  # the model's check names it
        history = [dict(h, event="edit") if isinstance(h, dict) else h for h in history]
        struck = entry.pop("struck", None)
        if struck:
            history.append(dict(struck, event="strike") if isinstance(struck, dict) else struck)
        entry["history"] = history
    return data


def _no_change(data: dict[str, Any]) -> dict[str, Any]:
    """A step that changes nothing but the number: stands in, on this branch, for the 2 → 3
    and 3 → 4 steps that other changes define (the lead puts the real ones in place)."""
    return data


def _sync_ready(data: dict[str, Any]) -> dict[str, Any]:
    """4 → 5: entry ids stay as they are (``e1``, ``e2``… still name their entries; new ones
    are random, see ``new_entry_id``), and a session gains ``live_on``, the device it is live
    on, unknown for a session written before. Reads nothing that steps 3 and 4 add, so it
    works as well on a schema-2 document."""
    return dict(data, live_on=data.get("live_on"))


MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {
    1: _strikes_into_history,
    2: _no_change,  # placeholder for another branch's 2 → 3
    3: _no_change,  # placeholder for another branch's 3 → 4
    4: _sync_ready,
}


def migrate(data: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """Return ``(document at SCHEMA_VERSION, whether it changed)``.

    Raises :class:`FutureSchema` for a newer schema and ``ValueError`` for a missing one.
    """
    version = data.get("schema")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValueError("schema: missing or not a number")
    if version > SCHEMA_VERSION:
        raise FutureSchema(
            f"written by a newer kapsession (schema {version}; this one reads up to "
            f"{SCHEMA_VERSION}); upgrade kapsession to open it"
        )
    changed = False
    while version < SCHEMA_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise ValueError(f"schema: no migration from version {version}")
        data = step(data)
        version += 1
        data["schema"] = version
        changed = True
    return data, changed
