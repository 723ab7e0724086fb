"""The index's key: made once per device, private, and the archive works without it."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from kapsession import Archive
from kapsession.store.device_key import device_key, key_path


def test_the_device_key_is_made_once_private_and_outside_the_archive(tmp_path: Path) -> None:
    key = device_key()
    assert key is not None and len(key) == 32
    assert device_key() == key
    path = key_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert str(tmp_path / "home") in str(path)  # the test's own data folder, not an archive


def test_a_damaged_key_is_replaced(tmp_path: Path) -> None:
    path = tmp_path / "k" / "device.key"
    path.parent.mkdir()
    path.write_bytes(b"short")
    key = device_key(path)
    assert key is not None and len(key) == 32 and path.read_bytes() == key


def test_without_a_key_the_archive_works_and_reads_its_files(tmp_path: Path,
                                                             clock) -> None:  # noqa: ANN001
    # A data folder that cannot be made: no key, no index believed, nothing refused.
    blocker = tmp_path / "home" / "data"
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("a file where the folder should be")
    assert device_key() is None
    with Archive.open(tmp_path / "a", clock=clock) as a:
        s = a.new_session(client="C-0001", route="im", dose_mg=50, live=True)
        a.add_note(s.id, "kept")
    assert not (tmp_path / "a" / "index.json").exists()  # nothing written that none believes
    path = tmp_path / "a" / "sessions" / f"{s.id}.json"
    st = path.stat()
    path.write_bytes(path.read_bytes().replace(b'"C-0001"', b'"C-0002"'))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    with Archive.open(tmp_path / "a", clock=clock) as a:
        assert a.summary(s.id).client == "C-0002"  # the file was read, size and time alike
        assert [e.text for e in a.get(s.id).entries][-1] == "kept"


def test_a_dangling_link_or_a_key_others_can_read_is_replaced(tmp_path: Path) -> None:
    path = tmp_path / "k" / "device.key"
    path.parent.mkdir(mode=0o700)
    path.symlink_to(tmp_path / "nowhere")
    key = device_key(path)
    assert key is not None and not path.is_symlink() and path.read_bytes() == key
    path.chmod(0o644)
    again = device_key(path)
    assert again is not None and again != key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_two_processes_making_the_key_at_once_agree(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = ("import sys; from pathlib import Path; from kapsession.store.device_key import "
            "device_key; print(device_key(Path(sys.argv[1])).hex())")
    path = tmp_path / "k" / "device.key"
    procs = [subprocess.Popen([sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE,
                              text=True) for _ in range(6)]
    keys = {p.communicate()[0].strip() for p in procs}
    assert keys == {path.read_bytes().hex()}
