"""Regenerate docs/configuration.md from the settings in kapsession/config.py.

    python scripts/gen_docs.py
"""

from __future__ import annotations

from pathlib import Path

from kapsession.config import settings_reference_markdown

ROOT = Path(__file__).parents[1]


def main() -> None:
    (ROOT / "docs" / "configuration.md").write_text(settings_reference_markdown(),
                                                    encoding="utf-8")


if __name__ == "__main__":
    main()
