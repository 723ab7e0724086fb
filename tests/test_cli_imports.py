"""CLI commands that draw no screen import no Textual (issue 18).

Textual and the UI cost a third of a second of imports: a `kapsession list --json` in a script,
or an export run by cron, must not pay for a screen it never draws. Each command runs for real
in a fresh interpreter (the import state of this test process would hide what it loads), and
the modules it loaded are read from ``sys.modules`` after ``main()`` returned.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kapsession.cli import COMMANDS, main

# The commands that print, write files or read them, and never show the app.
SCREENLESS = ("list", "show", "export", "import", "due", "client", "rems", "conflicts")

_RUN = """
import json, os, sys
from kapsession.cli import main
code = main(sys.argv[1:])
{extra}
loaded = sorted(m for m in sys.modules if m.split(".")[0] == "textual"
                or m == "kapsession.ui" or m.startswith("kapsession.ui."))
with open(os.environ["MODULES_OUT"], "w") as f:
    json.dump({{"code": code, "loaded": loaded}}, f)
"""


def modules_after(argv: list[str], tmp_path: Path, extra: str = "") -> tuple[int, list[str]]:
    """Run ``kapsession ARGV`` in a fresh interpreter; its exit code and the UI modules it
    loaded (``extra`` runs after the command, for the control test)."""
    out = tmp_path / "modules.json"
    env = dict(os.environ, MODULES_OUT=str(out), KAPSESSION_PASSPHRASE="")
    result = subprocess.run([sys.executable, "-c", _RUN.format(extra=extra), *argv],
                            capture_output=True, text=True, env=env, timeout=120,
                            stdin=subprocess.DEVNULL)
    assert out.exists(), result.stderr[-2000:]
    data = json.loads(out.read_text())
    assert data["code"] == 0, f"kapsession {' '.join(argv)} failed: {result.stderr[-2000:]}"
    return data["code"], data["loaded"]


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """An archive of demo sessions, one session id, a client code, and a JSON export."""
    root = tmp_path_factory.mktemp("imports")
    archive = root / "archive"
    assert main(["demo-data", "--sessions", "12", "--seed", "3", "--archive",
                 str(archive)]) == 0
    from kapsession import Archive

    with Archive.open(archive, read_only=True) as a:
        first = a.sessions()[0]
    dump = root / "dump"
    assert main(["export", "--all", "--format", "json", "--out", str(dump), "--archive",
                 str(archive)]) == 0
    (json_file,) = dump.glob("*.json")
    return {"archive": str(archive), "id": first.id, "client": first.client,
            "json": str(json_file)}


def invocations(f: dict[str, str], tmp_path: Path) -> dict[str, list[list[str]]]:
    a = ["--archive", f["archive"]]
    return {
        "list": [["list", *a], ["list", "--json", *a]],
        "show": [["show", f["id"][:8], *a]],
        "export": [["export", "--all", "--out", str(tmp_path / "md"), *a],
                   ["export", f["id"], "--format", "json", "--out", str(tmp_path / "js"), *a]],
        "import": [["import", f["json"], "--archive", str(tmp_path / "restored")]],
        "due": [["due", *a]],
        "client": [["client", f["client"], *a]],
        "rems": [["rems", "--pending", *a]],
        "conflicts": [["conflicts", *a]],
    }


@pytest.mark.parametrize("command", SCREENLESS)
def test_a_command_that_draws_no_screen_imports_no_textual(
        command: str, filled: dict[str, str], tmp_path: Path) -> None:
    if command not in COMMANDS:
        pytest.skip(f"`kapsession {command}` is not a command yet")
    for argv in invocations(filled, tmp_path)[command]:
        _code, loaded = modules_after(argv, tmp_path)
        assert not loaded, (f"`kapsession {' '.join(argv[:2])}` imported {loaded[:5]}: import "
                            "the UI inside the function that shows it")


def test_the_check_sees_textual_when_it_is_imported(filled: dict[str, str],
                                                    tmp_path: Path) -> None:
    # The control: the same run, then the app's module imported, is caught.
    _code, loaded = modules_after(["list", "--json", "--archive", filled["archive"]], tmp_path,
                                  extra="import kapsession.ui.app")
    assert "textual" in loaded and "kapsession.ui.app" in loaded

