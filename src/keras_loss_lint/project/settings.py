"""Resolved settings for linting one file: which rules run and which Keras releases are targeted."""

from __future__ import annotations

from dataclasses import dataclass, field

from keras_loss_lint.keras.versions import TargetVersions


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
DEFAULT_TIME_LIMIT_SECONDS = 2.0
DEFAULT_MEMORY_LIMIT_MB = 150.0


@dataclass(frozen=True)
class Limits:
    """How long, and how much memory beyond what the parsed file holds, one file's analysis may take
    (None: no limit of that kind)."""

    seconds: float | None = DEFAULT_TIME_LIMIT_SECONDS
    memory_mb: float | None = DEFAULT_MEMORY_LIMIT_MB


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
