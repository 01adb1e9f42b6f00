"""The environments and inputs the benchmarks compare in: one virtual environment per tool, and the
Keras source from its wheel.

flake8 runs every installed plugin whatever `--select` says, so "flake8 without the plugin" is a
separate environment with flake8 alone, and "with the plugin" one with flake8 and this working tree
(installed editable, so it measures the code as it is). TorchFix gets its own environment too. They
are created once under the cache directory (with `python -m venv` and pip) and reused while the
requested packages stay the same.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_CACHE = Path.home() / ".cache" / "keras-loss-lint-benchmarks"
STAMP = "benchmark-packages.json"


class SetupError(RuntimeError):
    """An environment or an input could not be made: the measurement that needs it is left out."""


@dataclass(frozen=True)
class Environment:
    name: str
    root: Path

    @property
    def python(self) -> str:
        return str(self.root / "bin" / "python")

    def version_of(self, distribution: str) -> str:
        code = f"import importlib.metadata as m; print(m.version({distribution!r}))"
        completed = subprocess.run([self.python, "-c", code], capture_output=True, text=True, check=False)
        return completed.stdout.strip() or "?"


def environment(cache: Path, name: str, packages: list[str]) -> Environment:
    """A virtual environment under `cache` holding `packages` (pip requirement strings), made if needed."""
    root = cache / "envs" / name
    stamp = root / STAMP
    if stamp.exists() and json.loads(stamp.read_text()) == packages:
        return Environment(name, root)
    shutil.rmtree(root, ignore_errors=True)
    print(f"creating the {name} environment ({' '.join(packages)})", file=sys.stderr)
    _run([sys.executable, "-m", "venv", str(root)])
    _run([str(root / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *packages])
    stamp.write_text(json.dumps(packages))
    return Environment(name, root)


def flake8_environments(cache: Path, flake8_version: str) -> tuple[Environment, Environment]:
    """(flake8 alone, flake8 with keras-loss-lint from this working tree)."""
    flake8 = f"flake8=={flake8_version}"
    return (
        environment(cache, "flake8", [flake8]),
        environment(cache, "flake8-keras-loss-lint", [flake8, "-e", str(ROOT)]),
    )


def torchfix_environment(cache: Path) -> Optional[Environment]:
    try:
        return environment(cache, "torchfix", ["torchfix"])
    except SetupError as error:
        print(f"TorchFix is left out: {error}", file=sys.stderr)
        return None


def keras_source(cache: Path, version: str) -> Path:
    """The `keras` package directory of the keras==`version` wheel (the library's source, tests included)."""
    target = cache / f"keras-{version}"
    package = target / "keras"
    if package.is_dir():
        return package
    wheels = cache / "wheels"
    _run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--disable-pip-version-check",
          f"keras=={version}", "-d", str(wheels)])
    wheel = next(iter(sorted(wheels.glob(f"keras-{version}-*.whl"))), None)
    if wheel is None:
        raise SetupError(f"pip download keras=={version} left no wheel in {wheels}")
    with zipfile.ZipFile(wheel) as archive:
        members = [m for m in archive.namelist() if m.startswith("keras/") and m.endswith(".py")]
        archive.extractall(target, members)
    return package


def _run(command: list[str]) -> None:
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise SetupError(f"{' '.join(command)} exited {completed.returncode}: {completed.stderr[-1500:]}")
