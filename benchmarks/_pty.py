"""Run a real terminal app in a pseudo-terminal and measure the CPU it uses while idle.

The app gets a real 120×40 terminal (its own Textual driver, its own input thread, every
frame it draws really written), so this is what a therapist's laptop pays during a session.
CPU time comes from ``/proc/<pid>/stat`` (user + system, all threads of the process).
"""

from __future__ import annotations

import fcntl
import os
import select
import signal
import struct
import subprocess
import termios
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass
class IdleResult:
    cpu_percent: float  # of one core, over the window
    window_s: float
    bytes_per_s: float  # what the app wrote to the terminal while idle
    ok: bool
    problem: str = ""


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat", "rb") as f:
        fields = f.read().rsplit(b")", 1)[1].split()
    # after the ")" : state is field 3, utime 14, stime 15 → indexes 11 and 12 here
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


class _Terminal:
    def __init__(self, argv: Sequence[str], env: dict[str, str], cols: int, rows: int) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        env = dict(env, TERM=env.get("TERM", "xterm-256color"), COLUMNS=str(cols),
                   LINES=str(rows))

        def controlling_tty() -> None:
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.proc = subprocess.Popen(  # noqa: S603
            list(argv), stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True,
            start_new_session=True, preexec_fn=controlling_tty,
        )
        os.close(slave)
        self._buf = bytearray()
        self._total = 0
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            with self._lock:
                self._total += len(data)
                self._buf += data
                if len(self._buf) > 1 << 20:
                    del self._buf[: len(self._buf) - (1 << 19)]

    @property
    def total(self) -> int:
        with self._lock:
            return self._total

    def wait_for(self, needle: bytes, timeout: float, poll: float = 0.05) -> bool:
        """Wait until ``needle`` was written (looked for every ``poll`` seconds; 1 ms when
        the wait itself is what is timed), then forget what was written so far."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self._lock:
                if needle in self._buf:
                    del self._buf[:]
                    return True
            if self.proc.poll() is not None:
                return False
            time.sleep(poll)
        return False

    def forget(self) -> None:
        """Drop what was written so far (a needle is then looked for in what comes next)."""
        with self._lock:
            del self._buf[:]

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.send(b"\x11")  # ctrl+q
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
        try:
            os.close(self.master)
        except OSError:
            pass
        self._reader.join(timeout=2)


def idle_cpu(argv: Sequence[str], env: dict[str, str], steps: Sequence[tuple[bytes, bytes]], *,
             window_s: float, settle_s: float = 3.0, cols: int = 120,
             rows: int = 40, timeout: float = 60.0) -> IdleResult:
    """Start ``argv`` in a terminal; for each ``(text, keys)`` step wait until ``text`` was
    drawn, then type ``keys``; let it settle, then measure CPU over ``window_s`` seconds."""
    term = _Terminal(argv, env, cols, rows)
    try:
        for needle, keys in steps:
            if not term.wait_for(needle, timeout):
                return IdleResult(0.0, 0.0, 0.0, False,
                                  f"never drew {needle.decode(errors='replace')!r}")
            if keys:
                term.send(keys)
        time.sleep(settle_s)
        if term.proc.poll() is not None:
            return IdleResult(0.0, 0.0, 0.0, False, f"exited with {term.proc.returncode}")
        cpu0, t0, b0 = _cpu_seconds(term.proc.pid), time.monotonic(), term.total
        time.sleep(window_s)
        cpu1, t1, b1 = _cpu_seconds(term.proc.pid), time.monotonic(), term.total
        wall = t1 - t0
        return IdleResult((cpu1 - cpu0) / wall * 100, wall, (b1 - b0) / wall, True)
    finally:
        term.close()


# ---- start-up as a person sees it --------------------------------------------------------------

@dataclass
class DrawnResult:
    """One start-up in a terminal: exec → the awaited text drawn."""

    ok: bool
    drawn_s: float = 0.0  # exec → every needle seen in what the program wrote
    first_output_s: float = 0.0  # exec → the program's first byte on the terminal
    rss_mb: float = 0.0  # VmHWM of the program once the text was drawn
    cpu_s: float = 0.0  # CPU the program had used (user + system, all threads) by then
    problem: str = ""


def _peak_rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def time_to_drawn(argv: Sequence[str], env: dict[str, str], needles: Sequence[bytes], *,
                  cols: int = 120, rows: int = 36, timeout: float = 60.0,
                  t0_env: str | None = None) -> DrawnResult:
    """Exec ``argv`` in a new pseudo-terminal of ``cols``×``rows`` (set with TIOCSWINSZ before
    the program starts) and read what it writes until every one of ``needles`` has appeared:
    what a person sees from pressing enter to, say, the fifth dated row of a list.

    The clock starts just before the fork; the output is read as it arrives (a select loop
    here, no thread), and each needle is looked for only in the bytes that could complete it,
    so the watching costs the same whatever the program draws. The program is then asked to
    quit (ctrl+q) and waited for, its output still drained. ``t0_env`` names an environment
    variable that gets the start time (``time.perf_counter()``, CLOCK_MONOTONIC), for a
    program that timestamps its own steps."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    env = dict(env, TERM="xterm-256color", COLUMNS=str(cols), LINES=str(rows))

    def controlling_tty() -> None:
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    missing = list(needles)
    longest = max(len(n) for n in needles)
    buf = bytearray()
    t0 = time.perf_counter()
    if t0_env:
        env[t0_env] = repr(t0)
    proc = subprocess.Popen(  # noqa: S603
        list(argv), stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True,
        start_new_session=True, preexec_fn=controlling_tty,
    )
    os.close(slave)
    first = drawn = 0.0
    try:
        end = t0 + timeout
        while missing:
            left = end - time.perf_counter()
            if left <= 0:
                return DrawnResult(False, problem=f"never drew {missing[0].decode()!r} "
                                   f"in {timeout:.0f} s")
            ready, _, _ = select.select([master], [], [], min(left, 0.5))
            if not ready:
                if proc.poll() is not None:
                    return DrawnResult(False, problem=f"exited with {proc.returncode}: "
                                       f"{_tail(buf)}")
                continue
            try:
                data = os.read(master, 65536)
            except OSError:
                data = b""
            now = time.perf_counter()
            if not data:
                proc.wait(timeout=5)
                return DrawnResult(False, problem=f"exited with {proc.returncode}: "
                                   f"{_tail(buf)}")
            if not first:
                first = now
            start = max(0, len(buf) - longest)
            buf += data
            window = bytes(buf[start:])
            missing = [n for n in missing if n not in window]
            if not missing:
                drawn = now
            elif len(buf) > 1 << 20:
                del buf[: len(buf) - longest]
        cpu = _cpu_seconds(proc.pid)  # in clock ticks (10 ms): a median over runs smooths it
        rss = _peak_rss_mb(proc.pid)
        return DrawnResult(True, drawn - t0, first - t0, rss, cpu)
    finally:
        _quit(proc, master)


def _tail(buf: bytearray) -> str:
    return bytes(buf[-300:]).decode(errors="replace")


def _quit(proc: subprocess.Popen[bytes], master: int) -> None:
    """Ask the program to quit (ctrl+q), draining what it writes meanwhile; then harder."""
    try:
        os.write(master, b"\x11")
    except OSError:
        pass
    end = time.monotonic() + 10
    while proc.poll() is None and time.monotonic() < end:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                if not os.read(master, 65536):
                    break
            except OSError:
                break
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if proc.poll() is not None:
            break
        proc.send_signal(sig)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            continue
    proc.wait()
    os.close(master)
