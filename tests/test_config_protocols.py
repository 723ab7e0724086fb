"""Monitoring protocols and the REMS provider in the config file."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from kapsession.config import ConfigError, default_config_text, load_config
from kapsession.model.protocols import DEFAULT_PROTOCOLS


def test_the_defaults_are_the_sourced_protocols_and_the_init_file_reads_back(
        tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(default_config_text(), encoding="utf-8")
    config = load_config(path)
    assert config.protocols == DEFAULT_PROTOCOLS
    assert "esketamine-rems" in tomllib.loads(default_config_text())["protocols"]
    assert config.rems_provider == {k: "" for k in config.rems_provider}


def test_a_clinic_changes_a_protocol_and_names_its_provider(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[protocols.im-clinic]\nmin_observation_min = 180\ncheck_every_min = 20\n'
                    '[rems]\nprovider_name = "Dr. A. Example"\n', encoding="utf-8")
    config = load_config(path)
    im = next(p for p in config.protocols if p.name == "im-clinic")
    assert (im.min_observation_min, im.check_every_min, im.first_check_min) == (180, 20, 15)
    assert config.rems_provider["provider_name"] == "Dr. A. Example"


@pytest.mark.parametrize("text,message", [
    ('[protocols.iv-infusion]\nroutes = ["nose"]\n',
     "line 2: protocols.iv-infusion.routes must be a list of"),
    ('[protocols.iv-infusion]\nmin_observation_min = 5\n',
     "line 2: protocols.iv-infusion.min_observation_min 5 is outside 30–480"),
    ('[protocols.esketamine-rems]\nrems = "yes"\n', "must be true or false"),
])
def test_a_bad_protocol_setting_is_named_with_its_line(tmp_path: Path, text: str,
                                                       message: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_config(path)
