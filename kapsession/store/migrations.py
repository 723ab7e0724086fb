"""Schema migrations for stored sessions: the one place an old stored shape is upgraded.

``MIGRATIONS[n]`` turns a schema-``n`` document into a schema-``n+1`` one. Schema 1 is the
first; when the shape changes, bump ``SCHEMA_VERSION`` in the model and add a step here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..model import SCHEMA_VERSION
from .errors import FutureSchema

MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


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
