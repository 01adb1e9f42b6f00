"""Resolved settings for linting one file: which rules run and which Keras releases are targeted."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from keras_loss_lint.keras.versions import TargetVersions
from keras_loss_lint.project.files import MAX_SOURCE_BYTES


@dataclass(frozen=True)
class Selection:
    """ruff-style rule selection by code prefix: `KLO` selects all, `KLO2` the KLO2xx family."""

    select: tuple[str, ...] = ("KLO",)
    ignore: tuple[str, ...] = ()
    # `per-file-ignores` for the one file these settings are for: applied after selection, as in ruff,
    # so they switch a code off however specifically it was selected.
    per_file_ignores: tuple[str, ...] = ()

    def is_enabled(self, code: str) -> bool:
        if self.per_file_ignores and code.startswith(self.per_file_ignores):
            return False
        selected = _longest_prefix(code, self.select)
        if selected < 0:
            return False
        return selected > _longest_prefix(code, self.ignore)


def _longest_prefix(code: str, prefixes: tuple[str, ...]) -> int:
    """Length of the longest prefix of `code` in `prefixes` (-1 if none): the more specific wins."""
    lengths = [len(prefix) for prefix in prefixes if code.startswith(prefix)]
    return max(lengths, default=-1)


# The per-file ceiling on the analysis (everything after the parse, which the size limit bounds): past
# either, the rest of the file is not analysed and the file is reported as not fully analysed (KLO902).
# Real training scripts take milliseconds and a few MB; the hostile inputs of benchmarks/worst_case.py
# are what reach these.
# 1.5 s, so that the parse of a file at the size limit and its analysis stay within 2 s together.
DEFAULT_TIME_LIMIT_SECONDS = 1.5
DEFAULT_MEMORY_LIMIT_MB = 150.0
# The size limit: a larger file (a notebook: its code) is not parsed at all, and says so (KLO902).
# LibCST's parse cannot be interrupted and costs up to 20 ms and 2.2 MB per KB of the densest source
# (a long literal list); at this limit the costliest inputs of benchmarks/worst_case.py take about
# 1.2 s and 150 MB on top of the process (see benchmarks/results.md), within 2 s and 200 MB. Real
# training scripts are a few KB to about 60 KB.
KB = 1024
DEFAULT_MAX_FILE_SIZE = 64 * KB  # bytes of UTF-8
# No configuration may raise the limit past what is read of a source file.
LARGEST_MAX_FILE_SIZE = MAX_SOURCE_BYTES


@dataclass(frozen=True)
class Limits:
    """How long, and how much memory beyond what the parsed file holds, one file's analysis may take
    (None: no limit of that kind), and the size (bytes of UTF-8) above which a file is not parsed."""

    seconds: float | None = DEFAULT_TIME_LIMIT_SECONDS
    memory_mb: float | None = DEFAULT_MEMORY_LIMIT_MB
    max_file_size: int = DEFAULT_MAX_FILE_SIZE

    def too_large(self, source: str) -> str | None:
        """Why `source` is not to be parsed (its UTF-8 size is above `max_file_size`), or None."""
        return self._refusal((source,), 0)

    def cells_too_large(self, cells: Sequence[str]) -> str | None:
        """The same for a notebook's code cells, before they are prepared and joined: their size as
        the module that joins them (a newline after each), IPython syntax not yet masked."""
        return self._refusal(cells, len(cells))

    def _refusal(self, texts: Sequence[str], newlines: int) -> str | None:
        characters = sum(map(len, texts)) + newlines
        if characters <= self.max_file_size // 4:  # no character takes more than 4 bytes: no need to encode
            return None
        size = characters if characters > self.max_file_size else sum(map(_utf8_size, texts)) + newlines
        if size <= self.max_file_size:
            return None
        shown, limit = format_size(size), format_size(self.max_file_size)
        if shown == limit:
            shown, limit = f"{size:,} bytes", f"{self.max_file_size:,} bytes"
        return f"too large to analyse ({shown}; max-file-size is {limit})"


@dataclass(frozen=True)
class Settings:
    selection: Selection = field(default_factory=Selection)
    target: TargetVersions = field(default_factory=TargetVersions.all_known)
    # The flake8 front end leaves `# noqa` and `# flake8: noqa` to flake8 itself; every other front end
    # asks the core.
    honour_noqa: bool = True
    # `check --ignore-noqa`: no `# noqa` comment or file-level directive is applied (KLO900 still is
    # computed, as ruff still runs RUF100 under --ignore-noqa).
    ignore_noqa: bool = False
    limits: Limits = field(default_factory=Limits)


DEFAULT_SETTINGS = Settings()


def format_size(size: int) -> str:
    """A size as `max-file-size` is written: bytes, KB or MB (of 1,024 bytes), one decimal at most."""
    if size < KB:
        return f"{size} bytes"
    value, unit = (size / KB, "KB") if size < KB * KB else (size / (KB * KB), "MB")
    return f"{value:.1f}".removesuffix(".0") + f" {unit}"


def _utf8_size(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))
