"""Snapshots of the screens with demo data and a frozen clock. Review changes on purpose:
`pytest --snapshot-update` rewrites them, and the diff shows what a therapist would see."""

from __future__ import annotations

from pathlib import Path

import pytest

from kapsession import Archive
from kapsession.config import Config
from kapsession.demo import demo_sessions
from kapsession.ui.app import KapsessionApp


@pytest.fixture
def demo_app(tmp_path: Path, clock):  # noqa: ANN001, ANN201
    archive = Archive.open(tmp_path / "demo", clock=clock)
    with archive.bulk():
        for s in demo_sessions(24, seed=7, now=clock.now, live=True):
            archive.add_existing(s)
    yield KapsessionApp(archive, config=Config(), clock=clock)
    archive.close()


def live_id(app: KapsessionApp) -> str:
    return app.archive.live_sessions()[0].id


# 80×24 is a supported size for every screen and dialog (beside the usual size of each).
SMALL = (80, 24)


@pytest.mark.parametrize("size", [(120, 36), SMALL])
def test_home_screen(snap_compare, demo_app, size) -> None:  # noqa: ANN001
    assert snap_compare(demo_app, terminal_size=size)


@pytest.mark.parametrize("size", [(100, 30), (160, 45), SMALL])
def test_live_screen(snap_compare, demo_app, size) -> None:  # noqa: ANN001
    assert snap_compare(demo_app, terminal_size=size, press=["r"])


@pytest.mark.parametrize("size", [(100, 30), SMALL])
def test_vitals_dialog(snap_compare, demo_app, size) -> None:  # noqa: ANN001
    assert snap_compare(demo_app, terminal_size=size, press=["r", "ctrl+r"])


@pytest.mark.parametrize("size", [(120, 36), SMALL])
def test_entry_actions(snap_compare, demo_app, size) -> None:  # noqa: ANN001
    """escape, an arrow and enter: the selected entry in full and what can be done."""
    assert snap_compare(demo_app, terminal_size=size, press=["r", "escape", "up", "enter"])


@pytest.mark.parametrize("size", [(100, 36), SMALL])
def test_prepare_screen(snap_compare, demo_app, size) -> None:  # noqa: ANN001
    assert snap_compare(demo_app, terminal_size=size, press=["n"])


@pytest.mark.parametrize("size", [(100, 30), SMALL])
def test_help_screen(snap_compare, demo_app, size) -> None:  # noqa: ANN001
    assert snap_compare(demo_app, terminal_size=size, press=["r", "f1"])


@pytest.mark.parametrize("size", [(120, 40), SMALL])
def test_detail_screen(snap_compare, demo_app, size) -> None:  # noqa: ANN001
    async def open_signed(pilot) -> None:  # noqa: ANN001
        from kapsession.ui.screens.detail import DetailScreen

        signed = next(s for s in demo_app.archive.sessions() if s.status == "signed"
                      and s.addenda)
        await demo_app.push_screen(DetailScreen(signed.id))
        await pilot.pause()

    assert snap_compare(demo_app, terminal_size=size, run_before=open_signed)


@pytest.mark.parametrize("size", [(120, 45), SMALL])
def test_integration_screen(snap_compare, demo_app, size) -> None:  # noqa: ANN001
    async def open_ended(pilot) -> None:  # noqa: ANN001
        from kapsession.ui.screens.integration import IntegrationScreen

        ended = next(s for s in demo_app.archive.sessions() if s.status == "ended")
        await demo_app.push_screen(IntegrationScreen(ended.id))
        await pilot.pause()

    assert snap_compare(demo_app, terminal_size=size, run_before=open_ended)


@pytest.mark.parametrize("size", [(120, 36), SMALL])
def test_side_effect_chooser(snap_compare, demo_app, size) -> None:  # noqa: ANN001
    """ctrl+s: ratings, side effects and rescue drugs, each with the letters that find it."""
    assert snap_compare(demo_app, terminal_size=size, press=["r", "ctrl+s"])


@pytest.mark.parametrize("size", [(120, 36), SMALL])
def test_side_effect_chooser_narrowed(snap_compare, demo_app, size) -> None:  # noqa: ANN001
    assert snap_compare(demo_app, terminal_size=size, press=["r", "ctrl+s", "e"])


@pytest.mark.parametrize("size", [(100, 30), SMALL])
def test_rescue_dialog(snap_compare, demo_app, size) -> None:  # noqa: ANN001
    """A drug from the list: its dose and route filled in, the time now, enter saves."""
    assert snap_compare(demo_app, terminal_size=size, press=["r", "ctrl+s", "r", "enter"])
