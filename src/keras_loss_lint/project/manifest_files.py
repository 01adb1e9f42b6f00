"""Pins from the files that declare dependencies: pyproject.toml (PEP 621 `[project]`, PEP 735
dependency groups and Poetry's tables, whose constraint syntax is converted to PEP 440), setup.cfg
and Pipfile. These mostly hold ranges, and the odd `==`."""

from __future__ import annotations

import configparser
import re
from pathlib import Path
from typing import Any, Callable, Iterator

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from keras_loss_lint.project.pins import Pin, ProjectReader, make_pin, pin_from_pep508


def pyproject_pins(path: Path, reader: ProjectReader) -> list[Pin]:
    """Pins from `[project]`, `[dependency-groups]` and Poetry's dependency tables, in that order."""
    data = reader.toml(path)
    if data is None:
        return []
    project = _table(data, "project")
    pins = _pep508_list(project.get("dependencies"), path, " [project.dependencies]")
    for extra, deps in _table(project, "optional-dependencies").items():
        pins += _pep508_list(deps, path, f" [project.optional-dependencies.{extra}]")
    for group, deps in _table(data, "dependency-groups").items():
        pins += _pep508_list(deps, path, f" [dependency-groups.{group}]")
    poetry = _table(_table(data, "tool"), "poetry")
    pins += _poetry_pins(_table(poetry, "dependencies"), path, " [tool.poetry.dependencies]")
    dev = _table(poetry, "dev-dependencies")
    pins += _poetry_pins(dev, path, " [tool.poetry.dev-dependencies]")
    for group, body in _table(poetry, "group").items():
        location = f" [tool.poetry.group.{group}.dependencies]"
        pins += _poetry_pins(_table(body, "dependencies"), path, location)
    return pins


def _table(data: object, key: str) -> dict[str, Any]:
    """`data[key]` if it is a table, else empty: malformed files must not raise."""
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def _pep508_list(items: object, path: Path, location: str) -> list[Pin]:
    if not isinstance(items, list):
        return []
    pins = [pin_from_pep508(item, location, path) for item in items if isinstance(item, str)]
    return [pin for pin in pins if pin is not None]


def _poetry_pins(dependencies: dict[str, Any], path: Path, location: str) -> list[Pin]:
    pins = []
    for name, value in dependencies.items():
        for constraint, marked in _poetry_constraints(value):
            pin = _poetry_pin(name, constraint, marked, path, location)
            if pin is not None:
                pins.append(pin)
    return pins


def _poetry_constraints(value: object) -> Iterator[tuple[str, bool]]:
    """(constraint, conditional?) from `"^3.5"`, `{version = "^3.5", markers = ...}` or a list."""
    if isinstance(value, str):
        yield value, False
    elif isinstance(value, dict) and isinstance(value.get("version"), str):
        yield value["version"], bool(value.get("markers") or value.get("python"))
    elif isinstance(value, list):  # multiple-constraint form: each entry is conditional
        for item in value:
            if isinstance(item, dict) and isinstance(item.get("version"), str):
                yield item["version"], True


def _poetry_pin(name: str, constraint: str, marked: bool, path: Path, location: str) -> Pin | None:
    converted = poetry_to_pep440(constraint)
    if converted is None:
        return None
    try:
        specifier = SpecifierSet(converted)
    except InvalidSpecifier:
        return None
    shown = f'{canonicalize_name(name)} = "{constraint.strip()}"'
    return make_pin(name, specifier, shown, location, file=path, marked=marked)


_POETRY_OPERATOR_SPACE = re.compile(r"(\^|~=|~|==|!=|>=|<=|>|<|=)\s+")


def poetry_to_pep440(constraint: str) -> str | None:
    """Poetry's constraint syntax as PEP 440: `^3.5` -> `>=3.5,<4`; None if it has no such form."""
    text = _POETRY_OPERATOR_SPACE.sub(r"\1", constraint.strip())
    if not text or "||" in text or "|" in text:
        return None  # `*` is handled per part; unions have no PEP 440 form
    parts = []
    for part in re.split(r"[\s,]+", text):
        converted = _poetry_part(part)
        if converted is None:
            return None
        parts.extend(converted)
    return ",".join(parts) or None


def _poetry_part(part: str) -> list[str] | None:
    if part in ("", "*"):
        return []
    if part.startswith("^"):
        return _bounded(part[1:], _caret_upper)
    if part.startswith("~") and not part.startswith("~="):
        return _bounded(part[1:], _tilde_upper)
    if part.startswith(("==", "!=", ">=", "<=", "~=", ">", "<")):
        return [part]
    if part.startswith("="):
        return [f"={part}"]
    return [f"=={part}"]  # a bare version is an exact pin in Poetry


def _bounded(version: str, upper: Callable[[list[int]], list[int]]) -> list[str] | None:
    try:
        release = list(Version(version).release)
    except InvalidVersion:
        return None
    return [f">={version}", "<" + ".".join(str(n) for n in upper(release))]


def _caret_upper(release: list[int]) -> list[int]:
    # ^1.2.3 -> <2, ^0.2.3 -> <0.3, ^0.0.3 -> <0.0.4, ^0.0 -> <0.1, ^0 -> <1
    nonzero = [i for i, n in enumerate(release) if n != 0]
    index = nonzero[0] if nonzero else len(release) - 1
    return release[:index] + [release[index] + 1]


def _tilde_upper(release: list[int]) -> list[int]:
    # ~1.2.3 -> <1.3, ~1.2 -> <1.3, ~1 -> <2
    index = 1 if len(release) >= 2 else 0
    return release[:index] + [release[index] + 1]


def setup_cfg_pins(path: Path, reader: ProjectReader) -> list[Pin]:
    """Pins from `install_requires`, then from each extra of `[options.extras_require]`."""
    text = reader.text(path)
    if text is None:
        return []
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text, source=str(path))
    except configparser.Error:
        return []
    pins = _setup_cfg_list(parser, "options", "install_requires", path)
    if parser.has_section("options.extras_require"):
        for extra in parser.options("options.extras_require"):
            pins += _setup_cfg_list(parser, "options.extras_require", extra, path)
    return pins


def _setup_cfg_list(
    parser: configparser.ConfigParser, section: str, key: str, path: Path
) -> list[Pin]:
    value = parser.get(section, key, fallback="")
    location = f" [{section}] {key}"
    pins = [pin_from_pep508(line, location, path) for line in value.splitlines() if line.strip()]
    return [pin for pin in pins if pin is not None]


def pipfile_pins(path: Path, reader: ProjectReader) -> list[Pin]:
    """Pins from `[packages]`, then `[dev-packages]`."""
    data = reader.toml(path)
    pins = []
    for section in ("packages", "dev-packages"):
        for name, value in _table(data, section).items():
            version = value.get("version") if isinstance(value, dict) else value
            pin = _pipfile_pin(name, version, path, f" [{section}]")
            if pin is not None:
                pins.append(pin)
    return pins


def _pipfile_pin(name: str, version: object, path: Path, location: str) -> Pin | None:
    if not isinstance(version, str) or version.strip() in ("", "*"):
        return None
    try:
        specifier = SpecifierSet(version.strip())
    except InvalidSpecifier:
        return None
    shown = f"{canonicalize_name(name)}{specifier}"
    return make_pin(name, specifier, shown, location, file=path)
