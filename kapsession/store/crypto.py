"""Encryption at rest: every file of an archive sealed with a random *data key*, which the
passphrase unlocks.

An encrypted archive holds ``encryption.json`` beside ``index.json``, plain JSON (0600) that
holds nothing readable without the passphrase: the key derivation (scrypt, its parameters
and a random 16-byte salt) and the data key *wrapped* (AES-256-GCM) under the key scrypt
derives from the passphrase::

    {"format": "kapsession-encryption", "version": 2, "cipher": "AES-256-GCM",
     "kdf": {"name": "scrypt", "n": 32768, "r": 8, "p": 1, "salt": "<base64>"},
     "state": "encrypted", "data_key": "<base64: nonce | wrapped key and tag>"}

Every other field of the header is associated data of the wrap, so none of them (the state,
the cost, the salt) can be changed without the passphrase failing to unwrap the key. The
scrypt parameters must be ones kapsession writes (:data:`ALLOWED_N`, r = 8, p = 1); they are
checked before anything is derived, so a changed header costs at most 128 MiB and half a
second before it is reported, never gigabytes and minutes.

``state`` is ``"encrypted"``, or ``"encrypting"`` / ``"decrypting"`` while
:func:`encrypt_archive` / :func:`decrypt_archive` convert the archive in place.

A new passphrase (:func:`change_passphrase`) wraps the same data key again: only the header
is rewritten, atomically, and no file changes. So a copy of the old header (in a backup)
still opens the archive with the old passphrase; if a passphrase leaked, decrypt and encrypt
again, which makes a new data key.

Format 1 headers (kapsession 0.1) held a *verifier* instead of a wrapped key, and files were
sealed with the passphrase key itself. That key becomes the data key: the first writable
open rewrites the header as format 2 (one atomic write; no file changes), and until then a
format 1 header opens as it is.

Every session file and the index are *sealed*: ``SEALED_MAGIC | nonce (12 bytes) | AES-256-GCM
ciphertext and tag`` under the data key, with a fresh random nonce per write and ``SEALED_MAGIC``
plus the file's name as associated data, so a sealed file put in place of another session's
fails to open.

What this does not hide: file names (random session ids), sizes and times; note text that an
earlier plain archive left in free disk blocks or in ``damaged/``; exports, which are written
only when asked. Nor can it tell an older copy of the same file from the current one. And
without ``encryption.json`` nothing can be opened: keep it in your backups.
"""

from __future__ import annotations

import base64
import logging
import os
import secrets
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from ..model.errors import ValidationError
from .errors import ArchiveError, FutureSchema, MissingHeader
from .fsutil import atomic_write, ensure_private_dir, fsync_dir, remove_stale_temps
from .layout import (
    DAMAGED_DIR,
    ENCRYPTION_FILE,
    INDEX_FILE,
    SEALED_MAGIC,
    SESSIONS_DIR,
)
from .lock import ArchiveLock
from .storage import DamagedFile, read_json_file

log = logging.getLogger(__name__)

FORMAT = "kapsession-encryption"
#: The header format this version writes; format 1 is still read.
VERSION = 2
CIPHER = "AES-256-GCM"
NONCE_SIZE = 12
TAG_SIZE = 16
KEY_SIZE = 32
SALT_SIZE = 16
WRAPPED_SIZE = NONCE_SIZE + KEY_SIZE + TAG_SIZE

#: scrypt cost: 2**15 × 8 × 128 bytes = 32 MiB and a few tens of milliseconds per open.
DEFAULT_N = 2**15
#: The only scrypt parameters a header may hold. The low end lets tests run fast (a header
#: with a lower cost than it was written with does not open: the wrap is bound to it); the
#: high end, 128 MiB, keeps a changed header from asking for gigabytes.
MIN_N, MAX_N = 2**10, 2**17
ALLOWED_N = frozenset(2**k for k in range(MIN_N.bit_length() - 1, MAX_N.bit_length()))
SCRYPT_R = 8
SCRYPT_P = 1

MIN_PASSPHRASE = 8

ENCRYPTED = "encrypted"
ENCRYPTING = "encrypting"
DECRYPTING = "decrypting"
STATES = (ENCRYPTED, ENCRYPTING, DECRYPTING)

_WRAP_AAD = b"kapsession data key\0"
_V1_VERIFIER_TEXT = b"kapsession archive key check"
_V1_VERIFIER_AAD = SEALED_MAGIC + b" verifier "
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
        super().__init__(f"the encryption header {root / ENCRYPTION_FILE} is damaged or was "
                         f"changed: {problem}. Without it the archive cannot be opened; "
                         "restore encryption.json from a backup of this archive")


def check_passphrase(passphrase: str) -> None:
    """Raise :class:`ValidationError` unless ``passphrase`` is acceptable for a new key."""
    if not isinstance(passphrase, str):
        raise ValidationError("passphrase", "must be text")
    if len(_normalise(passphrase)) < MIN_PASSPHRASE:
        raise ValidationError("passphrase", f"too short: use at least {MIN_PASSPHRASE} "
                              "characters")


def is_encrypted(root: Path) -> bool:
    """Whether the archive at ``root`` has an encryption header (in any state)."""
    return (Path(root).expanduser() / ENCRYPTION_FILE).exists()


def is_sealed(blob: bytes) -> bool:
    """Whether ``blob`` looks like a sealed file (starts with :data:`SEALED_MAGIC`)."""
    return blob.startswith(SEALED_MAGIC)


# ---- the codec --------------------------------------------------------------------------


class SealedCodec:
    """The :class:`~kapsession.store.storage.Codec` of an encrypted archive.

    Always writes sealed files. Reads sealed files; while a conversion is unfinished
    (``state`` is ``"encrypting"`` or ``"decrypting"``) it also reads plain JSON files, which
    are refused as damaged once the archive is ``"encrypted"``.
    """

    __slots__ = ("_aead", "state", "_header", "_header_bytes")

    def __init__(self, key: bytes, state: str = ENCRYPTED, *,
                 header: _Header | _HeaderV1 | None = None,
                 header_bytes: bytes | None = None) -> None:
        self._aead = AESGCM(key)
        self.state = state
        self._header = header
        self._header_bytes = header_bytes

    def __repr__(self) -> str:  # never show the key
        return f"SealedCodec(state={self.state!r})"

    def opens_with(self, passphrase: str) -> bool:
        """Whether ``passphrase`` opens this archive (for the idle lock). Uses the header as
        it was when the archive opened, so it works even if the file went missing since."""
        if self._header is None or not passphrase:
            return False
        kek = self._header.kdf.derive(passphrase)
        return self._header.unwrap(kek, self._header.state) is not None

    def keep_header(self, root: Path) -> None:
        """Put ``encryption.json`` back, as the writer opened it, if it went missing.

        The archive's writer calls this before each write: without the header nothing
        sealed can ever be opened again, and the writer is the one process that knows it.
        """
        path = root / ENCRYPTION_FILE
        if self._header_bytes is not None and not path.exists():
            atomic_write(path, self._header_bytes, durable=True)
            log.warning("%s was missing: put back as it was when the archive opened",
                        ENCRYPTION_FILE)

    def encode(self, data: bytes, path: Path) -> bytes:
        return _seal(self._aead, data, path.name)

    def decode(self, blob: bytes, path: Path) -> bytes:
        if blob.startswith(SEALED_MAGIC):
            return _unseal(self._aead, blob, path)
        if self.state != ENCRYPTED and blob.lstrip()[:1] == b"{":
            return blob  # not converted yet (or converted back): plain JSON
        raise DamagedFile(path, _TAMPERED)


def codec_for(root: Path, passphrase: str | None, *, writer: bool = False) -> SealedCodec:
    """The codec of the encrypted archive at ``root``, unlocked with ``passphrase``.

    A ``writer`` (the caller holds the archive lock) brings a format 1 header up to date
    (if that write fails the archive still opens with the old header), and gets a codec that
    can put the header back if it goes missing (:meth:`SealedCodec.keep_header`).
    Raises :class:`PassphraseRequired`, :class:`WrongPassphrase`, :class:`DamagedHeader`,
    or :class:`~kapsession.store.errors.FutureSchema` for a newer kapsession's header.
    """
    root = Path(root)
    header = _read_header(root)
    if header is None:
        raise ArchiveError(f"the archive {root} is not encrypted")
    keys = _unlock(root, header, passphrase)
    header_bytes = None
    if writer:
        if isinstance(header, _HeaderV1):
            try:
                keys = _current(root, keys, passphrase or "")
            except OSError as exc:
                log.warning("could not rewrite %s in the current format (%s); it still opens",
                            ENCRYPTION_FILE, exc.strerror or type(exc).__name__)
        header_bytes = (root / ENCRYPTION_FILE).read_bytes()
    return SealedCodec(keys.data_key, keys.header.state, header=keys.header,
                       header_bytes=header_bytes)


def _seal(aead: AESGCM, data: bytes, name: str) -> bytes:
    nonce = os.urandom(NONCE_SIZE)
    return SEALED_MAGIC + nonce + aead.encrypt(nonce, data, SEALED_MAGIC + name.encode("utf-8"))


def _unseal(aead: AESGCM, blob: bytes, path: Path) -> bytes:
    head = len(SEALED_MAGIC) + NONCE_SIZE
    if len(blob) < head + TAG_SIZE:
        raise DamagedFile(path, _TAMPERED)
    try:
        return aead.decrypt(blob[len(SEALED_MAGIC):head], blob[head:],
                            SEALED_MAGIC + path.name.encode("utf-8"))
    except InvalidTag:
        raise DamagedFile(path, _TAMPERED) from None


# ---- the header -------------------------------------------------------------------------


def _normalise(passphrase: str) -> str:
    # The same passphrase typed on another system may arrive in another Unicode form.
    return unicodedata.normalize("NFC", passphrase)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@dataclass(frozen=True)
class _Kdf:
    """scrypt with the parameters of one header."""

    n: int
    salt: bytes

    @classmethod
    def new(cls, n: int) -> _Kdf:
        if n not in ALLOWED_N:
            raise ValueError(f"scrypt n must be a power of two from {MIN_N} to {MAX_N}")
        return cls(n=n, salt=secrets.token_bytes(SALT_SIZE))

    def to_dict(self) -> dict[str, Any]:
        return {"name": "scrypt", "n": self.n, "r": SCRYPT_R, "p": SCRYPT_P,
                "salt": _b64(self.salt)}

    def derive(self, passphrase: str) -> bytes:
        kdf = Scrypt(salt=self.salt, length=KEY_SIZE, n=self.n, r=SCRYPT_R, p=SCRYPT_P)
        try:
            # surrogateescape: a passphrase from the environment that is not valid UTF-8
            # arrives with its bytes escaped; turn them back into those same bytes.
            return kdf.derive(_normalise(passphrase).encode("utf-8", "surrogateescape"))
        except MemoryError:
            raise ArchiveError("not enough memory to derive the archive key") from None


@dataclass(frozen=True)
class _Header:
    """A format 2 header: the data key wrapped under the passphrase key."""

    kdf: _Kdf
    state: str
    wrapped: bytes

    @classmethod
    def wrap(cls, kdf: _Kdf, state: str, kek: bytes, data_key: bytes) -> _Header:
        nonce = os.urandom(NONCE_SIZE)
        aad = cls(kdf, state, b"").associated_data()
        return cls(kdf, state, nonce + AESGCM(kek).encrypt(nonce, data_key, aad))

    def fields(self) -> dict[str, Any]:
        """Everything but the wrapped key: what the wrap authenticates."""
        return {"format": FORMAT, "version": 2, "cipher": CIPHER, "kdf": self.kdf.to_dict(),
                "state": self.state}

    def associated_data(self) -> bytes:
        return _WRAP_AAD + orjson.dumps(self.fields(), option=orjson.OPT_SORT_KEYS)

    def unwrap(self, kek: bytes, state: str) -> bytes | None:
        """The data key, if ``kek`` wrapped it in a header whose state was ``state``."""
        aad = _Header(self.kdf, state, b"").associated_data()
        try:
            return AESGCM(kek).decrypt(self.wrapped[:NONCE_SIZE], self.wrapped[NONCE_SIZE:], aad)
        except InvalidTag:
            return None

    def to_json(self) -> bytes:
        data = {**self.fields(), "data_key": _b64(self.wrapped)}
        return orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n"


@dataclass(frozen=True)
class _HeaderV1:
    """A format 1 header, read only: files sealed with the passphrase key itself, and a
    verifier (a known text sealed with that key, bound to the state)."""

    kdf: _Kdf
    state: str
    verifier: bytes

    def unwrap(self, key: bytes, state: str) -> bytes | None:
        try:
            text = AESGCM(key).decrypt(self.verifier[:NONCE_SIZE], self.verifier[NONCE_SIZE:],
                                       _V1_VERIFIER_AAD + state.encode())
        except InvalidTag:
            return None
        return key if text == _V1_VERIFIER_TEXT else None


@dataclass(frozen=True)
class _Keys:
    """An unlocked header: the key from the passphrase and the data key it unwraps."""

    header: _Header | _HeaderV1
    kek: bytes
    data_key: bytes

    def __repr__(self) -> str:  # never show a key
        return f"_Keys(state={self.header.state!r})"


def _new_keys(passphrase: str, *, n: int, state: str) -> _Keys:
    check_passphrase(passphrase)
    kdf = _Kdf.new(n)
    kek = kdf.derive(passphrase)
    data_key = secrets.token_bytes(KEY_SIZE)
    return _Keys(_Header.wrap(kdf, state, kek, data_key), kek, data_key)


def _unlock(root: Path, header: _Header | _HeaderV1, passphrase: str | None) -> _Keys:
    """The keys, if ``passphrase`` is the archive's; raises otherwise."""
    if not passphrase:
        raise PassphraseRequired()
    kek = header.kdf.derive(passphrase)
    data_key = header.unwrap(kek, header.state)
    if data_key is not None:
        return _Keys(header, kek, data_key)
    if any(header.unwrap(kek, s) is not None for s in STATES if s != header.state):
        raise DamagedHeader(root, "its state was changed")
    raise WrongPassphrase()


def _rewrap(root: Path, keys: _Keys, kdf: _Kdf, kek: bytes, state: str) -> _Keys:
    """Write a format 2 header for the same data key; atomic, so crash-safe."""
    header = _Header.wrap(kdf, state, kek, keys.data_key)
    atomic_write(root / ENCRYPTION_FILE, header.to_json(), durable=True)
    return _Keys(header, kek, keys.data_key)


def _current(root: Path, keys: _Keys, passphrase: str) -> _Keys:
    """``keys`` under a format 2 header: a format 1 header is rewritten (a fresh salt, the
    same cost); its key, which sealed every file, becomes the data key."""
    if isinstance(keys.header, _Header):
        return keys
    kdf = _Kdf.new(keys.header.kdf.n)
    return _rewrap(root, keys, kdf, kdf.derive(passphrase), keys.header.state)


def _restate(root: Path, keys: _Keys, state: str) -> _Keys:
    """Write the (format 2) header of ``keys`` with another state."""
    assert isinstance(keys.header, _Header)
    return _rewrap(root, keys, keys.header.kdf, keys.kek, state)


def _read_header(root: Path) -> _Header | _HeaderV1 | None:
    try:
        data = read_json_file(root / ENCRYPTION_FILE)
    except DamagedFile as exc:
        raise DamagedHeader(root, f"it {exc.problem}") from None
    return None if data is None else _parse_header(root, data)


_V2_KEYS = {"format", "version", "cipher", "kdf", "state", "data_key"}
_V1_KEYS = {"format", "version", "cipher", "kdf", "state", "verifier"}
_KDF_KEYS = {"name", "n", "r", "p", "salt"}


def _parse_header(root: Path, data: Any) -> _Header | _HeaderV1:
    """The header in ``data``, checked before any key is derived from it."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise DamagedHeader(root, "it is not a kapsession encryption header")
    version = data.get("version")
    if type(version) is not int or version < 1:
        raise DamagedHeader(root, "it has a bad version")
    if version > VERSION:
        raise FutureSchema(f"{ENCRYPTION_FILE} was written by a newer kapsession (format "
                           f"{version}); update kapsession to open this archive")
    if set(data) != (_V2_KEYS if version == 2 else _V1_KEYS):
        raise DamagedHeader(root, "it has missing or unknown fields")
    kdf = data["kdf"]
    if data["cipher"] != CIPHER or not isinstance(kdf, dict) or kdf.get("name") != "scrypt":
        raise DamagedHeader(root, "it names a cipher or key derivation this version does "
                            "not know")
    # type(), not isinstance(): JSON true is not a number here.
    n, r, p = kdf.get("n"), kdf.get("r"), kdf.get("p")
    if (set(kdf) != _KDF_KEYS or type(n) is not int or n not in ALLOWED_N
            or type(r) is not int or r != SCRYPT_R or type(p) is not int or p != SCRYPT_P):
        raise DamagedHeader(root, f"its key derivation parameters are not ones kapsession "
                            f"writes (scrypt n a power of two from {MIN_N} to {MAX_N}, "
                            f"r = {SCRYPT_R}, p = {SCRYPT_P})")
    secret = data["data_key" if version == 2 else "verifier"]
    try:
        salt = base64.b64decode(kdf["salt"], validate=True)
        blob = base64.b64decode(secret, validate=True)
    except (ValueError, TypeError):
        raise DamagedHeader(root, "its salt or key is not base64") from None
    if len(salt) != SALT_SIZE or len(blob) != (WRAPPED_SIZE if version == 2 else
                                               NONCE_SIZE + len(_V1_VERIFIER_TEXT) + TAG_SIZE):
        raise DamagedHeader(root, "its salt or key has the wrong length")
    state = data["state"]
    if state not in STATES:
        raise DamagedHeader(root, "it has an unknown state")
    if version == 1:
        return _HeaderV1(_Kdf(n, salt), state, blob)
    return _Header(_Kdf(n, salt), state, blob)


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


def require_header(root: Path) -> None:
    """Raise unless the archive at ``root`` has a usable encryption header:
    :class:`MissingHeader` if it holds sealed files without one, :class:`ArchiveError` (not
    encrypted) if it holds none, :class:`DamagedHeader` if the header cannot be used."""
    _existing_header(root)


def _existing_header(root: Path) -> _Header | _HeaderV1:
    header = _read_header(root)
    if header is None:
        if _holds_sealed_files(root):
            raise MissingHeader(root)
        raise ArchiveError(f"the archive {root} is not encrypted")
    return header


def _holds_sealed_files(root: Path) -> bool:
    for path in _archive_files(root):
        with open(path, "rb") as fh:
            if is_sealed(fh.read(len(SEALED_MAGIC))):
                return True
    return False


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
        keys = _new_keys(passphrase, n=n, state=ENCRYPTED)
        atomic_write(root / ENCRYPTION_FILE, keys.header.to_json(), durable=True)


def encrypt_archive(root: Path, passphrase: str, *, n: int = DEFAULT_N) -> int:
    """Encrypt the plain archive at ``root`` in place; returns how many files were sealed.

    Crash-safe: the header is written first (state ``"encrypting"``, a new data key), then
    each file is replaced atomically and durably by its sealed form, then the state becomes
    ``"encrypted"``. Killed at any moment, the archive still opens with ``passphrase`` (or
    without one, if killed before the header was written), and running this again finishes
    the job; it also turns an unfinished decryption back around.

    Files in ``damaged/`` are left alone: they stay plain, so review and delete them (see
    :func:`plain_files_in_damaged`). Text the plain files held may remain in free disk blocks.
    Raises ``ValueError`` for a passphrase that is too short, :class:`WrongPassphrase` when
    resuming with another passphrase, :class:`~kapsession.store.errors.MissingHeader` for
    sealed files without their header, and :class:`ArchiveError` if the archive is already
    encrypted or open in another process. ``n`` is the scrypt cost for a new header.
    """
    root = Path(root).expanduser()
    with _exclusive(root):
        header = _read_header(root)
        if header is None:
            if _holds_sealed_files(root):
                # A new key would leave them unreadable for ever: touch nothing.
                raise MissingHeader(root)
            keys = _new_keys(passphrase, n=n, state=ENCRYPTING)
            atomic_write(root / ENCRYPTION_FILE, keys.header.to_json(), durable=True)
        elif header.state == ENCRYPTED:
            raise ArchiveError(f"the archive {root} is already encrypted")
        else:
            keys = _current(root, _unlock(root, header, passphrase), passphrase)
            if keys.header.state != ENCRYPTING:
                keys = _restate(root, keys, ENCRYPTING)
        _remove_temps(root)
        aead = AESGCM(keys.data_key)
        count = 0
        for path in _archive_files(root):
            blob = path.read_bytes()
            if blob.startswith(SEALED_MAGIC):
                continue  # sealed by an earlier, interrupted run
            atomic_write(path, _seal(aead, blob, path.name), durable=True)
            count += 1
        _restate(root, keys, ENCRYPTED)
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
        header = _existing_header(root)
        keys = _unlock(root, header, passphrase)
        codec = SealedCodec(keys.data_key, header.state)
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
        keys = _current(root, keys, passphrase)
        if header.state != DECRYPTING:
            keys = _restate(root, keys, DECRYPTING)
        codec.state = DECRYPTING
        _remove_temps(root)
        count = 0
        bad = []
        for path in _archive_files(root):
            blob = path.read_bytes()
            if not blob.startswith(SEALED_MAGIC):
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


def change_passphrase(root: Path, passphrase: str, new_passphrase: str, *,
                      n: int = DEFAULT_N) -> None:
    """Give the encrypted archive at ``root`` a new passphrase.

    Only ``encryption.json`` is rewritten (the same data key, wrapped under a key derived
    from ``new_passphrase`` with a fresh salt and the cost ``n``), in one atomic, durable
    write: killed at any moment, the archive opens with exactly one of the two passphrases,
    and running this again finishes the job. Works in any state, so an unfinished conversion
    carries on with the new passphrase. Raises ``ValueError`` for a new passphrase that is
    too short, :class:`WrongPassphrase`, and :class:`ArchiveError` if the archive is not
    encrypted or is open in another process.
    """
    check_passphrase(new_passphrase)
    root = Path(root).expanduser()
    with _exclusive(root):
        header = _existing_header(root)
        keys = _unlock(root, header, passphrase)
        kdf = _Kdf.new(n)
        _rewrap(root, keys, kdf, kdf.derive(new_passphrase), header.state)


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
                if not fh.read(len(SEALED_MAGIC)) == SEALED_MAGIC:
                    found.append(Path(entry.path))
    return found
