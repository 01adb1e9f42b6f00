"""Decide which Keras releases a linted file targets (RULES.md, "Target versions").

First match wins:

1. an explicit specifier (`--keras-version`, or `keras-version` in `[tool.keras-loss-lint]`;
   the caller reads the setting and names where it came from);
2. for a notebook, a `!pip install keras==X` / `%pip install "keras>=3.7"` line in its cells;
3. the project files nearest to the linted file, walking up to the filesystem root and stopping
   after the first directory that holds `.git` (like ruff's config discovery); the nearest
   directory with a usable pin wins;
4. every known release.

Within one source (a notebook, or one directory), a pin of `keras` beats `tf-keras` which beats
`tensorflow` (`import keras` loads the `keras` distribution; a TensorFlow pin only says which major
Keras ships with it); then an unconditional requirement beats one with an environment marker
(markers are not evaluated); then an exact pin beats a range; then the earlier one wins, in the
order: lock files, exact pins in requirements*.txt, `pyproject.toml`, `setup.cfg`, `Pipfile`,
ranges in requirements*.txt, and file order within each.

Nothing here imports Keras or runs project code, and nothing found in a project file ever raises:
a file that cannot be read or parsed is skipped, since a broken requirements line is not the
user's linting problem. Only an invalid *explicit* specifier raises `InvalidKerasVersion`.

Caching: what a directory contributes (its best pin, whether it is a `.git` boundary, which files
were read) is cached per resolved directory for the life of the process, so a run over 1,000 files
reads each project file once. Long-running callers (the LSP server) call `clear_cache(path)` when
a file changes, appears or disappears: it drops the entry of the directory holding `path` and of
every directory whose result was read from `path` (a `-r` include elsewhere), and nothing else.
`clear_cache()` drops everything. The cache is not keyed on mtimes: statting every project file of
every ancestor directory for every linted file would cost most of what the cache saves.

The parsers of each kind of project file live beside this module: `lock_files`, `requirements_files`,
`manifest_files` (pyproject.toml, setup.cfg, Pipfile) and `notebook_pins`; `pins` holds the `Pin`
record and its ranking. This module walks, reads (through one reader per directory) and caches.
"""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from keras_loss_lint.keras.versions import InvalidKerasVersion, TargetVersions
from keras_loss_lint.project.lock_files import LOCK_FILES, lock_pins
from keras_loss_lint.project.manifest_files import pipfile_pins, pyproject_pins, setup_cfg_pins
from keras_loss_lint.project.manifest_files import poetry_to_pep440 as _poetry_to_pep440  # noqa: F401 - tests use it
from keras_loss_lint.project.files import read_regular_text
from keras_loss_lint.project.notebook_pins import notebook_pins
from keras_loss_lint.project.pins import Pin, ProjectReader, best, resolve_path
from keras_loss_lint.project.requirements_files import requirements_pins

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on Python < 3.11
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

__all__ = ["LOCK_FILES", "Pin", "clear_cache", "notebook_pin", "project_pin", "resolve_target"]


# ---------------------------------------------------------------------------------------------------
# Public entry points


def resolve_target(
    path: Path | None,
    explicit: str | None = None,
    explicit_source: str = "--keras-version",
    notebook_source: str | Sequence[str] | None = None,
) -> TargetVersions:
    """The Keras releases the file at `path` targets, and a `source` saying why.

    `explicit` is the user's specifier (blank counts as unset) and `explicit_source` names the
    setting it came from. `notebook_source` is a notebook's raw code (magics intact): one string,
    or one string per cell so that descriptions can say "cell N". `path=None` (e.g. stdin without
    a filename) skips the project search.
    """
    if explicit is not None and explicit.strip():
        # Raises InvalidKerasVersion naming the value: a bad explicit setting is the user's problem.
        return TargetVersions.from_specifier(explicit, f"{explicit_source} ({explicit.strip()})")
    pin = best(notebook_pins(notebook_source)) if notebook_source is not None else None
    if pin is None and path is not None:
        pin = project_pin(path)
    target = _to_target(pin) if pin is not None else None
    return target if target is not None else TargetVersions.all_known()


def notebook_pin(code: str | Sequence[str]) -> tuple[str, str] | None:
    """(Keras specifier, description) from a notebook's `!pip install` / `%pip install` lines."""
    pin = best(notebook_pins(code))
    return None if pin is None else (pin.keras_specifier, pin.describe())


def project_pin(path: Path) -> Pin | None:
    """The pin from the project files nearest to `path` (a file or a directory), if any."""
    for directory in _ancestors(_start_directory(path)):
        scan = _scan_cached(directory)
        if scan.pin is not None:
            return scan.pin
        if scan.boundary:
            return None
    return None


def clear_cache(path: Path | None = None) -> None:
    """Forget cached project detection: everything, or whatever depends on `path`.

    `path` may be a project file that changed, appeared or disappeared (its directory and every
    directory that read it are dropped) or a directory (its own entry is dropped).
    """
    with _LOCK:
        if path is None:
            _CACHE.clear()
            return
        target = resolve_path(path)
        stale = [
            directory
            for directory, scan in _CACHE.items()
            if directory in (target, target.parent) or target in scan.files
        ]
        for directory in stale:
            del _CACHE[directory]


# ---------------------------------------------------------------------------------------------------
# Choosing and converting


def _to_target(pin: Pin) -> TargetVersions | None:
    try:
        return TargetVersions.from_specifier(pin.keras_specifier, pin.describe())
    except InvalidKerasVersion:
        # A pin no release satisfies (`keras>=3.5,<3.5`) must not switch every rule off: check every
        # release, and say why where the target is shown (--show-settings, --verbose).
        every = TargetVersions.all_known()
        return TargetVersions(every.versions, f"{pin.describe()} matches no Keras release: every known release")


# ---------------------------------------------------------------------------------------------------
# Walking and caching


@dataclass(frozen=True)
class _DirectoryScan:
    pin: Pin | None
    boundary: bool  # holds `.git`: the walk stops after this directory
    files: frozenset[Path]  # every file read, so clear_cache(path) can find dependants


_CACHE: dict[Path, _DirectoryScan] = {}
_LOCK = threading.Lock()  # the LSP server may lint from several threads


def _scan_cached(directory: Path) -> _DirectoryScan:
    with _LOCK:
        cached = _CACHE.get(directory)
    if cached is not None:
        return cached
    scan = _scan_directory(directory)  # outside the lock: two threads may both scan, harmlessly
    with _LOCK:
        _CACHE[directory] = scan
    return scan


def _start_directory(path: Path) -> Path:
    resolved = resolve_path(path)
    return resolved if resolved.is_dir() else resolved.parent


def _ancestors(directory: Path) -> Iterator[Path]:
    yield directory
    yield from directory.parents


def _read_text(path: Path) -> str | None:
    """The one place project files are read (tests count calls to it)."""
    try:
        return read_regular_text(path)
    except (OSError, UnicodeDecodeError, ValueError):
        return None


def _list_directory(directory: Path) -> set[str]:
    try:
        return set(os.listdir(directory))
    except OSError:
        return set()


class _Reader:
    """Reads the project files of one directory, remembering which files it touched (a
    `ProjectReader`). It stays here, beside `_read_text`, which tests replace to count reads."""

    def __init__(self) -> None:
        self.files: set[Path] = set()

    def text(self, path: Path) -> str | None:
        self.files.add(path)
        return _read_text(path)

    def toml(self, path: Path) -> dict[str, Any] | None:
        text = self.text(path)
        if text is None:
            return None
        try:
            return tomllib.loads(text)
        except (ValueError, RecursionError):  # TOMLDecodeError is a ValueError
            return None


def _scan_directory(directory: Path) -> _DirectoryScan:
    names = _list_directory(directory)
    reader = _Reader()
    locked = list(lock_pins(directory, names, reader))
    requirement_pins = list(requirements_pins(directory, names, reader))
    declared = list(_declared_pins(directory, names, reader))
    ordered = (
        locked
        + [pin for pin in requirement_pins if pin.exact]
        + declared
        + [pin for pin in requirement_pins if not pin.exact]
    )
    return _DirectoryScan(best(ordered), ".git" in names, frozenset(reader.files))


def _declared_pins(directory: Path, names: set[str], reader: _Reader) -> Iterator[Pin]:
    declared: tuple[tuple[str, Callable[[Path, ProjectReader], list[Pin]]], ...] = (
        ("pyproject.toml", pyproject_pins),
        ("setup.cfg", setup_cfg_pins),
        ("Pipfile", pipfile_pins),
    )
    for name, read in declared:
        if name in names:
            yield from read(directory / name, reader)
