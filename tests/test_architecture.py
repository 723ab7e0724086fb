"""The arrows stay honest: the model imports neither storage nor UI."""

from __future__ import annotations

import subprocess
import sys


def test_model_imports_no_textual_or_tinydb() -> None:
    code = ("import sys, kapsession.model, kapsession.model.filter, kapsession.prompts; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'tinydb')]; "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_store_and_cli_do_not_import_the_ui() -> None:
    code = ("import sys, kapsession.store, kapsession.cli, kapsession.export; "
            "bad = [m for m in sys.modules if m.startswith(('textual', 'kapsession.ui'))]; "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
