"""Child process for the crash test: writes to an archive in a loop and acknowledges each
operation on stdout only after the archive call returned. The parent kills it with SIGKILL."""

from __future__ import annotations

import sys

from kapsession import Archive


def main(path: str, start: int) -> None:
    archive = Archive.open(path)
    assert not archive.read_only, "the previous writer's lock should be gone"
    live = archive.live_sessions()
    sid = live[0].id if live else archive.new_session(client="C-CRASH", route="im",
                                                      dose_mg=50, live=True).id
    if archive.get(sid).dosed is None:
        archive.mark_dose(sid)
    print("ready", sid, flush=True)
    n = start
    while True:
        n += 1
        entry = archive.add_note(sid, f"note-{n}")
        print("note", entry.id, f"note-{n}", flush=True)
        if n % 5 == 0:
            archive.record_vitals(sid, systolic=120 + n % 50, diastolic=80, heart_rate=70,
                                  spo2=98)
            print("vitals", n, flush=True)
        if n % 7 == 0:
            archive.edit_entry(sid, entry.id, f"edited-{n}")
            print("edit", entry.id, f"edited-{n}", flush=True)
        if n % 11 == 0:
            archive.save_draft(sid, f"draft-{n}")
            print("draft", f"draft-{n}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
