"""What the server asks the core: settings for a document's path, lint, fix all. No pygls here.

Settings come from the same places as for `keras-loss-lint check`: a `ConfigResolver` per workspace
folder (so a folder's configuration and its relative globs mean what they mean on the command line),
per-file-ignores, excludes, and the target Keras versions the project pins. Everything here, including
`invalidate`, runs on the server's single lint thread, so the resolvers and their caches are only
ever touched by one thread, and never dropped in the middle of a lint.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from keras_loss_lint import target
from keras_loss_lint.config import ConfigError, ConfigResolver, combine
from keras_loss_lint.core import lint_source
from keras_loss_lint.diagnostics import Diagnostic
from keras_loss_lint.discovery import is_excluded
from keras_loss_lint.fixing import MAX_PASSES, apply_diagnostic_fixes, fix_source, is_applicable, parses
from keras_loss_lint.settings import Settings
from keras_loss_lint.versions import InvalidKerasVersion

# Files whose change can change a document's settings: configuration, and the project files the
# Keras version is detected from (keras_loss_lint.target).
CONFIG_NAMES = frozenset({"pyproject.toml", ".keras-loss-lint.toml", "keras-loss-lint.toml"})
PROJECT_NAMES = frozenset({"setup.cfg", "Pipfile", "Pipfile.lock"})
PROJECT_GLOBS = ("requirements*.txt", "*.lock", "pylock*.toml", "Pipfile*")
# What the server asks the client to watch (workspace/didChangeWatchedFiles), matching the above.
WATCHED_GLOBS = tuple(f"**/{name}" for name in sorted(CONFIG_NAMES | PROJECT_NAMES)) + tuple(
    f"**/{glob}" for glob in PROJECT_GLOBS
)


def is_project_file(path: Path) -> bool:
    """Whether a change to `path` can change the settings of the files beside or below it."""
    name = path.name
    if name in CONFIG_NAMES or name in PROJECT_NAMES:
        return True
    return any(fnmatch.fnmatchcase(name, glob) for glob in PROJECT_GLOBS)


@dataclass(frozen=True)
class FileSettings:
    settings: Settings
    ignored: tuple[str, ...] = ()  # per-file-ignores for this path
    excluded: bool = False
    config_error: str | None = None  # the configuration could not be read: defaults are used


@dataclass(frozen=True)
class Outcome:
    """One lint of one text: what to publish, and what to tell the user about."""

    diagnostics: tuple[Diagnostic, ...] = ()
    error: str | None = None  # the core could not analyse the text (e.g. a syntax error mid-typing)
    config_error: str | None = None
    excluded: bool = False
    internal_error: str | None = None  # a bug in the analyser: logged, and nothing is published


class Linter:
    def __init__(self) -> None:
        self._resolvers: dict[Path, ConfigResolver] = {}

    def invalidate(self, path: Path | None = None) -> None:
        """Forget cached configuration and Keras-version detection (all of it, or what `path` feeds)."""
        self._resolvers = {}  # cheap to rebuild; configuration files are read again on next use
        target.clear_cache(path)

    def file_settings(self, path: Path | None, folders: Sequence[Path]) -> FileSettings:
        root = folder_for(path, folders)
        resolver = self._resolver(root)
        try:
            if path is None:
                return FileSettings(resolver.for_directory(root).settings_for(None))
            config = resolver.for_path(path)
            return FileSettings(
                config.settings_for(path), config.ignored_codes(path), is_excluded(path, resolver)
            )
        except (ConfigError, InvalidKerasVersion, OSError) as error:
            # Like ruff's server: a broken configuration is reported, and linting goes on with defaults.
            return FileSettings(combine(None, root, []).settings_for(path), config_error=str(error))

    def lint(self, text: str, path: Path | None, folders: Sequence[Path]) -> Outcome:
        chosen = self.file_settings(path, folders)
        if chosen.excluded:
            return Outcome(excluded=True, config_error=chosen.config_error)
        result = lint_source(text, _name(path), chosen.settings)
        kept = tuple(d for d in result.diagnostics if not _ignored(d, chosen.ignored))
        return Outcome(kept, result.error, chosen.config_error)

    def fix_all(self, text: str, path: Path | None, folders: Sequence[Path]) -> str | None:
        """The text with every safe fix applied (None: nothing to fix)."""
        chosen = self.file_settings(path, folders)
        if chosen.excluded:
            return None
        if not chosen.ignored:
            fixed = fix_source(text, _name(path), chosen.settings).source
        else:
            fixed = _fix_keeping(text, _name(path), chosen.settings, chosen.ignored)
        return fixed if fixed != text else None

    def _resolver(self, root: Path) -> ConfigResolver:
        resolvers = self._resolvers
        resolver = resolvers.get(root)
        if resolver is None:
            resolver = resolvers[root] = ConfigResolver(cwd=root)
        return resolver


def folder_for(path: Path | None, folders: Sequence[Path]) -> Path:
    """The innermost workspace folder holding `path`; for a file outside every folder, its
    filesystem root, so that the default excludes (site-packages, .venv) apply to all its
    ancestors, as they would to a library file opened by "go to definition"."""
    if path is None:
        return folders[0] if folders else Path.cwd()
    holding = [folder for folder in folders if folder == path or folder in path.parents]
    if holding:
        return max(holding, key=lambda folder: len(folder.parts))
    return Path(path.anchor or "/")


def _fix_keeping(text: str, name: str | None, settings: Settings, ignored: tuple[str, ...]) -> str:
    """`fixing.fix_source`, but leaving alone what per-file-ignores switches off for this file."""
    current = text
    for _ in range(MAX_PASSES):
        result = lint_source(current, name, settings)
        fixable = [
            d for d in result.diagnostics if not _ignored(d, ignored) and is_applicable(d.fix, unsafe=False)
        ]
        if result.error is not None or not fixable:
            break
        candidate, taken = apply_diagnostic_fixes(current, fixable)
        if not taken or not parses(candidate):
            break
        current = candidate
    return current


def _ignored(diagnostic: Diagnostic, ignored: tuple[str, ...]) -> bool:
    return bool(ignored) and diagnostic.code.startswith(ignored)


def _name(path: Path | None) -> str | None:
    return None if path is None else str(path)
