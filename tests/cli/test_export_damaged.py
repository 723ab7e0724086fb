"""A damaged or unreadable session never stops ``export --all``.

A backup exports everything readable, names (by file, never by content) what it could not,
and exits non-zero. Before: under 200 sessions one damaged file ended the export with "no
session with id …" and nothing written; from 200 up (worker processes) with a
``BrokenProcessPool`` traceback.
"""

from __future__ import annotations

import os
from pathlib import Path

import orjson
import pytest

import kapsession.export as export_module
from kapsession import Archive
from kapsession.cli import main

# Under and over the number of sessions from which markdown is rendered in worker processes.
SMALL, LARGE = 12, export_module._PARALLEL_FROM + 10  # noqa: SLF001


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def make_archive(root: Path, sessions: int, capsys: pytest.CaptureFixture[str]) -> list[str]:
    assert run(capsys, "demo-data", "--sessions", str(sessions), "--seed", "5", "--archive",
               str(root))[0] == 0
    with Archive.open(root) as a:
        return [s.id for s in a.sessions()]


def rot(path: Path) -> None:
    """Garbage over the file, same size and time: the index still trusts it (bit rot)."""
    st = path.stat()
    path.write_bytes(os.urandom(st.st_size))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def garbage(path: Path) -> None:
    """Garbage of another size: seen as changed when the archive opens."""
    path.write_bytes(b"\x00\xff garbage \xfe" * 7)


def folder(path: Path) -> None:
    """Unreadable: a folder where the file was (mode 000 cannot stop root from reading)."""
    path.unlink()
    path.mkdir()


def no_permission(path: Path) -> None:
    path.chmod(0)


DAMAGE = {"rot": rot, "garbage": garbage, "folder": folder, "mode 000": no_permission}


@pytest.mark.parametrize("sessions,damage,fmt", [
    (SMALL, "rot", "md"), (SMALL, "garbage", "md"), (SMALL, "folder", "md"),
    (SMALL, "mode 000", "md"), (SMALL, "rot", "json"), (SMALL, "folder", "json"),
    (LARGE, "rot", "md"), (LARGE, "garbage", "md"), (LARGE, "folder", "md"),
])
def test_export_all_exports_every_readable_session_and_names_the_bad_one(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        sessions: int, damage: str, fmt: str) -> None:
    if damage == "mode 000" and os.geteuid() == 0:
        pytest.skip("running as root, which reads a file of mode 000 anyway; the folder "
                    "variant makes the file unreadable instead")
    root = tmp_path / "arch"
    ids = make_archive(root, sessions, capsys)
    bad = ids[len(ids) // 2]
    DAMAGE[damage](root / "sessions" / f"{bad}.json")
    parallel = []
    real = export_module._markdown_in_processes  # noqa: SLF001
    monkeypatch.setattr(export_module, "_markdown_in_processes",
                        lambda *a: parallel.append(1) or real(*a))

    out = tmp_path / "out"
    code, _, err = run(capsys, "export", "--all", "--format", fmt, "--out", str(out),
                       "--archive", str(root))

    assert code == 1
    assert "Traceback" not in err and "no session with id" not in err
    assert f"{bad}.json" in err and "not exported" in err
    # The large markdown export really went through the worker processes.
    assert bool(parallel) == (fmt == "md" and sessions == LARGE and (os.cpu_count() or 1) > 1)
    if fmt == "md":
        exported = {p.name.rsplit("_", 1)[1].removesuffix(".md") for p in out.iterdir()}
        assert exported == {sid[:8] for sid in ids if sid != bad}
    else:
        [backup] = out.iterdir()
        exported = {s["id"] for s in orjson.loads(backup.read_bytes())["sessions"]}
        assert exported == set(ids) - {bad}
    if damage == "mode 000":
        (root / "sessions" / f"{bad}.json").chmod(0o600)


def test_exporting_a_damaged_session_by_id_names_its_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "arch"
    ids = make_archive(root, SMALL, capsys)
    rot(root / "sessions" / f"{ids[0]}.json")
    code, _, err = run(capsys, "export", ids[0][:8], ids[1][:8], "--out", str(tmp_path / "o"),
                       "--archive", str(root))
    assert code == 1 and f"{ids[0]}.json: is not valid JSON" in err
    [written] = (tmp_path / "o").iterdir()
    assert ids[1][:8] in written.name


def test_a_session_that_will_not_render_is_named_and_the_rest_exported(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "arch"
    ids = make_archive(root, SMALL, capsys)
    real = export_module.render_markdown

    def render(session, **kw):  # noqa: ANN001, ANN003, ANN202
        if session.id == ids[3]:
            raise OverflowError("date value out of range")
        return real(session, **kw)

    monkeypatch.setattr(export_module, "render_markdown", render)
    code, _, err = run(capsys, "export", "--all", "--out", str(tmp_path / "o"), "--archive",
                       str(root))
    assert code == 1 and f"{ids[3]}.json: could not be exported (OverflowError)" in err
    assert len(list((tmp_path / "o").iterdir())) == SMALL - 1


def test_a_clean_archive_still_exports_with_exit_0(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "arch"
    make_archive(root, SMALL, capsys)
    code, _, err = run(capsys, "export", "--all", "--out", str(tmp_path / "o"), "--archive",
                       str(root))
    assert code == 0 and f"exported {SMALL} sessions" in err and "warning" not in err
    assert len(list((tmp_path / "o").iterdir())) == SMALL
