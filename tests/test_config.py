"""The config file: defaults, validation with file/line/key, the commented --init text, docs."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kapsession.config import (
    SETTINGS,
    Config,
    ConfigError,
    default_config_text,
    load_config,
    save_setting,
    settings_reference_markdown,
)

ROOT = Path(__file__).parents[1]


def test_init_text_is_valid_toml_holding_every_default(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(default_config_text())
    assert load_config(path).values == Config().values
    assert len(tomllib.loads(default_config_text())) > 5


def test_docs_configuration_is_generated_from_the_same_source() -> None:
    assert (ROOT / "docs" / "configuration.md").read_text() == settings_reference_markdown(), \
        "run: python scripts/gen_docs.py"
    for s in SETTINGS:
        assert f"`{s.key}`" in settings_reference_markdown()


def test_a_missing_file_means_defaults(tmp_path: Path) -> None:
    assert load_config(tmp_path / "none.toml").values == Config().values


@pytest.mark.parametrize("text,expected", [
    ("theme = 'neon'\n", "line 1: theme"),
    ("[checkins]\nfirst_min = 0\n", "line 2: checkins.first_min 0 is outside 5–240"),
    ("[thresholds]\n\nspo2_low = true\n", "line 3: thresholds.spo2_low must be a whole number"),
    ("colour = 'x'\n", "unknown setting 'colour'"),
    ("[phases.im]\npeak = 50\n", "phases.im"),
    ("[checklists]\npreparation = [1, 2]\n", "checklists.preparation must be a list"),
    ("theme = \n", "not valid TOML"),
])
def test_bad_values_name_file_line_and_key(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(path) in str(err.value) and expected in str(err.value)


def test_huge_or_binary_files_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("# " + "x" * (1 << 20))
    with pytest.raises(ConfigError, match="larger than"):
        load_config(path)
    path.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(path)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.text(max_size=400), st.binary(max_size=400)))
def test_any_file_gives_a_config_or_a_config_error(tmp_path: Path, content: str | bytes) -> None:
    path = tmp_path / "fuzz.toml"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    try:
        config = load_config(path)
    except ConfigError as exc:
        assert str(path) in str(exc)
    else:
        assert set(config.values) == {s.key for s in SETTINGS}


def test_theme_choice_is_remembered_keeping_comments(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(default_config_text())
    save_setting(path, "theme", "kap-light")
    assert load_config(path)["theme"] == "kap-light"
    assert "# Colour theme" in path.read_text()
    fresh = tmp_path / "new.toml"
    save_setting(fresh, "theme", "kap-light")
    assert load_config(fresh)["theme"] == "kap-light"


def test_config_feeds_the_clock_and_thresholds(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[checkins]\nfirst_min = 30\n[thresholds]\nspo2_low = 92\n"
                    "[phases.oral]\npeak = 60\nreturn = 150\nend = 300\n")
    config = load_config(path)
    assert config.clock.first_checkin_min == 30
    assert config.clock.phases["oral"].return_ == 150
    assert config.thresholds.spo2_low == 92


def test_keymap_rebinds_by_id_and_is_validated(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[keymap]\nrecord_vitals = "f5"\n')
    assert load_config(path).keymap == {"record_vitals": "f5"}
    path.write_text('[keymap]\n\nrecord_vitals = 5\n')
    with pytest.raises(ConfigError, match="line 3: keymap.record_vitals"):
        load_config(path)


async def test_a_rebound_key_works_in_the_app(tmp_path: Path) -> None:
    from kapsession import Archive
    from kapsession.ui.app import KapsessionApp
    from kapsession.ui.widgets.vitals_dialog import VitalsDialog

    with Archive.open(tmp_path / "a") as archive:
        archive.new_session(client="C-1", route="im", live=True)
        config = Config(keymap={"record_vitals": "f5"})
        app = KapsessionApp(archive, config=config)
        async with app.run_test() as pilot:
            await pilot.press("r")
            await pilot.pause()
            await pilot.press("f5")
            await pilot.pause()
            assert isinstance(app.screen, VitalsDialog)


def test_with_values_keeps_the_keymap_and_the_path(tmp_path: Path) -> None:
    config = Config(path=tmp_path / "c.toml", keymap={"record_vitals": "f5"})
    changed = config.with_values(idle_lock_minutes=0, checkins__first_min=30)
    assert changed.keymap == {"record_vitals": "f5"} and changed.path == config.path
    assert changed["idle_lock_minutes"] == 0 and changed["checkins.first_min"] == 30


@pytest.mark.parametrize("text", [
    "x = " + "[" * 100_000 + "]" * 100_000,
    "x = " + "{a = " * 40_000 + "1" + "}" * 40_000,
    "[" + ".".join(["deep"] * 50_000) + "]\nx = 1\n",
    "[keymap." + ".".join(["deep"] * 50_000) + "]\nx = 1\n",
], ids=["arrays", "inline-tables", "tables", "keymap-tables"])
def test_deep_nesting_is_one_config_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "deep.toml"
    path.write_text(text)
    assert path.stat().st_size <= 256 * 1024
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = str(err.value)
    assert message.startswith(str(path)) and len(message) < 300 and "\n" not in message


def test_a_config_that_is_no_regular_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    for path in (Path("/dev/zero"), tmp_path):
        with pytest.raises(ConfigError, match="is not a regular file"):
            load_config(path)
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)  # no writer: reading would wait for ever
    with pytest.raises(ConfigError, match="is not a regular file"):
        load_config(fifo)


def test_a_key_binding_with_a_trailing_newline_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[keymap]\nrecord_vitals = "f5\\n"\n')
    with pytest.raises(ConfigError, match="keymap.record_vitals"):
        load_config(path)


def test_rescue_drugs_come_from_the_config_with_their_dose_and_route(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[rescue]\ndrugs = ["midazolam 2 mg IN", "ondansetron 8 mg IV"]\n')
    assert [d.label for d in load_config(path).rescue_drugs] == ["midazolam 2 mg IN",
                                                                "ondansetron 8 mg IV"]
    assert [d.label for d in Config().rescue_drugs] == [
        "ondansetron 4 mg ODT", "clonidine 0.1 mg PO", "lorazepam 0.5 mg"]


def test_a_bad_rescue_drug_line_names_the_item_and_the_problem(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[rescue]\ndrugs = [\n  "ondansetron 4 mg ODT",\n  "clonidine 0 mg PO",\n]\n')
    with pytest.raises(ConfigError, match=r"line 2: rescue.drugs item 2: must be more than 0"):
        load_config(path)


def test_remembering_a_setting_keeps_the_persons_file_as_written(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    text = ('# my clinic\'s settings\ntheme = "kap-dark"   # dark in the evening\n\n'
            '[thresholds]\n# our protocol, 2026-03\nsystolic_high = 170\n\n'
            '[keymap]\nrecord_vitals = "f5"\n')
    path.write_text(text)
    save_setting(path, "theme", "kap-light")
    assert path.read_text() == text.replace('"kap-dark"', '"kap-light"')
    config = load_config(path)
    assert config["theme"] == "kap-light" and config.keymap == {"record_vitals": "f5"}


def test_a_file_that_is_not_toml_is_not_changed_when_remembering(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("theme = = broken\n# keep me\n")
    with pytest.raises(ConfigError, match="not changed"):
        save_setting(path, "theme", "kap-light")
    assert path.read_text() == "theme = = broken\n# keep me\n"


def test_integration_check_ins_are_read_and_a_bad_one_is_named(tmp_path) -> None:  # noqa: ANN001
    from kapsession.config import Config, ConfigError, load_config

    assert Config().due_rules.checkins == ("24h", "72h", "1w", "2w", "1mo", "3mo")
    path = tmp_path / "c.toml"
    path.write_text('[integration]\ncheckins = ["48h", "10d"]\nbook_within_days = 5\n')
    rules = load_config(path).due_rules
    assert rules.checkins == ("48h", "10d") and rules.book_within_days == 5
    path.write_text('[integration]\ncheckins = ["48h", "soon"]\n')
    with pytest.raises(ConfigError, match=r"line 2: integration.checkins 'soon': a check-in"):
        load_config(path)
