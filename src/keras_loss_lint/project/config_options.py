"""Validating settings: a table of `[tool.keras-loss-lint]` keys becomes an `Options` layer, and every
problem becomes a one-line `ConfigError` naming the file and the key. Rule selectors and Keras version
specifiers are checked here for the command line too.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, TypeVar

from keras_loss_lint.core.records import Record
from keras_loss_lint.core.text import did_you_mean
from keras_loss_lint.project.config_values import Options, Pattern, PerFileIgnore
from keras_loss_lint.rules.codes import known_codes

if TYPE_CHECKING:
    from keras_loss_lint.keras.versions import TargetVersions

OUTPUT_FORMATS = (
    "full",
    "concise",
    "grouped",
    "json",
    "json-lines",
    "junit",
    "github",
    "gitlab",
    "pylint",
    "rdjson",
    "azure",
    "sarif",
)
RULE_SELECTOR = re.compile(r"^KLO[0-9]{0,3}$")
T = TypeVar("T")


class ConfigError(Exception):
    """A configuration or option problem, stated in one line."""


KNOWN_KEYS = (
    "select",
    "extend-select",
    "ignore",
    "per-file-ignores",
    "extend-per-file-ignores",
    "exclude",
    "extend-exclude",
    "keras-version",
    "respect-gitignore",
    "force-exclude",
    "output-format",
    "max-file-size",
    "analysis-time-limit",
    "analysis-memory-limit",
)
# `max-file-size`: an integer is KB; a string is a number and a unit. Units are of 1,024, as in
# pre-commit's `check-added-large-files --maxkb` and `du -k`.
_SIZE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(B|KB|KIB|K|MB|MIB|M)?\s*$", re.IGNORECASE)
_UNITS = {"B": 1, "KB": 1024, "KIB": 1024, "K": 1024, "MB": 1024**2, "MIB": 1024**2, "M": 1024**2}
SIZE_EXAMPLE = 'a size such as "256KB" or "1MB" (a number alone is KB)'


def parse_options(table: Mapping[str, Any], anchor: Path, shown: str, where: str) -> Options:
    """Validate a table of settings into an `Options` layer."""
    for key in table:
        if key not in KNOWN_KEYS:
            raise ConfigError(f"{shown}: unknown key {key!r} in {where}{did_you_mean(key, KNOWN_KEYS)}")
    context = _Context(shown, where)
    keras_version = context.keras_version(table)
    return Options(
        select=context.codes(table, "select", none_if_missing=True),
        extend_select=context.codes(table, "extend-select") or (),
        ignore=context.codes(table, "ignore") or (),
        per_file_ignores=context.per_file_ignores(table, "per-file-ignores", anchor),
        extend_per_file_ignores=context.per_file_ignores(table, "extend-per-file-ignores", anchor) or (),
        exclude=context.patterns(table, "exclude", anchor),
        extend_exclude=context.patterns(table, "extend-exclude", anchor) or (),
        keras_version=keras_version,
        keras_version_source=f"keras-version in {shown}" if keras_version is not None else "",
        respect_gitignore=context.boolean(table, "respect-gitignore"),
        force_exclude=context.boolean(table, "force-exclude"),
        output_format=context.choice(table, "output-format", OUTPUT_FORMATS),
        max_file_size=context.checked(table, "max-file-size", validate_file_size),
        analysis_time_limit=context.checked(table, "analysis-time-limit", validate_time_limit),
        analysis_memory_limit=context.checked(table, "analysis-memory-limit", validate_memory_limit),
    )


class _Context(Record):
    __slots__ = ("shown", "where")
    shown: str
    where: str

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.shown}: {key!r} in {self.where}: {problem}")

    def strings(self, table: Mapping[str, Any], key: str) -> tuple[str, ...] | None:
        if key not in table:
            return None
        value = table[key]
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.fail(key, f"expected a list of strings, got {_describe(value)}")
        return tuple(value)

    def codes(
        self, table: Mapping[str, Any], key: str, none_if_missing: bool = False
    ) -> tuple[str, ...] | None:
        values = self.strings(table, key)
        if values is None:
            return None if none_if_missing else ()
        try:
            return tuple(validate_selector(value) for value in values)
        except ValueError as error:
            raise self.fail(key, str(error)) from None

    def patterns(self, table: Mapping[str, Any], key: str, anchor: Path) -> tuple[Pattern, ...] | None:
        values = self.strings(table, key)
        return None if values is None else tuple(Pattern(value, anchor) for value in values)

    def per_file_ignores(
        self, table: Mapping[str, Any], key: str, anchor: Path
    ) -> tuple[PerFileIgnore, ...] | None:
        if key not in table:
            return None
        value = table[key]
        if not isinstance(value, dict):
            raise self.fail(key, f"expected a table of glob = [codes], got {_describe(value)}")
        entries = []
        for glob, codes in value.items():
            if not isinstance(codes, list) or not all(isinstance(code, str) for code in codes):
                raise self.fail(key, f"{glob!r}: expected a list of rule codes, got {_describe(codes)}")
            try:
                checked = tuple(validate_selector(code) for code in codes)
            except ValueError as error:
                raise self.fail(key, f"{glob!r}: {error}") from None
            entries.append(PerFileIgnore(Pattern(glob, anchor), checked))
        return tuple(entries)

    def keras_version(self, table: Mapping[str, Any]) -> str | None:
        if "keras-version" not in table:
            return None
        value = table["keras-version"]
        if not isinstance(value, str):
            raise self.fail("keras-version", f"expected a PEP 440 specifier string, got {_describe(value)}")
        from keras_loss_lint.keras.versions import InvalidKerasVersion

        try:
            validate_keras_version(value)
        except InvalidKerasVersion as error:
            raise self.fail("keras-version", str(error)) from None
        return value

    def boolean(self, table: Mapping[str, Any], key: str) -> bool | None:
        if key not in table:
            return None
        value = table[key]
        if not isinstance(value, bool):
            raise self.fail(key, f"expected true or false, got {_describe(value)}")
        return value

    def checked(self, table: Mapping[str, Any], key: str, validate: Callable[[object], T]) -> T | None:
        """`validate(value)` of a key that is set (its ValueError names the problem)."""
        if key not in table:
            return None
        try:
            return validate(table[key])
        except ValueError as error:
            raise self.fail(key, str(error)) from None

    def choice(self, table: Mapping[str, Any], key: str, choices: tuple[str, ...]) -> str | None:
        if key not in table:
            return None
        value = table[key]
        if value not in choices:
            raise self.fail(key, f"expected one of {', '.join(choices)}, got {value!r}")
        return value


def validate_selector(value: str) -> str:
    """A rule code or prefix (`KLO`, `KLO2`, `KLO201`); `ALL` means `KLO`. ValueError otherwise."""
    code = value.strip().upper()
    if code == "ALL":
        return "KLO"
    if not RULE_SELECTOR.match(code):
        hint = " (keras-loss-lint codes start with 'KLO', e.g. 'KLO201')"
        raise ValueError(f"unknown rule selector {value!r}{hint}")
    known = known_codes()
    # While the registry is empty (or a prefix is exactly a family), only the shape can be checked.
    if known and code != "KLO" and not any(rule_code.startswith(code) for rule_code in known):
        raise ValueError(f"unknown rule selector {value!r}{did_you_mean(code, known)}")
    return code


def validate_file_size(value: object) -> int:
    """`max-file-size` in bytes: an integer of KB, or a string such as "256KB", "1.5MB", "65536B".
    ValueError otherwise, or outside 1 byte to what is read of a source file at most."""
    from keras_loss_lint.project.settings import LARGEST_MAX_FILE_SIZE, format_size

    if isinstance(value, int) and not isinstance(value, bool):
        size = value * 1024
    elif isinstance(value, str) and (match := _SIZE.match(value)):
        scaled = float(match.group(1)) * _UNITS[(match.group(2) or "KB").upper()]
        size = int(scaled) if math.isfinite(scaled) else LARGEST_MAX_FILE_SIZE + 1
    else:
        raise ValueError(f"expected {SIZE_EXAMPLE}, got {_shown(value)}")
    if not 1 <= size <= LARGEST_MAX_FILE_SIZE:
        raise ValueError(f"expected a size from 1B to {format_size(LARGEST_MAX_FILE_SIZE)}, got {_shown(value)}")
    return size


def validate_time_limit(value: object, text: bool = False) -> float:
    """`analysis-time-limit`: seconds of CPU time, a positive number (`text`: written as a string, as
    on the command line)."""
    return _positive_number(value, text, "seconds", "2 or 0.5")


def validate_memory_limit(value: object, text: bool = False) -> float:
    """`analysis-memory-limit`: MB of memory growth, a positive number (`text`: as for the time)."""
    return _positive_number(value, text, "MB", "150")


def _positive_number(value: object, text: bool, unit: str, example: str) -> float:
    number = math.nan
    if isinstance(value, (int, float)) and not isinstance(value, bool) and not text:
        number = float(value) if not isinstance(value, int) or value < 2**53 else math.inf
    elif isinstance(value, str) and text:
        try:
            number = float(value)
        except ValueError:
            pass
    if not (math.isfinite(number) and number > 0):
        raise ValueError(f"expected a positive number of {unit} (e.g. {example}), got {_shown(value)}")
    return number


def validate_keras_version(value: str) -> TargetVersions:
    """Raise `InvalidKerasVersion` for a specifier that is not PEP 440."""
    from keras_loss_lint.keras.versions import InvalidKerasVersion, TargetVersions, parse_specifier

    if not value.strip():
        raise InvalidKerasVersion("empty Keras version specifier: expected e.g. '==3.5.0' or '>=3.7'")
    parse_specifier(value)
    return TargetVersions.from_specifier(value, "")


def _shown(value: object, width: int = 40) -> str:
    """A scalar as written (cut short: a value may be thousands of digits long), else its kind."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return _describe(value)
    if isinstance(value, int) and abs(value) >= 10**width:
        return "a very large integer"  # str() of one may exceed Python's int-string limit
    text = repr(value)
    return text if len(text) <= width else f"{text[: width - 3]}..."


def _describe(value: object) -> str:
    names = {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
    }
    return names.get(type(value), type(value).__name__)
