"""Timestamps that ISO 8601 allows but no session can have never lock the archive.

``0001-01-01T00:10+01:00`` and ``9999-12-31T23:59-01:00`` parse as datetimes, then overflow
on the way to local time: once stored, ``list``, ``show``, ``export`` and the app ended in
``OverflowError``. They are refused where timestamps are read (import, session files, index
rows) and where they are written.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import orjson
import pytest

from kapsession import Archive
from kapsession.cli import main
from kapsession.store.device_key import device_key
from kapsession.store.index import Index

EXTREMES = ["0001-01-01T00:10+01:00", "9999-12-31T23:59-01:00"]
TIME_FIELDS = ("created", "started", "dosed", "ended", "signed")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def with_times(doc: dict, value: str) -> dict:  # type: ignore[type-arg]
    """The session ``doc`` with every timestamp set to ``value``."""
    for name in TIME_FIELDS:
        if doc.get(name):
            doc[name] = value
    for entry in doc["entries"]:
        entry["at"] = value
    return doc


def all_commands_work(capsys: pytest.CaptureFixture[str], archive: Path, out: Path,
                      good: str) -> None:
    code, listed, err = run(capsys, "list", "--json", "--archive", str(archive))
    assert code == 0, err
    assert good in [row["id"] for row in json.loads(listed)]
    code, shown, err = run(capsys, "show", good[:8], "--archive", str(archive))
    assert code == 0 and good in shown, err
    code, _, err = run(capsys, "export", "--all", "--out", str(out), "--archive", str(archive))
    assert "Traceback" not in err
    assert any(good[:8] in p.name for p in out.iterdir())


@pytest.fixture
def filled(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "arch"
    assert run(capsys, "demo-data", "--sessions", "3", "--seed", "4", "--archive",
               str(path))[0] == 0
    return path


@pytest.mark.parametrize("value", EXTREMES)
def test_an_import_with_an_extreme_timestamp_is_refused_and_nothing_locks(
        filled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str) -> None:
    code, _, err = run(capsys, "export", "--all", "--format", "json", "--out",
                       str(tmp_path / "backup"), "--archive", str(filled))
    assert code == 0, err
    [backup] = (tmp_path / "backup").iterdir()
    doc = orjson.loads(backup.read_bytes())
    good = doc["sessions"][0]["id"]
    odd = with_times(dict(doc["sessions"][1]), value)
    odd["id"] = "a" * 32
    doc["sessions"] = [odd]
    bad = tmp_path / "odd.json"
    bad.write_bytes(orjson.dumps(doc))

    code, out, err = run(capsys, "import", str(bad), "--archive", str(filled))
    assert code == 1
    assert "created" in err and "1970–2200" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    all_commands_work(capsys, filled, tmp_path / "md", good)


@pytest.mark.parametrize("value", EXTREMES)
def test_a_session_file_with_an_extreme_timestamp_is_set_aside(
        filled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str) -> None:
    with Archive.open(filled) as a:
        good, odd = [s.id for s in a.sessions()][:2]
    path = filled / "sessions" / f"{odd}.json"
    stored = orjson.loads(path.read_bytes())
    with_times(stored["session"]["1"], value)
    path.write_bytes(orjson.dumps(stored))
    # The index row says the same, with the file's new size and time, as a kapsession that
    # accepted the value would have written it: the row must not be trusted either.
    index = orjson.loads((filled / "index.json").read_bytes())
    [table] = index["sessions"].values()
    fields = table["fields"]
    st = os.stat(path)
    for row in table["rows"]:
        if row[0] == odd:
            for name in TIME_FIELDS:
                if row[fields.index(name)]:
                    row[fields.index(name)] = value
            row[fields.index("mtime_ns")], row[fields.index("size")] = st.st_mtime_ns, st.st_size
    # Written under this device's key: the row is believed as far as it makes sense.
    Index(filled / "index.json", key=device_key()).write(table["rows"])

    # Read-only (the commands): left in place and named; everything else works.
    code, out, err = run(capsys, "list", "--archive", str(filled))
    assert code == 0 and f"{odd}.json" in err and "1970–2200" in err, err
    code, out, err = run(capsys, "show", odd[:8], "--archive", str(filled))
    assert code == 1 and err.count(f"{odd}.json: has a bad field: created: outside") == 2
    all_commands_work(capsys, filled, tmp_path / "md", good)
    # Writable (the app): set aside in damaged/, named; the rest opens.
    with Archive.open(filled) as a:
        assert odd not in [s.id for s in a.sessions()] and len(a.sessions()) == 2
        assert any(f"{odd}.json" in p and "damaged" in p for p in a.problems)
    assert not path.exists()
    assert [p.name.startswith(f"{odd}.json") for p in (filled / "damaged").iterdir()] == [True]


def test_a_session_that_still_fails_to_render_is_named_never_a_traceback(
        filled: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    import kapsession.cli as cli
    import kapsession.terminal as terminal

    with Archive.open(filled) as a:
        odd, good = [s.id for s in a.sessions()][:2]
        odd_date = a.summary(odd).date
    real_local = cli._local  # noqa: SLF001

    def local(dt, *args):  # noqa: ANN001, ANN002, ANN202
        if dt == odd_date:
            raise OverflowError("date value out of range")
        return real_local(dt, *args)

    def render(session, config):  # noqa: ANN001, ANN202
        raise OverflowError("date value out of range")

    monkeypatch.setattr(cli, "_local", local)
    code, out, err = run(capsys, "list", "--archive", str(filled))
    assert code == 1 and good[:8] in out and odd[:8] not in out
    assert f"{odd}.json) could not be shown (OverflowError)" in err and "Traceback" not in err
    monkeypatch.setattr(terminal, "render_session", render)
    code, out, err = run(capsys, "show", good[:8], "--archive", str(filled))
    assert code == 1 and out == "" and "Traceback" not in err
    assert f"{good}.json) could not be shown (OverflowError)" in err
