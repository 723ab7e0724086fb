"""Child process for the merge crash test: opens an archive whose sessions/ holds sync conflict
copies (the open merges them: batched writes, one folder sync, then the copies moved) and says
so when the open has returned. The parent kills it with SIGKILL at random moments."""

from __future__ import annotations

import sys

from kapsession import Archive


def main(path: str) -> None:
    print("start", flush=True)
    with Archive.open(path) as archive:
        print("merged", len(archive.conflicts()), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
