"""The ``kapsession`` command: the screens when no subcommand is given, the command line
otherwise.

The one module that knows both the command line (:mod:`kapsession.cli`) and the screens
(:mod:`kapsession.ui`); neither imports the other. The UI is imported only when it is run,
so ``kapsession list`` never loads Textual.
"""

from __future__ import annotations

import argparse
import gc
import shutil
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import Console

from . import cli
from .cli import (
    UserError,
    config_for,
    fast_clock,
    make_demo_archive,
    open_archive,
    report_bug,
)
from .model.times import system_clock

if TYPE_CHECKING:
    from .ui.app import KapsessionApp


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(argv, run_app=run_app)


def run_app(args: argparse.Namespace) -> int:
    """Open the archive (or a demo one) and run the screens until the therapist quits."""
    from .ui.app import KapsessionApp

    config = config_for(args)
    if args.fast_clock and not args.demo:
        raise UserError("--fast-clock is for practice with --demo only")
    if args.demo:
        clock = system_clock
        if args.fast_clock:
            clock = fast_clock(args.fast_clock)
            # Idle time would pass N times faster too; practice mode does not lock.
            config = config.with_values(idle_lock_minutes=0)
        archive = make_demo_archive(config, clock)
        gc.freeze()  # see _run: the sooner, the less the app's build pays for them
        try:
            return _run(KapsessionApp(archive, config=config, clock=clock, demo=True))
        finally:
            archive.close()
            shutil.rmtree(archive.path.parent, ignore_errors=True)
    # Lazily: the home screen draws the newest rows from the index's head, then reads the rest.
    archive = open_archive(args, config, lazy=True)
    gc.freeze()  # see _run: the sooner, the less the app's build pays for them
    check = None
    if archive.codec is not None:
        from .store.crypto import SealedCodec

        if isinstance(archive.codec, SealedCodec):
            check = archive.codec.opens_with  # the idle lock asks for the passphrase
    try:
        return _run(KapsessionApp(archive, config=config, clock=system_clock,
                                  check_passphrase=check))
    finally:
        archive.close()


def _run(app: KapsessionApp) -> int:
    """Run the app; a bug that ended it is reported without note text (exit 70)."""
    # What exists now (above all the archive's summaries, one per session) lives as long as
    # the app: frozen out of the cyclic collector's reach, its full passes and the one at
    # exit stop walking 10,000 summaries (~40 ms of start-up and exit at that size).
    gc.freeze()
    app.run()
    if app.crash is not None:
        report_bug(app.crash, Console(stderr=True, highlight=False, soft_wrap=True))
        return cli.EXIT_BUG
    return 0
