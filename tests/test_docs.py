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
