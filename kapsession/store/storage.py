"""A TinyDB ``Storage`` that writes atomically and durably.

TinyDB's own ``JSONStorage`` rewrites its file in place (seek, write, truncate): a crash
mid-write leaves a torn file. This one writes a temp file and renames it over the old one
(see :mod:`kapsession.store.fsutil`). It keeps the last data it read or wrote in memory,
since only the process holding the archive lock ever writes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import orjson
from tinydb.storages import Storage

from .errors import ArchiveError
from .fsutil import atomic_write
from .layout import SEALED_MAGIC


class DamagedFile(ArchiveError):
    """A stored file cannot be read as our JSON. The message names the file."""

    def __init__(self, path: Path, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path.name}: {problem}")


class SealedFile(DamagedFile):
    """A sealed file read without a key: its archive's ``encryption.json`` is missing."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, "is encrypted, and its archive has no encryption.json")


class Codec(Protocol):
    """Turns the JSON bytes of a file into what is stored on disk and back (encryption)."""

    def encode(self, data: bytes, path: Path) -> bytes: ...

    def decode(self, blob: bytes, path: Path) -> bytes:
        """Raise :class:`DamagedFile` naming ``path`` when ``blob`` cannot be opened."""
        ...

    def keep_header(self, root: Path) -> None:
        """Called by the archive's writer before each write: make sure whatever the codec
        needs to open the archive again is still on disk (see :mod:`.crypto`)."""
        ...


def read_json_file(path: Path, codec: Codec | None = None) -> Any:
    """Read ``path`` as JSON; ``None`` if it does not exist; :class:`DamagedFile` if unreadable."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise DamagedFile(path, f"cannot be read ({exc.strerror})") from None
    if not raw.strip():
        raise DamagedFile(path, "is empty")
    if codec is not None:
        raw = codec.decode(raw, path)
    elif raw.startswith(SEALED_MAGIC):
        raise SealedFile(path)
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise DamagedFile(path, "is not valid JSON (truncated or damaged)") from None


def json_fragment(data: Any) -> orjson.Fragment:
    """``data`` as JSON, ready to be written inside a larger document unchanged: what a
    session's entries are encoded to once each (``Session.to_dict(entry_form=...)``), so a
    save serialises only what changed."""
    return orjson.Fragment(orjson.dumps(data))


def plain_json(data: Any) -> Any:
    """``data`` as plain JSON values, fragments read back: exactly what writing it stores."""
    return orjson.loads(orjson.dumps(data))


class AtomicJSONStorage(Storage):
    """TinyDB storage: one JSON file, replaced atomically on every write.

    ``durable=False`` skips the fsyncs, for bulk loads that sync once at the end.
    """

    def __init__(self, path: str | Path, *, read_only: bool = False, durable: bool = True,
                 codec: Codec | None = None) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self.durable = durable
        #: Off while many files are written and their folder synced once (merges).
        self.sync_folder = True
        self.codec = codec
        self._cache: dict[str, dict[str, Any]] | None = None

    def read(self) -> dict[str, dict[str, Any]] | None:
        if self._cache is None:
            data = read_json_file(self.path, self.codec)
            if data is None:
                return None
            if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
                raise DamagedFile(self.path, "is not a TinyDB document store")
            self._cache = data
        return self._cache

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        if self.read_only:
            raise PermissionError(f"{self.path.name} is open read-only")
        try:
            raw = orjson.dumps(data)
            if self.codec is not None:
                raw = self.codec.encode(raw, self.path)
            atomic_write(self.path, raw, durable=self.durable, sync_folder=self.sync_folder)
        except BaseException:
            # TinyDB may have changed the cached dict in place before calling write: forget it,
            # so the next read comes from what is really on disk.
            self._cache = None
            raise
        self._cache = data

    def close(self) -> None:
        self._cache = None
