"""Two real Syncthing instances on the loopback address, for the sync tests (issue 19).

Each has its own home (keys and ``config.xml`` made by ``syncthing generate``), its own ports,
no discovery, relays or NAT: nothing leaves the machine. Driven through the REST API with the
API key from its config. Every wait polls with a deadline; nothing sleeps a fixed time.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

FOLDER_ID = "kapsession-archive"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what: str, check: Callable[[], Any], timeout: float = 90.0,
             every: float = 0.2) -> Any:
    """Poll ``check`` until it returns something true; fail naming ``what`` at the deadline."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except (OSError, ValueError, KeyError) as exc:  # not up yet, a file mid-rename
            last_error = exc
        time.sleep(every)  # a poll interval, not a wait for something to have happened
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}"
                         + (f" (last error: {last_error})" if last_error else ""))


class Syncthing:
    """One Syncthing device: its home, ports, API key and process."""

    def __init__(self, name: str, base: Path, binary: str) -> None:
        self.name = name
        self.home = base / f"{name}-home"
        self.folder = base / f"{name}-archive"
        self.binary = binary
        self.gui_port = free_port()
        self.sync_port = free_port()
        self.log = base / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        env = dict(os.environ, STNODEFAULTFOLDER="1", STNOUPGRADE="1", HOME=str(base))
        self.env = env
        subprocess.run([binary, "generate", f"--home={self.home}"], env=env, check=True,
                       capture_output=True, timeout=60)
        self.device_id = subprocess.run(
            [binary, f"--home={self.home}", "--device-id"], env=env, check=True,
            capture_output=True, text=True, timeout=60).stdout.strip()
        self.api_key = self._configure()
        self.folder.mkdir(mode=0o700)

    def _configure(self) -> str:
        """Loopback only, before the first start (SYNC.md): returns the API key."""
        path = self.home / "config.xml"
        tree = ET.parse(path)
        root = tree.getroot()
        for folder in root.findall("folder"):  # a default folder, if one was made
            root.remove(folder)
        gui = root.find("gui")
        assert gui is not None
        gui.find("address").text = f"127.0.0.1:{self.gui_port}"  # type: ignore[union-attr]
        options = root.find("options")
        assert options is not None
        for listen in options.findall("listenAddress"):
            options.remove(listen)
        ET.SubElement(options, "listenAddress").text = f"tcp://127.0.0.1:{self.sync_port}"
        # reconnectionIntervalS: a device resumed is dialled at the next round, 60 s apart by
        # default; the reconnect after the test's pause then took up to and past its 90 s.
        for tag, value in (("globalAnnounceEnabled", "false"), ("localAnnounceEnabled", "false"),
                           ("relaysEnabled", "false"), ("natEnabled", "false"),
                           ("crashReportingEnabled", "false"), ("urAccepted", "-1"),
                           ("autoUpgradeIntervalH", "0"), ("startBrowser", "false"),
                           ("reconnectionIntervalS", "1")):
            element = options.find(tag)
            if element is None:
                element = ET.SubElement(options, tag)
            element.text = value
        tree.write(path)
        key = gui.find("apikey")
        assert key is not None and key.text
        return key.text

    # ---- process ------------------------------------------------------------------------

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [self.binary, "serve", f"--home={self.home}", "--no-browser", "--no-restart"],
                env=self.env, stdout=log, stderr=subprocess.STDOUT)
        wait_for(f"{self.name}'s REST API", lambda: self.get("/rest/system/ping"), 60)

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=20)
        self.proc = None

    def tail_log(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    # ---- REST ---------------------------------------------------------------------------

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.gui_port}{path}", data=data, method=method,
            headers={"X-API-Key": self.api_key, "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
        return json.loads(raw) if raw.strip() else {}

    def get(self, path: str) -> Any:
        return self._call("GET", path)

    def post(self, path: str, body: Any = None) -> Any:
        return self._call("POST", path, body)

    def add_device(self, other: Syncthing) -> None:
        self.post("/rest/config/devices", {
            "deviceID": other.device_id, "name": other.name,
            "addresses": [f"tcp://127.0.0.1:{other.sync_port}"]})

    def share(self, other: Syncthing) -> None:
        self.post("/rest/config/folders", {
            "id": FOLDER_ID, "label": "kapsession archive", "path": str(self.folder),
            "type": "sendreceive",
            "devices": [{"deviceID": self.device_id}, {"deviceID": other.device_id}],
            "rescanIntervalS": 5, "fsWatcherEnabled": True, "fsWatcherDelayS": 1})

    def connected_to(self, other: Syncthing) -> bool:
        conns = self.get("/rest/system/connections")["connections"]
        return bool(conns.get(other.device_id, {}).get("connected"))

    def pause(self, other: Syncthing) -> None:
        self.post(f"/rest/system/pause?device={other.device_id}")

    def resume(self, other: Syncthing) -> None:
        self.post(f"/rest/system/resume?device={other.device_id}")

    def scan(self) -> None:
        """Look at the folder now, rather than at the watcher's next tick."""
        self.post(f"/rest/db/scan?folder={FOLDER_ID}")

    def in_sync_with(self, other: Syncthing) -> bool:
        """This device has everything the other has, and the other everything this has."""
        mine = self.get(f"/rest/db/completion?folder={FOLDER_ID}&device={other.device_id}")
        state = self.get(f"/rest/db/status?folder={FOLDER_ID}")
        return mine.get("completion") == 100 and mine.get("needItems", 0) == 0 and \
            state.get("needFiles", 0) == 0 and state.get("state") == "idle"


def find_binary() -> str | None:
    return shutil.which("syncthing")
