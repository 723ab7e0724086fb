"""The course of one client at 10,000 sessions (issue 17, "Numbers"), by hand:

    python benchmarks/course_bench.py            # build (once, cached) and measure
    python benchmarks/course_bench.py --runs 9   # more repeats (medians are reported)
    python benchmarks/course_bench.py --screens-only   # the screens, not the two commands

Targets: the course of a client with 60 sessions opens in ≤ 100 ms (the course screen,
from pressing c to the screen drawn: sessions read, course built, list and chart laid out;
measured in a real terminal, as a person meets it, and, for the parts, headless);
`kapsession client CODE` prints in ≤ 1.5× the time of `kapsession list --client CODE`.

The archive: 10,000 demo sessions plus one client, C-BENCH, with 60 sessions of its own
(demo sessions given that code and scores), 10,060 in all, under benchmarks/.cache/course/
(git-ignored; delete it to rebuild). Every measurement opens it read-only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache" / "course"
CLIENT = "C-BENCH"
SIZE = 10_000
COURSE = 60


def build() -> Path:
    from dataclasses import replace

    from kapsession import Archive
    from kapsession.demo import demo_sessions
    from kapsession.model.session import SCHEMA_VERSION

    archive = CACHE / f"schema{SCHEMA_VERSION}"
    if (archive / "done").exists():
        return archive
    shutil.rmtree(CACHE, ignore_errors=True)
    started = time.perf_counter()
    sessions = demo_sessions(SIZE + COURSE, seed=1)
    # Sixty of the newest (the very newest is kept as it is) become C-BENCH's course.
    mine = {s.id: n for n, s in enumerate(sessions[-COURSE - 1:-1], 1)}
    with Archive.open(archive) as a, a.bulk():
        for s in sessions:
            n = mine.get(s.id)
            if n is not None:
                s = replace(s, client=CLIENT, session_no=n,
                            outcomes={"phq9_pre": max(0, 22 - n // 3), "gad7_pre": 15 - n // 5,
                                      "phq9_item9": 1 if n == 1 else 0})
            a.add_existing(s)
    (archive / "done").write_text("built\n")
    print(f"built {SIZE + COURSE:,} sessions in {time.perf_counter() - started:.0f} s")
    return archive


def env() -> dict[str, str]:
    out = dict(os.environ)
    out["KAPSESSION_CONFIG"] = str(CACHE / "no-config.toml")
    out.pop("KAPSESSION_ARCHIVE", None)
    return out


def cli_seconds(archive: Path, *argv: str) -> float:
    command = [sys.executable, "-m", "kapsession", *argv, "--archive", str(archive)]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, env=env(), check=False)
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {done.stderr.decode()[:300]}")
    return took


def course_model_seconds(archive: Path) -> tuple[float, int]:
    """Reading the client's 60 sessions and building the course, in this process."""
    from kapsession import Archive
    from kapsession.model.course import build_course

    with Archive.open(archive, read_only=True) as a:
        started = time.perf_counter()
        ids = [s.id for s in a.sessions() if s.client == CLIENT]
        course = build_course(CLIENT, a.iter_sessions(ids))
        return time.perf_counter() - started, len(course.items)


async def screen_seconds(archive: Path, runs: int
                         ) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """From pushing a screen to it drawn (headless, 120×36; Pilot's pause, which waits until
    the process stops using the processor, in 20 ms steps): the course screen, and beside it
    what any screen costs here: an empty screen (a Static only: Textual's floor on this
    machine), the same with the footer and the course screen's keys (every real screen has
    it), the course screen with its sessions read beforehand (what the screen itself costs,
    without the 60 files) and the detail screen of the client's newest session. Interleaved,
    so load hits all alike. Returns the wall-clock seconds and the processor seconds (all
    threads: the worker that reads the files too), which other work on the machine barely
    changes."""
    from textual.screen import Screen
    from textual.widgets import Static

    from kapsession import Archive
    from kapsession.model.course import build_course
    from kapsession.ui.app import KapsessionApp
    from kapsession.ui.screens import course as course_screen
    from kapsession.ui.screens.course import CourseScreen
    from kapsession.ui.screens.detail import DetailScreen
    from kapsession.ui.widgets.course_list import CourseList
    from kapsession.ui.widgets.footer import KapFooter

    class Empty(Screen[None]):
        def compose(self):  # noqa: ANN202
            yield Static("empty")

    class WithFooter(Screen[None]):
        BINDINGS = CourseScreen.BINDINGS

        def compose(self):  # noqa: ANN202
            yield Static("empty")
            yield KapFooter()

    out: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    with Archive.open(archive, read_only=True) as a:
        mine = [s.id for s in a.sessions() if s.client == CLIENT]
        newest = mine[0]
        course = build_course(CLIENT, a.iter_sessions(mine))

        class ReadBefore(CourseScreen):
            CSS_PATH = str(Path(course_screen.__file__).with_name("course.tcss"))

            def reload(self) -> None:  # type: ignore[override]
                self._show(course)

        makers = {"empty": Empty, "footer": WithFooter, "detail": lambda: DetailScreen(newest),
                  "course": lambda: CourseScreen(CLIENT),
                  "read before": lambda: ReadBefore(CLIENT)}
        app = KapsessionApp(a)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            for _ in range(runs):
                for name, make in makers.items():
                    started, used = time.perf_counter(), time.process_time()
                    await app.push_screen(make())
                    await pilot.pause()
                    out.setdefault(name, []).append(time.perf_counter() - started)
                    cpu.setdefault(name, []).append(time.process_time() - used)
                    if name in ("course", "read before"):
                        assert len(app.screen.query_one(CourseList).items) == COURSE
                    await app.pop_screen()
                    await pilot.pause()
    return out, cpu


def pty_seconds(archive: Path, runs: int) -> dict[str, list[float]]:
    """As a person meets it: kapsession in a real terminal (120×36) on a copy of the archive;
    once the whole list is read, the client's rows are filtered (``/C-BENCH⏎``, not timed),
    then the clock runs from the ``c`` written to the terminal to the course's heading with
    its count of sessions drawn (read, built, laid out, written). Beside it, the same for
    ``enter`` (the client's newest session, a planned one: its preparation screen) and ``?``
    (the help screen), for scale. A fresh process each run; medians are reported."""
    import tempfile

    sys.path.insert(0, str(HERE))
    import _archives
    import _pty

    from kapsession import Archive
    from kapsession.model.course import build_course

    with Archive.open(archive, read_only=True) as a:
        mine = [s.id for s in a.sessions() if s.client == CLIENT]
        course = build_course(CLIENT, a.iter_sessions(mine))
    n = course.dosing_count
    heading = f" · {n} dosing session{'' if n == 1 else 's'}".encode()
    # enter opens the client's newest session: planned in this archive, so its preparation.
    steps = {"course": (b"c", heading), "detail": (b"\r", b"Planned session"),
             "help": (b"?", "Keys · archive".encode())}
    out: dict[str, list[float]] = {name: [] for name in steps}
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "archive"
        shutil.copytree(archive, copy, copy_function=shutil.copy2)
        for _ in range(runs):
            for name, (key, needle) in steps.items():
                term = _pty._Terminal([*_archives.kapsession_cmd(), "--archive", str(copy)],
                                      env(), 120, 36)
                try:
                    if not term.wait_for(b"sessions shown", 30):
                        raise SystemExit("the home list was never drawn")
                    term.send(b"/" + CLIENT.encode() + b"\r")
                    time.sleep(0.5)  # the filter applied and the table focused (not timed)
                    term.forget()
                    started = time.perf_counter()
                    term.send(key)
                    if not term.wait_for(needle, 10, poll=0.001):
                        raise SystemExit(f"{name}: never drew {needle!r}")
                    out[name].append(time.perf_counter() - started)
                finally:
                    term.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--screens-only", action="store_true",
                        help="leave out kapsession client against list --client")
    args = parser.parse_args()
    archive = build()
    model = [course_model_seconds(archive) for _ in range(args.runs)]
    assert all(n == COURSE for _, n in model)
    sys.path.insert(0, str(HERE))
    __import__("_archives").compile_bytecode()  # as an installed copy starts (see run.py)
    typed = pty_seconds(archive, args.runs)
    screens, cpu = asyncio.run(screen_seconds(archive, args.runs))
    screen = screens["course"]
    client, listed = [], []
    for _ in range(0 if args.screens_only else args.runs):  # interleaved: load hits both
        listed.append(cli_seconds(archive, "list", "--client", CLIENT))
        client.append(cli_seconds(archive, "client", CLIENT))
    med = statistics.median
    ms = lambda xs: f"{med(xs) * 1000:7.0f} ms"  # noqa: E731
    print(f"archive: {SIZE + COURSE:,} sessions; client {CLIENT} with {COURSE}; "
          f"medians of {args.runs}; load average {os.getloadavg()[0]:.1f}")
    print(f"course built (60 sessions read)   {ms([m for m, _ in model])}")
    print("in a real terminal, key written to screen drawn (as a person meets it):")
    for label, name in (("c: the course screen", "course"),
                        ("  enter: a session's screen, for scale", "detail"),
                        ("  ?: the help screen, for scale", "help")):
        target = (f"   target ≤ 100 ms  {'PASS' if med(typed[name]) <= 0.1 else 'MISS'}"
                  if name == "course" else "")
        print(f"{label:<40}{ms(typed[name])}{target}")
    print("screens, pushed to drawn:               wall    processor")
    for label, name in (("course screen opened", "course"),
                        ("  an empty screen, for scale", "empty"),
                        ("  empty with the footer", "footer"),
                        ("  course, sessions read before", "read before"),
                        ("  the detail screen, for scale", "detail")):
        target = (f"   target ≤ 100 ms  {'PASS' if med(screen) <= 0.1 else 'MISS'}"
                  if name == "course" else "")
        print(f"{label:<34}{ms(screens[name])}   {ms(cpu[name])}{target}")
    less = [c - e for c, e in zip(screen, screens["empty"], strict=True)]
    less_cpu = [c - e for c, e in zip(cpu["course"], cpu["empty"], strict=True)]
    print(f"  course screen less empty screen {ms(less)}   {ms(less_cpu)}")
    if listed:
        ratio = med(client) / med(listed)
        print(f"kapsession list --client          {ms(listed)}")
        print(f"kapsession client                 {ms(client)}   ratio {ratio:.2f}, "
              f"target ≤ 1.5  {'PASS' if ratio <= 1.5 else 'MISS'}")


if __name__ == "__main__":
    main()
