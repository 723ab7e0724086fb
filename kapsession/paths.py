"""Where things live: the archive and the config file, overridable by flag or environment."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "kapsession"
ARCHIVE_ENV = "KAPSESSION_ARCHIVE"
CONFIG_ENV = "KAPSESSION_CONFIG"


def archive_dir(flag: str | None = None) -> Path:
    """``--archive`` if given, else ``$KAPSESSION_ARCHIVE``, else the user data folder."""
    if flag:
        return Path(flag).expanduser()
    env = os.environ.get(ARCHIVE_ENV)
    if env:
        return Path(env).expanduser()
    return platformdirs.user_data_path(APP) / "archive"


def config_file(flag: str | None = None) -> Path:
    """``--config`` if given, else ``$KAPSESSION_CONFIG``, else the user config folder."""
    if flag:
        return Path(flag).expanduser()
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env).expanduser()
    return platformdirs.user_config_path(APP) / "config.toml"


def device_key_file() -> Path:
    """This device's key for the archive indexes (see kapsession.store.device_key): in the user
    data folder, never inside an archive."""
    return platformdirs.user_data_path(APP) / "device.key"
