"""What the server asks the core: settings for a document's path, lint, fix all. No pygls here.

Settings come from the same places as for `keras-loss-lint check`: a `ConfigResolver` per workspace
folder (so a folder's configuration and its relative globs mean what they mean on the command line),
per-file-ignores (applied in the settings themselves), excludes, and the target Keras versions the
project pins. Everything here, including
`invalidate`, runs on the server's single lint thread, so the resolvers and their caches are only
ever touched by one thread, and never dropped in the middle of a lint.

The project's other modules are read through one index per project root, whose reader prefers the
unsaved text of open documents (a snapshot the server takes when it schedules the lint), so a model
edited in `models.py` but not yet saved is what `train.py` is checked against.
"""

from __future__ import annotations

import fnmatch
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from keras_loss_lint.project import target
from keras_loss_lint.project.config import ConfigError, ConfigResolver, combine
from keras_loss_lint.core.lint import lint_source
from keras_loss_lint.core.reparse import StatementCache
from keras_loss_lint.core.diagnostics import Diagnostic
from keras_loss_lint.project.discovery import is_excluded
from keras_loss_lint.project.index import ProjectIndex, find_root
from keras_loss_lint.core.fixing import TextTarget, fix_until_stable, is_applicable
from keras_loss_lint.project.settings import Settings
from keras_loss_lint.keras.versions import InvalidKerasVersion

# Files whose change can change a document's settings: configuration, and the project files the
# Keras version is detected from (keras_loss_lint.project.target).
CONFIG_NAMES = frozenset({"pyproject.toml", ".keras-loss-lint.toml", "keras-loss-lint.toml"})
# setup.cfg, tox.ini and .flake8 may also hold a [flake8] section that configures the linter.
PROJECT_NAMES = frozenset({"setup.cfg", "tox.ini", ".flake8", "Pipfile", "Pipfile.lock"})
PROJECT_GLOBS = ("requirements*.txt", "*.lock", "pylock*.toml", "Pipfile*")
# What the server asks the client to watch (workspace/didChangeWatchedFiles), matching the above,
# and the project's modules: one edited outside the editor changes what the open documents import.
PYTHON_GLOB = "**/*.py"
# How many documents keep their parsed statements between edits (core/reparse.py).
KEPT_DOCUMENT_TREES = 2
WATCHED_GLOBS = (
    tuple(f"**/{name}" for name in sorted(CONFIG_NAMES | PROJECT_NAMES))
    + tuple(f"**/{glob}" for glob in PROJECT_GLOBS)
    + (PYTHON_GLOB,)
)


def is_project_file(path: Path) -> bool:
    """Whether a change to `path` can change the settings of the files beside or below it."""
    name = path.name
    if name in CONFIG_NAMES or name in PROJECT_NAMES:
        return True
    return any(fnmatch.fnmatchcase(name, glob) for glob in PROJECT_GLOBS)


@dataclass(frozen=True)
class FileSettings:
    settings: Settings  # per-file-ignores already applied
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
    dependencies: tuple[str, ...] = ()  # the other project files the diagnostics were read from
    not_analysed: str | None = None  # why the analysis was given up on (its time limit): said once
    syntax_error: bool = False  # `error` is a syntax error (a notebook's broken cell), not a refusal


class Linter:
    def __init__(self) -> None:
        self._resolvers: dict[Path, ConfigResolver] = {}
        self._indexes: dict[str, ProjectIndex] = {}
        self._open_texts: Mapping[str, str] = {}
        self._statements: OrderedDict[str | None, StatementCache] = OrderedDict()

    def invalidate(self, path: Path | None = None) -> None:
        """Forget cached configuration and Keras-version detection (all of it, or what `path` feeds)."""
        self._resolvers = {}  # cheap to rebuild; configuration files are read again on next use
        self._indexes = {}  # a new pyproject.toml or setup.cfg may move a project's root
        target.clear_cache(path)

    def file_settings(
        self, path: Path | None, folders: Sequence[Path], notebook_cells: Sequence[str] | None = None
    ) -> FileSettings:
        """`notebook_cells`: a notebook's raw cell sources, whose `!pip install` pins count."""
        root = folder_for(path, folders)
        resolver = self._resolver(root)
        try:
            if path is None:
                return FileSettings(resolver.for_directory(root).settings_for(None, notebook_cells))
            config = resolver.for_path(path)
            return FileSettings(config.settings_for(path, notebook_cells), is_excluded(path, resolver))
        except (ConfigError, InvalidKerasVersion, OSError) as error:
            # Like ruff's server: a broken configuration is reported, and linting goes on with defaults.
            defaults = combine(None, root, []).settings_for(path, notebook_cells)
            return FileSettings(defaults, config_error=str(error))

    def lint(
        self,
        text: str,
        path: Path | None,
        folders: Sequence[Path],
        open_texts: Mapping[str, str] | None = None,
        notebook_cells: Sequence[str] | None = None,
    ) -> Outcome:
        """`open_texts` maps the paths of open documents to their (maybe unsaved) text."""
        chosen = self.file_settings(path, folders, notebook_cells)
        if chosen.excluded:
            return Outcome(excluded=True, config_error=chosen.config_error)
        self._open_texts = open_texts or {}
        name = _name(path)
        result = lint_source(
            text, name, chosen.settings, project=self.project_for(path), statements=self._statements_of(name)
        )
        return Outcome(
            result.diagnostics, result.error, chosen.config_error, dependencies=result.dependencies,
            syntax_error=result.syntax_error is not None,
        )

    def fix_all(
        self, text: str, path: Path | None, folders: Sequence[Path], open_texts: Mapping[str, str] | None = None
    ) -> str | None:
        """The text with every safe fix applied (None: nothing to fix). Fixes edit this text only;
        the project's other modules are read as `lint` reads them, open ones as their unsaved text,
        so the fixes are those of the diagnostics the editor shows."""
        chosen = self.file_settings(path, folders)
        if chosen.excluded:
            return None
        self._open_texts = open_texts or {}
        index, name, settings = self.project_for(path), _name(path), chosen.settings
        statements = self._statements_of(name)
        fixed, _, _ = fix_until_stable(
            TextTarget(text),
            lambda source: lint_source(source, name, settings, project=index, statements=statements),
            lambda diagnostic: is_applicable(diagnostic.fix, unsafe=False),
        )
        return fixed.source if fixed.source != text else None

    def project_for(self, path: Path | None) -> ProjectIndex | None:
        """The index of the project holding `path`, reading open documents' text first."""
        if path is None:
            return None
        root = find_root(str(path))
        if root is None:
            return None
        index = self._indexes.get(root)
        if index is None:
            index = self._indexes[root] = ProjectIndex(root, reader=self._open_text)
        return index

    def _statements_of(self, name: str | None) -> StatementCache:
        """The parsed statements of the document's last versions: an edit re-parses only what it
        changed. Kept for the few documents edited last, since a tree costs about 1 KB a character."""
        caches = self._statements
        cache = caches.get(name)
        if cache is None:
            cache = caches[name] = StatementCache()
            while len(caches) > KEPT_DOCUMENT_TREES:
                caches.popitem(last=False)
        caches.move_to_end(name)
        return cache

    def _open_text(self, path: str) -> str | None:
        return self._open_texts.get(path)

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


def _name(path: Path | None) -> str | None:
    return None if path is None else str(path)
