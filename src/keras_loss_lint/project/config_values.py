"""The configuration's values: `Options` (one layer: a file or the command line), `ResolvedConfig`
(what applies under one configuration), `Pattern` and `PerFileIgnore`.

They are built on `Record` rather than dataclasses, and `Pattern` compiles each glob once, because a
run answered entirely by the cache still builds and matches them (see `keras_loss_lint.project.config`).
"""

from __future__ import annotations

import fnmatch
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from keras_loss_lint.core.records import Record

if TYPE_CHECKING:
    from keras_loss_lint.project.settings import Limits, Selection, Settings
    from keras_loss_lint.keras.versions import TargetVersions


class Pattern(Record):
    """A glob and the directory it is relative to."""

    __slots__ = ("glob", "anchor")
    glob: str
    anchor: Path

    def matches(self, path: Path) -> bool:
        name_matcher, absolute_matchers = _matchers(self.glob, self.anchor)
        if name_matcher is not None and name_matcher(path.name):
            return True
        target = path.as_posix()
        return any(matcher(target) for matcher in absolute_matchers)


Matcher = Callable[[str], bool]
_MATCHERS: dict[tuple[str, Path], tuple[Matcher | None, tuple[Matcher, ...]]] = {}
_GLOB_MAGIC = re.compile(r"[*?[]")


def _matchers(glob_text: str, anchor: Path) -> tuple[Matcher | None, tuple[Matcher, ...]]:
    """Compiled once per pattern: every walked path is tested against every exclude, and compiling a
    glob costs far more than matching it. A glob without wildcards is a plain string comparison."""
    key = (glob_text, anchor)
    cached = _MATCHERS.get(key)
    if cached is None:
        glob = glob_text.rstrip("/") or "/"
        if glob.startswith("./"):
            glob = glob[2:]
        name = _matcher(glob) if "/" not in glob else None
        cached = _MATCHERS[key] = (name, tuple(_absolute_matchers(glob, anchor)))
    return cached


def _absolute_matchers(glob: str, anchor: Path) -> Iterable[Matcher]:
    if os.path.isabs(glob):
        yield _matcher(Path(glob).as_posix())
        return
    base = anchor.as_posix().rstrip("/")
    relative = [glob, glob[3:]] if glob.startswith("**/") else [glob]  # `**/x` also matches `x` at the anchor
    for pattern in relative:
        if _GLOB_MAGIC.search(pattern) is None:
            yield f"{base}/{pattern}".__eq__
        else:
            import glob as globlib

            # The anchor is a literal directory: brackets or stars in its name must not act as wildcards.
            yield _matcher(f"{globlib.escape(base)}/{pattern}")


def _matcher(pattern: str) -> Matcher:
    if _GLOB_MAGIC.search(pattern) is None:
        return pattern.__eq__
    match = re.compile(fnmatch.translate(pattern)).match
    return lambda text: match(text) is not None


class PerFileIgnore(Record):
    __slots__ = ("pattern", "codes")
    pattern: Pattern
    codes: tuple[str, ...]


class Options(Record):
    """One layer of options (a configuration file or the command line); None means "not set"."""

    __slots__ = (
        "select",
        "extend_select",
        "ignore",
        "per_file_ignores",
        "extend_per_file_ignores",
        "exclude",
        "extend_exclude",
        "keras_version",
        "keras_version_source",
        "respect_gitignore",
        "force_exclude",
        "output_format",
        "max_file_size",
        "analysis_time_limit",
        "analysis_memory_limit",
    )
    _defaults = {
        "select": None,
        "extend_select": (),
        "ignore": (),
        "per_file_ignores": None,
        "extend_per_file_ignores": (),
        "exclude": None,
        "extend_exclude": (),
        "keras_version": None,
        "keras_version_source": "",
        "respect_gitignore": None,
        "force_exclude": None,
        "output_format": None,
        "max_file_size": None,
        "analysis_time_limit": None,
        "analysis_memory_limit": None,
    }
    select: tuple[str, ...] | None
    extend_select: tuple[str, ...]
    ignore: tuple[str, ...]
    per_file_ignores: tuple[PerFileIgnore, ...] | None
    extend_per_file_ignores: tuple[PerFileIgnore, ...]
    exclude: tuple[Pattern, ...] | None
    extend_exclude: tuple[Pattern, ...]
    keras_version: str | None
    keras_version_source: str
    respect_gitignore: bool | None
    force_exclude: bool | None
    output_format: str | None
    max_file_size: int | None  # bytes
    analysis_time_limit: float | None  # seconds
    analysis_memory_limit: float | None  # MB


class ResolvedConfig(Record):
    """What applies to the files under one configuration (or to all files, without one)."""

    __slots__ = (
        "config_path",
        "root",
        "select",
        "ignore",
        "per_file_ignores",
        "exclude",
        "keras_version",
        "keras_version_source",
        "respect_gitignore",
        "force_exclude",
        "output_format",
        "max_file_size",
        "analysis_time_limit",
        "analysis_memory_limit",
    )
    _defaults = {
        "select": ("KLO",),
        "ignore": (),
        "per_file_ignores": (),
        "exclude": (),
        "keras_version": None,
        "keras_version_source": "",
        "respect_gitignore": True,
        "force_exclude": False,
        "output_format": "full",
        # None: the default of `project.settings.Limits` (not imported here, to keep this module light).
        "max_file_size": None,
        "analysis_time_limit": None,
        "analysis_memory_limit": None,
    }
    config_path: Path | None
    root: Path
    select: tuple[str, ...]
    ignore: tuple[str, ...]
    per_file_ignores: tuple[PerFileIgnore, ...]
    exclude: tuple[Pattern, ...]
    keras_version: str | None
    keras_version_source: str
    respect_gitignore: bool
    force_exclude: bool
    output_format: str
    max_file_size: int | None
    analysis_time_limit: float | None
    analysis_memory_limit: float | None

    @property
    def selection(self) -> Selection:
        from keras_loss_lint.project.settings import Selection

        return Selection(self.select, self.ignore)

    def is_excluded(self, path: Path) -> bool:
        return any(pattern.matches(path) for pattern in self.exclude)

    def ignored_codes(self, path: Path) -> tuple[str, ...]:
        """Codes (prefixes) that `per-file-ignores` switches off for `path`."""
        codes: list[str] = []
        for entry in self.per_file_ignores:
            if entry.pattern.matches(path):
                codes.extend(entry.codes)
        return tuple(dict.fromkeys(codes))

    def settings_for(self, path: Path | None, notebook_cells: Iterable[str] | None = None) -> Settings:
        """Settings for one file, the same for every face: the selection with this file's
        `per-file-ignores` already applied, and the Keras versions it targets."""
        from keras_loss_lint.project.settings import Selection, Settings

        ignored = self.ignored_codes(path) if path is not None else ()
        selection = Selection(self.select, self.ignore, ignored)
        return Settings(selection, self.target_for(path, notebook_cells), limits=self.limits)

    @property
    def limits(self) -> Limits:
        """The size limit and the analysis ceiling, each the default where nothing set it."""
        from keras_loss_lint.project.settings import Limits

        defaults = Limits()
        return Limits(
            defaults.seconds if self.analysis_time_limit is None else self.analysis_time_limit,
            defaults.memory_mb if self.analysis_memory_limit is None else self.analysis_memory_limit,
            defaults.max_file_size if self.max_file_size is None else self.max_file_size,
        )

    def target_for(self, path: Path | None, notebook_cells: Iterable[str] | None = None) -> TargetVersions:
        from keras_loss_lint.project.target import resolve_target

        cells = list(notebook_cells) if notebook_cells is not None else None
        return resolve_target(path, self.keras_version, self.keras_version_source, cells)
