"""Child process for the conversion kill tests.

    crypto_convert_child.py encrypt|decrypt|passphrase ARCHIVE N [DIE_AT]

Runs ``encrypt_archive`` (scrypt cost ``N``), ``decrypt_archive`` or ``change_passphrase``
(to ``KAPSESSION_TEST_NEW_PASSPHRASE``, cost ``N``) on ARCHIVE with the passphrase in
``KAPSESSION_TEST_PASSPHRASE``. Prints ``ready`` just before the conversion
starts and ``done <files> <seconds> <steps>`` after it; the parent kills it with SIGKILL in
between. With DIE_AT, it sends itself SIGKILL just before its DIE_AT-th file-system step
(``os.write``, ``os.fsync``, ``os.replace`` or ``os.unlink``), so the parent can reach every
boundary of the conversion in turn; ``steps`` in the ``done`` line counts them.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kapsession.store.crypto import change_passphrase, decrypt_archive, encrypt_archive

STEPS = ("write", "fsync", "replace", "unlink")
steps = 0


def count_steps(die_at: int | None) -> None:
    def wrap(call: Callable[..., Any]) -> Callable[..., Any]:
        def step(*args: Any, **kwargs: Any) -> Any:
            global steps
            steps += 1
            if steps == die_at:
                os.kill(os.getpid(), signal.SIGKILL)
            return call(*args, **kwargs)
        return step

    for name in STEPS:
        setattr(os, name, wrap(getattr(os, name)))


def main(direction: str, root: str, n: int, die_at: int | None) -> None:
    passphrase = os.environ["KAPSESSION_TEST_PASSPHRASE"]
    count_steps(die_at)  # print() does not go through os.write, so it is not counted
    print("ready", flush=True)
    started = time.perf_counter()
    if direction == "encrypt":
        files = encrypt_archive(Path(root), passphrase, n=n)
    elif direction == "decrypt":
        files = decrypt_archive(Path(root), passphrase)
    else:
        change_passphrase(Path(root), passphrase, os.environ["KAPSESSION_TEST_NEW_PASSPHRASE"],
                          n=n)
        files = 0
    print("done", files, f"{time.perf_counter() - started:.4f}", steps, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]),
         int(sys.argv[4]) if len(sys.argv) > 4 else None)
