"""Validating settings: a table of `[tool.keras-loss-lint]` keys becomes an `Options` layer, and every
problem becomes a one-line `ConfigError` naming the file and the key. Rule selectors and Keras version
specifiers are checked here for the command line too.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

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
)


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


def validate_keras_version(value: str) -> TargetVersions:
    """Raise `InvalidKerasVersion` for a specifier that is not PEP 440."""
    from keras_loss_lint.keras.versions import InvalidKerasVersion, TargetVersions, parse_specifier

    if not value.strip():
        raise InvalidKerasVersion("empty Keras version specifier: expected e.g. '==3.5.0' or '>=3.7'")
    parse_specifier(value)
    return TargetVersions.from_specifier(value, "")


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
