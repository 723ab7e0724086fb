"""Where start-up time goes, in a real terminal: kapsession (or the minimal app) run as
usual, with timestamps taken on the way. A diagnostic for ``run.py --only startup``'s
breakdown row, never the headline (wrapping costs a little).

    _startup_marks.py --archive DIR     kapsession, as ``kapsession --archive DIR``
    _startup_marks.py --minimal         _minimal_app.py

Marks: python (interpreter and site up), cli imported, ui imported (Textual and the screens),
open start / archive open, app built, run (App.run called), app mounted (CSS parsed, driver
started), home mounted (rows in the table), frame (the first update with them handed to the
driver's writer thread), rest read start / rest read (what the lazy open left for after the
first page: :meth:`Archive.finish_loading`). The minimal app has python, ui imported, run,
home mounted, frame.
``$BENCH_T0`` is the parent's ``time.perf_counter()`` just before it started this process
(CLOCK_MONOTONIC, system-wide on Linux); the marks, in seconds since then, are written as JSON
to ``$BENCH_MARKS`` when the process exits. The probe only observes: it wraps methods of this
process's classes, nothing in kapsession is changed.
"""

from __future__ import annotations

import atexit
import json
import os
import sys
import time
from pathlib import Path

T0 = float(os.environ.get("BENCH_T0", "0") or 0)
MARKS: dict[str, float] = {}
CPU: dict[str, float] = {}  # the same marks in CPU time: steadier than wall time on a busy box
FRAMES: list[list[float]] = []  # [handed at, seconds in _display] of every screen update


def mark(name: str) -> None:
    if name not in MARKS:
        MARKS[name] = time.perf_counter() - T0
        CPU[name] = time.process_time()  # this process's CPU seconds (all threads) so far


def _write() -> None:
    out = os.environ.get("BENCH_MARKS")
    if out:
        Path(out).write_text(json.dumps({**MARKS, "frames": FRAMES, "cpu": CPU}))


mark("python")  # exec, interpreter start, site (the venv's .pth files)
atexit.register(_write)


def _after(cls: type, name: str, label: str, before: str | None = None) -> None:
    original = getattr(cls, name)

    def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        if before:
            mark(before)
        result = original(*args, **kwargs)
        mark(label)
        return result

    def handler(self):  # noqa: ANN001, ANN202 - Textual passes the event only if asked for
        result = original(self)
        mark(label)
        return result

    takes_self_only = name.startswith("on_") and original.__code__.co_argcount == 1
    setattr(cls, name, handler if takes_self_only else wrapper)


def _first_frame(app_cls: type, after: str) -> None:
    """The first screen update the compositor hands to the driver once ``after`` is marked."""
    original = app_cls._display  # noqa: SLF001

    def display(self, screen, renderable) -> None:  # noqa: ANN001
        t = time.perf_counter() - T0
        original(self, screen, renderable)
        if renderable is not None:
            FRAMES.append([round(t, 4), round(time.perf_counter() - T0 - t, 4)])
            if after in MARKS:
                mark("frame")

    app_cls._display = display  # noqa: SLF001


def kapsession(argv: list[str]) -> None:
    from kapsession import cli  # noqa: F401 - timed on its own: the "cli imported" mark

    mark("cli imported")
    import kapsession.ui.app as ui_app

    mark("ui imported")
    from kapsession.store import Archive
    from kapsession.ui.screens.home import HomeScreen

    original_open = Archive.open.__func__

    def timed_open(cls, *a, **kw):  # noqa: ANN001, ANN002, ANN003, ANN202
        mark("open start")
        result = original_open(cls, *a, **kw)
        mark("archive open")
        return result

    Archive.open = classmethod(timed_open)
    _after(Archive, "finish_loading", "rest read", before="rest read start")
    _after(ui_app.KapsessionApp, "__init__", "app built")
    _after(ui_app.KapsessionApp, "run", "exited", before="run")
    _after(ui_app.KapsessionApp, "on_mount", "app mounted")
    _after(HomeScreen, "on_mount", "home mounted")
    _first_frame(ui_app.KapsessionApp, "home mounted")
    from kapsession import launch

    sys.exit(launch.main(argv))


def minimal() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import _minimal_app

    mark("ui imported")
    _after(_minimal_app.Minimal, "run", "exited", before="run")
    _after(_minimal_app.Minimal, "on_mount", "home mounted")
    _first_frame(_minimal_app.Minimal, "home mounted")
    _minimal_app.Minimal().run()


if __name__ == "__main__":
    if sys.argv[1:] == ["--minimal"]:
        minimal()
    else:
        kapsession(sys.argv[1:])
