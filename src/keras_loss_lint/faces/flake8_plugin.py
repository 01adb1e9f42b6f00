"""The flake8 face: `flake8 --select KLO`.

flake8 runs every installed plugin on every file and stops the whole run when a plugin raises, so this
plugin works from the lines and the `ast` tree flake8 already built: a file without the words a
finding needs costs a substring search, one without a call a rule could report on a search of that
tree, and only the rest is parsed by LibCST. It never lets an exception escape. flake8 applies
`# noqa` and `--select` itself.

The settings are the project's, as for every other face: `[tool.keras-loss-lint]` (or the `[flake8]`
section's `keras-version` and KLO entries) gives the selection, the per-file ignores and the target
Keras versions; flake8's own `--keras-version` overrides the target where it is set, and its
`--keras-max-file-size`, `--keras-analysis-time-limit` and `--keras-analysis-memory-limit` the size
limit and the analysis ceiling. A file above the size limit is not walked, let alone parsed: it gets
its one KLO902.

flake8 hands over one file at a time; the plugin still reads the project's other modules (those the
file imports, found from the project root above it), so a model built in `models.py` is checked
where `train.py` compiles it.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import logging
import sys
from pathlib import Path
from typing import Any, ClassVar, Iterator, NoReturn

from keras_loss_lint import __version__
from keras_loss_lint.core.diagnostics import Diagnostic
from keras_loss_lint.core.precheck import needs_analysis
from keras_loss_lint.project.config import ConfigError, ConfigResolver
from keras_loss_lint.project.flake8_config import LIMIT_OPTIONS, validate_limit_text
from keras_loss_lint.project.index import ProjectIndex, index_for
from keras_loss_lint.project.settings import Settings
from keras_loss_lint.project.target import resolve_target
from keras_loss_lint.keras.versions import InvalidKerasVersion, TargetVersions

LOG = logging.getLogger(__name__)
STDIN_NAMES = frozenset({"stdin", "-", "(none)"})


class KerasLossLintPlugin:
    name = "keras-loss-lint"
    version = __version__
    keras_version: ClassVar[str | None] = None
    # flake8's limit options that were given, as `Limits` fields: seconds, memory_mb, max_file_size.
    limits: ClassVar[dict[str, Any]] = {}

    def __init__(self, tree: Any, lines: list[str], filename: str) -> None:
        # flake8 classifies plugins by their parameters: asking for `tree` makes this a tree plugin.
        # The tree is walked only for files whose text passes the (cheaper) textual pre-check.
        self._tree = tree if isinstance(tree, ast.Module) else None
        self._lines = lines
        self._filename = filename

    @classmethod
    def add_options(cls, option_manager: Any) -> None:
        option_manager.add_option(
            "--keras-version",
            default=None,
            parse_from_config=True,
            help="PEP 440 specifier of the Keras releases the code runs on (e.g. '==3.5.0', '>=3.7'). "
            "Default: detected from the project's requirements, else every known release.",
        )
        for option, help_text in LIMIT_HELP.items():
            option_manager.add_option(f"--{option}", default=None, parse_from_config=True, help=help_text)

    @classmethod
    def parse_options(cls, options: argparse.Namespace) -> None:
        value = getattr(options, "keras_version", None)
        if value:
            try:
                TargetVersions.from_specifier(value, "--keras-version")
            except InvalidKerasVersion as error:
                _usage_error(f"--keras-version: {error}")
        cls.keras_version = value or None
        cls.limits = {}
        for option, field in LIMIT_OPTIONS.items():
            given = getattr(options, option.replace("-", "_"), None)
            if given is None:
                continue
            try:
                cls.limits[LIMIT_FIELDS[field]] = validate_limit_text(option, str(given))
            except ValueError as error:
                _usage_error(f"--{option}: {error}")

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        source = "".join(self._lines)
        try:
            project = None if self._filename in STDIN_NAMES else index_for(self._filename)
            if not needs_analysis(source, self._filename, project):  # the words: near free
                return
            settings = self._settings()
            # Above the size limit not even flake8's tree is walked: the core reports the file as is.
            fits = settings.limits.too_large(source) is None
            if fits and not needs_analysis(source, self._filename, project, syntactic=True, tree=self._tree):
                return
            diagnostics = self._lint(source, project, settings)
        except Exception as error:  # noqa: BLE001 - one file's bug must not stop the user's whole flake8 run
            # One line, no traceback: logging's last-resort handler prints warnings on stderr as they are.
            LOG.warning("keras-loss-lint: internal error on %s: %s: %s", self._filename, type(error).__name__, error)
            LOG.debug("keras-loss-lint: traceback", exc_info=True)
            return
        for diagnostic in diagnostics:
            yield diagnostic.line, diagnostic.column, f"{diagnostic.code} {diagnostic.message}", type(self)

    def _settings(self) -> Settings:
        """The project's settings for this file, with flake8's own options on top."""
        path = None if self._filename in STDIN_NAMES else Path(self._filename).resolve()
        settings = _project_settings(path)
        if self.keras_version is not None:
            settings = dataclasses.replace(settings, target=resolve_target(path, explicit=self.keras_version))
        if self.limits:
            settings = dataclasses.replace(settings, limits=dataclasses.replace(settings.limits, **self.limits))
        return dataclasses.replace(settings, honour_noqa=False)

    def _lint(self, source: str, project: ProjectIndex | None, settings: Settings) -> tuple[Diagnostic, ...]:
        from keras_loss_lint.core.lint import lint_source  # imports LibCST: only for candidate files

        return lint_source(source, self._filename, settings, fixes=False, project=project, tree=self._tree).diagnostics


LIMIT_FIELDS = {
    "max_file_size": "max_file_size",
    "analysis_time_limit": "seconds",
    "analysis_memory_limit": "memory_mb",
}
LIMIT_HELP = {
    "keras-max-file-size": "Files larger than this are not analysed and get KLO902, e.g. '256KB', '1MB' "
    "(a number alone is KB). Default: 64KB.",
    "keras-analysis-time-limit": "Seconds of CPU time one file's analysis may take before it stops and the "
    "file gets KLO902. Default: 2.",
    "keras-analysis-memory-limit": "MB of memory one file's analysis may grow by before it stops and the "
    "file gets KLO902. Default: 150.",
}


def _usage_error(message: str) -> NoReturn:
    sys.stderr.write(f"flake8: error: {message}\n")
    raise SystemExit(2)


_RESOLVERS: dict[Path, ConfigResolver] = {}
_REPORTED: set[str] = set()


def _project_settings(path: Path | None) -> Settings:
    """The project's settings for `path`, read as the CLI reads them (one resolver per working directory)."""
    cwd = Path.cwd()
    resolver = _RESOLVERS.get(cwd)
    if resolver is None:
        resolver = _RESOLVERS[cwd] = ConfigResolver(cwd)
    try:
        config = resolver.for_path(path) if path is not None else resolver.for_directory(cwd)
        return config.settings_for(path)
    except (ConfigError, InvalidKerasVersion, OSError) as error:
        if str(error) not in _REPORTED:  # once per run, not once per file
            _REPORTED.add(str(error))
            LOG.warning("keras-loss-lint: %s; using the default settings", error)
        return Settings(target=resolve_target(path))
