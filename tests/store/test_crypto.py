"""Encryption at rest: sealed files, passphrases, tampering, and conversions that survive
SIGKILL at any moment.

The kill tests run 20 kills per direction in the normal suite; ``KAPSESSION_KILLS=200
pytest -m crash`` for the full run (``KAPSESSION_CRASH_SEED`` changes the moments).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from base64 import b64decode, b64encode
from pathlib import Path
from typing import Any

import orjson
import pytest

from kapsession import Archive
from kapsession.store.crypto import (
    DEFAULT_N,
    ENCRYPTION_FILE,
    SEALED_MAGIC,
    DamagedHeader,
    PassphraseRequired,
    WrongPassphrase,
    change_passphrase,
    check_passphrase,
    codec_for,
    decrypt_archive,
    encrypt_archive,
    init_encrypted,
    plain_files_in_damaged,
)
from kapsession.store.errors import ArchiveError, MissingHeader
from kapsession.store.storage import DamagedFile
from tests.conftest import FrozenClock

PASSPHRASE = "correct horse battery"
NEW_PASSPHRASE = "staple of the new key"
FAST_N = 2**10  # the KDF cost for tests; the default is checked on its own below
MARKER = "ZZCRYPT7731"
KILLS = int(os.environ.get("KAPSESSION_KILLS", "20"))
SEED = int(os.environ.get("KAPSESSION_CRASH_SEED", "1"))
CHILD = Path(__file__).with_name("crypto_convert_child.py")
REPO = Path(__file__).parents[2]


# ---- helpers ----------------------------------------------------------------------------


def fill(archive: Archive, clock: FrozenClock, count: int) -> None:
    """Sessions whose client code, intention, notes and draft all carry the marker."""
    with archive.bulk():
        for i in range(count):
            s = archive.new_session(client=f"C-{MARKER}-{i}", route="im", dose_mg=50,
                                    intention=f"intention {MARKER} {i}", live=True)
            archive.mark_dose(s.id)
            archive.add_note(s.id, f"note {MARKER} {i}")
            archive.save_draft(s.id, f"draft {MARKER} {i}")
            if i % 3 == 0:
                archive.end_session(s.id)
            clock.advance(minutes=7)


def snapshot(archive: Archive) -> dict[str, dict[str, Any]]:
    return {s.id: archive.get(s.id).to_dict() for s in archive.sessions()}


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def files_with(root: Path, text: str) -> list[str]:
    needle = text.encode()
    return [str(p.relative_to(root)) for p in files_under(root) if needle in p.read_bytes()]


def data_files(root: Path) -> list[Path]:
    """The files a conversion rewrites (as the archive names them)."""
    sessions = [p for p in (root / "sessions").glob("*.json") if not p.name.startswith(".")]
    index = [root / "index.json"] if (root / "index.json").exists() else []
    return sorted(sessions) + index


def state(root: Path) -> str | None:
    try:
        return orjson.loads((root / ENCRYPTION_FILE).read_bytes())["state"]
    except FileNotFoundError:
        return None


def plain_archive(root: Path, clock: FrozenClock, count: int) -> dict[str, dict[str, Any]]:
    with Archive.open(root, clock=clock) as archive:
        fill(archive, clock, count)
        return snapshot(archive)


def reopen(root: Path, passphrase: str | None = PASSPHRASE, **kw: Any) -> tuple[
        dict[str, dict[str, Any]], list[str]]:
    with Archive.open(root, passphrase=passphrase, **kw) as archive:
        return snapshot(archive), list(archive.problems)


def flip_byte(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


# ---- the passphrase and the key ---------------------------------------------------------


def test_passphrase_needs_eight_characters(tmp_path: Path) -> None:
    for short in ("", "1234567", "äöüßéñç"):
        with pytest.raises(ValueError, match="at least 8 characters") as err:
            check_passphrase(short)
        assert short not in str(err.value) or not short
    check_passphrase("12345678")
    with pytest.raises(ValueError):
        init_encrypted(tmp_path / "a", "short", n=FAST_N)
    assert not (tmp_path / "a" / ENCRYPTION_FILE).exists()


def test_the_same_passphrase_opens_in_any_unicode_form_or_from_raw_bytes(tmp_path: Path) -> None:
    import unicodedata

    typed = "Pässphrase über alles"
    init_encrypted(tmp_path / "a", unicodedata.normalize("NFC", typed), n=FAST_N)
    with Archive.open(tmp_path / "a", passphrase=unicodedata.normalize("NFD", typed)):
        pass
    # An environment variable that is not UTF-8 reaches Python with its bytes escaped.
    raw = os.fsdecode(b"latin-1 p\xe4ssphrase")
    init_encrypted(tmp_path / "b", raw, n=FAST_N)
    with Archive.open(tmp_path / "b", passphrase=raw):
        pass
    with pytest.raises(WrongPassphrase):
        Archive.open(tmp_path / "b", passphrase=os.fsdecode(b"latin-1 p\xe5ssphrase"))


def test_default_key_derivation_is_scrypt_2_15_with_a_salt_per_archive(tmp_path: Path) -> None:
    assert DEFAULT_N == 2**15
    init_encrypted(tmp_path / "a", PASSPHRASE)
    init_encrypted(tmp_path / "b", PASSPHRASE)
    headers = [orjson.loads((tmp_path / n / ENCRYPTION_FILE).read_bytes()) for n in "ab"]
    for header in headers:
        assert header["kdf"]["name"] == "scrypt"
        assert (header["kdf"]["n"], header["kdf"]["r"], header["kdf"]["p"]) == (2**15, 8, 1)
        assert header["cipher"] == "AES-256-GCM"
        assert header["state"] == "encrypted"
        assert PASSPHRASE not in str(header)
    assert headers[0]["kdf"]["salt"] != headers[1]["kdf"]["salt"]
    assert headers[0]["data_key"] != headers[1]["data_key"]
    assert all(h["version"] == 2 and len(b64decode(h["data_key"])) == 60 for h in headers)
    # The stored parameters are the ones used: the archive opens with its passphrase.
    with Archive.open(tmp_path / "a", passphrase=PASSPHRASE) as archive:
        assert len(archive) == 0


def test_codec_seals_with_a_fresh_nonce_and_binds_the_file_name(tmp_path: Path) -> None:
    init_encrypted(tmp_path / "a", PASSPHRASE, n=FAST_N)
    codec = codec_for(tmp_path / "a", PASSPHRASE)
    path = tmp_path / "a" / "sessions" / "one.json"
    data = b'{"secret": "%s"}' % MARKER.encode()
    first, second = codec.encode(data, path), codec.encode(data, path)
    assert first.startswith(SEALED_MAGIC) and second.startswith(SEALED_MAGIC)
    assert first != second  # a new nonce per write
    assert MARKER.encode() not in first
    assert codec.decode(first, path) == data
    with pytest.raises(DamagedFile, match="authentication failed") as err:
        codec.decode(first, path.with_name("two.json"))
    assert err.value.path.name == "two.json"
    assert repr(codec) == "SealedCodec(state='encrypted')"  # no key in logs or tracebacks


# ---- an encrypted archive ---------------------------------------------------------------


def test_round_trip_writes_no_plain_text_anywhere(tmp_path: Path, clock: FrozenClock) -> None:
    root = tmp_path / "enc"
    init_encrypted(root, PASSPHRASE, n=FAST_N)
    assert (root.stat().st_mode & 0o777) == 0o700
    with Archive.open(root, clock=clock, passphrase=PASSPHRASE) as archive:
        s = archive.new_session(client=f"C-{MARKER}", route="im", dose_mg=50, live=True,
                                intention=f"intention {MARKER}")
        archive.mark_dose(s.id)
        archive.add_note(s.id, f"note {MARKER}")
        archive.save_draft(s.id, f"draft {MARKER}")
        archive.end_session(s.id)
        archive.update_integration(s.id, integration_notes=f"integration {MARKER}")
        before = snapshot(archive)
    after, problems = reopen(root)
    assert problems == []
    assert after == before
    assert after[s.id]["client"] == f"C-{MARKER}"
    assert after[s.id]["draft"] == f"draft {MARKER}"
    assert files_with(root, MARKER) == []
    for path in data_files(root):
        assert path.read_bytes().startswith(SEALED_MAGIC), path.name
    assert (root / "index.json") in data_files(root)
    for path in files_under(root):
        assert (path.stat().st_mode & 0o777) == 0o600, path.name
    # The same story in a plain archive does leave the marker on disk: the check can fail.
    plain_archive(tmp_path / "plain", clock, 1)
    assert files_with(tmp_path / "plain", MARKER)


def test_wrong_or_missing_passphrase_is_refused_and_leaves_no_lock(tmp_path: Path,
                                                                    clock: FrozenClock) -> None:
    root = tmp_path / "enc"
    init_encrypted(root, PASSPHRASE, n=FAST_N)
    with Archive.open(root, clock=clock, passphrase=PASSPHRASE) as archive:
        fill(archive, clock, 2)
        before = snapshot(archive)
    messages = []
    for wrong in ("correct horse batterY", "not the passphrase at all"):
        with pytest.raises(WrongPassphrase) as err:
            Archive.open(root, passphrase=wrong)
        messages.append(str(err.value))
        assert wrong not in str(err.value)
    for missing in (None, ""):
        with pytest.raises(PassphraseRequired, match="KAPSESSION_PASSPHRASE") as err2:
            Archive.open(root, passphrase=missing)
        messages.append(str(err2.value))
    assert all(PASSPHRASE not in m and MARKER not in m for m in messages)
    with Archive.open(root, passphrase=PASSPHRASE) as archive:
        assert not archive.read_only  # the failed opens released the lock
        assert snapshot(archive) == before


def test_a_changed_session_file_is_set_aside_and_the_rest_load(tmp_path: Path,
                                                               clock: FrozenClock) -> None:
    root = tmp_path / "enc"
    init_encrypted(root, PASSPHRASE, n=FAST_N)
    with Archive.open(root, clock=clock, passphrase=PASSPHRASE) as archive:
        fill(archive, clock, 3)
        before = snapshot(archive)
    victim, *others = sorted(before)
    path = root / "sessions" / f"{victim}.json"
    flip_byte(path, len(path.read_bytes()) // 2)
    after, problems = reopen(root)
    assert len(problems) == 1
    assert f"{victim}.json" in problems[0] and "authentication failed" in problems[0]
    assert MARKER not in problems[0]
    assert after == {sid: before[sid] for sid in others}
    assert not path.exists()
    assert [p.name.split(".")[0] for p in (root / "damaged").iterdir()] == [victim]


def test_a_sealed_file_put_in_place_of_another_fails(tmp_path: Path, clock: FrozenClock) -> None:
    root = tmp_path / "enc"
    init_encrypted(root, PASSPHRASE, n=FAST_N)
    with Archive.open(root, clock=clock, passphrase=PASSPHRASE) as archive:
        fill(archive, clock, 3)
        before = snapshot(archive)
    source, target, rest = sorted(before)
    shutil.copyfile(root / "sessions" / f"{source}.json", root / "sessions" / f"{target}.json")
    after, problems = reopen(root)
    assert len(problems) == 1 and f"{target}.json" in problems[0]
    assert "authentication failed" in problems[0]
    assert after == {source: before[source], rest: before[rest]}


def test_a_plain_file_in_an_encrypted_archive_is_refused(tmp_path: Path,
                                                         clock: FrozenClock) -> None:
    plain = tmp_path / "plain"
    original = plain_archive(plain, clock, 1)
    root = tmp_path / "enc"
    init_encrypted(root, PASSPHRASE, n=FAST_N)
    (sid,) = original
    shutil.copyfile(plain / "sessions" / f"{sid}.json", root / "sessions" / f"{sid}.json")
    after, problems = reopen(root)
    assert after == {}
    assert len(problems) == 1 and f"{sid}.json" in problems[0]


def test_the_header_state_cannot_be_changed_without_the_key(tmp_path: Path) -> None:
    root = tmp_path / "enc"
    init_encrypted(root, PASSPHRASE, n=FAST_N)
    header = orjson.loads((root / ENCRYPTION_FILE).read_bytes())
    header["state"] = "encrypting"  # would let plain files in
    (root / ENCRYPTION_FILE).write_bytes(orjson.dumps(header))
    with pytest.raises(DamagedHeader, match="state"):
        Archive.open(root, passphrase=PASSPHRASE)
    (root / ENCRYPTION_FILE).write_bytes(b'{"format": "kapsession-encryption", "vers')
    with pytest.raises(DamagedHeader, match="not valid JSON"):
        Archive.open(root, passphrase=PASSPHRASE)
    with Archive.open(tmp_path / "other") as archive:  # and the lock was released each time
        assert not archive.read_only
    (root / ENCRYPTION_FILE).unlink()
    with Archive.open(root) as archive:
        assert not archive.read_only


# ---- converting an existing archive -----------------------------------------------------


def test_encrypt_then_decrypt_an_archive_in_place(tmp_path: Path, clock: FrozenClock) -> None:
    root = tmp_path / "a"
    before = plain_archive(root, clock, 5)
    assert files_with(root, MARKER)
    assert encrypt_archive(root, PASSPHRASE, n=FAST_N) == 6  # five sessions and the index
    assert state(root) == "encrypted"
    assert files_with(root, MARKER) == []
    assert all(p.read_bytes().startswith(SEALED_MAGIC) for p in data_files(root))
    with pytest.raises(PassphraseRequired):
        Archive.open(root)
    after, problems = reopen(root)
    assert (after, problems) == (before, [])
    assert files_with(root, MARKER) == []  # the index the open rewrote is sealed too

    assert decrypt_archive(root, PASSPHRASE) == 6
    assert not (root / ENCRYPTION_FILE).exists()
    for path in data_files(root):
        assert path.read_bytes().startswith(b"{"), path.name
        orjson.loads(path.read_bytes())
    assert files_with(root, MARKER)
    after, problems = reopen(root, passphrase=None)
    assert (after, problems) == (before, [])


def test_conversions_refuse_what_they_cannot_do(tmp_path: Path, clock: FrozenClock) -> None:
    root = tmp_path / "a"
    before = plain_archive(root, clock, 2)
    messages = []
    with pytest.raises(ArchiveError, match="not encrypted") as err:
        decrypt_archive(root, PASSPHRASE)
    messages.append(str(err.value))
    with pytest.raises(ValueError, match="at least 8"):
        encrypt_archive(root, "short", n=FAST_N)
    assert state(root) is None
    with Archive.open(root):  # another window holds the lock
        with pytest.raises(ArchiveError, match="open in another") as err:
            encrypt_archive(root, PASSPHRASE, n=FAST_N)
        messages.append(str(err.value))
    assert state(root) is None and files_with(root, MARKER)
    encrypt_archive(root, PASSPHRASE, n=FAST_N)
    with pytest.raises(ArchiveError, match="already encrypted") as err:
        encrypt_archive(root, PASSPHRASE, n=FAST_N)
    messages.append(str(err.value))
    with pytest.raises(ArchiveError, match="already"):
        init_encrypted(root, PASSPHRASE, n=FAST_N)
    sealed = {p: p.read_bytes() for p in data_files(root)}
    with pytest.raises(WrongPassphrase):
        decrypt_archive(root, "not the passphrase")
    with pytest.raises(ArchiveError, match="no archive"):
        encrypt_archive(tmp_path / "missing", PASSPHRASE, n=FAST_N)
    assert {p: p.read_bytes() for p in data_files(root)} == sealed
    assert state(root) == "encrypted"
    assert reopen(root) == (before, [])
    assert all(PASSPHRASE not in m and MARKER not in m for m in messages)


def test_encryption_removes_plain_temp_files_a_killed_writer_left(tmp_path: Path,
                                                                  clock: FrozenClock) -> None:
    root = tmp_path / "a"
    before = plain_archive(root, clock, 2)
    sid = sorted(before)[0]
    # What atomic_write leaves when its process dies between writing the temp and renaming.
    (root / ".index.json.0badf00d.tmp").write_bytes((root / "index.json").read_bytes())
    (root / "sessions" / f".{sid}.json.0badf00d.tmp").write_bytes(
        (root / "sessions" / f"{sid}.json").read_bytes())
    encrypt_archive(root, PASSPHRASE, n=FAST_N)
    assert files_with(root, MARKER) == []
    assert reopen(root) == (before, [])


def test_decrypt_stops_before_changing_anything_when_a_file_is_damaged(
        tmp_path: Path, clock: FrozenClock) -> None:
    root = tmp_path / "a"
    before = plain_archive(root, clock, 3)
    encrypt_archive(root, PASSPHRASE, n=FAST_N)
    victim = sorted(before)[1]
    path = root / "sessions" / f"{victim}.json"
    flip_byte(path, len(path.read_bytes()) - 3)
    sealed = {p: p.read_bytes() for p in data_files(root)}
    with pytest.raises(ArchiveError, match=f"{victim}.json") as err:
        decrypt_archive(root, PASSPHRASE)
    assert "nothing was changed" in str(err.value) and MARKER not in str(err.value)
    assert {p: p.read_bytes() for p in data_files(root)} == sealed
    assert state(root) == "encrypted"
    after, problems = reopen(root)  # sets the damaged file aside
    assert len(problems) == 1 and after == {k: v for k, v in before.items() if k != victim}
    decrypt_archive(root, PASSPHRASE)
    assert reopen(root, passphrase=None)[0] == after


def test_plain_files_already_in_damaged_are_reported_after_encryption(
        tmp_path: Path, clock: FrozenClock) -> None:
    root = tmp_path / "a"
    before = plain_archive(root, clock, 2)
    victim = sorted(before)[0]
    path = root / "sessions" / f"{victim}.json"
    path.write_bytes(path.read_bytes()[:-30])  # torn
    reopen(root, passphrase=None)
    encrypt_archive(root, PASSPHRASE, n=FAST_N)
    leftovers = plain_files_in_damaged(root)
    assert [p.name.split(".")[0] for p in leftovers] == [victim]
    assert [str(p.relative_to(root)) for p in leftovers] == files_with(root, MARKER)


# ---- SIGKILL during a conversion --------------------------------------------------------


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> tuple[
        Path, Path, dict[str, dict[str, Any]]]:
    """A plain and an encrypted copy of the same 30-session archive, and the sessions."""
    base = tmp_path_factory.mktemp("templates")
    plain = base / "plain"
    original = plain_archive(plain, FrozenClock(), 30)
    encrypted = base / "encrypted"
    shutil.copytree(plain, encrypted)
    encrypt_archive(encrypted, PASSPHRASE, n=FAST_N)
    assert reopen(encrypted) == (original, [])
    return plain, encrypted, original


def start_child(direction: str, root: Path, die_at: int | None = None) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "KAPSESSION_TEST_PASSPHRASE": PASSPHRASE,
           "KAPSESSION_TEST_NEW_PASSPHRASE": NEW_PASSPHRASE}
    args = [sys.executable, str(CHILD), direction, str(root), str(FAST_N)]
    if die_at is not None:
        args.append(str(die_at))
    child = subprocess.Popen(args, stdout=subprocess.PIPE, text=True, env=env)
    assert child.stdout is not None
    assert child.stdout.readline().split() == ["ready"]
    return child


def finish_child(child: subprocess.Popen[str]) -> list[str]:
    assert child.stdout is not None
    out = child.stdout.read().split()
    child.stdout.close()
    child.wait()
    return out


def calibrate(direction: str, source: Path, work: Path) -> tuple[float, int]:
    """How long a whole conversion takes, and how many file-system steps it makes."""
    shutil.copytree(source, work)
    child = start_child(direction, work)
    done = finish_child(child)
    assert child.returncode == 0 and done[0] == "done", done
    shutil.rmtree(work)
    return float(done[2]), int(done[3])


def check_after_kill(direction: str, root: Path, original: dict[str, dict[str, Any]],
                     writable: bool) -> str:
    """The archive opens and holds every session; returns what state the kill left."""
    found = state(root)
    sealed = sum(p.read_bytes().startswith(SEALED_MAGIC) for p in data_files(root))
    if found is None:
        # No header: never started encrypting, or finished decrypting. Either way: plain.
        assert sealed == 0, (direction, sealed)
    if found == "encrypted":
        assert sealed == len(data_files(root))
    # A read-only open changes nothing, so the conversion resumes from the killed state.
    passphrase = PASSPHRASE if found else None
    assert reopen(root, passphrase, read_only=True) == (original, [])
    if writable:  # and a writing open in the middle of a conversion is fine too
        assert reopen(root, passphrase) == (original, [])
    if found in ("encrypting", "decrypting"):
        return "halfway" if 0 < sealed < len(data_files(root)) else "started"
    return str(found)


def finish_and_check(direction: str, root: Path, original: dict[str, dict[str, Any]]) -> None:
    """Running the same command again completes the conversion."""
    if direction == "encrypt":
        if state(root) != "encrypted":
            encrypt_archive(root, PASSPHRASE, n=FAST_N)
        assert state(root) == "encrypted"
        assert all(p.read_bytes().startswith(SEALED_MAGIC) for p in data_files(root))
        assert files_with(root, MARKER) == []
        assert reopen(root) == (original, [])
        assert files_with(root, MARKER) == []
    else:
        if state(root) is not None:
            decrypt_archive(root, PASSPHRASE)
        assert state(root) is None
        assert all(p.read_bytes().startswith(b"{") for p in data_files(root))
        assert reopen(root, passphrase=None) == (original, [])
    assert not (root / "damaged").exists()


@pytest.mark.crash
@pytest.mark.parametrize("direction", ["encrypt", "decrypt"])
def test_sigkill_at_random_moments_during_a_conversion_loses_nothing(
        direction: str, templates: tuple[Path, Path, dict[str, dict[str, Any]]],
        tmp_path: Path) -> None:
    plain, encrypted, original = templates
    source = plain if direction == "encrypt" else encrypted
    rng = random.Random(f"{SEED}-{direction}-timed")
    seconds, _ = calibrate(direction, source, tmp_path / "calibrate")
    outcomes: list[str] = []
    for kill in range(KILLS):
        root = tmp_path / f"kill-{kill}"
        shutil.copytree(source, root)
        child = start_child(direction, root)
        time.sleep(rng.uniform(0.0, seconds * 1.2))
        child.send_signal(signal.SIGKILL)
        finish_child(child)
        outcome = check_after_kill(direction, root, original, writable=kill % 2 == 0)
        outcomes.append(outcome)
        # A busy machine makes one conversion slower or faster than the calibrated one: aim
        # the next kill earlier when this one came after the end, later when before the start.
        if outcome == {"encrypt": "encrypted", "decrypt": "None"}[direction]:
            seconds *= 0.75
        elif outcome == {"encrypt": "None", "decrypt": "encrypted"}[direction]:
            seconds *= 1.25
        finish_and_check(direction, root, original)
        shutil.rmtree(root)
    # The kills really landed inside conversions, not only before or after them.
    assert sum(o in ("halfway", "started") for o in outcomes) >= max(1, KILLS // 4), outcomes


@pytest.mark.crash
@pytest.mark.parametrize("direction", ["encrypt", "decrypt"])
def test_sigkill_before_any_file_system_step_loses_nothing(
        direction: str, templates: tuple[Path, Path, dict[str, dict[str, Any]]],
        tmp_path: Path) -> None:
    plain, encrypted, original = templates
    source = plain if direction == "encrypt" else encrypted
    rng = random.Random(f"{SEED}-{direction}-steps")
    _, steps = calibrate(direction, source, tmp_path / "calibrate")
    assert steps > 4 * 31  # write, fsync, rename and folder fsync for each file
    # The first and last few steps (header writes) always; the rest sampled.
    points = sorted({1, 2, 3, 4, 5, steps - 4, steps - 3, steps - 2, steps - 1, steps,
                     *rng.sample(range(6, steps - 4), min(KILLS // 2, steps - 10))})
    outcomes = []
    for die_at in points:
        root = tmp_path / f"step-{die_at}"
        shutil.copytree(source, root)
        child = start_child(direction, root, die_at)
        assert finish_child(child) == [] and child.returncode == -signal.SIGKILL
        outcomes.append(check_after_kill(direction, root, original, writable=die_at % 2 == 0))
        finish_and_check(direction, root, original)
        shutil.rmtree(root)
    assert outcomes.count("halfway") >= len(points) - 12, list(zip(points, outcomes, strict=True))


def test_an_unfinished_conversion_can_be_turned_around(
        templates: tuple[Path, Path, dict[str, dict[str, Any]]], tmp_path: Path) -> None:
    plain, encrypted, original = templates
    for direction, source, back in (("encrypt", plain, "decrypt"),
                                    ("decrypt", encrypted, "encrypt")):
        _, steps = calibrate(direction, source, tmp_path / "calibrate")
        root = tmp_path / direction
        shutil.copytree(source, root)
        finish_child(start_child(direction, root, steps // 2))
        assert check_after_kill(direction, root, original, writable=False) == "halfway"
        # Killed again just after the header was rewritten: it names the new direction.
        finish_child(start_child(back, root, 5))
        assert state(root) == f"{back}ing"
        assert check_after_kill(back, root, original, writable=False) == "halfway"
        finish_and_check(back, root, original)


# ---- the header: bounded, authenticated, and the passphrase only wraps the data key -----


def encrypted_archive(root: Path, clock: FrozenClock, count: int) -> dict[str, dict[str, Any]]:
    init_encrypted(root, PASSPHRASE, n=FAST_N)
    with Archive.open(root, clock=clock, passphrase=PASSPHRASE) as archive:
        fill(archive, clock, count)
        return snapshot(archive)


def header(root: Path) -> dict[str, Any]:
    return orjson.loads((root / ENCRYPTION_FILE).read_bytes())


def write_header(root: Path, data: dict[str, Any]) -> None:
    (root / ENCRYPTION_FILE).write_bytes(orjson.dumps(data))


def file_bytes(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in data_files(root)}


@pytest.mark.parametrize("kdf", [
    {"n": 2**20, "r": 8, "p": 1},  # 1 GiB
    {"n": 2**20, "r": 32, "p": 16},  # what the first format allowed: 4 GiB, minutes
    {"n": 2**18, "r": 8, "p": 1},
    {"n": 2**15, "r": 9, "p": 1},
    {"n": 2**15, "r": 8, "p": 2},
    {"n": 2**9, "r": 8, "p": 1},
    {"n": 3 * 2**12, "r": 8, "p": 1},
    {"n": True, "r": 8, "p": 1},
])
def test_a_header_asking_for_other_scrypt_costs_is_refused_before_deriving(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kdf: dict[str, Any]) -> None:
    from kapsession.store import crypto

    root = tmp_path / "enc"
    init_encrypted(root, PASSPHRASE, n=FAST_N)
    data = header(root)
    data["kdf"].update(kdf)
    write_header(root, data)
    derived: list[int] = []

    class NoScrypt:  # records a derivation instead of spending memory and minutes on it
        def __init__(self, *, n: int, **kw: Any) -> None:
            derived.append(n)

        def derive(self, secret: bytes) -> bytes:
            return bytes(32)

    monkeypatch.setattr(crypto, "Scrypt", NoScrypt)
    for read_only in (False, True):
        with pytest.raises(DamagedHeader, match="damaged or was changed") as err:
            Archive.open(root, passphrase=PASSPHRASE, read_only=read_only)
        assert "key derivation parameters" in str(err.value)
        assert "wrong passphrase" not in str(err.value)
    assert derived == []
    with Archive.open(tmp_path / "other") as archive:  # the lock was released
        assert not archive.read_only


def test_every_field_of_the_header_is_bound_to_the_data_key(tmp_path: Path,
                                                            clock: FrozenClock) -> None:
    root = tmp_path / "enc"
    before = encrypted_archive(root, clock, 2)
    original = header(root)
    assert original["version"] == 2 and "verifier" not in original

    def changed(**fields: Any) -> dict[str, Any]:
        data = orjson.loads(orjson.dumps(original))
        for key, value in fields.items():
            if key.startswith("kdf_"):
                data["kdf"][key[4:]] = value
            else:
                data[key] = value
        return data

    other_salt = b64encode(bytes(16)).decode()
    flipped = bytearray(b64decode(original["data_key"]))
    flipped[-1] ^= 1
    for data, error, words in [
        (changed(state="encrypting"), DamagedHeader, "state"),  # would let plain files in
        (changed(state="decrypting"), DamagedHeader, "state"),
        (changed(kdf_n=FAST_N * 2), WrongPassphrase, None),  # another key: cannot tell
        (changed(kdf_salt=other_salt), WrongPassphrase, None),
        (changed(data_key=b64encode(bytes(flipped)).decode()), WrongPassphrase, None),
        (changed(cipher="AES-128-GCM"), DamagedHeader, "cipher"),
        (changed(version=1), DamagedHeader, "fields"),
        (changed(comment="x"), DamagedHeader, "fields"),
        (changed(kdf_salt="not base64!"), DamagedHeader, "base64"),
        (changed(kdf_salt=b64encode(bytes(8)).decode()), DamagedHeader, "length"),
    ]:
        write_header(root, data)
        with pytest.raises(error, match=words):
            Archive.open(root, passphrase=PASSPHRASE)
    write_header(root, original)
    assert reopen(root) == (before, [])


def test_changing_the_passphrase_rewrites_only_the_header(tmp_path: Path,
                                                          clock: FrozenClock) -> None:
    root = tmp_path / "enc"
    before = encrypted_archive(root, clock, 3)
    files = file_bytes(root)
    old_header = header(root)
    with pytest.raises(ValueError, match="at least 8"):
        change_passphrase(root, PASSPHRASE, "short", n=FAST_N)
    with pytest.raises(WrongPassphrase):
        change_passphrase(root, "not the passphrase", NEW_PASSPHRASE, n=FAST_N)
    with Archive.open(root, passphrase=PASSPHRASE):  # another window holds it
        with pytest.raises(ArchiveError, match="open in another"):
            change_passphrase(root, PASSPHRASE, NEW_PASSPHRASE, n=FAST_N)
    assert header(root) == old_header
    change_passphrase(root, PASSPHRASE, NEW_PASSPHRASE, n=FAST_N)
    assert file_bytes(root) == files  # not one sealed file was touched
    new_header = header(root)
    assert new_header["kdf"]["salt"] != old_header["kdf"]["salt"]
    assert new_header["data_key"] != old_header["data_key"]
    with pytest.raises(WrongPassphrase):
        Archive.open(root, passphrase=PASSPHRASE)
    assert reopen(root, NEW_PASSPHRASE) == (before, [])
    # A copy of the old header still opens the archive with the old passphrase (documented).
    write_header(root, old_header)
    assert reopen(root, PASSPHRASE) == (before, [])
    plain_archive(tmp_path / "plain", clock, 1)
    with pytest.raises(ArchiveError, match="not encrypted"):
        change_passphrase(tmp_path / "plain", PASSPHRASE, NEW_PASSPHRASE, n=FAST_N)


@pytest.mark.crash
def test_sigkill_at_every_step_of_a_passphrase_change_leaves_one_passphrase_that_opens(
        templates: tuple[Path, Path, dict[str, dict[str, Any]]], tmp_path: Path) -> None:
    _, encrypted, original = templates
    _, steps = calibrate("passphrase", encrypted, tmp_path / "calibrate")
    assert steps >= 2  # at least the write and its fsync
    opened_with = []
    for die_at in range(1, steps + 1):
        root = tmp_path / f"step-{die_at}"
        shutil.copytree(encrypted, root)
        child = start_child("passphrase", root, die_at)
        assert finish_child(child) == [] and child.returncode == -signal.SIGKILL
        works = []
        for passphrase in (PASSPHRASE, NEW_PASSPHRASE):
            try:
                works.append((passphrase, reopen(root, passphrase, read_only=True)))
            except WrongPassphrase:
                pass
        assert [result for _, result in works] == [(original, [])], die_at
        opened_with.append(works[0][0])
        if works[0][0] == PASSPHRASE:  # running it again finishes the job
            change_passphrase(root, PASSPHRASE, NEW_PASSPHRASE, n=FAST_N)
        assert reopen(root, NEW_PASSPHRASE) == (original, [])
        assert not list(root.glob(".*.tmp"))
        shutil.rmtree(root)
    assert opened_with[0] == PASSPHRASE and opened_with[-1] == NEW_PASSPHRASE


# ---- archives encrypted by kapsession 0.1 (header format 1) -----------------------------

FIXTURES = Path(__file__).with_name("fixtures")
#: The throwaway passphrase the fixtures were made with (scrypt n = 2**15, as in 0.1).
V1_PASSPHRASE = "v1 fixture passphrase"


def v1_contents(root: Path, passphrase: str = V1_PASSPHRASE, **kw: Any) -> dict[str, Any]:
    with Archive.open(root, passphrase=passphrase, **kw) as archive:
        assert archive.problems == []
        return {s.client: (s.status, [e.text for e in archive.get(s.id).entries
                                      if e.kind == "note"], archive.get(s.id).draft)
                for s in archive.sessions()}


V1_SESSIONS = {
    "C-0101": ("signed", ["breathing slows, hands open"], ""),
    "C-0102": ("live", ['"it feels like floating"'], "unsent: asks for water"),
}


def test_a_v1_archive_opens_and_its_first_writable_open_upgrades_only_the_header(
        tmp_path: Path) -> None:
    root = tmp_path / "v1"
    shutil.copytree(FIXTURES / "v1-encrypted", root)
    assert header(root)["version"] == 1
    files = file_bytes(root)
    assert v1_contents(root, read_only=True) == V1_SESSIONS
    assert header(root)["version"] == 1  # a read-only open changes nothing
    with pytest.raises(WrongPassphrase):
        Archive.open(root, passphrase=PASSPHRASE)
    assert v1_contents(root) == V1_SESSIONS
    upgraded = header(root)
    assert upgraded["version"] == 2 and upgraded["state"] == "encrypted"
    assert upgraded["kdf"]["n"] == 2**15
    # No file was set aside or added (the fixture's schema-1 sessions are rewritten once as
    # schema 2 on this writable open, under the same data key: the reads above and below).
    assert file_bytes(root).keys() == files.keys()
    assert v1_contents(root) == V1_SESSIONS
    # New notes go under the data key, and the passphrase can change like any other's.
    with Archive.open(root, passphrase=V1_PASSPHRASE) as archive:
        live = archive.live_sessions()[0].id
        archive.add_note(live, f"note {MARKER}")
    change_passphrase(root, V1_PASSPHRASE, NEW_PASSPHRASE, n=FAST_N)
    assert v1_contents(root, NEW_PASSPHRASE)["C-0102"][1][-1] == f"note {MARKER}"
    assert files_with(root, MARKER) == []


def test_a_v1_archive_can_change_its_passphrase_and_be_decrypted(tmp_path: Path) -> None:
    root = tmp_path / "v1"
    shutil.copytree(FIXTURES / "v1-encrypted", root)
    change_passphrase(root, V1_PASSPHRASE, NEW_PASSPHRASE, n=FAST_N)
    assert v1_contents(root, NEW_PASSPHRASE, read_only=True) == V1_SESSIONS
    shutil.rmtree(root)
    shutil.copytree(FIXTURES / "v1-encrypted", root)
    assert decrypt_archive(root, V1_PASSPHRASE) == 3
    assert v1_contents(root, None) == V1_SESSIONS


def test_a_v1_encryption_killed_halfway_opens_and_finishes(tmp_path: Path) -> None:
    root = tmp_path / "v1"
    shutil.copytree(FIXTURES / "v1-encrypting", root)
    assert (header(root)["version"], header(root)["state"]) == (1, "encrypting")
    expected = {"C-0201": ("live", ["first of two sessions"], ""),
                "C-0202": ("live", ["second of two sessions"], "")}
    assert v1_contents(root, read_only=True) == expected
    assert encrypt_archive(root, V1_PASSPHRASE, n=FAST_N) == 2  # one session and the index
    assert (header(root)["version"], header(root)["state"]) == (2, "encrypted")
    assert all(p.read_bytes().startswith(SEALED_MAGIC) for p in data_files(root))
    assert v1_contents(root) == expected


# ---- a missing header -------------------------------------------------------------------


def test_sealed_files_without_their_header_are_never_set_aside_or_joined_by_plain_ones(
        tmp_path: Path, clock: FrozenClock) -> None:
    root = tmp_path / "enc"
    before = encrypted_archive(root, clock, 3)
    saved_header = (root / ENCRYPTION_FILE).read_bytes()
    (root / ENCRYPTION_FILE).unlink()
    (root / "index.json").unlink()  # "tidying up" two files that look like settings
    files = file_bytes(root)
    names = sorted(p.name for p in root.iterdir())
    assert names == [".stignore", "archive.lock", "sessions"]
    messages = []
    for attempt in (lambda: Archive.open(root, clock=clock),
                    lambda: Archive.open(root, clock=clock, read_only=True),
                    lambda: Archive.open(root, clock=clock, passphrase=PASSPHRASE),
                    lambda: encrypt_archive(root, PASSPHRASE, n=FAST_N),
                    lambda: decrypt_archive(root, PASSPHRASE),
                    lambda: change_passphrase(root, PASSPHRASE, NEW_PASSPHRASE, n=FAST_N)):
        with pytest.raises(MissingHeader, match="encryption.json is missing") as err:
            attempt()
        messages.append(str(err.value))
    assert all("backup" in m and MARKER not in m for m in messages)
    assert file_bytes(root) == files
    assert sorted(p.name for p in root.iterdir()) == names  # nothing set aside, nothing new
    (root / ENCRYPTION_FILE).write_bytes(saved_header)
    assert reopen(root) == (before, [])


def test_a_header_deleted_while_the_archive_is_open_is_put_back_before_the_next_write(
        tmp_path: Path, clock: FrozenClock) -> None:
    root = tmp_path / "enc"
    encrypted_archive(root, clock, 2)
    saved = (root / ENCRYPTION_FILE).read_bytes()
    with Archive.open(root, clock=clock, passphrase=PASSPHRASE) as archive:
        sid = archive.live_sessions()[0].id
        (root / ENCRYPTION_FILE).unlink()
        # The idle lock still knows the passphrase: it does not need the file.
        assert archive.codec.opens_with(PASSPHRASE)
        assert not archive.codec.opens_with("not the passphrase")
        archive.add_note(sid, "after the header went")
        assert (root / ENCRYPTION_FILE).read_bytes() == saved
        (root / ENCRYPTION_FILE).unlink()
    assert (root / ENCRYPTION_FILE).read_bytes() == saved  # closing wrote the index
    with Archive.open(root, passphrase=PASSPHRASE, read_only=True) as archive:
        assert archive.get(sid).entries[-1].text == "after the header went"


def test_a_sealed_file_that_appears_in_a_plain_archive_stops_the_open(
        tmp_path: Path, clock: FrozenClock) -> None:
    sealed = tmp_path / "enc"
    (sid,) = encrypted_archive(sealed, clock, 1)
    root = tmp_path / "plain"
    before = plain_archive(root, clock, 2)
    stray = root / "sessions" / f"{sid}.json"
    shutil.copyfile(sealed / "sessions" / f"{sid}.json", stray)
    files = file_bytes(root)
    with pytest.raises(MissingHeader):
        Archive.open(root, clock=clock)
    assert file_bytes(root) == files and not (root / "damaged").exists()
    stray.unlink()
    assert reopen(root, None) == (before, [])
