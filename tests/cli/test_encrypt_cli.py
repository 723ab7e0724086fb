"""Encryption from the command line: init --encrypt, encrypt, decrypt, and opening."""

from __future__ import annotations

from pathlib import Path

import pytest

from kapsession import Archive
from kapsession.cli import main
from kapsession.store import crypto

MARKER = b"ZZ-PLAIN-MARKER"


@pytest.fixture(autouse=True)
def cheap_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    # The strong default (n=2**15) is for real archives; tests keep the suite fast.
    monkeypatch.setattr(crypto, "DEFAULT_N", 2**10)
    for name in ("init_encrypted", "encrypt_archive", "change_passphrase"):
        original = getattr(crypto, name)
        monkeypatch.setattr(crypto, name,
                            lambda root, *p, _o=original, **kw: _o(root, *p, n=2**10))


def files_contain(root: Path, marker: bytes) -> list[str]:
    return [str(p) for p in root.rglob("*") if p.is_file() and marker in p.read_bytes()]


def test_encrypt_list_and_decrypt(tmp_path: Path, capsys, monkeypatch) -> None:  # noqa: ANN001
    root = tmp_path / "a"
    with Archive.open(root) as a:
        s = a.new_session(client="C-1", route="im", live=True, intention=MARKER.decode())
        a.add_note(s.id, MARKER.decode())
    monkeypatch.setenv("KAPSESSION_PASSPHRASE", "correct horse battery")
    assert main(["encrypt", "--archive", str(root)]) == 0
    assert files_contain(root, MARKER) == []
    assert main(["list", "--json", "--archive", str(root)]) == 0
    assert s.id in capsys.readouterr().out
    monkeypatch.setenv("KAPSESSION_PASSPHRASE", "wrong passphrase")
    assert main(["list", "--archive", str(root)]) == 1
    assert "passphrase" in capsys.readouterr().err
    monkeypatch.setenv("KAPSESSION_PASSPHRASE", "correct horse battery")
    assert main(["export", "--all", "--out", str(tmp_path / "out"), "--archive",
                 str(root)]) == 0
    assert "not encrypted" in capsys.readouterr().err
    assert main(["decrypt", "--archive", str(root)]) == 0
    monkeypatch.delenv("KAPSESSION_PASSPHRASE")
    with Archive.open(root) as a:
        assert a.get(s.id).entries[-1].text == MARKER.decode()


def test_init_encrypt_and_no_passphrase_without_a_terminal(tmp_path: Path, capsys,  # noqa: ANN001
                                                           monkeypatch) -> None:  # noqa: ANN001
    root = tmp_path / "b"
    monkeypatch.setenv("KAPSESSION_PASSPHRASE", "correct horse battery")
    assert main(["init", "--encrypt", "--archive", str(root)]) == 0
    assert crypto.is_encrypted(root)
    monkeypatch.delenv("KAPSESSION_PASSPHRASE")
    assert main(["list", "--archive", str(root)]) == 1
    assert "KAPSESSION_PASSPHRASE" in capsys.readouterr().err
    monkeypatch.setenv("KAPSESSION_PASSPHRASE", "short")
    assert main(["init", "--encrypt", "--archive", str(tmp_path / "c")]) == 1
    assert "8" in capsys.readouterr().err


def test_a_large_export_of_an_encrypted_archive(tmp_path: Path, capsys, monkeypatch) -> None:  # noqa: ANN001,E501
    from kapsession.demo import demo_sessions

    root = tmp_path / "big"
    monkeypatch.setenv("KAPSESSION_PASSPHRASE", "correct horse battery")
    assert main(["init", "--encrypt", "--archive", str(root)]) == 0
    with Archive.open(root, passphrase="correct horse battery") as a:
        with a.bulk():
            for s in demo_sessions(210, seed=4):
                a.add_existing(s)
    assert main(["export", "--all", "--out", str(tmp_path / "md"), "--archive",
                 str(root)]) == 0
    assert len(list((tmp_path / "md").glob("*.md"))) == 210


def test_passphrase_changes_the_passphrase_and_only_the_header(tmp_path: Path, capsys,  # noqa: ANN001
                                                               monkeypatch) -> None:  # noqa: ANN001
    root = tmp_path / "a"
    monkeypatch.setenv("KAPSESSION_PASSPHRASE", "correct horse battery")
    assert main(["init", "--encrypt", "--archive", str(root)]) == 0
    with Archive.open(root, passphrase="correct horse battery") as a:
        s = a.new_session(client="C-1", route="im", live=True)
        a.add_note(s.id, MARKER.decode())
    sealed = {p: p.read_bytes() for p in (root / "sessions").iterdir()}
    capsys.readouterr()
    # The new passphrase is checked before anything changes; so is the current one.
    monkeypatch.setenv("KAPSESSION_NEW_PASSPHRASE", "short")
    assert main(["passphrase", "--archive", str(root)]) == 1
    assert "at least 8" in capsys.readouterr().err
    monkeypatch.setenv("KAPSESSION_NEW_PASSPHRASE", "a new and longer one")
    monkeypatch.setenv("KAPSESSION_PASSPHRASE", "not the passphrase")
    assert main(["passphrase", "--archive", str(root)]) == 1
    assert "wrong passphrase" in capsys.readouterr().err
    monkeypatch.setenv("KAPSESSION_PASSPHRASE", "correct horse battery")
    assert main(["passphrase", "--archive", str(root)]) == 0
    out, err = capsys.readouterr()
    assert "changed the passphrase" in out and "old passphrase" in err
    assert {p: p.read_bytes() for p in (root / "sessions").iterdir()} == sealed
    assert main(["list", "--archive", str(root)]) == 1
    monkeypatch.setenv("KAPSESSION_PASSPHRASE", "a new and longer one")
    assert main(["show", s.id, "--archive", str(root)]) == 0
    assert MARKER.decode() in capsys.readouterr().out
    monkeypatch.delenv("KAPSESSION_NEW_PASSPHRASE")
    assert main(["passphrase", "--archive", str(root)]) == 1  # no terminal to ask on
    assert "KAPSESSION_NEW_PASSPHRASE" in capsys.readouterr().err
    plain = tmp_path / "plain"
    Archive.open(plain).close()
    assert main(["passphrase", "--archive", str(plain)]) == 1
    assert "not encrypted" in capsys.readouterr().err


def test_a_missing_header_is_named_and_nothing_is_touched(tmp_path: Path, capsys,  # noqa: ANN001
                                                          monkeypatch) -> None:  # noqa: ANN001
    root = tmp_path / "a"
    monkeypatch.setenv("KAPSESSION_PASSPHRASE", "correct horse battery")
    assert main(["init", "--encrypt", "--archive", str(root)]) == 0
    with Archive.open(root, passphrase="correct horse battery") as a:
        a.new_session(client="C-1", route="im", live=True)
    (root / "encryption.json").unlink()
    (root / "index.json").unlink()
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    capsys.readouterr()
    for command in (["list"], ["encrypt"], ["decrypt"], ["passphrase"],
                    ["export", "--all", "--out", str(tmp_path / "out")]):
        assert main([*command, "--archive", str(root)]) == 1
        err = capsys.readouterr().err
        assert "encryption.json is missing" in err and "Traceback" not in err, command
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before
