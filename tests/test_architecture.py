"""The arrows stay honest: each layer imports only those below it (see STYLE.md).

The contracts live in pyproject.toml ([tool.importlinter]) and are checked by import-linter,
which reads every import statement, those inside functions too. The subprocess tests beside
them check what is really loaded at run time.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import kapsession

ROOT = Path(__file__).resolve().parents[1]


def lint_imports(package_parent: Path, config: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(package_parent))
    return subprocess.run(
        [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; "
         "sys.exit(lint_imports_command())", "--config", str(config), "--no-cache"],
        capture_output=True, text=True, env=env, cwd=package_parent)


def test_the_layer_contracts_hold() -> None:
    result = lint_imports(Path(kapsession.__file__).parents[1], ROOT / "pyproject.toml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


def test_every_module_has_its_place_in_the_layers() -> None:
    # A new top-level module left out of the contract would be free to import anything.
    import pkgutil
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    [layers] = [c["layers"] for c in config["contracts"] if c["type"] == "layers"]
    placed = {name.strip() for layer in layers for name in layer.split("|")}
    modules = {f"kapsession.{m.name}" for m in pkgutil.iter_modules(kapsession.__path__)}
    assert modules - {"kapsession.__main__"} <= placed


def test_the_contract_sees_an_import_inside_a_function(tmp_path: Path) -> None:
    # A copy of the package whose command line imports the UI inside a function, as cli.py
    # once did (the check before import-linter passed it).
    shutil.copytree(Path(kapsession.__file__).parent, tmp_path / "kapsession",
                    ignore=shutil.ignore_patterns("__pycache__"))
    cli = tmp_path / "kapsession" / "cli.py"
    cli.write_text(cli.read_text() + "\n\ndef _sneaky() -> None:\n"
                   "    from .ui.app import KapsessionApp  # noqa: F401\n")
    result = lint_imports(tmp_path, ROOT / "pyproject.toml")
    assert result.returncode != 0
    assert "kapsession.cli -> kapsession.ui.app" in result.stdout, result.stdout


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
