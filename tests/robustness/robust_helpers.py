"""Shared pieces of the robustness tests: Hypothesis settings, sources, and running the faces."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from hypothesis import HealthCheck, settings

# Quick by default so that `python -m pytest` answers in minutes; `.ci/run` sets `ci` for its slow run,
# `KLL_HYPOTHESIS_PROFILE=long` searches deeper.
PROFILES = {"quick": 25, "ci": 100, "long": 2_000}
PROFILE = os.environ.get("KLL_HYPOTHESIS_PROFILE", "quick")
if PROFILE not in PROFILES:
    raise RuntimeError(f"KLL_HYPOTHESIS_PROFILE must be one of {sorted(PROFILES)}, not {PROFILE!r}")


def robust_settings(scale: float = 1.0) -> settings:
    """Per-test settings (not a global profile, so other test modules keep their own)."""
    return settings(
        max_examples=max(10, int(PROFILES[PROFILE] * scale)),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )


# The example from the README: KLO201 at 7:38 (1-based column) on every default target.
KLO201_SOURCE = textwrap.dedent("""\
    import keras
    from keras import layers
    inp = keras.Input(shape=(4,))
    small = layers.Dense(1, name="output_small")(inp)
    big = layers.Dense(1, name="output_big")(inp)
    model = keras.Model(inp, [small, big])
    model.compile(optimizer="adam", loss={"output_small": "mse", "output_big": "mae"})
    """)
KLO201_LINE = 7
KLO201_COLUMN = 38  # 1-based, as flake8 and the CLI print it
# Enough for both pre-checks to let a file through to the parser and the analyzer: the words, and a
# call written as the rules read one (on an unbound name: nothing is recorded, nothing reported).
KERAS_MARKER = "\n# keras: model.compile(...) / model.fit(...)\n_precheck_marker.fit(None)\n"

TIMEOUT = 300


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def output(self) -> str:
        return self.out + self.err


def run(command: Sequence[str], cwd: Path, timeout: float = TIMEOUT) -> Run:
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE")}
    environment["KERAS_LOSS_LINT_CACHE_DIR"] = str(cwd / ".robustness-cache")  # never the user's cache
    completed = subprocess.run(
        list(command), cwd=cwd, capture_output=True, timeout=timeout, env=environment, stdin=subprocess.DEVNULL
    )
    return Run(
        completed.returncode,
        completed.stdout.decode("utf-8", "replace"),
        completed.stderr.decode("utf-8", "replace"),
    )


def run_cli(cwd: Path, *args: str, timeout: float = TIMEOUT) -> Run:
    return run([sys.executable, "-m", "keras_loss_lint.faces.cli", *args], cwd, timeout)


def run_flake8(cwd: Path, *args: str, timeout: float = TIMEOUT) -> Run:
    return run([sys.executable, "-m", "flake8", "--isolated", *args], cwd, timeout)


def assert_no_traceback(result: Run) -> None:
    assert "Traceback" not in result.output, result.output[-4000:]
    assert "internal error" not in result.output, result.output[-4000:]


def lines_about(text: str, name: str) -> list[str]:
    """Output lines that name the file `name` (as a path component, not a substring of another)."""
    return [line for line in text.splitlines() if line.startswith((name + ":", "./" + name + ":"))
            or f"/{name}:" in line]


# Lines for the end of the pytest run (how many files, how long): printed by conftest.py.
SUMMARY: list[str] = []
