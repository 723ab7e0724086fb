"""Snapshots of monitoring after Finish on a REMS protocol (issue #15): the integration screen
before discharge with its next check overdue, and the REMS questions. Review on purpose."""

from __future__ import annotations

from pathlib import Path

import pytest

from kapsession import Archive
from kapsession.config import Config
from kapsession.model.protocols import DEFAULT_PROTOCOLS
from kapsession.ui.app import KapsessionApp

SMALL = (80, 24)


@pytest.fixture
def monitoring_app(tmp_path: Path, clock):  # noqa: ANN001, ANN201
    archive = Archive.open(tmp_path / "a", clock=clock)
    s = archive.new_session(client="C-0042", route="intranasal", medicine="esketamine",
                            dose_mg=84, protocol=DEFAULT_PROTOCOLS[0], live=True,
                            baseline={"systolic": 128, "diastolic": 80, "heart_rate": 70,
                                      "spo2": 98})
    archive.mark_device(s.id)
    clock.advance(minutes=5)
    archive.mark_device(s.id)
    clock.advance(minutes=36)
    archive.record_vitals(s.id, systolic=146, diastolic=90, heart_rate=80, spo2=97)
    archive.log_rating(s.id, "dissociation", 2)
    clock.advance(minutes=50)
    archive.end_session(s.id)
    clock.advance(minutes=30)  # T+2:01: the before-discharge check is overdue
    app = KapsessionApp(archive, config=Config(), clock=clock)
    app.session_id = s.id  # type: ignore[attr-defined]
    yield app
    archive.close()


async def _open(pilot) -> None:  # noqa: ANN001
    from kapsession.ui.screens.integration import IntegrationScreen

    app = pilot.app
    await app.push_screen(IntegrationScreen(app.session_id))
    await pilot.pause()


@pytest.mark.parametrize("size", [(120, 36), SMALL])
def test_integration_while_monitoring(snap_compare, monitoring_app, size) -> None:  # noqa: ANN001
    assert snap_compare(monitoring_app, terminal_size=size, run_before=_open)


@pytest.mark.parametrize("size", [(120, 36), SMALL])
def test_rems_questions(snap_compare, monitoring_app, size) -> None:  # noqa: ANN001
    assert snap_compare(monitoring_app, terminal_size=size, run_before=_open,
                        press=["ctrl+e"])
