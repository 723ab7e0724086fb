"""Run a real terminal app in a pseudo-terminal and measure the CPU it uses while idle.

The app gets a real 120×40 terminal (its own Textual driver, its own input thread, every
frame it draws really written), so this is what a therapist's laptop pays during a session.
CPU time comes from ``/proc/<pid>/stat`` (user + system, all threads of the process).
"""

from __future__ import annotations

import fcntl
import os
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

    def wait_for(self, needle: bytes, timeout: float) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self._lock:
                if needle in self._buf:
                    del self._buf[:]
                    return True
            if self.proc.poll() is not None:
                return False
            time.sleep(0.05)
        return False

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
