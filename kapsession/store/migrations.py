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


def _monitoring_until_discharge(data: dict[str, Any]) -> dict[str, Any]:
    """2 → 3: a session records its monitoring protocol, when the client was ready to leave
    and discharged, the REMS form's answers and the pre-dose decision. A session from before
    has none of them, and none is made up: no protocol (the config's check-in settings
    apply), and an ended session's monitoring stays open until a discharge is recorded."""
    return dict({"protocol": None, "ready": None, "discharged": None, "rems": {},
                 "signed_missing": [], "rems_submitted": None, "proceeded": None}, **data)


def _schema_3(data: dict[str, Any]) -> dict[str, Any]:
    """2 → 3: monitoring until discharge, and side effects with a severity."""
    return _side_effect_severity(_monitoring_until_discharge(data))


def _side_effect_severity(data: dict[str, Any]) -> dict[str, Any]:
    """2 → 3 (side effects and rescue medication): a side effect has a severity, and those
    recorded before had none (``None``: not rated). A rescue medication charted as free text
    stays the side effect it was: its drug, dose and route cannot be told from the text."""
    entries = data.get("entries")
    if not isinstance(entries, list):
        return dict(data)  # the model's check names it
    data = dict(data, entries=[dict(e) if isinstance(e, dict) else e for e in entries])
    for entry in data["entries"]:
        if not isinstance(entry, dict) or entry.get("kind") != "side_effect":
            continue
        values = entry.get("values")
        if isinstance(values, dict):
            entry["values"] = {**values, "severity": values.get("severity")}
    return data


def _sessions_are_dosing(data: dict[str, Any]) -> dict[str, Any]:
    """3 → 4: a session has a ``kind``; every session stored before visits existed is a
    dosing session. Touches only ``kind``, so applying it twice changes nothing."""
    if "kind" in data:
        return data  # the model's check names a bad one
    return dict(data, kind="dosing")


def _sync_ready(data: dict[str, Any]) -> dict[str, Any]:
    """4 → 5: entry ids stay as they are (``e1``, ``e2``… still name their entries; new ones
    are random, see ``new_entry_id``), and a session gains ``live_on``, the device it is live
    on, and ``signed_by``, who signed: both unknown for a session written before. Reads
    nothing that steps 3 and 4 add, so it works as well on a schema-2 document."""
    return dict(data, live_on=data.get("live_on"), signed_by=data.get("signed_by"))


MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {
    1: _strikes_into_history,
    2: _schema_3,
    3: _sessions_are_dosing,
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
