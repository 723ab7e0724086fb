"""JSON export and import: everything survives the round trip; bad files are refused whole."""

from __future__ import annotations

import os
import re
import stat
import tempfile
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kapsession.demo import demo_sessions
from kapsession.export import (
    ImportFileError,
    export_sessions,
    import_file,
    jsonio,
    parse_import,
    sessions_to_json,
)
from kapsession.model import ChecklistItem, Session, ValidationError, Vitals
from kapsession.store import Archive

CET = timezone(timedelta(hours=1))
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=CET)
SECRET = "SECRET NOTE TEXT"


def clock() -> datetime:
    return NOW


def open_archive(path: Path) -> Archive:
    return Archive.open(path, clock=clock)


def session_with(notes: list[str], *, sid: str = "a" * 32, status: str = "signed") -> Session:
    """A session whose notes (and an edit, a strike and an addendum) use ``notes``."""
    t = datetime(2026, 11, 3, 10, 0, tzinfo=CET)
    s = Session.create(id=sid, now=t, client="C-0042", session_no=1, route="sublingual",
                       dose_mg=150, intention=notes[0] if notes else "",
                       baseline=Vitals.create(systolic=120, diastolic=80, heart_rate=70,
                                              spo2=98))
    s.go_live(t)
    s.mark_dose(t + timedelta(minutes=10))
    for i, text in enumerate(notes):
        s.add_note(t + timedelta(minutes=11 + i), text, flagged=i % 2 == 0)
    s.record_vitals(t + timedelta(minutes=50), Vitals.create(systolic=150, diastolic=92,
                                                             heart_rate=90, spo2=96),
                    flagged=True)
    s.log_side_effect(t + timedelta(minutes=51), "other", notes[-1][:200] if notes else "x")
    if notes:
        s.edit_entry(t + timedelta(minutes=60), s.entries[2].id, notes[-1] + " (edited)")
        s.strike_entry(t + timedelta(minutes=61), s.entries[2].id,
                       notes[0].replace("\n", " ")[:500])
    if status == "live":
        s.set_draft(notes[-1] if notes else "draft")
        return s
    s.finish(t + timedelta(hours=2, minutes=15))
    s.update_integration(integration_notes="\n".join(notes), integration_date=date(2026, 11, 9),
                         discharge_checklist=[ChecklistItem("Alert and oriented", True)],
                         outcomes={"phq9_pre": 12})
    if status == "signed":
        s.sign(t + timedelta(hours=3))
        if notes:
            s.add_addendum(t + timedelta(days=1), notes[0])
    return s


def export_doc(*sessions: Session) -> dict:  # type: ignore[type-arg]
    return orjson.loads(sessions_to_json(sessions, exported=NOW))


def write(path: Path, doc: object) -> Path:
    path.write_bytes(orjson.dumps(doc))
    return path


# ---- round trips -------------------------------------------------------------------------


def test_export_then_import_restores_every_field(tmp_path: Path) -> None:
    sessions = demo_sessions(25, seed=11, now=NOW, live=True)
    sessions.append(session_with(["# heading?", "<b>x</b> | y", "line\n\nbreak"], sid="b" * 32))
    with open_archive(tmp_path / "source") as source:
        for s in sessions:
            source.add_existing(s)
        written = export_sessions(source, [s.id for s in sessions], tmp_path / "out", fmt="json")
    assert len(written) == 1
    assert re.fullmatch(r"kapsession-export-\d{8}-\d{6}\.json", written[0].name)
    assert stat.S_IMODE(written[0].stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "out").stat().st_mode) == 0o700
    doc = orjson.loads(written[0].read_bytes())
    assert doc["format"] == "kapsession-export" and doc["version"] == 1
    assert datetime.fromisoformat(doc["exported"]) == NOW
    with open_archive(tmp_path / "restored") as restored:
        report = import_file(restored, written[0])
        assert sorted(report.added) == sorted(s.id for s in sessions)
        assert report.skipped == []
        for s in sessions:
            assert restored.get(s.id).to_dict() == s.to_dict()
    # Still there after the archive is closed and opened again.
    with open_archive(tmp_path / "restored") as again:
        assert len(again) == len(sessions)
        assert again.get("b" * 32).to_dict() == sessions[-1].to_dict()


def test_one_session_gets_a_file_named_like_its_markdown(tmp_path: Path) -> None:
    s = session_with(["just one"])
    with open_archive(tmp_path / "a") as archive:
        archive.add_existing(s)
        (path,) = export_sessions(archive, [s.id], tmp_path / "out", fmt="json")
    day = s.started.astimezone().date().isoformat()  # type: ignore[union-attr]
    assert path.name == f"{day}_C-0042_s01_aaaaaaaa.json"
    with open_archive(tmp_path / "b") as other:
        assert import_file(other, path).added == [s.id]
        assert other.get(s.id).to_dict() == s.to_dict()


def test_large_exports_are_split_into_parts_that_each_import(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    import kapsession.export as export

    sessions = demo_sessions(12, seed=2, now=NOW)
    monkeypatch.setattr(export, "JSON_PART_BYTES", 60_000)
    with open_archive(tmp_path / "a") as archive:
        for s in sessions:
            archive.add_existing(s)
        written = export_sessions(archive, [s.id for s in sessions], tmp_path / "out", fmt="json")
    assert len(written) > 1
    assert all(re.fullmatch(r"kapsession-export-\d{8}-\d{6}-part\d+\.json", p.name)
               for p in written)
    with open_archive(tmp_path / "b") as other:
        added = [sid for p in written for sid in import_file(other, p).added]
    assert sorted(added) == sorted(s.id for s in sessions)


def test_existing_sessions_are_skipped_never_changed(tmp_path: Path) -> None:
    original = session_with(["what was really said"])
    newer = session_with(["someone changed this"])  # same id, different content
    other = session_with(["another"], sid="c" * 32)
    path = write(tmp_path / "x.json", export_doc(newer, other, other))
    with open_archive(tmp_path / "a") as archive:
        archive.add_existing(original)
        report = import_file(archive, path)
        assert report.added == ["c" * 32]
        assert report.skipped == [("a" * 32, "already in the archive"),
                                  ("c" * 32, "appears more than once in the file")]
        assert archive.get("a" * 32).to_dict() == original.to_dict()
        assert len(archive) == 2
        # Importing the same file twice adds nothing.
        again = import_file(archive, path)
        assert again.added == [] and len(again.skipped) == 3


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(notes=st.lists(st.one_of(
    st.text(min_size=1, max_size=60),
    st.text(alphabet=st.sampled_from(list("#|<>[]()`*_~\\&;-=+.!\n\r\t \x1b\x00\x7f\u2028é")),
            min_size=1, max_size=60)), min_size=1, max_size=6),
    status=st.sampled_from(["live", "ended", "signed"]))
def test_any_text_survives_export_and_import(tmp_path_factory: pytest.TempPathFactory,
                                             notes: list[str], status: str) -> None:
    try:
        original = session_with(notes, status=status)
    except ValidationError:
        assume(False)
    folder = tmp_path_factory.mktemp("roundtrip")
    path = write(folder / "export.json", export_doc(original))
    with open_archive(folder / "archive") as archive:
        assert import_file(archive, path).added == [original.id]
        assert archive.get(original.id).to_dict() == original.to_dict()


# ---- refusals ----------------------------------------------------------------------------


def refused(tmp_path: Path, data: bytes, *, name: str = "bad.json") -> str:
    """Import ``data`` into a fresh archive; it must be refused and the archive left empty."""
    path = tmp_path / name
    path.write_bytes(data)
    with tempfile.TemporaryDirectory(dir=tmp_path) as d, open_archive(Path(d)) as archive:
        with pytest.raises(ImportFileError) as info:
            import_file(archive, path)
        assert len(archive) == 0
    message = str(info.value)
    assert message.startswith(str(path)), message
    assert SECRET not in message
    return message


def good_doc() -> dict:  # type: ignore[type-arg]
    return export_doc(session_with([SECRET, "second"]), session_with([SECRET], sid="d" * 32))


def test_not_json_is_refused(tmp_path: Path) -> None:
    assert "not a JSON file" in refused(tmp_path, b"# a markdown file\n")
    assert "not a JSON file" in refused(tmp_path, b'{"format": "kapsession-export", ')
    assert "not a JSON file" in refused(tmp_path, b"\xff\xfe not utf-8")


def test_other_json_is_refused(tmp_path: Path) -> None:
    assert "not a kapsession export" in refused(tmp_path, b"[1, 2, 3]")
    assert "not a kapsession export" in refused(tmp_path, b'{"sessions": []}')
    assert "not a kapsession export" in refused(
        tmp_path, orjson.dumps({**good_doc(), "format": "something-else"}))


@pytest.mark.parametrize(("version", "expected"), [
    (2, "newer kapsession"), (0, "unknown export version 0"), ("1", "no version"),
    (None, "no version"), (True, "no version"),
])
def test_unknown_versions_are_refused(tmp_path: Path, version: object, expected: str) -> None:
    doc = good_doc()
    doc["version"] = version
    assert expected in refused(tmp_path, orjson.dumps(doc))


def test_sessions_must_be_a_list(tmp_path: Path) -> None:
    doc = good_doc()
    doc["sessions"] = {"a": 1}
    assert '"sessions" is missing or not a list' in refused(tmp_path, orjson.dumps(doc))


def test_files_over_200_mb_are_refused_before_reading(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "huge.json"
    with open(path, "wb") as f:  # sparse: no 200 MB actually written
        f.truncate(jsonio.MAX_IMPORT_BYTES + 1)
    with open_archive(tmp_path / "a") as archive, pytest.raises(ImportFileError) as info:
        import_file(archive, path)
    assert str(info.value).startswith(str(path)) and "at most 200 MB" in str(info.value)
    # parse_import checks the size of what it is given, too (a smaller limit spares memory).
    monkeypatch.setattr(jsonio, "MAX_IMPORT_BYTES", 1024 * 1024)
    with pytest.raises(ImportFileError, match=r"^big\.json: .* at most 1 MB"):
        parse_import(b" " * (1024 * 1024 + 1), "big.json")


def test_a_future_schema_session_refuses_the_file(tmp_path: Path) -> None:
    doc = good_doc()
    doc["sessions"][1]["schema"] = 99
    message = refused(tmp_path, orjson.dumps(doc))
    assert "session 2 (id dddddddd)" in message and "newer kapsession" in message


@pytest.mark.parametrize(("change", "field"), [
    (lambda s: s.update(route="teleport"), "route"),
    (lambda s: s.update(schema=None), "schema"),
    (lambda s: s.update(id="not-an-id"), "id"),
    (lambda s: s.update(id=s["id"] + "\n"), "id"),
    (lambda s: s.update(created="yesterday"), "created"),
    (lambda s: s.update(session_no=0), "session_no"),
    (lambda s: s.update(entries="nope"), "entries"),
    (lambda s: s["entries"][2].update(kind="spell"), "entries[2].kind"),
    (lambda s: s["entries"][2].update(at=None), "entries[2].at"),
    (lambda s: s["entries"][2]["history"][0].update(at=None), "entries[2].history[0].at"),
    (lambda s: s["addenda"][0].update(at=None), "addenda[0].at"),
    (lambda s: s.update(created=None), "created"),
    (lambda s: s["entries"][2].update(text=["a list"]), "entries[2].text"),
    (lambda s: s.update(client=""), "client"),
    (lambda s: s.update(outcomes={"phq9_pre": 99}), "phq9_pre"),
    (lambda s: s["entries"][2].update(text=SECRET * 2000), "entries[2].text"),
    (lambda s: s["entries"][2]["history"][1].update(reason=5), "entries[2].history[1].reason"),
    (lambda s: s["entries"][2]["history"][1].update(event="erase"),
     "entries[2].history[1].event"),
    (lambda s: s.update(intention="x" * 60_000), "intention"),
    (lambda s: s["entries"][1]["values"].update(mg="lots"), "entries[1].values.mg"),
    (lambda s: s["entries"][4]["values"].update(systolic=400), "entries[4].values.systolic"),
    (lambda s: s["entries"][5]["values"].update(effect=[]), "entries[5].values.effect"),
    (lambda s: s["addenda"][0].update(text=None), "addenda[0].text"),
    (lambda s: s.update(therapist=5), "therapist"),
    # Fields whose problem used to quote up to 40 characters of what the file held there.
    (lambda s: s.update(created=SECRET), "created"),
    (lambda s: s.update(started=SECRET + " at noon"), "started"),
    (lambda s: s["entries"][2].update(at=SECRET), "entries[2].at"),
    (lambda s: s.update(integration_date=SECRET), "integration_date"),
    (lambda s: s["entries"][2]["history"][0].update(at=SECRET), "entries[2].history[0].at"),
])
def test_a_malformed_session_refuses_the_file_naming_the_field(
        tmp_path: Path, change: Callable[[dict[str, Any]], object], field: str) -> None:
    doc = good_doc()
    session = doc["sessions"][0]
    # The text a message must never show.
    assert session["entries"][2]["history"][0]["text"] == SECRET
    assert session["entries"][2]["history"][1]["reason"] == SECRET
    change(session)
    message = refused(tmp_path, orjson.dumps(doc))
    assert "session 1" in message
    assert field in message, message


def test_a_session_that_is_not_an_object_refuses_the_file(tmp_path: Path) -> None:
    doc = good_doc()
    doc["sessions"].append("not a session")
    assert "session 3: expected an object" in refused(tmp_path, orjson.dumps(doc))


def test_parse_import_names_the_file() -> None:
    with pytest.raises(ImportFileError, match=r"^backup\.json: not a JSON file"):
        parse_import(b"nope", "backup.json")
    sessions = parse_import(sessions_to_json([session_with(["x"])]), "ok.json")
    assert [s.id for s in sessions] == ["a" * 32]


def test_a_missing_file_is_an_os_error(tmp_path: Path) -> None:
    with open_archive(tmp_path / "a") as archive, pytest.raises(FileNotFoundError):
        import_file(archive, tmp_path / "nothing.json")


@pytest.mark.parametrize("kind", ["device", "fifo", "folder"])
def test_only_a_regular_file_is_imported(tmp_path: Path, kind: str, capsys) -> None:  # noqa: ANN001
    from kapsession.cli import main

    path = {"device": Path("/dev/zero"), "folder": tmp_path}.get(kind, tmp_path / "pipe.json")
    if kind == "fifo":
        os.mkfifo(path)  # no writer: reading it would wait for ever
    with open_archive(tmp_path / "a") as archive, pytest.raises(ImportFileError) as info:
        import_file(archive, path)
    assert str(info.value) == f"{path}: is not a regular file (a folder, device or pipe " \
        "cannot be imported)"
    assert main(["import", str(path), "--archive", str(tmp_path / "b")]) == 1
    err = capsys.readouterr().err
    assert "is not a regular file" in err and len(err.strip().splitlines()) == 1


def test_an_import_file_is_read_no_further_than_the_limit(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import kapsession.export as export

    path = write(tmp_path / "ok.json", good_doc())
    monkeypatch.setattr(export, "MAX_IMPORT_BYTES", path.stat().st_size - 1)
    with open_archive(tmp_path / "a") as archive, pytest.raises(ImportFileError,
                                                                 match="may be at most"):
        import_file(archive, path)
