"""Encryption at rest: every file of an archive sealed with a key derived from a passphrase.

An encrypted archive holds ``encryption.json`` beside ``index.json``. It is plain JSON (0600)
and holds no secret: the key derivation (scrypt, its parameters and a random 16-byte salt)
and a *verifier*, a known constant sealed with the key, so a wrong passphrase is told apart
from a damaged file::

    {"format": "kapsession-encryption", "version": 1, "cipher": "AES-256-GCM",
     "kdf": {"name": "scrypt", "n": 32768, "r": 8, "p": 1, "salt": "<base64>"},
     "verifier": "<base64>", "state": "encrypted"}

``state`` is ``"encrypted"``, or ``"encrypting"`` / ``"decrypting"`` while
:func:`encrypt_archive` / :func:`decrypt_archive` convert the archive in place. The state is
bound into the verifier, so it cannot be flipped without the key.

Every session file and the index are *sealed*: ``MAGIC | nonce (12 bytes) | AES-256-GCM
ciphertext and tag``, with a fresh random nonce per write and ``MAGIC`` plus the file's name
as associated data, so a sealed file put in place of another session's fails to open.

What this does not hide: file names (random session ids), sizes and times; note text that an
earlier plain archive left in free disk blocks or in ``damaged/``; exports, which are written
only when asked. Nor can it tell an older copy of the same file from the current one.
"""

from __future__ import annotations

import base64
import os
import secrets
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from .errors import ArchiveError, FutureSchema
from .fsutil import atomic_write, ensure_private_dir, fsync_dir, remove_stale_temps
from .lock import ArchiveLock
from .storage import DamagedFile, read_json_file

ENCRYPTION_FILE = "encryption.json"
INDEX_FILE = "index.json"
SESSIONS_DIR = "sessions"
DAMAGED_DIR = "damaged"

#: Every sealed file starts with these bytes (format 1).
MAGIC = b"KAPX1"
FORMAT = "kapsession-encryption"
VERSION = 1
CIPHER = "AES-256-GCM"
NONCE_SIZE = 12
TAG_SIZE = 16
KEY_SIZE = 32
SALT_SIZE = 16

#: scrypt cost: 2**15 × 8 × 128 bytes = 32 MiB and a few tens of milliseconds per open.
DEFAULT_N = 2**15
DEFAULT_R = 8
DEFAULT_P = 1
#: What a header may ask for. The low end lets tests run fast; the high end keeps a changed
#: header from asking for gigabytes of memory.
MIN_N, MAX_N = 2**10, 2**20
MAX_R, MAX_P = 32, 16

MIN_PASSPHRASE = 8

ENCRYPTED = "encrypted"
ENCRYPTING = "encrypting"
DECRYPTING = "decrypting"
STATES = (ENCRYPTED, ENCRYPTING, DECRYPTING)

_VERIFIER_TEXT = b"kapsession archive key check"
_VERIFIER_AAD = MAGIC + b" verifier "
_TAMPERED = "was changed or damaged (authentication failed)"


class PassphraseRequired(ArchiveError):
    """The archive is encrypted and no passphrase was given."""

    def __init__(self) -> None:
        super().__init__("this archive is encrypted: give its passphrase "
                         "(KAPSESSION_PASSPHRASE or the prompt)")


class WrongPassphrase(ArchiveError):
    """The passphrase does not open this archive."""

    def __init__(self) -> None:
        super().__init__("wrong passphrase: it does not open this archive")


class DamagedHeader(ArchiveError):
    """``encryption.json`` cannot be used; without it the archive cannot be opened."""

    def __init__(self, root: Path, problem: str) -> None:
        super().__init__(f"{root / ENCRYPTION_FILE} {problem}: without it the archive cannot "
                         "be opened; restore encryption.json from a backup of this archive")


def check_passphrase(passphrase: str) -> None:
    """Raise ``ValueError`` unless ``passphrase`` is acceptable for a new key."""
    if not isinstance(passphrase, str):
        raise ValueError("the passphrase must be text")
    if len(_normalise(passphrase)) < MIN_PASSPHRASE:
        raise ValueError(f"the passphrase is too short: use at least {MIN_PASSPHRASE} characters")


def is_encrypted(root: Path) -> bool:
    """Whether the archive at ``root`` has an encryption header (in any state)."""
    return (Path(root).expanduser() / ENCRYPTION_FILE).exists()


def is_sealed(blob: bytes) -> bool:
    """Whether ``blob`` looks like a sealed file (starts with :data:`MAGIC`)."""
    return blob.startswith(MAGIC)


# ---- the codec --------------------------------------------------------------------------


class SealedCodec:
    """The :class:`~kapsession.store.storage.Codec` of an encrypted archive.

    Always writes sealed files. Reads sealed files; while a conversion is unfinished
    (``state`` is ``"encrypting"`` or ``"decrypting"``) it also reads plain JSON files, which
    are refused as damaged once the archive is ``"encrypted"``.
    """

    __slots__ = ("_aead", "state")

    def __init__(self, key: bytes, state: str = ENCRYPTED) -> None:
        self._aead = AESGCM(key)
        self.state = state

    def __repr__(self) -> str:  # never show the key
        return f"SealedCodec(state={self.state!r})"

    def encode(self, data: bytes, path: Path) -> bytes:
        return _seal(self._aead, data, path.name)

    def decode(self, blob: bytes, path: Path) -> bytes:
        if blob.startswith(MAGIC):
            return _unseal(self._aead, blob, path)
        if self.state != ENCRYPTED and blob.lstrip()[:1] == b"{":
            return blob  # not converted yet (or converted back): plain JSON
        raise DamagedFile(path, _TAMPERED)


def codec_for(root: Path, passphrase: str | None) -> SealedCodec:
    """The codec of the encrypted archive at ``root``, unlocked with ``passphrase``.

    Raises :class:`PassphraseRequired`, :class:`WrongPassphrase`, :class:`DamagedHeader`,
    or :class:`~kapsession.store.errors.FutureSchema` for a newer kapsession's header.
    """
    root = Path(root)
    header = _read_header(root)
    if header is None:
        raise ArchiveError(f"the archive {root} is not encrypted")
    return SealedCodec(_unlock(root, header, passphrase), header.state)


def _seal(aead: AESGCM, data: bytes, name: str) -> bytes:
    nonce = os.urandom(NONCE_SIZE)
    return MAGIC + nonce + aead.encrypt(nonce, data, MAGIC + name.encode("utf-8"))


def _unseal(aead: AESGCM, blob: bytes, path: Path) -> bytes:
    head = len(MAGIC) + NONCE_SIZE
    if len(blob) < head + TAG_SIZE:
        raise DamagedFile(path, _TAMPERED)
    try:
        return aead.decrypt(blob[len(MAGIC):head], blob[head:],
                            MAGIC + path.name.encode("utf-8"))
    except InvalidTag:
        raise DamagedFile(path, _TAMPERED) from None


# ---- the header -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Header:
    n: int
    r: int
    p: int
    salt: bytes
    verifier: bytes
    state: str

    def to_json(self) -> bytes:
        data = {
            "format": FORMAT,
            "version": VERSION,
            "cipher": CIPHER,
            "kdf": {"name": "scrypt", "n": self.n, "r": self.r, "p": self.p,
                    "salt": base64.b64encode(self.salt).decode("ascii")},
            "verifier": base64.b64encode(self.verifier).decode("ascii"),
            "state": self.state,
        }
        return orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n"


def _normalise(passphrase: str) -> str:
    # The same passphrase typed on another system may arrive in another Unicode form.
    return unicodedata.normalize("NFC", passphrase)


def _check_kdf(n: object, r: object, p: object) -> str | None:
    """What is wrong with these scrypt parameters, or ``None``."""
    # type(), not isinstance(): JSON true is not a number here.
    if not (type(n) is int and type(r) is int and type(p) is int) or min(n, r, p) < 1:
        return "scrypt n, r and p must be positive whole numbers"
    if n & (n - 1) or not MIN_N <= n <= MAX_N:
        return f"scrypt n must be a power of two from {MIN_N} to {MAX_N}"
    if r > MAX_R or p > MAX_P:
        return f"scrypt r must be at most {MAX_R} and p at most {MAX_P}"
    return None


def _derive(passphrase: str, header: _Header) -> bytes:
    kdf = Scrypt(salt=header.salt, length=KEY_SIZE, n=header.n, r=header.r, p=header.p)
    try:
        # surrogateescape: a passphrase from the environment that is not valid UTF-8 arrives
        # with its bytes escaped; turn them back into those same bytes.
        return kdf.derive(_normalise(passphrase).encode("utf-8", "surrogateescape"))
    except MemoryError:
        raise ArchiveError("not enough memory to derive the archive key") from None


def _verifier(key: bytes, state: str) -> bytes:
    nonce = os.urandom(NONCE_SIZE)
    return nonce + AESGCM(key).encrypt(nonce, _VERIFIER_TEXT, _VERIFIER_AAD + state.encode())


def _verifies(key: bytes, verifier: bytes, state: str) -> bool:
    try:
        text = AESGCM(key).decrypt(verifier[:NONCE_SIZE], verifier[NONCE_SIZE:],
                                   _VERIFIER_AAD + state.encode())
    except InvalidTag:
        return False
    return text == _VERIFIER_TEXT


def _new_header(passphrase: str, *, n: int, state: str) -> tuple[_Header, bytes]:
    check_passphrase(passphrase)
    problem = _check_kdf(n, DEFAULT_R, DEFAULT_P)
    if problem:
        raise ValueError(problem)
    header = _Header(n=n, r=DEFAULT_R, p=DEFAULT_P, salt=secrets.token_bytes(SALT_SIZE),
                     verifier=b"", state=state)
    key = _derive(passphrase, header)
    return replace(header, verifier=_verifier(key, state)), key


def _restate(header: _Header, key: bytes, state: str) -> _Header:
    return replace(header, state=state, verifier=_verifier(key, state))


def _unlock(root: Path, header: _Header, passphrase: str | None) -> bytes:
    """The key, if ``passphrase`` is the archive's; raises otherwise."""
    if not passphrase:
        raise PassphraseRequired()
    key = _derive(passphrase, header)
    if _verifies(key, header.verifier, header.state):
        return key
    if any(_verifies(key, header.verifier, s) for s in STATES if s != header.state):
        raise DamagedHeader(root, "was changed (its state does not match its check)")
    raise WrongPassphrase()


def _read_header(root: Path) -> _Header | None:
    try:
        data = read_json_file(root / ENCRYPTION_FILE)
    except DamagedFile as exc:
        raise DamagedHeader(root, exc.problem) from None
    return None if data is None else _parse_header(root, data)


def _parse_header(root: Path, data: Any) -> _Header:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise DamagedHeader(root, "is not a kapsession encryption header")
    version = data.get("version")
    if not isinstance(version, int) or version < 1:
        raise DamagedHeader(root, "has a bad version")
    if version > VERSION:
        raise FutureSchema(f"{ENCRYPTION_FILE} was written by a newer kapsession (format "
                           f"{version}); update kapsession to open this archive")
    kdf = data.get("kdf")
    if data.get("cipher") != CIPHER or not isinstance(kdf, dict) or kdf.get("name") != "scrypt":
        raise DamagedHeader(root, "names a cipher or key derivation this version does not know")
    problem = _check_kdf(kdf.get("n"), kdf.get("r"), kdf.get("p"))
    if problem:
        raise DamagedHeader(root, f"has bad key derivation parameters ({problem})")
    try:
        salt = base64.b64decode(kdf.get("salt", ""), validate=True)
        verifier = base64.b64decode(data.get("verifier", ""), validate=True)
    except (ValueError, TypeError):
        raise DamagedHeader(root, "has a bad salt or verifier") from None
    if len(salt) < SALT_SIZE or len(verifier) < NONCE_SIZE + TAG_SIZE:
        raise DamagedHeader(root, "has a bad salt or verifier")
    state = data.get("state")
    if state not in STATES:
        raise DamagedHeader(root, "has an unknown state")
    return _Header(n=kdf["n"], r=kdf["r"], p=kdf["p"], salt=salt, verifier=verifier,
                   state=state)


def _write_header(root: Path, header: _Header) -> None:
    atomic_write(root / ENCRYPTION_FILE, header.to_json(), durable=True)


# ---- creating and converting archives ---------------------------------------------------


@contextmanager
def _exclusive(root: Path) -> Iterator[None]:
    """Hold the archive lock, as a writing :class:`~kapsession.store.archive.Archive` does."""
    if not root.is_dir():
        raise ArchiveError(f"no archive at {root}")
    lock = ArchiveLock.acquire(root)  # ArchiveHeld: open in another window
    try:
        yield
    finally:
        lock.release()


def _archive_files(root: Path) -> list[Path]:
    """The files a conversion rewrites: every session file, then the index."""
    files: list[Path] = []
    try:
        entries = sorted(os.scandir(root / SESSIONS_DIR), key=lambda e: e.name)
    except FileNotFoundError:
        entries = []
    for entry in entries:
        if entry.name.endswith(".json") and not entry.name.startswith(".") and entry.is_file():
            files.append(Path(entry.path))
    if (root / INDEX_FILE).is_file():
        files.append(root / INDEX_FILE)
    return files


def _remove_temps(root: Path) -> None:
    # A killed writer's temp files may hold plain text; no one else writes while we hold the
    # lock, so none of them is in use.
    remove_stale_temps(root)
    if (root / SESSIONS_DIR).is_dir():
        remove_stale_temps(root / SESSIONS_DIR)


def init_encrypted(root: Path, passphrase: str, *, n: int = DEFAULT_N) -> None:
    """Create a new, empty encrypted archive at ``root`` (a private folder, 0700).

    Refuses a folder that already holds an archive (use :func:`encrypt_archive` for that).
    ``n`` is the scrypt cost; keep the default outside tests.
    """
    check_passphrase(passphrase)
    root = Path(root).expanduser()
    ensure_private_dir(root)
    ensure_private_dir(root / SESSIONS_DIR)
    with _exclusive(root):
        if (root / ENCRYPTION_FILE).exists():
            raise ArchiveError(f"the archive {root} is already encrypted")
        if (root / INDEX_FILE).exists() or _archive_files(root):
            raise ArchiveError(f"{root} already holds an archive: encrypt it instead of "
                               "creating a new one")
        header, _ = _new_header(passphrase, n=n, state=ENCRYPTED)
        _write_header(root, header)


def encrypt_archive(root: Path, passphrase: str, *, n: int = DEFAULT_N) -> int:
    """Encrypt the plain archive at ``root`` in place; returns how many files were sealed.

    Crash-safe: the header is written first (state ``"encrypting"``), then each file is
    replaced atomically and durably by its sealed form, then the state becomes
    ``"encrypted"``. Killed at any moment, the archive still opens with ``passphrase`` (or
    without one, if killed before the header was written), and running this again finishes
    the job; it also turns an unfinished decryption back around.

    Files in ``damaged/`` are left alone: they stay plain, so review and delete them (see
    :func:`plain_files_in_damaged`). Text the plain files held may remain in free disk blocks.
    Raises ``ValueError`` for a passphrase that is too short, :class:`WrongPassphrase` when
    resuming with another passphrase, and :class:`ArchiveError` if the archive is already
    encrypted or open in another process. ``n`` is the scrypt cost for a new header.
    """
    root = Path(root).expanduser()
    with _exclusive(root):
        header = _read_header(root)
        if header is None:
            header, key = _new_header(passphrase, n=n, state=ENCRYPTING)
            _write_header(root, header)
        elif header.state == ENCRYPTED:
            raise ArchiveError(f"the archive {root} is already encrypted")
        else:
            key = _unlock(root, header, passphrase)
            if header.state != ENCRYPTING:
                header = _restate(header, key, ENCRYPTING)
                _write_header(root, header)
        _remove_temps(root)
        aead = AESGCM(key)
        count = 0
        for path in _archive_files(root):
            blob = path.read_bytes()
            if blob.startswith(MAGIC):
                continue  # sealed by an earlier, interrupted run
            atomic_write(path, _seal(aead, blob, path.name), durable=True)
            count += 1
        _write_header(root, _restate(header, key, ENCRYPTED))
    return count


def decrypt_archive(root: Path, passphrase: str) -> int:
    """Decrypt the archive at ``root`` in place; returns how many files were opened.

    Crash-safe: the header's state becomes ``"decrypting"``, each file is replaced atomically
    and durably by its plain form, then the header is removed and the folder synced. Killed
    at any moment, the archive still opens with ``passphrase`` (or without one once the
    header is gone), and running this again finishes the job.

    If a file fails to open (changed or damaged), nothing is changed when the archive was
    fully encrypted, and the header is kept otherwise; open the archive once (it sets the
    file aside in ``damaged/``) and run this again. Files already in ``damaged/`` are left
    alone: sealed ones there cannot be opened once the header is gone.
    """
    root = Path(root).expanduser()
    with _exclusive(root):
        header = _read_header(root)
        if header is None:
            raise ArchiveError(f"the archive {root} is not encrypted")
        key = _unlock(root, header, passphrase)
        codec = SealedCodec(key, header.state)
        if header.state == ENCRYPTED:
            # Check every file first, so a damaged one stops us before anything changed.
            bad = []
            for path in _archive_files(root):
                try:
                    codec.decode(path.read_bytes(), path)
                except DamagedFile:
                    bad.append(path.name)
            if bad:
                raise _cannot_decrypt(bad, changed=False)
            header = _restate(header, key, DECRYPTING)
            _write_header(root, header)
        elif header.state == ENCRYPTING:
            header = _restate(header, key, DECRYPTING)
            _write_header(root, header)
        codec.state = DECRYPTING
        _remove_temps(root)
        count = 0
        bad = []
        for path in _archive_files(root):
            blob = path.read_bytes()
            if not blob.startswith(MAGIC):
                continue  # opened by an earlier, interrupted run
            try:
                data = codec.decode(blob, path)
            except DamagedFile:
                bad.append(path.name)
                continue
            atomic_write(path, data, durable=True)
            count += 1
        if bad:
            raise _cannot_decrypt(bad, changed=True)
        (root / ENCRYPTION_FILE).unlink()
        fsync_dir(root)
    return count


def _cannot_decrypt(names: list[str], *, changed: bool) -> ArchiveError:
    listed = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    state = ("the other files were decrypted and the archive still opens with its passphrase"
             if changed else "nothing was changed")
    return ArchiveError(f"could not decrypt {listed}: {_TAMPERED}; {state}. Open the archive "
                        "once (damaged files are set aside in damaged/), then decrypt again")


def plain_files_in_damaged(root: Path) -> list[Path]:
    """Files in ``damaged/`` that are not sealed: after encryption, these still hold text."""
    folder = Path(root).expanduser() / DAMAGED_DIR
    found = []
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except FileNotFoundError:
        return []
    for entry in entries:
        if entry.is_file():
            with open(entry.path, "rb") as fh:
                if not fh.read(len(MAGIC)) == MAGIC:
                    found.append(Path(entry.path))
    return found
