"""Shared fixtures: a frozen clock, a real archive in tmp_path, a fixed time zone."""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

# Times are shown in local time; pin the zone so snapshots and golden files match anywhere.
os.environ["TZ"] = "Europe/Berlin"
time.tzset()

BERLIN_WINTER = timezone(timedelta(hours=1))


class FrozenClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 3, 10, 0, tzinfo=BERLIN_WINTER)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> datetime:
        self.now += timedelta(**kw)
        return self.now


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Never touch the real archive or config of whoever runs the tests.
    monkeypatch.setenv("KAPSESSION_ARCHIVE", str(tmp_path / "env-archive"))
    monkeypatch.setenv("KAPSESSION_CONFIG", str(tmp_path / "env-config.toml"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home" / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home" / "config"))


@pytest.fixture
def archive(tmp_path: Path, clock: FrozenClock):
    from kapsession import Archive

    a = Archive.open(tmp_path / "archive", clock=clock)
    yield a
    a.close()
