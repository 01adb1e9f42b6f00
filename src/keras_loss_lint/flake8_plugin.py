"""The flake8 face: `flake8 --select KLO`.

flake8 runs every installed plugin on every file and stops the whole run when a plugin raises, so this
plugin works from the lines flake8 already read, skips files without a candidate call before any
parsing, and never lets an exception escape. flake8 applies `# noqa` and `--select` itself.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any, ClassVar, Iterator

from keras_loss_lint import __version__
from keras_loss_lint.precheck import has_candidate
from keras_loss_lint.settings import Settings
from keras_loss_lint.target import resolve_target
from keras_loss_lint.versions import InvalidKerasVersion, parse_specifier

LOG = logging.getLogger(__name__)
STDIN_NAMES = frozenset({"stdin", "-", "(none)"})


class KerasLossLintPlugin:
    name = "keras-loss-lint"
    version = __version__
    keras_version: ClassVar[str | None] = None

    def __init__(self, tree: Any, lines: list[str], filename: str) -> None:
        # flake8 classifies plugins by their parameters: asking for `tree` makes this a tree plugin.
        # The tree itself is not used: a textual pre-check is cheaper than walking it.
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

    @classmethod
    def parse_options(cls, options: argparse.Namespace) -> None:
        value = getattr(options, "keras_version", None)
        if value:
            try:
                parse_specifier(value)
            except InvalidKerasVersion as error:
                sys.stderr.write(f"flake8: error: --keras-version: {error}\n")
                raise SystemExit(2) from None
        cls.keras_version = value or None

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        source = "".join(self._lines)
        if not has_candidate(source):
            return
        try:
            diagnostics = self._lint(source)
        except Exception as error:  # noqa: BLE001 - one file's bug must not stop the user's whole flake8 run
            # One line, no traceback: logging's last-resort handler prints warnings on stderr as they are.
            LOG.warning("keras-loss-lint: internal error on %s: %s: %s", self._filename, type(error).__name__, error)
            LOG.debug("keras-loss-lint: traceback", exc_info=True)
            return
        for diagnostic in diagnostics:
            yield diagnostic.line, diagnostic.column, f"{diagnostic.code} {diagnostic.message}", type(self)

    def _lint(self, source: str) -> tuple:
        from keras_loss_lint.core import lint_source  # imports LibCST: only for candidate files

        path = None if self._filename in STDIN_NAMES else Path(self._filename)
        target = resolve_target(path, explicit=self.keras_version)
        settings = Settings(target=target, honour_noqa=False)
        return lint_source(source, self._filename, settings).diagnostics
