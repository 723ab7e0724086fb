"""Child process for the lock tests: one kapsession window, driven line by line.

    lock_child.py ARCHIVE

Opens ARCHIVE (writable if it can), makes sure it has a live session, prints
``ready <session id> <writable|read-only>``, then for each line ``note TEXT`` on stdin adds
that note and prints ``saved TEXT`` once the call returned (acknowledged), or
``refused <error class>``. An empty line or end of input closes the archive and exits.
"""

from __future__ import annotations

import sys

from kapsession import Archive
from kapsession.store import ArchiveError


def main(path: str) -> None:
    archive = Archive.open(path)
    live = archive.live_sessions()
    if live:
        sid = live[0].id
    elif archive.read_only:
        sid = "-"
    else:
        sid = archive.new_session(client="C-LOCK", route="im", dose_mg=50, live=True).id
    print("ready", sid, "read-only" if archive.read_only else "writable", flush=True)
    for line in sys.stdin:
        command, _, text = line.strip().partition(" ")
        if command != "note":
            break
        try:
            archive.add_note(archive.live_sessions()[0].id, text)
        except ArchiveError as exc:
            print("refused", type(exc).__name__, flush=True)
        else:
            print("saved", text, flush=True)
    archive.close()
    print("closed", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
