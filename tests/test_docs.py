"""The README's two commands and CI stay in step."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[1]


def code_blocks(text: str) -> list[str]:
    return [b.strip() for b in re.findall(r"```\n(.*?)```", text, flags=re.S)]


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    test_command = next(b for b in code_blocks(readme) if "pytest" in b)
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test_command in ci


def test_readme_opens_with_what_it_is_and_has_the_demo_command() -> None:
    readme = (ROOT / "README.md").read_text()
    assert readme.startswith("# kapsession\n")
    assert any(b.endswith("kapsession --demo") for b in code_blocks(readme))


def test_the_screenshot_script_still_runs(tmp_path: Path) -> None:
    import asyncio
    import importlib.util

    spec = importlib.util.spec_from_file_location("screenshots",
                                                  ROOT / "scripts" / "screenshots.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    written = asyncio.run(module.shoot(tmp_path))
    assert sorted(p.name for p in written) == ["detail.svg", "home.svg", "integration.svg",
                                              "live.svg"]
    assert all("<svg" in p.read_text() for p in written)
    assert (ROOT / "docs" / "screenshots" / "live.svg").exists()
