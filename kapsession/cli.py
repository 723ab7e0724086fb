"""The command line: parse arguments, call the archive, print with Rich. No business logic.

A user mistake prints one line on stderr and exits 1; never a traceback.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path

import orjson
from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from . import __version__, paths
from .config import Config, default_config_text, load_config
from .model import SessionSummary
from .model.errors import KapsessionError
from .model.ids import short_ids
from .model.text import printable_line
from .model.times import Clock, format_minutes, system_clock
from .model.vocab import SESSION_KINDS, route_label
from .store import Archive, ArchiveReadOnly
from .store.fsutil import atomic_write, ensure_private_dir, shown_path
from .store.layout import ENCRYPTION_FILE, SESSIONS_DIR

EXIT_USER_ERROR = 1
#: A bug in kapsession (not a mistake of the caller's): a traceback was printed.
EXIT_BUG = 70
PASSPHRASE_ENV = "KAPSESSION_PASSPHRASE"
NEW_PASSPHRASE_ENV = "KAPSESSION_NEW_PASSPHRASE"


class UserError(KapsessionError):
    """A mistake in how kapsession was called; printed as one line."""


def _parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value[:30]!r} is not a date YYYY-MM-DD") from None


def _positive_int(limit: int):  # type: ignore[no-untyped-def]
    def parse(value: str) -> int:
        try:
            n = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value[:20]!r} is not a whole number") from None
        if not 1 <= n <= limit:
            raise argparse.ArgumentTypeError(f"must be 1–{limit:,}")
        return n
    return parse


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # One clear line instead of argparse's usage block.
        raise UserError(f"{message} (see `{self.prog} --help`)")


def build_parser() -> argparse.ArgumentParser:
    # Options shared by every command, so `--archive` works before or after the command name.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--archive", metavar="PATH", default=argparse.SUPPRESS,
                        help=f"archive folder (default: ${paths.ARCHIVE_ENV} or the user data "
                        "folder)")
    common.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS,
                        help=f"config file (default: ${paths.CONFIG_ENV} or the user config "
                        "folder)")

    parser = _Parser(prog="kapsession", parents=[common],
                     description="A keyboard-first companion for KAP dosing sessions.")
    parser.add_argument("--version", action="version", version=f"kapsession {__version__}")
    parser.add_argument("--demo", action="store_true",
                        help="open the app on a throwaway archive of realistic sample sessions")
    parser.add_argument("--fast-clock", type=_positive_int(600), metavar="N", default=None,
                        help="with --demo: run the clock N times faster, to watch phases, "
                        "check-ins and the observation time go by")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("list", parents=[common], help="list sessions, newest first")
    p.add_argument("--client", metavar="C", help="only this client code")
    p.add_argument("--since", metavar="YYYY-MM-DD", type=_parse_day, help="only from this day")
    p.add_argument("--json", action="store_true", help="print a JSON array of summaries")

    p = sub.add_parser("client", parents=[common],
                       help="the course of one client: every session and visit, and the scores")
    p.add_argument("code", metavar="CODE", help="client code")

    sub.add_parser("due", parents=[common], help="integration visits to book, check-ins due, "
                   "sessions to sign")

    p = sub.add_parser("show", parents=[common], help="one session, rendered in the terminal")
    p.add_argument("id", metavar="ID", help="session id (any unique prefix)")

    p = sub.add_parser("export", parents=[common], help="export sessions to markdown or JSON")
    p.add_argument("ids", metavar="ID", nargs="*", help="session ids (any unique prefix)")
    p.add_argument("--all", action="store_true", help="every session")
    p.add_argument("--client", metavar="C", help="every session of this client code")
    p.add_argument("--since", metavar="YYYY-MM-DD", type=_parse_day, help="from this day on")
    p.add_argument("--format", choices=("md", "json", "rems"), default="md",
                   help="rems: the Spravato REMS monitoring form (markdown; with several "
                   "sessions also a CSV row each)")
    p.add_argument("--out", metavar="DIR", help="folder to write to (default: config "
                   "export_folder, 'notes')")

    p = sub.add_parser("rems", parents=[common], help="REMS monitoring forms still to submit")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--pending", action="store_true",
                       help="REMS sessions not yet marked as submitted, oldest first, with "
                       "the days left of the 7-day window")
    group.add_argument("--submitted", metavar="ID",
                       help="mark this session's REMS form as submitted")

    p = sub.add_parser("import", parents=[common], help="restore sessions from a JSON export")
    p.add_argument("file", metavar="FILE.json")

    p = sub.add_parser("demo-data", parents=[common],
                       help="fill the archive with synthetic sessions")
    p.add_argument("--sessions", type=_positive_int(100_000), required=True, metavar="N",
                   help="how many sample sessions to add (at most 100,000)")
    p.add_argument("--seed", type=int, default=0, metavar="S",
                   help="the same seed makes the same sessions (default 0)")

    p = sub.add_parser("init", parents=[common], help="create an empty archive")
    p.add_argument("--encrypt", action="store_true",
                   help="encrypted at rest with a passphrase (asked, or $KAPSESSION_PASSPHRASE)")

    sub.add_parser("encrypt", parents=[common],
                   help="encrypt an existing archive in place (crash-safe)")
    sub.add_parser("decrypt", parents=[common],
                   help="decrypt an encrypted archive in place (crash-safe)")
    sub.add_parser("passphrase", parents=[common],
                   help="change the passphrase of an encrypted archive (rewrites only "
                   "encryption.json; crash-safe)")

    sub.add_parser("conflicts", parents=[common],
                   help="sync conflict copies: merge them now and say what was done "
                   "(see docs/sync.md)")

    p = sub.add_parser("config", parents=[common], help="where the config file is; write one")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--path", action="store_true", help="print the config file's path")
    group.add_argument("--init", action="store_true",
                       help="write a commented default config (never overwrites)")
    return parser


# ---- helpers ------------------------------------------------------------------------------

def config_for(args: argparse.Namespace) -> Config:
    """The config the command line names (--config), else the environment's or the default."""
    return load_config(paths.config_file(getattr(args, "config", None)))


def ask_passphrase(*, twice: bool = False, new: bool = False) -> str:
    """``$KAPSESSION_PASSPHRASE`` (``$KAPSESSION_NEW_PASSPHRASE`` for ``new``) if set, for
    scripts; else asked on the terminal."""
    name = NEW_PASSPHRASE_ENV if new else PASSPHRASE_ENV
    env = os.environ.get(name)
    if env is not None:
        return env
    what = "the new passphrase" if new else "the archive's passphrase"
    if not sys.stdin.isatty():
        raise UserError(f"this needs {what}: run it in a terminal, or set {name}")
    first = getpass.getpass("New passphrase: " if new else "Archive passphrase: ")
    if twice and getpass.getpass("The same passphrase again: ") != first:
        raise UserError("the two passphrases differ; nothing was changed")
    return first


def open_archive(args: argparse.Namespace, config: Config, *, read_only: bool = False,
                 must_exist: bool = False, lazy: bool = False) -> Archive:
    """The archive the command line names (asking for its passphrase if it is encrypted);
    ``lazy``: see :meth:`Archive.open` (for the screens, which draw the first page first)."""
    root = paths.archive_dir(getattr(args, "archive", None))
    if must_exist and not (root / SESSIONS_DIR).is_dir():
        raise UserError(f"no archive at {root} yet (start kapsession once, or use --archive)")
    device = config["device_name"] or None  # issue 19: the name another device shows
    if not (root / ENCRYPTION_FILE).exists():  # plain: the crypto library is not even loaded
        return Archive.open(root, thresholds=config.thresholds, read_only=read_only,
                            device=device, lazy=lazy)
    from .store.crypto import WrongPassphrase

    tries = 3 if sys.stdin.isatty() and PASSPHRASE_ENV not in os.environ else 1
    for attempt in range(1, tries + 1):
        try:
            return Archive.open(root, thresholds=config.thresholds, read_only=read_only,
                                passphrase=ask_passphrase(), device=device, lazy=lazy)
        except WrongPassphrase:
            if attempt == tries:
                raise
            print("That passphrase does not open this archive; try again.", file=sys.stderr)
    raise AssertionError("unreachable")


@contextmanager
def _writable_archive(args: argparse.Namespace) -> Iterator[Archive]:
    """The archive for a command that writes: refused while another window holds it."""
    with open_archive(args, config_for(args)) as archive:
        if archive.read_only:
            raise ArchiveReadOnly(archive.path, archive.read_only_reason)
        yield archive


def line(text: str, style: str = "") -> Text:
    """One line of output for a person, shown literally: no control characters (a file name
    may hold ESC), nothing that cannot be printed."""
    return Text(printable_line(text), style=style)


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _report_problems(console: Console, archive: Archive) -> None:
    for problem in archive.problems:
        console.print(line(f"warning: {problem}", style="yellow"))


def _local(dt: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return dt.astimezone().strftime(fmt) if dt else "—"


def _select(summaries: list[SessionSummary], client: str | None,
            since: date | None) -> list[SessionSummary]:
    out = summaries
    if client:
        out = [s for s in out if s.client.lower() == client.strip().lower()]
    if since:
        out = [s for s in out if s.date.astimezone().date() >= since]
    return out


def summary_json(s: SessionSummary) -> dict[str, object]:
    d = s.to_dict()
    d["started"] = d["started"] or d["created"]  # planned sessions: the day they were planned
    return d


# ---- commands -----------------------------------------------------------------------------

def cmd_list(args: argparse.Namespace, out: Console, err: Console) -> int:
    config = config_for(args)
    with open_archive(args, config, read_only=True, must_exist=True) as archive:
        _report_problems(err, archive)
        everything = archive.sessions()
        rows = _select(everything, args.client, args.since)
    if args.json:
        sys.stdout.buffer.write(orjson.dumps([summary_json(s) for s in rows],
                                             option=orjson.OPT_INDENT_2) + b"\n")
        return 0
    if not rows:
        out.print(Text("No sessions match." if everything
                       else "The archive holds no sessions yet."))
        return 0
    shown = short_ids(s.id for s in everything)  # 8 characters, more where two would agree
    cells = []
    for s in rows:
        try:
            cells.append((
                shown[s.id], _local(s.date), s.client, str(s.session_no),
                route_label(s.route) if s.kind == "dosing" else SESSION_KINDS[s.kind],
                f"{s.dose_mg:g} mg" if s.dose_mg else "—",
                format_minutes(s.duration_min), s.status, str(s.entries),
            ))
        except Exception as exc:  # one odd session must not hide the others
            err.print(line(f"warning: {_cannot_show(s.id, exc)}", style="yellow"))
    title = plural(len(cells), "session")
    lines, width = fitted_table(LIST_COLUMNS, cells)
    if out.is_terminal and width - 1 > out.width:  # (the last column's space is not printed)
        _print_wrapped_table(out, title, cells)  # too wide: Rich wraps the long cells
    else:
        # soft_wrap: a pipe's console is 80 columns wide, and these lines are not cut there.
        centred = " " * max(0, (width - cell_len(title)) // 2) + title  # as Rich centres
        out.print(Text(centred, style="italic"), soft_wrap=True)
        out.print(Text(lines[0], style="bold"), soft_wrap=True)
        out.file.write("".join(f"{row}\n" for row in lines[1:]))
        out.file.flush()
    return EXIT_USER_ERROR if len(cells) < len(rows) else 0


#: The columns of ``kapsession list``: their headings, and whether they hold numbers (set right).
LIST_COLUMNS = (("id", False), ("date", False), ("client", False), ("#", True),
                ("route", False), ("dose", True), ("duration", True), ("status", False),
                ("entries", True))


def fitted_table(columns: Sequence[tuple[str, bool]],
                 rows: Sequence[Sequence[str]]) -> tuple[list[str], int]:
    """A table of one-line cells as lines of text (the heading first) and its width: each
    column as wide as its widest cell, a space each side, numbers set right, no space at a
    line's end. What Rich's borderless table prints when it fits, made in one pass: Rich laid
    out every cell to measure it (7 s for 10,000 sessions, against 0.1 s here)."""
    def shown(cell: str) -> str:
        return cell if cell.isprintable() else printable_line(cell)

    texts = [[shown(cell) for cell in row] for row in rows]
    widths = [cell_len(label) for label, _ in columns]
    for row in texts:
        for i, cell in enumerate(row):
            n = cell_len(cell)
            if n > widths[i]:
                widths[i] = n

    def laid_out(row: Sequence[str]) -> str:
        parts = []
        for cell, width, (_, right) in zip(row, widths, columns, strict=True):
            pad = " " * (width - cell_len(cell))
            parts.append(f" {pad}{cell} " if right else f" {cell}{pad} ")
        return "".join(parts).rstrip()

    lines = [laid_out([label for label, _ in columns]), *map(laid_out, texts)]
    return lines, sum(widths) + 2 * len(widths)


def _print_wrapped_table(out: Console, title: str, cells: Sequence[Sequence[str]]) -> None:
    """The list on a terminal narrower than its widest row: Rich's table wraps the cells that
    may wrap (about 0.6 ms a row: `list --client` or `--since` keep it short)."""
    from rich.table import Table

    from .course_view import Trimmed  # lines end at their last character (no padding)

    table = Table(title=title, box=None, header_style="bold")
    for col, right in LIST_COLUMNS:
        table.add_column(col, justify="right" if right else "left",
                         no_wrap=col in ("id", "date", "client", "dose"))
    for row in cells:
        table.add_row(*(Text(cell) for cell in row))
    out.print(Trimmed(table))


def _cannot_show(sid: str, exc: Exception) -> str:
    # The exception's type only: its message might quote what the session holds.
    return f"session {sid[:8]} ({sid}.json) could not be shown ({type(exc).__name__})"


def cmd_show(args: argparse.Namespace, out: Console, err: Console) -> int:
    from .course_view import Trimmed  # lines end at their last character (no padding)
    from .terminal import render_session

    config = config_for(args)
    with open_archive(args, config, read_only=True, must_exist=True) as archive:
        _report_problems(err, archive)
        session = archive.get(args.id)
    try:
        # Rendered whole before printing, so a failure prints nothing half-way.
        with out.capture() as captured:
            out.print(Trimmed(render_session(session, config)))
    except Exception as exc:
        raise UserError(_cannot_show(session.id, exc)) from None
    out.file.write(captured.get())
    return 0


def cmd_client(args: argparse.Namespace, out: Console, err: Console) -> int:
    from .course_view import Trimmed, course_renderable
    from .model.course import build_course

    config = config_for(args)
    with open_archive(args, config, read_only=True, must_exist=True) as archive:
        _report_problems(err, archive)
        ids = [s.id for s in _select(archive.sessions(), args.code, None)]
        if not ids:
            raise UserError(f"no sessions for client {printable_line(args.code)[:40]}")
        course = build_course(args.code, archive.iter_sessions(ids))
    _print_whole(out, Trimmed(course_renderable(course)))
    return 0


def cmd_due(args: argparse.Namespace, out: Console, err: Console) -> int:
    from .course_view import Trimmed, due_renderable
    from .model.due import due_items

    config = config_for(args)
    with open_archive(args, config, read_only=True, must_exist=True) as archive:
        _report_problems(err, archive)
        items = due_items(archive.sessions(), archive.clock(), config.due_rules)
    _print_whole(out, Trimmed(due_renderable(items)))
    return 0


def _print_whole(out: Console, renderable: object) -> None:
    """Rendered whole before printing, so a failure prints nothing half-way; a pipe gets
    every line whole (text wraps at the terminal's width, or at 100 columns)."""
    if not out.is_terminal:
        out.width = max(out.width, 100)
    with out.capture() as captured:
        out.print(renderable)
    out.file.write(captured.get())


def cmd_export(args: argparse.Namespace, out: Console, err: Console) -> int:
    from .export import export_sessions

    config = config_for(args)
    if not (args.ids or args.all or args.client or args.since):
        raise UserError("say which sessions: IDs, --all, --client C or --since YYYY-MM-DD")
    with open_archive(args, config, read_only=True, must_exist=True) as archive:
        _report_problems(err, archive)
        if args.ids:
            ids = [archive.resolve_id(ref) for ref in args.ids]
            chosen = [archive.summary(i) for i in dict.fromkeys(ids)]
            chosen = _select(chosen, args.client, args.since)
        else:
            chosen = _select(archive.sessions(), args.client, args.since)
        if args.format == "rems":
            chosen = _rems_only(archive, chosen, explicit=bool(args.ids))
        if not chosen:
            raise UserError("no session matches")
        folder = Path(args.out or config["export_folder"]).expanduser()
        skipped: list[str] = []
        written = export_sessions(archive, [s.id for s in chosen], folder, fmt=args.format,
                                  clock_settings=config.clock, skipped=skipped,
                                  rems_provider=config.rems_provider)
        if archive.codec is not None:
            err.print(Text("note: the archive is encrypted, but the exported files are not "
                           "encrypted (they are readable by you only, 0600)", style="yellow"))
        # Chosen by a rule (--all, --client, --since), the files that could not be read when
        # the archive opened may belong to it too: a backup is then incomplete.
        missed = len(skipped) + (0 if args.ids else len(archive.unreadable))
    for problem in skipped:
        err.print(line(f"warning: not exported: {problem}", style="yellow"))
    err.print(line(f"exported {plural(len(chosen) - len(skipped), 'session')} to {folder}/ "
                   f"({plural(len(written), 'file')})"))
    if missed:
        err.print(Text(f"kapsession: {plural(missed, 'session')} could not be read and "
                       f"{'was' if missed == 1 else 'were'} not exported (named above)",
                       style="red"))
        return EXIT_USER_ERROR
    return 0


def _rems_only(archive: Archive, chosen: list[SessionSummary], *,
               explicit: bool) -> list[SessionSummary]:
    """The sessions on a REMS protocol; one named by id that is not is a mistake to say."""
    from .model.rems import on_rems

    out = []
    for summary in chosen:
        try:
            rems = on_rems(archive.get(summary.id))
        except KapsessionError:
            out.append(summary)  # the export names it as unreadable
            continue
        if rems:
            out.append(summary)
        elif explicit:
            raise UserError(f"session {summary.id[:8]} is not on a REMS protocol (choose one "
                            "in its preparation)")
    if not out and not explicit:
        raise UserError("no session on a REMS protocol matches")
    return out


def cmd_rems(args: argparse.Namespace, out: Console, err: Console) -> int:
    from .export.rems import pending

    config = config_for(args)
    if args.submitted:
        with _writable_archive(args) as archive:
            archive.mark_rems_submitted(args.submitted)
            sid = archive.resolve_id(args.submitted)
        err.print(line(f"REMS form of session {sid[:8]} marked as submitted"))
        return 0
    with open_archive(args, config, read_only=True, must_exist=True) as archive:
        _report_problems(err, archive)
        sessions = list(archive.iter_sessions())
        rows = pending(sessions, archive.clock())
    if not rows:
        err.print(line("no REMS form waiting to be submitted"))
        return 0
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for column in ("id", "date", "client", "session", "status", "days left"):
        table.add_column(column)
    for s, days in rows:
        left = f"{days}" if days >= 0 else f"overdue by {-days}"
        table.add_row(s.id[:8], _local(s.dosed or s.started, "%Y-%m-%d"), Text(s.client),
                      str(s.session_no), s.status, left)
    out.print(table)
    return 0


def cmd_import(args: argparse.Namespace, out: Console, err: Console) -> int:
    from .export import import_file

    with _writable_archive(args) as archive:
        report = import_file(archive, Path(args.file))
    for sid, reason in report.skipped:
        err.print(line(f"skipped {sid[:8]}: {reason}"))
    out.print(line(f"imported {plural(len(report.added), 'session')}, skipped "
                   f"{len(report.skipped)}"))
    return 0


def cmd_demo_data(args: argparse.Namespace, out: Console, err: Console) -> int:
    from .demo import demo_sessions

    with _writable_archive(args) as archive:
        added = 0
        with archive.bulk():
            for s in demo_sessions(args.sessions, seed=args.seed):
                added += archive.add_existing(s)
    out.print(line(f"added {added:,} synthetic sessions to {archive.path}"))
    return 0


def cmd_init(args: argparse.Namespace, out: Console, err: Console) -> int:
    root = paths.archive_dir(getattr(args, "archive", None))
    if (root / SESSIONS_DIR).is_dir() and any((root / SESSIONS_DIR).iterdir()):
        raise UserError(f"{root} already holds an archive"
                        + ("; use `kapsession encrypt` to encrypt it" if args.encrypt else ""))
    if args.encrypt:
        from .store.crypto import init_encrypted

        init_encrypted(root, ask_passphrase(twice=True))
        out.print(line(f"created an encrypted archive at {root}"))
    else:
        Archive.open(root).close()
        out.print(line(f"created an archive at {root}"))
    return 0


def cmd_encrypt(args: argparse.Namespace, out: Console, err: Console) -> int:
    from .store.crypto import encrypt_archive, init_encrypted, plain_files_in_damaged

    root = paths.archive_dir(getattr(args, "archive", None))
    passphrase = ask_passphrase(twice=True)
    if not (root / SESSIONS_DIR).is_dir():
        init_encrypted(root, passphrase)
        out.print(line(f"created an encrypted archive at {root}"))
        return 0
    count = encrypt_archive(root, passphrase)
    out.print(line(f"encrypted {count} files in {root}"))
    for path in plain_files_in_damaged(root):
        err.print(line(f"warning: {path} was set aside earlier and is not encrypted; review "
                       "and delete it", style="yellow"))
    return 0


def cmd_decrypt(args: argparse.Namespace, out: Console, err: Console) -> int:
    from .store.crypto import decrypt_archive

    root = paths.archive_dir(getattr(args, "archive", None))
    count = decrypt_archive(root, ask_passphrase())
    out.print(line(f"decrypted {count} files in {root}"))
    return 0


def cmd_passphrase(args: argparse.Namespace, out: Console, err: Console) -> int:
    from .store.crypto import change_passphrase, codec_for, require_header

    root = paths.archive_dir(getattr(args, "archive", None))
    require_header(root)
    current = ask_passphrase()
    codec_for(root, current)  # a wrong one is told before the new one is asked for
    change_passphrase(root, current, ask_passphrase(twice=True, new=True))
    out.print(Text(f"changed the passphrase of {root}: only {ENCRYPTION_FILE} was rewritten"))
    err.print(Text(f"note: an older copy of {ENCRYPTION_FILE} (in a backup) still opens the "
                   "archive with the old passphrase; if that passphrase leaked, decrypt and "
                   "encrypt again instead", style="yellow"))
    return 0


def cmd_config(args: argparse.Namespace, out: Console, err: Console) -> int:
    path = paths.config_file(getattr(args, "config", None))
    if args.path:
        out.print(line(str(path)))
        return 0
    if path.exists():
        raise UserError(f"{path} already exists; not overwritten")
    ensure_private_dir(path.parent)
    atomic_write(path, default_config_text().encode("utf-8"))
    out.print(line(f"wrote {path}"))
    return 0


def cmd_conflicts(args: argparse.Namespace, out: Console, err: Console) -> int:
    """Opening the archive merges conflict copies (issue 19); this says what was done, and
    what waits for a person."""
    from .store.conflicts import CONFLICTS_DIR, TO_DECIDE_DIR, merged_earlier, to_decide

    with open_archive(args, config_for(args), must_exist=True) as archive:
        _report_problems(err, archive)
        reports = archive.conflicts()
        root = archive.path
    for report in reports:
        style = "yellow" if report.needs_decision or report.pending else ""
        out.print(line(report.line, style=style), soft_wrap=True)  # a path is not cut
    waiting = to_decide(root)
    for name in waiting:
        out.print(line(f"to decide: {CONFLICTS_DIR}/{TO_DECIDE_DIR}/{name} is another signed "
                       "version of its session; compare it and keep one (docs/sync.md)",
                       style="yellow"), soft_wrap=True)
    # Merged before now (by the app, or an earlier command): what their names tell.
    just_now = {r.kept_as for r in reports}
    earlier = [(c, t) for c, t in merged_earlier(root)
               if f"{CONFLICTS_DIR}/{c.path.name}" not in just_now]
    if earlier:
        out.print(line(f"Merged earlier, kept in {CONFLICTS_DIR}/ (newest first):"))
    for copy, when in earlier[:CONFLICTS_LISTED]:
        written = datetime.fromtimestamp(when).astimezone().strftime("%Y-%m-%d %H:%M")
        out.print(line(f"  session {copy.session_id[:8]}: {copy.tool} conflict copy from "
                       f"{copy.source}, written {written}; kept as "
                       f"{CONFLICTS_DIR}/{copy.path.name}"), soft_wrap=True)
    if len(earlier) > CONFLICTS_LISTED:
        out.print(line(f"  … and {len(earlier) - CONFLICTS_LISTED:,} older ones"))
    if not reports and not waiting and not earlier:
        out.print(line("No conflict copies: none merged, none waiting for a decision."))
    return 0


#: How many copies merged earlier ``kapsession conflicts`` lists (newest first).
CONFLICTS_LISTED = 20


def _remove_stale_demo_folders(max_age_h: float = 12) -> None:
    """A demo whose terminal was closed cannot clean up after itself: its throwaway archive
    (synthetic data only) is removed by a later demo once it is half a day old."""
    cutoff = time.time() - max_age_h * 3600
    for folder in Path(tempfile.gettempdir()).glob("kapsession-demo-*"):
        try:
            if folder.stat().st_mtime < cutoff and folder.owner() == getpass.getuser():
                shutil.rmtree(folder, ignore_errors=True)
        except (OSError, KeyError):
            continue


def make_demo_archive(config: Config, clock: Clock = system_clock) -> Archive:
    """A throwaway archive of sample sessions in a new private temp folder (never the real
    archive), with one live session to resume."""
    from .demo import demo_sessions

    _remove_stale_demo_folders()
    folder = Path(tempfile.mkdtemp(prefix="kapsession-demo-"))
    archive = Archive.open(folder / "archive", thresholds=config.thresholds, clock=clock)
    with archive.bulk():
        for s in demo_sessions(40, seed=7, now=clock(), live=True):
            archive.add_existing(s)
    return archive


def fast_clock(factor: int) -> Clock:
    """A practice clock that runs ``factor`` times faster than the wall clock."""
    start = system_clock()
    origin = time.monotonic()

    def now() -> datetime:
        return start + timedelta(seconds=(time.monotonic() - origin) * factor)

    now.rate = factor  # type: ignore[attr-defined]  # see model.times.clock_rate
    return now


COMMANDS = {
    "list": cmd_list,
    "show": cmd_show,
    "client": cmd_client,
    "due": cmd_due,
    "export": cmd_export,
    "rems": cmd_rems,
    "import": cmd_import,
    "demo-data": cmd_demo_data,
    "init": cmd_init,
    "encrypt": cmd_encrypt,
    "decrypt": cmd_decrypt,
    "passphrase": cmd_passphrase,
    "config": cmd_config,
    "conflicts": cmd_conflicts,
}


def report_bug(exc: BaseException, err: Console) -> None:
    """Print where a bug happened, and ask for a report.

    Only the frames (file, line, function, source line) and each error's type are printed,
    for the error and those it came from: an error's message or a frame's variables may hold
    a note's text, which must never reach a terminal log or a pasted bug report."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        current = current.__cause__ or (None if current.__suppress_context__
                                        else current.__context__)
    parts = []
    for error in reversed(chain):
        if parts:
            parts.append("\nwhich led to:\n\n")
        parts.append("Traceback (most recent call last):\n"
                     + "".join(traceback.format_tb(error.__traceback__))
                     + f"{type(error).__module__}.{type(error).__qualname__} (message withheld: "
                     "it may quote a note)\n")
    err.print(Text("".join(parts).rstrip(), style="red"))
    err.print(line(f"kapsession: this is a bug in kapsession {__version__}, not something you "
                   "did. Please report it with the lines above (they hold no note text; see "
                   "README, Reporting a bug). What was saved before stays saved.", style="red"))


def main(argv: Sequence[str] | None = None,
         run_app: Callable[[argparse.Namespace], int] | None = None) -> int:
    """The command line. Without a subcommand it calls ``run_app`` (the screens): the UI is
    handed in by :mod:`kapsession.launch`, so this module never imports it."""
    out = Console(highlight=False)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    # Warnings go to stderr and name files only; note text is never logged.
    logging.basicConfig(level=os.environ.get("KAPSESSION_LOG", "WARNING").upper(),
                        format="kapsession: %(levelname)s: %(message)s")
    try:
        args = build_parser().parse_args(argv)
        if args.command is None:
            if run_app is None:
                raise UserError("say which command to run (see `kapsession --help`)")
            return run_app(args)
        return COMMANDS[args.command](args, out, err)
    except KapsessionError as exc:
        err.print(line(f"kapsession: {exc}", style="red"))
        return EXIT_USER_ERROR
    except OSError as exc:
        # The system refused (permission, disk full, a folder where a file should be): its
        # words and the file name, not a bug of ours.
        err.print(line(f"kapsession: {exc.strerror or exc}"
                       + (f": {shown_path(str(exc.filename))}" if exc.filename else ""),
                       style="red"))
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug: say so, and show where without what it was about
        report_bug(exc, err)
        return EXIT_BUG
