from __future__ import annotations

from pathlib import Path

import pytest

from kapsession.config import Config
from kapsession.ui.app import KapsessionApp


@pytest.fixture
def make_app(archive, clock):  # noqa: ANN001, ANN201
    def make(**kw: object) -> KapsessionApp:
        return KapsessionApp(archive, config=kw.pop("config", Config()), clock=clock, **kw)  # type: ignore[arg-type]
    return make


@pytest.fixture
def snap_dir(tmp_path: Path) -> Path:
    return tmp_path
