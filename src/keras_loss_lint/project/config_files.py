"""Finding and reading configuration files: which file applies in a directory (`.keras-loss-lint.toml`,
then `keras-loss-lint.toml`, then a pyproject.toml with a `[tool.keras-loss-lint]` table), and loading
one into an `Options` layer. TOML is imported only when a file is actually read.
"""

from __future__ import annotations

import stat
import sys
from pathlib import Path
from typing import Any

from keras_loss_lint.project.config_options import ConfigError, parse_options
from keras_loss_lint.project.files import NotRegular, read_regular_text
from keras_loss_lint.project.config_values import Options

TOOL = "keras-loss-lint"
CONFIG_FILES = (".keras-loss-lint.toml", "keras-loss-lint.toml", "pyproject.toml")
MAX_CONFIG_BYTES = 1_000_000


def config_file_in(directory: Path) -> Path | None:
    for name in CONFIG_FILES:
        path = directory / name
        if not is_regular_file(path):
            continue
        if name != "pyproject.toml" or _has_tool_table(path):
            return path
    return None


def is_regular_file(path: Path) -> bool:
    """A regular file, not a device, FIFO or directory; False where the path cannot even be looked
    at (a name longer than the system allows, a permission problem)."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except (OSError, ValueError):
        return False


def read_config_text(path: Path, shown: str) -> str:
    """A configuration file's text: regular files only, with a size bound (a link to /dev/zero must
    not exhaust memory); problems raise `ConfigError` naming the file."""
    try:
        return read_regular_text(path, MAX_CONFIG_BYTES)
    except NotRegular as error:
        raise ConfigError(f"{shown}: cannot read configuration: {error.args[0].split(':')[0]}") from None
    except FileNotFoundError:
        raise ConfigError(f"{shown}: no such configuration file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{shown}: cannot read configuration: {_reason(error)}") from None


def _has_tool_table(path: Path) -> bool:
    """Whether a pyproject.toml has `[tool.keras-loss-lint]`; a broken one counts (to report it)."""
    try:
        text = read_config_text(path, str(path))
    except ConfigError:
        return False
    if TOOL not in text:
        return False
    tomllib = _tomllib()
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError):
        return True
    tool = data.get("tool")
    return isinstance(tool, dict) and TOOL in tool


def load_config_file(path: Path, display: str | None = None) -> Options:
    """Read and validate one configuration file; every problem raises `ConfigError`."""
    shown = display or str(path)
    tomllib = _tomllib()
    text = read_config_text(path, shown)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{shown}: invalid TOML: {error}") from None
    except RecursionError:
        raise ConfigError(f"{shown}: invalid TOML: nested too deeply") from None
    if path.name == "pyproject.toml":
        table = _tool_table(data, shown)
        where = f"[tool.{TOOL}]"
    else:
        table, where = data, "the file"
    return parse_options(table, path.parent.resolve(), f"{shown}", where)


def _tomllib() -> Any:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised only on Python < 3.11
        import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]
    return tomllib


def _tool_table(data: dict[str, Any], shown: str) -> dict[str, Any]:
    tool = data.get("tool", {})
    table = tool.get(TOOL, {}) if isinstance(tool, dict) else {}
    if not isinstance(table, dict):
        raise ConfigError(f"{shown}: [tool.{TOOL}] must be a table")
    return table


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error)
