"""The config file: every setting with its default, type, limits and explanation, in one place.

``SETTINGS`` is the single source for the defaults, for validation, for the commented file
that ``kapsession config --init`` writes and for ``docs/configuration.md``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .model import ClockSettings, RoutePhases, VitalsThresholds
from .model.clock import DEFAULT_PHASES
from .model.due import CHECKINS_MAX, DEFAULT_CHECKINS, DueRules, parse_checkin
from .model.errors import KapsessionError, ValidationError
from .model.protocols import DEFAULT_PROTOCOLS, Protocol
from .model.rems import CONFIG_FIELDS
from .model.rescue import DEFAULT_RESCUE_DRUGS, RescueDrug, parse_rescue_drug
from .model.text import SHORT_MAX, clean_text
from .model.vocab import ROUTES

CONFIG_MAX_BYTES = 256 * 1024
# The deepest setting is three keys (phases.im.peak); a table nested deeper is no setting.
_MAX_DEPTH = 3
# A key quoted in a message is cut to this length (the file may hold anything).
_KEY_SHOWN = 60


@dataclass(frozen=True)
class Setting:
    key: str  # dotted: "checkins.first_min"
    default: Any
    help: str
    kind: type | tuple[type, ...] = int
    low: int | None = None
    high: int | None = None
    choices: tuple[str, ...] = ()
    #: For text: the most characters it may have.
    max_len: int = 4096


PREPARATION_CHECKS = [
    "Consent reviewed",
    "Intention(s) set",
    "Fasting as instructed (no food 2–4 h, no liquids 30 min–2 h)",
    "No alcohol, cannabis, benzodiazepines, opioids or stimulants in the last 24 h",
    "Medication changes reviewed",
    "Baseline vitals taken",
    "Ride home / escort confirmed",
    "Eye mask and music ready",
    "Emergency plan known",
]
DISCHARGE_CHECKS = [
    "Alert and oriented",
    "Steady gait",
    "Vitals near baseline",
    "Nausea settled",
    "Leaves with a responsible adult",
    "Told: no driving until the next day",
    "Told: no big decisions, alcohol or cannabis for 24 h",
    "Written after-care given",
]
INTEGRATION_CHECKS = [
    "Key insights and the client's own words captured",
    "Intention revisited",
    "Journaling prompts given (journal within hours)",
    "Integration session booked",
    "Crisis resources given (US: call or text 988)",
]

SETTINGS: list[Setting] = [
    Setting("theme", "kap-dark", "Colour theme: a calm low-light one, or a light one.", str,
            choices=("kap-dark", "kap-light")),
    Setting("signer_initials", "", "Your initials, recorded with each session you sign (empty: "
            "the session's therapist).", str, max_len=8),
    Setting("bell", False, "Ring the terminal bell when a check-in falls due (off: silent).",
            bool),
    Setting("export_folder", "notes", "Folder for markdown exports (relative to where you run "
            "kapsession, or absolute).", str),
    Setting("prompts_file", "", "Your own grounding prompts (TOML); empty for the built-in "
            "library only. See the README for the format.", str),
    Setting("prompts_mode", "add", "'add' your prompts to the built-in library, or "
            "'replace' it.", str, choices=("add", "replace")),
    Setting("device_name", "", "This computer's name, shown on your other devices while a "
            "session is live here (empty: the computer's host name). See docs/sync.md.", str),
    Setting("idle_lock_minutes", 10, "Lock the screen after this many minutes without a key "
            "press (0: never); in a live session the lock keeps the clock in view.", int, 0,
            240),
    Setting("checkins.first_min", 40, "First vitals check-in, minutes after the dose "
            "(REMS: about 40), for a session without a monitoring protocol.", int, 5, 240),
    Setting("checkins.interval_min", 15, "Then every this many minutes after the last vitals "
            "(without a protocol).", int, 5, 120),
    Setting("observation.min_minutes", 120, "Minimum observation time after the last dose or "
            "booster before discharge (without a protocol; a protocol sets its own).", int, 30,
            480),
    Setting("integration.book_within_days", 7, "Remind to book the integration session "
            "within this many days.", int, 1, 60),
    Setting("integration.checkins", list(DEFAULT_CHECKINS), "Integration check-ins after a "
            "dosing session, listed by `kapsession due` until an integration visit is held "
            "(h hours, d days, w weeks, mo 30 days).", list),
    Setting("thresholds.systolic_high", 140, "Flag systolic BP above this (mmHg).", int, 90, 250),
    Setting("thresholds.diastolic_high", 90, "Flag diastolic BP above this (mmHg).", int, 50, 150),
    Setting("thresholds.heart_rate_high", 120, "Flag heart rate above this (bpm).", int, 60, 220),
    Setting("thresholds.heart_rate_low", 50, "Flag heart rate below this (bpm).", int, 25, 100),
    Setting("thresholds.spo2_low", 94, "Flag SpO₂ below this (%).", int, 70, 100),
]
for _route, _p in DEFAULT_PHASES.items():
    _label = ROUTES[_route]
    SETTINGS += [
        Setting(f"phases.{_route}.peak", _p.peak, f"{_label}: peak begins (minutes after the "
                "dose).", int, 1, 1440),
        Setting(f"phases.{_route}.return", _p.return_, f"{_label}: return begins.", int, 2, 1440),
        Setting(f"phases.{_route}.end", _p.end, f"{_label}: typical end of effects.", int, 3,
                1440),
    ]
# Monitoring protocols (DOMAIN.md, "Monitoring"; sources in kapsession/model/protocols.py).
# The preparation form offers each one and picks the first made for the medicine and route.
for _p in DEFAULT_PROTOCOLS:
    _k = f"protocols.{_p.name}"
    SETTINGS += [
        Setting(f"{_k}.label", _p.label, f"{_p.name}: its name on the preparation form.", str),
        Setting(f"{_k}.medicines", list(_p.medicines), f"{_p.name}: medicines it is picked "
                "for (empty: any).", list),
        Setting(f"{_k}.routes", list(_p.routes), f"{_p.name}: routes it is picked for "
                "(empty: any).", list),
        Setting(f"{_k}.min_observation_min", _p.min_observation_min, f"{_p.name}: minimum "
                "observation before discharge, minutes after the last dose or booster.", int,
                30, 480),
        Setting(f"{_k}.first_check_min", _p.first_check_min, f"{_p.name}: first vitals check, "
                "minutes after the dose.", int, 5, 240),
        Setting(f"{_k}.check_every_min", _p.check_every_min, f"{_p.name}: then every this "
                "many minutes after the last vitals (0: only once more, before discharge).",
                int, 0, 120),
        Setting(f"{_k}.rems", _p.rems, f"{_p.name}: sessions fill the Spravato REMS patient "
                "monitoring form.", bool),
    ]
_REMS_HELP = {
    "provider_name": "REMS form: monitoring provider's name.",
    "provider_phone": "REMS form: monitoring provider's phone.",
    "provider_email": "REMS form: monitoring provider's email.",
    "setting_name": "REMS form: healthcare setting's name.",
    "setting_address": "REMS form: healthcare setting's address.",
}
SETTINGS += [Setting(f"rems.{k}", "", _REMS_HELP[k], str) for k in CONFIG_FIELDS]
SETTINGS += [
    Setting("checklists.preparation", PREPARATION_CHECKS, "Preparation checklist (before the "
            "dose). Each session keeps its own copy of the texts.", list),
    Setting("checklists.discharge", DISCHARGE_CHECKS, "Discharge readiness checklist. "
            "'Minimum observation time passed' is computed, so it is not listed here.", list),
    Setting("checklists.integration", INTEGRATION_CHECKS, "Integration checklist.", list),
    Setting("rescue.drugs", DEFAULT_RESCUE_DRUGS, "Rescue medications offered by ctrl+s, "
            "each as: name [dose mg] [route PO/ODT/SL/IN/IM/IV]; the dose and route are what "
            "the dialog starts with.", list),
]
_BY_KEY = {s.key: s for s in SETTINGS}


class ConfigError(KapsessionError, ValueError):
    """The config file is unreadable or has a bad value; the message names file, line, key."""


KEYMAP_MAX = 100
_KEY_RE = re.compile(r"[a-z0-9_+,]{1,60}")  # with fullmatch


@dataclass(frozen=True)
class Config:
    values: dict[str, Any] = field(default_factory=lambda: {s.key: s.default for s in SETTINGS})
    path: Path | None = None
    #: Keys to rebind, by binding id (``[keymap]`` in the file): ``record_vitals = "f5"``.
    keymap: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    @property
    def clock(self) -> ClockSettings:
        phases = {
            r: RoutePhases(peak=self[f"phases.{r}.peak"], return_=self[f"phases.{r}.return"],
                           end=self[f"phases.{r}.end"])
            for r in ROUTES
        }
        return ClockSettings(phases=phases, first_checkin_min=self["checkins.first_min"],
                             checkin_interval_min=self["checkins.interval_min"],
                             min_observation_min=self["observation.min_minutes"])

    @property
    def rescue_drugs(self) -> list[RescueDrug]:
        return [parse_rescue_drug(line) for line in self["rescue.drugs"]]

    @property
    def due_rules(self) -> DueRules:
        return DueRules(book_within_days=self["integration.book_within_days"],
                        checkins=tuple(self["integration.checkins"]))

    @property
    def protocols(self) -> tuple[Protocol, ...]:
        """The monitoring protocols, in the order the preparation form offers them."""
        return tuple(_protocol(self.values, p.name) for p in DEFAULT_PROTOCOLS)

    @property
    def rems_provider(self) -> dict[str, str]:
        """The REMS form's provider and setting fields, from ``[rems]``."""
        return {k: self[f"rems.{k}"] for k in CONFIG_FIELDS}

    @property
    def thresholds(self) -> VitalsThresholds:
        return VitalsThresholds(**{k.split(".", 1)[1]: v for k, v in self.values.items()
                                   if k.startswith("thresholds.")})

    def with_values(self, **changes: Any) -> Config:
        """A copy with some settings changed (keys with ``__`` for dots)."""
        values = dict(self.values)
        for k, v in changes.items():
            values[k.replace("__", ".")] = v
        return replace(self, values=values)  # the keymap and the path stay


def _protocol(values: dict[str, Any], name: str) -> Protocol:
    k = f"protocols.{name}"
    return Protocol(name=name, label=values[f"{k}.label"],
                    medicines=tuple(values[f"{k}.medicines"]),
                    routes=tuple(values[f"{k}.routes"]),
                    min_observation_min=values[f"{k}.min_observation_min"],
                    first_check_min=values[f"{k}.first_check_min"],
                    check_every_min=values[f"{k}.check_every_min"], rems=values[f"{k}.rems"])


def _flatten(data: dict[str, Any], prefix: str = "", depth: int = 1) -> dict[str, Any]:
    """``{"a": {"b": 1}}`` → ``{"a.b": 1}``; a table deeper than any setting stays a value
    (an unknown setting), so no file can nest the recursion deeper than :data:`_MAX_DEPTH`."""
    out: dict[str, Any] = {}
    for k, v in data.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and depth < _MAX_DEPTH:
            out.update(_flatten(v, key + ".", depth + 1))
        else:
            out[key] = v
    return out


def _shown(key: str) -> str:
    """A key from the file as a message may show it: printable, and at most 60 characters."""
    text = clean_text(key, multiline=False)
    return text if len(text) <= _KEY_SHOWN else text[: _KEY_SHOWN - 1] + "…"


def _line_of(text: str, key: str) -> int | None:
    """Best guess of the line where ``key`` is set (tomllib does not report positions)."""
    *tables, last = key.split(".")
    section = "[" + ".".join(tables) + "]" if tables else None
    in_section = section is None
    for n, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("["):
            in_section = section is not None and stripped.replace(" ", "") == section
            if section is None:
                in_section = False
            continue
        if in_section and re.match(rf"{re.escape(last)}\s*=", stripped):
            return n
    return None


def _check(setting: Setting, value: Any) -> Any:
    if setting.kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"must be a whole number, not {type(value).__name__}")
        if setting.low is not None and not setting.low <= value <= (setting.high or value):
            raise ValueError(f"{value} is outside {setting.low}–{setting.high}")
    elif setting.kind is bool:
        if not isinstance(value, bool):
            raise ValueError("must be true or false")
    elif setting.kind is str:
        if not isinstance(value, str):
            raise ValueError("must be text in quotes")
        if len(value) > setting.max_len or "\n" in value and setting.max_len < 4096:
            raise ValueError(f"is longer than {setting.max_len:,} characters"
                             if len(value) > setting.max_len else "must be one line")
        if setting.choices and value not in setting.choices:
            raise ValueError(f"{value[:40]!r} is not one of: " + ", ".join(setting.choices))
    elif setting.kind is list:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError("must be a list of texts in quotes")
        if len(value) > 50:
            raise ValueError("has more than 50 items")
        if any(not v.strip() or len(v) > SHORT_MAX or "\n" in v for v in value):
            raise ValueError(f"each item must be one line of 1–{SHORT_MAX} characters")
    return value


def _check_checkins(value: list[str]) -> None:
    if len(value) > CHECKINS_MAX:
        raise ValueError(f"has more than {CHECKINS_MAX} check-ins")
    for text in value:
        try:
            parse_checkin(text)
        except ValueError as exc:
            raise ValueError(f"{text[:20]!r}: {exc}") from None


def load_config(path: Path) -> Config:
    """Read ``path`` (a missing file means all defaults); :class:`ConfigError` if it is bad."""
    from .store.fsutil import FileTooLarge, NotARegularFile, read_limited, shown_path

    name = shown_path(path)
    try:
        raw = read_limited(path, CONFIG_MAX_BYTES)
    except FileNotFoundError:
        return Config(path=path)
    except NotARegularFile:
        raise ConfigError(f"{name}: is not a regular file") from None
    except FileTooLarge:
        raise ConfigError(f"{name}: is larger than {CONFIG_MAX_BYTES // 1024} KiB") from None
    except OSError as exc:
        raise ConfigError(f"{name}: cannot be read ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError:
        raise ConfigError(f"{name}: is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{name}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{name}: not valid TOML: arrays or tables nested too deeply") from None
    values = {s.key: s.default for s in SETTINGS}
    keymap = _check_keymap(name, text, data.pop("keymap", {}))
    for key, value in _flatten(data).items():
        line = _line_of(text, key)
        where = f"{name}, line {line}" if line else name
        setting = _BY_KEY.get(key)
        if setting is None:
            raise ConfigError(f"{where}: unknown setting '{_shown(key)}' (see `kapsession "
                              "config --init`)")
        try:
            values[key] = _check(setting, value)
            if key == "integration.checkins":
                _check_checkins(value)
        except ValueError as exc:
            raise ConfigError(f"{where}: {key} {exc}") from None
        if key == "rescue.drugs":
            for n, line in enumerate(value, 1):
                try:
                    parse_rescue_drug(line)
                except ValidationError as exc:
                    raise ConfigError(f"{where}: rescue.drugs item {n}: {exc.problem}") from None
    config = Config(values=values, path=path, keymap=keymap)
    for route in ROUTES:
        try:
            RoutePhases(peak=values[f"phases.{route}.peak"],
                        return_=values[f"phases.{route}.return"], end=values[f"phases.{route}.end"])
        except ValueError as exc:
            raise ConfigError(f"{name}: phases.{route}: {exc}") from None
    for protocol in DEFAULT_PROTOCOLS:
        try:
            _protocol(values, protocol.name)
        except ValidationError as exc:
            key = exc.field.replace("protocol.", f"protocols.{protocol.name}.")
            line = _line_of(text, key)
            where = f"{name}, line {line}" if line else name
            raise ConfigError(f"{where}: {key} {exc.problem}") from None
    return config


def _check_keymap(name: str, text: str, keymap: object) -> dict[str, str]:
    """``[keymap]``: binding id = "key[,key…]" (Textual key names such as ``ctrl+r``, ``f5``)."""
    where = f"{name}, line {_line_of(text, 'keymap.x') or '?'}"
    if not isinstance(keymap, dict):
        raise ConfigError(f"{name}: keymap must be a table: [keymap] then id = \"key\" lines")
    if len(keymap) > KEYMAP_MAX:
        raise ConfigError(f"{where}: keymap has more than {KEYMAP_MAX} entries")
    out = {}
    for action, keys in keymap.items():
        line = _line_of(text, f"keymap.{action}")
        here = f"{name}, line {line}" if line else name
        if not isinstance(keys, str) or not _KEY_RE.fullmatch(keys):
            raise ConfigError(f"{here}: keymap.{_shown(action)} must be key names in quotes, "
                              "such as \"ctrl+r\" or \"f5,ctrl+r\"")
        out[str(action)] = keys
    return out


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        inner = "".join(f"\n    {_toml_value(v)}," for v in value)
        return f"[{inner}\n]"
    raise TypeError(type(value))


def default_config_text() -> str:
    """The commented config file ``kapsession config --init`` writes (all defaults)."""
    lines = [
        "# kapsession configuration. Every value below is the default; change what you need.",
        "# The app records and reminds; these numbers are a clinic's choices, not advice.",
        "",
    ]
    section = None
    for s in SETTINGS:
        *tables, name = s.key.split(".")
        sec = ".".join(tables) or None
        if sec != section:
            lines += ["", f"[{sec}]"] if sec else []
            section = sec
        limits = ""
        if s.low is not None:
            limits = f" ({s.low}–{s.high})"
        elif s.choices:
            limits = " (" + " | ".join(s.choices) + ")"
        lines.append(f"# {s.help}{limits}")
        lines.append(f"{name} = {_toml_value(s.default)}")
    lines += ["", "# Rebind keys by the action's id (the ids are listed by `?` in each screen's",
              "# help, e.g. record_vitals, mark_dose, save_note, toggle_veil, finish_session).",
              "[keymap]", '# record_vitals = "f5"']
    return "\n".join(lines) + "\n"


def settings_reference_markdown() -> str:
    """``docs/configuration.md``, generated from ``SETTINGS``."""
    out = [
        "# Configuration reference",
        "",
        "Generated from `kapsession/config.py`; `kapsession config --init` writes the same",
        "settings as a commented file, and `kapsession config --path` says where it lives.",
        "",
        "| setting | default | allowed | what it does |",
        "|---|---|---|---|",
    ]
    for s in SETTINGS:
        default = ", ".join(s.default) if isinstance(s.default, list) else _toml_value(s.default)
        if s.low is not None:
            allowed = f"{s.low}–{s.high}"
        elif s.choices:
            allowed = " / ".join(s.choices)
        else:
            allowed = {bool: "true / false", list: "list of texts", str: "text"}.get(s.kind, "")
        default = default.replace("|", "\\|")
        out.append(f"| `{s.key}` | {default} | {allowed} | {s.help} |")
    out += ["", "## Keymap", "",
            "A `[keymap]` table rebinds keys by the id of their action, for example",
            "`record_vitals = \"f5\"` or `finish_session = \"ctrl+e\"`. The ids are shown in",
            "each screen's help (`?` / F1)."]
    return "\n".join(out) + "\n"


def save_setting(path: Path, key: str, value: Any) -> None:
    """Set one setting in the config file, keeping everything else in it as the person wrote
    it: comments, order, spacing, keys kapsession does not know.

    Used to remember the theme. A file that is not valid TOML is left alone (ConfigError
    says so); raises ``OSError`` when the file cannot be written.
    """
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    from .store.fsutil import atomic_write, ensure_private_dir, shown_path

    setting = _BY_KEY[key]
    _check(setting, value)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    except UnicodeDecodeError:
        raise ConfigError(f"{shown_path(path)}: not changed: it is not UTF-8 text") from None
    try:
        doc = tomlkit.parse(text)
        *tables, name = key.split(".")
        container: Any = doc
        for table in tables:
            if table not in container:
                container[table] = tomlkit.table()
            container = container[table]
        container[name] = value
        out = tomlkit.dumps(doc)
    except (TOMLKitError, TypeError, ValueError) as exc:
        raise ConfigError(f"{shown_path(path)}: not changed: it is not a TOML file kapsession can "
                          f"change ({type(exc).__name__})") from None
    ensure_private_dir(path.parent)
    atomic_write(path, out.encode("utf-8"))
