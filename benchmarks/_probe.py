"""Child process for the UI benchmarks: one measurement per process, one JSON line on stdout.

    _probe.py startup  --archive DIR | --minimal    start-up to the list, peak RSS
    _probe.py filter   --archive DIR | --minimal    keystroke → table repainted in the filter
    _probe.py minimal-app                           the minimal app, run for real (for the pty)

Both apps run headless with ``App.run_test`` at 120×40. ``--t0`` is the parent's
``time.monotonic()`` just before it started this process (the clock is system-wide on
Linux), so the child can say where the time went: interpreter and imports, opening the
archive, first rows, first paint.

The probes only observe: they wrap ``App._display`` (called with each screen update the
compositor has rendered) and ``HomeScreen._show_rows`` (which fills the table) on this
process's objects to timestamp them. Nothing in kapsession is changed.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import resource
import sys
import time
from pathlib import Path

SIZE = (120, 40)
MB = 1024  # ru_maxrss is in KiB on Linux


def _now() -> float:
    return time.monotonic()


def _rss_mb() -> float:
    """Peak RSS of this process image: VmHWM. Not ``ru_maxrss``, which Linux carries over
    from the forked copy of the parent through ``execve`` (a child of a big benchmark
    process would report the parent's size)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / MB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / MB


# ---- the two apps --------------------------------------------------------------------------

def minimal_app_class():  # noqa: ANN201
    """A minimal Textual app: Header, a DataTable of 3 rows, an Input, Footer.

    The Input is there so the same filter keystroke can be typed into it (nothing handles its
    changes): that is the floor a keystroke costs in Textual."""
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable, Footer, Header, Input

    class Minimal(App[None]):
        def compose(self) -> ComposeResult:
            yield Header()
            yield Input(id="filter")
            yield DataTable(id="sessions")
            yield Footer()

        def on_mount(self) -> None:
            table = self.query_one(DataTable)
            table.add_columns("date", "client", "status")
            table.add_rows([("2026-11-01", "C-0001", "signed"), ("2026-11-02", "C-0002", "live"),
                            ("2026-11-03", "C-0003", "ended")])
            table.focus()

    return Minimal


def kapsession_app(archive_dir: str, marks: dict[str, float]):  # noqa: ANN201
    """The app as ``kapsession`` builds it (config from $KAPSESSION_CONFIG: the defaults)."""
    from kapsession import paths
    from kapsession.config import load_config
    from kapsession.model.times import system_clock
    from kapsession.store import Archive
    from kapsession.ui.app import KapsessionApp

    marks["imported"] = _now()
    config = load_config(paths.config_file(None))
    archive = Archive.open(archive_dir, thresholds=config.thresholds)
    marks["archive_open"] = _now()
    app = KapsessionApp(archive, config=config, clock=system_clock)
    gc.freeze()  # as kapsession's cli._run does just before App.run
    return app, archive


class PaintLog:
    """Timestamps of every screen update the app renders."""

    def __init__(self, app) -> None:  # noqa: ANN001
        self.times: list[float] = []
        original = app._display  # noqa: SLF001

        def display(screen, renderable) -> None:  # noqa: ANN001
            original(screen, renderable)
            if renderable is not None:
                self.times.append(time.perf_counter())

        app._display = display  # noqa: SLF001

    def first_after(self, t: float) -> float | None:
        for x in self.times:
            if x >= t:
                return x
        return None


async def _wait_for(cond, timeout: float = 60.0, step: float = 0.001) -> bool:  # noqa: ANN001
    end = time.perf_counter() + timeout
    while not cond():
        if time.perf_counter() > end:
            return False
        await asyncio.sleep(step)
    return True


def _table_rows(app) -> int:  # noqa: ANN001
    """Rows in the list: the minimal app's DataTable or kapsession's SessionTable (both have
    ``row_count``)."""
    from textual.css.query import NoMatches

    try:
        return app.screen.query_one("#sessions").row_count
    except NoMatches:
        return 0


# ---- start-up --------------------------------------------------------------------------------

async def startup(args: argparse.Namespace) -> dict[str, object]:
    marks: dict[str, float] = {}
    archive = None
    if args.minimal:
        app = minimal_app_class()()
        marks["imported"] = marks["archive_open"] = _now()
    else:
        app, archive = kapsession_app(args.archive, marks)
    paints = PaintLog(app)
    try:
        async with app.run_test(size=SIZE):
            ok = await _wait_for(lambda: _table_rows(app) > 0)
            marks["rows"] = _now()
            t_rows = time.perf_counter()
            await _wait_for(lambda: paints.first_after(t_rows) is not None, timeout=10)
            marks["painted"] = _now()
            rows = _table_rows(app)
            rss = _rss_mb()
    finally:
        if archive is not None:
            archive.close()
    marks["closed"] = _now()
    return {"ok": ok, "rows": rows, "rss_mb": rss,
            "marks": {k: v - args.t0 for k, v in marks.items()} if args.t0 else {}}


# ---- filter keystrokes -----------------------------------------------------------------------

async def filter_keys(args: argparse.Namespace) -> dict[str, object]:
    from textual.widgets import Input

    marks: dict[str, float] = {}
    archive = None
    if args.minimal:
        app = minimal_app_class()()
    else:
        app, archive = kapsession_app(args.archive, marks)
    paints = PaintLog(app)
    shown: list[tuple[float, int, str]] = []  # (time, rows, "sync" | "search")
    if not args.minimal:
        from kapsession.ui.screens.home import HomeScreen

        original_show = HomeScreen._show_rows  # noqa: SLF001
        original_done = HomeScreen._search_done  # noqa: SLF001
        state = {"in_search": False}

        def show_rows(self, *, total_known=True, more=False):  # noqa: ANN001, ANN202
            original_show(self, total_known=total_known, more=more)
            shown.append((time.perf_counter(), len(self._rows),  # noqa: SLF001
                          "search" if state["in_search"] else "sync"))

        def search_done(self, matches):  # noqa: ANN001, ANN202
            state["in_search"] = True
            try:
                original_done(self, matches)
            finally:
                state["in_search"] = False

        HomeScreen._show_rows = show_rows  # noqa: SLF001
        HomeScreen._search_done = search_done  # noqa: SLF001

    results: dict[str, dict[str, list[float]]] = {}
    try:
        async with app.run_test(size=SIZE) as pilot:
            await _wait_for(lambda: _table_rows(app) > 0)
            await pilot.pause()
            box = app.screen.query_one("#filter", Input)
            for _run in range(args.runs):
                for query in args.query:
                    res = results.setdefault(query, {"latency_ms": [], "pilot_ms": [],
                                                     "rows": [], "search_ms": [],
                                                     "handler_ms": []})
                    box.value = ""
                    box.focus()
                    await pilot.pause()
                    await _wait_for(lambda: not app.screen.workers._workers, timeout=120)  # noqa: SLF001
                    await pilot.pause()
                    last_key_t = 0.0
                    for ch in query:
                        n_shown = len(shown)
                        t0 = time.perf_counter()
                        await pilot.press(ch)
                        await pilot.pause()
                        t_pilot = time.perf_counter()
                        last_key_t = t0
                        if args.minimal:
                            t_update = t0
                        else:
                            sync = [s for s in shown[n_shown:] if s[2] == "sync"]
                            if not sync:
                                continue  # the key did not change the filter
                            t_update = sync[0][0]
                            res["rows"].append(sync[0][1])
                            res["handler_ms"].append((t_update - t0) * 1000)
                        painted = paints.first_after(t_update)
                        if painted is None:
                            await _wait_for(lambda t=t_update: paints.first_after(t) is not None,
                                            timeout=10)
                            painted = paints.first_after(t_update)
                        res["latency_ms"].append(((painted or t_pilot) - t0) * 1000)
                        res["pilot_ms"].append((t_pilot - t0) * 1000)
                    if not args.minimal and box.value.strip():
                        # Words only the notes hold: wait for the note search to finish.
                        n_before = last_key_t
                        # The search starts after a typing pause and shows progress until
                        # it is done.
                        ok = await _wait_for(
                            lambda: not app.screen.query_one("#progress").display
                            and not app.screen.workers._workers, timeout=300)  # noqa: SLF001
                        done = [s for s in shown if s[2] == "search" and s[0] >= n_before]
                        if ok and done:
                            res["search_ms"].append((done[-1][0] - last_key_t) * 1000)
                            res.setdefault("search_rows", []).append(done[-1][1])
            box.value = ""
            await pilot.pause()
    finally:
        if archive is not None:
            archive.close()
    return {"queries": results, "rss_mb": _rss_mb()}


# ---- the minimal app, for real (idle CPU in a pseudo-terminal) ---------------------------------

def minimal_app() -> None:
    minimal_app_class()().run()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=("startup", "filter", "minimal-app"))
    parser.add_argument("--archive")
    parser.add_argument("--minimal", action="store_true")
    parser.add_argument("--t0", type=float, default=0.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--query", action="append", default=[])
    args = parser.parse_args()
    if args.mode == "minimal-app":
        minimal_app()
        return
    if not args.minimal and not (args.archive and Path(args.archive).is_dir()):
        parser.error("--archive DIR or --minimal")
    coro = startup(args) if args.mode == "startup" else filter_keys(args)
    result = asyncio.run(coro)
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
