"""Regenerate the README's screenshots (SVG) from demo data with a frozen clock.

    python scripts/screenshots.py [OUT_DIR]      (default: docs/screenshots)
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

from kapsession import Archive
from kapsession.config import Config
from kapsession.demo import demo_sessions
from kapsession.ui.app import KapsessionApp

ROOT = Path(__file__).parents[1]
NOW = datetime(2026, 11, 3, 11, 20, tzinfo=timezone(timedelta(hours=1)))
SIZE = (120, 36)


async def shoot(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        archive = Archive.open(Path(tmp) / "demo", clock=lambda: NOW)
        try:
            with archive.bulk():
                for s in demo_sessions(40, seed=7, now=NOW, live=True):
                    archive.add_existing(s)
            app = KapsessionApp(archive, config=Config(), clock=lambda: NOW)
            async with app.run_test(size=SIZE) as pilot:
                await pilot.pause()

                def save(name: str) -> None:
                    path = out / f"{name}.svg"
                    path.write_text(app.export_screenshot(title=f"kapsession · {name}"),
                                    encoding="utf-8")
                    written.append(path)

                save("home")
                await pilot.press("r")
                await pilot.pause()
                save("live")
                from kapsession.ui.screens.detail import DetailScreen
                from kapsession.ui.screens.integration import IntegrationScreen

                app.pop_screen()
                await pilot.pause()
                ended = next(s for s in archive.sessions() if s.status == "ended")
                await app.push_screen(IntegrationScreen(ended.id))
                await pilot.pause()
                save("integration")
                app.pop_screen()
                signed_ones = [s for s in archive.sessions() if s.status == "signed"]
                signed = next((s for s in signed_ones if s.addenda), signed_ones[0])
                await app.push_screen(DetailScreen(signed.id))
                await pilot.pause()
                save("detail")
        finally:
            archive.close()
    return written


def main(argv: list[str]) -> None:
    out = Path(argv[1]) if len(argv) > 1 else ROOT / "docs" / "screenshots"
    for path in asyncio.run(shoot(out)):
        print(path)


if __name__ == "__main__":
    main(sys.argv)
