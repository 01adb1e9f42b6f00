"""Configuration: `[tool.keras-loss-lint]` in pyproject.toml (or a keras-loss-lint.toml), CLI overrides.

Discovery follows ruff: each file uses the nearest configuration among its ancestor directories, where a
directory's `.keras-loss-lint.toml` beats its `keras-loss-lint.toml`, which beats a `pyproject.toml`
that has a `[tool.keras-loss-lint]` table (a pyproject.toml without the table is no configuration).
`--config PATH` uses one file for everything; `--isolated` uses none. CLI options override the file:
`--select` replaces the file's whole selection (as in ruff, its `ignore` too), `--extend-select` and
`--ignore` add to it.

Patterns in `exclude`, `extend-exclude` and `per-file-ignores` are globs relative to the directory of
the file that declares them (CLI patterns: relative to the working directory). A pattern matches a
path when it matches the path itself or, for patterns without a `/`, its last component, so
`exclude = ["build"]` skips every directory named `build`.

Every problem is a `ConfigError` with one line that names the file and the key.

A directory without such a configuration may still configure the linter for flake8: a `[flake8]`
section that sets `keras-version` or names KLO codes in `ignore`/`extend-ignore`/`per-file-ignores`
counts as its configuration (`flake8_config`), so every face finds what flake8 finds.

The parts live beside this module: `config_values` (the option layers and resolved values),
`config_options` (validating a table of settings), `config_files` (finding and reading files); this
module combines the layers and resolves them per directory.

This module is on the path of every run, including a run answered entirely by the cache, so what only
some runs need (TOML, the version machinery, the rule registry) is imported where it is used.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from keras_loss_lint.project.config_files import (
    CONFIG_FILES,
    TOOL,
    config_file_in,
    load_config_file,
)
from keras_loss_lint.project.config_options import (
    KNOWN_KEYS,
    OUTPUT_FORMATS,
    ConfigError,
    parse_options,
    validate_keras_version,
    validate_selector,
)
from keras_loss_lint.project.config_values import Options, Pattern, PerFileIgnore, ResolvedConfig
from keras_loss_lint.project.flake8_config import FLAKE8_FILES, flake8_config_in, load_flake8_config
from keras_loss_lint.rules.codes import known_codes

# What other modules and tests import from here, wherever it is defined.
__all__ = [
    "CONFIG_FILES",
    "DEFAULT_EXCLUDES",
    "KNOWN_KEYS",
    "OUTPUT_FORMATS",
    "TOOL",
    "ConfigError",
    "ConfigResolver",
    "Options",
    "Pattern",
    "PerFileIgnore",
    "ResolvedConfig",
    "combine",
    "config_file_in",
    "default_excludes",
    "known_codes",
    "load_config_file",
    "parse_options",
    "validate_keras_version",
    "validate_selector",
]

# ruff's default excludes, plus caches of this tool and of Python itself.
DEFAULT_EXCLUDES = (
    ".bzr",
    ".direnv",
    ".eggs",
    ".git",
    ".git-rewrite",
    ".hg",
    ".ipynb_checkpoints",
    ".keras-loss-lint-cache",
    ".mypy_cache",
    ".nox",
    ".pants.d",
    ".pyenv",
    ".pytest_cache",
    ".pytype",
    ".ruff_cache",
    ".svn",
    ".tox",
    ".venv",
    ".vscode",
    "__pycache__",
    "__pypackages__",
    "_build",
    "buck-out",
    "dist",
    "node_modules",
    "site-packages",
    "venv",
)


def combine(config_path: Path | None, root: Path, layers: Iterable[Options]) -> ResolvedConfig:
    """Apply option layers in order (file first, then the command line), later layers winning."""
    select: tuple[str, ...] = ("KLO",)
    ignore: tuple[str, ...] = ()
    resolved = ResolvedConfig(config_path, root, exclude=default_excludes(root))
    per_file: tuple[PerFileIgnore, ...] = ()
    exclude = resolved.exclude
    for layer in layers:
        if layer.select is not None:
            select, ignore = layer.select, ()
        select = _unique(select + layer.extend_select)
        # A later layer that selects a prefix again re-enables what an earlier layer ignored under it.
        ignore = tuple(code for code in ignore if not code.startswith(layer.extend_select or ("\0",)))
        ignore = _unique(ignore + layer.ignore)
        if layer.per_file_ignores is not None:
            per_file = layer.per_file_ignores
        per_file += layer.extend_per_file_ignores
        if layer.exclude is not None:
            exclude = layer.exclude
        exclude += layer.extend_exclude
        resolved = _apply_scalars(resolved, layer)
    return resolved.replace(select=select, ignore=ignore, per_file_ignores=per_file, exclude=exclude)


def _apply_scalars(resolved: ResolvedConfig, layer: Options) -> ResolvedConfig:
    changes: dict[str, Any] = {}
    if layer.keras_version is not None:
        changes.update(keras_version=layer.keras_version, keras_version_source=layer.keras_version_source)
    if layer.respect_gitignore is not None:
        changes["respect_gitignore"] = layer.respect_gitignore
    if layer.force_exclude is not None:
        changes["force_exclude"] = layer.force_exclude
    if layer.output_format is not None:
        changes["output_format"] = layer.output_format
    for limit in ("max_file_size", "analysis_time_limit", "analysis_memory_limit"):
        if getattr(layer, limit) is not None:
            changes[limit] = getattr(layer, limit)
    return resolved.replace(**changes)


def default_excludes(anchor: Path) -> tuple[Pattern, ...]:
    return tuple(Pattern(name, anchor) for name in DEFAULT_EXCLUDES)


def _unique(items: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


# ---------------------------------------------------------------------------------------------------
# Resolving per directory


class ConfigResolver:
    """Finds the configuration for each directory (cached) and applies the CLI layer on top."""

    def __init__(
        self,
        cwd: Path,
        cli: Options | None = None,
        config_file: Path | None = None,  # --config: one file for everything
        isolated: bool = False,
    ) -> None:
        self.cwd = cwd
        self.cli = cli if cli is not None else Options()
        self.config_file = config_file
        self.isolated = isolated
        self._by_dir: dict[Path, ResolvedConfig] = {}
        self._by_file: dict[Path, ResolvedConfig] = {}
        if self.config_file is not None:
            fixed = self._load(self.config_file.resolve(), display=str(self.config_file))
            self._fixed: ResolvedConfig | None = fixed
        elif self.isolated:
            self._fixed = combine(None, self.cwd, [self.cli])
        else:
            self._fixed = None

    def for_path(self, path: Path) -> ResolvedConfig:
        """The configuration for a file or directory (a file uses its directory's)."""
        directory = path if _is_dir(path) else path.parent
        return self.for_directory(directory)

    def for_directory(self, directory: Path) -> ResolvedConfig:
        if self._fixed is not None:
            return self._fixed
        cached = self._by_dir.get(directory)
        if cached is None:
            found = config_file_in(directory) or flake8_config_in(directory)
            if found is not None:
                cached = self._load(found)
            elif directory.parent != directory:
                cached = self.for_directory(directory.parent)  # each ancestor is looked at once
            else:
                cached = combine(None, self.cwd, [self.cli])
            self._by_dir[directory] = cached
        return cached

    def _load(self, path: Path, display: str | None = None) -> ResolvedConfig:
        cached = self._by_file.get(path)
        if cached is None:
            shown = display or _display(path, self.cwd)
            is_flake8 = path.name in FLAKE8_FILES
            options = load_flake8_config(path, shown) if is_flake8 else load_config_file(path, shown)
            cached = combine(path, path.parent, [options, self.cli])
            self._by_file[path] = cached
        return cached


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except (OSError, ValueError):  # e.g. a name longer than the system allows
        return False


def _display(path: Path, cwd: Path) -> str:
    try:
        return str(path.relative_to(cwd))
    except ValueError:
        return str(path)
