"""flake8's configuration, read as a keras-loss-lint configuration where it speaks about KLO codes.

A project that configures the linter for flake8 (`[flake8]` in `.flake8`, `setup.cfg` or `tox.ini`)
gets the same findings from the CLI, the pre-commit hook and the language server: in a directory
without a `[tool.keras-loss-lint]` configuration, a flake8 configuration that sets `keras-version`,
or names KLO codes in `ignore`, `extend-ignore` or `per-file-ignores`, is that directory's
configuration. Its other options (and other tools' codes) are flake8's business and are left alone.

The plugin's own options are read here too, under the names the plugin gives them in flake8 (a
prefix keeps them apart from other plugins' options): `keras-max-file-size`,
`keras-analysis-time-limit` and `keras-analysis-memory-limit`, the `max-file-size`,
`analysis-time-limit` and `analysis-memory-limit` of `[tool.keras-loss-lint]`; a section that sets
one of them is a configuration as well.
"""

from __future__ import annotations

import configparser
import re
from pathlib import Path

from keras_loss_lint.project.config_files import is_regular_file, read_config_text
from keras_loss_lint.project.config_options import (
    ConfigError,
    validate_file_size,
    validate_keras_version,
    validate_memory_limit,
    validate_time_limit,
)
from keras_loss_lint.project.config_values import Options, Pattern, PerFileIgnore

# flake8 looks for its configuration in these files, in this order.
FLAKE8_FILES = ("setup.cfg", "tox.ini", ".flake8")
SECTION = "flake8"
OWN_CODE = re.compile(r"^KLO[0-9]{0,3}$")
_TOKEN = re.compile(r"[^\s,:]+|:")
_CODE = re.compile(r"^[A-Z]+[0-9]*$")
# The plugin's limit options in flake8 (see `faces.flake8_plugin`), with the `Options` field of each.
LIMIT_OPTIONS = {
    "keras-max-file-size": "max_file_size",
    "keras-analysis-time-limit": "analysis_time_limit",
    "keras-analysis-memory-limit": "analysis_memory_limit",
}


def flake8_config_in(directory: Path) -> Path | None:
    """The flake8 configuration in `directory` that says something about KLO codes, if any."""
    for name in FLAKE8_FILES:
        path = directory / name
        if is_regular_file(path) and _speaks_of_klo(path):
            return path
    return None


def load_flake8_config(path: Path, shown: str) -> Options:
    section = _section(path, shown)
    if section is None:
        return Options()
    keras_version = _get(section, "keras-version")
    if keras_version is not None:
        try:
            validate_keras_version(keras_version)
        except ValueError as error:
            raise ConfigError(f"{shown}: 'keras-version' in [{SECTION}]: {error}") from None
    ignored = _own_codes(_get(section, "ignore") or "") + _own_codes(_get(section, "extend-ignore") or "")
    return Options(
        ignore=tuple(dict.fromkeys(ignored)),
        per_file_ignores=_per_file_ignores(_get(section, "per-file-ignores") or "", path.parent.resolve()),
        keras_version=keras_version,
        keras_version_source=f"keras-version in {shown} [{SECTION}]" if keras_version is not None else "",
        **_limits(section, shown),
    )


def _limits(section: configparser.SectionProxy, shown: str) -> dict[str, float | int]:
    found: dict[str, float | int] = {}
    for option, field in LIMIT_OPTIONS.items():
        value = _get(section, option)
        if value is None:
            continue
        try:
            found[field] = validate_limit_text(option, value)
        except ValueError as error:
            raise ConfigError(f"{shown}: {option!r} in [{SECTION}]: {error}") from None
    return found


def validate_limit_text(option: str, value: str) -> float | int:
    """The value of one of `LIMIT_OPTIONS` written as text (an ini file, flake8's command line)."""
    if option == "keras-max-file-size":
        return validate_file_size(value)  # a number without a unit is KB, as in TOML
    if option == "keras-analysis-time-limit":
        return validate_time_limit(value, text=True)
    return validate_memory_limit(value, text=True)


def _speaks_of_klo(path: Path) -> bool:
    try:
        section = _section(path, str(path))
    except ConfigError:
        return False
    if section is None:
        return False
    if any(_get(section, key) is not None for key in ("keras-version", *LIMIT_OPTIONS)):
        return True
    return any("KLO" in (_get(section, key) or "") for key in ("ignore", "extend-ignore", "per-file-ignores"))


def _section(path: Path, shown: str) -> configparser.SectionProxy | None:
    parser = configparser.RawConfigParser()
    text = read_config_text(path, shown)
    try:
        parser.read_string(text, source=shown)
    except configparser.Error as error:
        raise ConfigError(f"{shown}: cannot read [{SECTION}]: {type(error).__name__}") from None
    return parser[SECTION] if parser.has_section(SECTION) else None


def _get(section: configparser.SectionProxy, key: str) -> str | None:
    """flake8 accepts both `keras-version` and `keras_version`."""
    for spelling in (key, key.replace("-", "_")):
        if spelling in section:
            return section[spelling].strip()
    return None


def _own_codes(value: str) -> list[str]:
    return [code for code in re.split(r"[\s,]+", value.strip()) if OWN_CODE.match(code)]


def _per_file_ignores(value: str, anchor: Path) -> tuple[PerFileIgnore, ...]:
    """flake8's `files: codes` pairs (several files may share the codes), keeping the KLO codes."""
    entries: list[PerFileIgnore] = []
    files: list[str] = []
    codes: list[str] = []
    after_colon = False
    for token in _TOKEN.findall(value):
        if token == ":":
            after_colon = True
        elif after_colon and _CODE.match(token):
            codes.append(token)
        else:
            entries += _entries(files, codes, anchor)
            files, codes, after_colon = ([token], [], False) if after_colon else (files + [token], codes, False)
    return tuple(entries + _entries(files, codes, anchor))


def _entries(files: list[str], codes: list[str], anchor: Path) -> list[PerFileIgnore]:
    own = tuple(code for code in codes if OWN_CODE.match(code))
    if not own:
        return []
    return [PerFileIgnore(Pattern(glob, anchor), own) for glob in files]
