"""Which device this is, and a session live on another one (issue 19).

A file-sync tool gives every device every file, so the archive lock says nothing about another
device. Instead a live session names the device it is live on (``Session.live_on``); another
device opens it read-only until the therapist takes it over there, which the record notes.
"""

from __future__ import annotations

import socket
from typing import Any

from ..model.errors import ValidationError
from ..model.session import LiveOn, validate_device
from ..model.times import local
from .errors import ArchiveError


def this_device(name: str | None = None) -> str:
    """This device's name: ``name`` (the config's ``device_name``) if given, else the
    computer's host name; cleaned to one printable line of at most 64 characters."""
    for candidate in (name, _hostname()):
        if candidate:
            try:
                cleaned = validate_device(candidate)
            except ValidationError:
                cleaned = validate_device(candidate[:64])
            if cleaned:
                return cleaned
    return "this computer"


def _hostname() -> str:
    try:
        return socket.gethostname()
    except OSError:
        return ""


def live_on_text(where: LiveOn) -> str:
    """"live on desk since 10:02", as every screen and message says it."""
    return f"live on {where.device} since {local(where.since):%H:%M}"


def live_elsewhere_text(archive: Any, sid: str) -> str | None:
    """"live on desk since 10:02" if the session ``sid`` of ``archive`` is live on another
    device; ``None`` if not, or if its file cannot be read just now (a banner line must not
    fail: opening the session says what is wrong)."""
    try:
        where = archive.live_elsewhere(sid)
    except (ArchiveError, ValueError):
        return None
    return live_on_text(where) if where is not None else None


class LiveElsewhere(ArchiveError):
    """A write to a session live on another device, before it was taken over here."""

    def __init__(self, where: LiveOn) -> None:
        self.where = where
        super().__init__(f"this session is {live_on_text(where)}: it opens read-only here "
                         "until you take it over")
