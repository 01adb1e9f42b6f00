"""One cached virtual environment per Keras release, for running `runner.py` against real Keras.

    python -m tests.conformance.envs                   # build every default release (2 at a time)
    python -m tests.conformance.envs --release 3.5.0   # just one (repeat the flag for more)
    python -m tests.conformance.envs --list            # releases, pins and whether each env is built
    python -m tests.conformance.envs --rebuild --release 3.5.0

Environments live in `$KLL_CONFORMANCE_CACHE/<release>` (default
`~/.cache/keras-loss-lint/conformance/<release>`). They are built with `uv` (`pip install uv` into the
dev venv), whose own cache (`UV_CACHE_DIR`, default `~/.cache/uv`) is shared by all releases, so a
wheel is downloaded once and hard-linked into every env that uses it.

Why the pins: old Keras breaks with new JAX (`module 'jax' has no attribute 'spmd_mode'`), so each
release gets the JAX of its time (KERAS_SEMANTICS.md section 11), and `uv --exclude-newer <snapshot>`
resolves every other dependency (numpy, scipy, ml-dtypes, ...) as it was shortly after that JAX and
Keras were published. The snapshot also makes a build reproducible on a fresh machine years later.
Keras 3.0-3.3 need `numpy<2` and import `packaging` without declaring it (with a snapshot
resolution nothing else pulls it in, so 3.0-3.2 need it too, not only 3.3.x).

An env counts as built only once `.complete` exists, written after an import check passes and holding
the pins it was built from: an interrupted build, or a change to the pins below, means a rebuild.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from packaging.version import Version

INSTALL_TIMEOUT_S = 1200
# Bump when the way envs are built changes (not their pins), so existing envs are rebuilt.
BUILD_RECIPE = 2
PARALLEL_BUILDS = 2


@dataclass(frozen=True)
class Release:
    """A Keras release and the pins its environment is built from."""

    name: str  # the Keras version, e.g. "3.5.0"
    requirements: tuple[str, ...]
    snapshot: str  # uv --exclude-newer: dependencies as published before this date
    optional: bool = False  # may be unavailable here (Keras 2 via TensorFlow); tests skip then

    @property
    def version(self) -> Version:
        return Version(self.name)

    @property
    def pins(self) -> dict[str, object]:
        """What an env is built from; a built env whose marker differs is rebuilt."""
        return {"requirements": list(self.requirements), "snapshot": self.snapshot, "recipe": BUILD_RECIPE}


def _keras3(name: str, jax: str, snapshot: str, *extra: str) -> Release:
    return Release(name, (f"keras=={name}", f"jax[cpu]=={jax}", *extra), snapshot)


# The snapshot is the first month start at which both pinned packages were on PyPI.
RELEASES: tuple[Release, ...] = (
    _keras3("3.0.5", "0.4.25", "2024-03-01", "numpy<2", "packaging"),
    _keras3("3.1.1", "0.4.25", "2024-04-01", "numpy<2", "packaging"),
    _keras3("3.2.1", "0.4.26", "2024-05-01", "numpy<2", "packaging"),
    _keras3("3.3.3", "0.4.26", "2024-05-01", "numpy<2", "packaging"),
    _keras3("3.4.0", "0.4.30", "2024-07-01"),
    _keras3("3.4.1", "0.4.30", "2024-07-01"),
    _keras3("3.5.0", "0.4.31", "2024-09-01"),
    _keras3("3.6.0", "0.4.34", "2024-11-01"),
    _keras3("3.7.0", "0.4.35", "2024-12-01"),
    _keras3("3.8.0", "0.4.38", "2025-02-01"),
    _keras3("3.9.2", "0.5.3", "2025-05-01"),
    _keras3("3.10.0", "0.6.0", "2025-06-01"),
    _keras3("3.11.3", "0.7.0", "2025-09-01"),
    _keras3("3.12.4", "0.7.2", "2026-08-01"),  # 3.12.4 is a late backport (published 2026-07-29)
    _keras3("3.13.2", "0.8.2", "2026-02-01"),
    _keras3("3.14.0", "0.10.2", "2026-07-01"),
    _keras3("3.14.1", "0.10.2", "2026-07-01"),
    _keras3("3.15.1", "0.10.2", "2026-08-01"),
    # Keras 2 (tf.keras semantics) ships inside TensorFlow 2.15; the runner imports it as `keras`.
    Release("2.15.0", ("tensorflow-cpu==2.15.1",), "2024-04-01", optional=True),
)
RELEASES_BY_NAME: dict[str, Release] = {r.name: r for r in RELEASES}
DEFAULT_RELEASES: tuple[str, ...] = tuple(r.name for r in RELEASES)


class EnvUnavailable(RuntimeError):
    """The environment for a release could not be built (the message carries the installer's output)."""


def cache_root() -> Path:
    configured = os.environ.get("KLL_CONFORMANCE_CACHE")
    root = Path(configured) if configured else Path.home() / ".cache" / "keras-loss-lint" / "conformance"
    return root.expanduser()


def selected_releases() -> tuple[Release, ...]:
    """`KLL_CONFORMANCE_RELEASES=3.5.0,3.6.0` narrows the suite; the default is every release."""
    wanted = os.environ.get("KLL_CONFORMANCE_RELEASES", "")
    names = [n.strip() for n in wanted.split(",") if n.strip()] or list(DEFAULT_RELEASES)
    unknown = [n for n in names if n not in RELEASES_BY_NAME]
    if unknown:
        raise ValueError(f"unknown Keras release(s) {unknown}; known: {', '.join(DEFAULT_RELEASES)}")
    return tuple(RELEASES_BY_NAME[n] for n in names)


def releases_needed(session_items: Iterable[Any], in_nodeid: str = "") -> list[Release]:
    """The selected releases some selected test (whose id holds `in_nodeid`) is parametrised with,
    in release order: what a session fixture observes, once per session."""
    needed = {
        item.callspec.params["release"].name
        for item in session_items
        if in_nodeid in item.nodeid and hasattr(item, "callspec") and "release" in item.callspec.params
    }
    return [release for release in selected_releases() if release.name in needed]


def env_dir(release: Release) -> Path:
    return cache_root() / release.name


def env_python(release: Release) -> Path:
    return env_dir(release) / "bin" / "python"


def _marker(release: Release) -> Path:
    return env_dir(release) / ".complete"


def is_built(release: Release) -> bool:
    try:
        return bool(json.loads(_marker(release).read_text()) == release.pins)
    except (OSError, ValueError):
        return False


def _uv() -> list[str]:
    """uv from PATH or from the running interpreter's environment (`pip install uv`)."""
    found = shutil.which("uv") or shutil.which("uv", path=str(Path(sys.executable).parent))
    if found:
        return [found]
    probe = subprocess.run([sys.executable, "-m", "uv", "--version"], capture_output=True)
    if probe.returncode == 0:
        return [sys.executable, "-m", "uv"]
    raise EnvUnavailable("uv is needed to build conformance environments: pip install uv")


def _base_python() -> str:
    # Old jaxlib wheels exist for CPython 3.9-3.12 only; override when the dev venv is newer.
    return os.environ.get("KLL_CONFORMANCE_PYTHON", sys.executable)


def runner_environ(release: Release) -> dict[str, str]:
    """The environment variables for any process run inside a release's env."""
    env = dict(os.environ)
    for leak in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"):
        env.pop(leak, None)  # the dev venv must not leak into the release env
    env.update(
        KERAS_BACKEND="jax",
        JAX_PLATFORMS="cpu",
        TF_CPP_MIN_LOG_LEVEL="3",
        KERAS_HOME=str(env_dir(release) / "keras-home"),  # keep ~/.keras/keras.json untouched
        # One process per release and two at a time: stop BLAS/XLA from oversubscribing 2 cores.
        OMP_NUM_THREADS="1",
        XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
    )
    return env


def _run(cmd: Sequence[str], release: Release, timeout: float) -> None:
    proc = subprocess.run(
        list(cmd), capture_output=True, text=True, timeout=timeout, env=runner_environ(release)
    )
    if proc.returncode != 0:
        raise EnvUnavailable(
            f"{release.name}: {' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}"
        )


def _import_check(release: Release) -> None:
    """The env is usable only if Keras (and its backend) import and report the pinned version."""
    check = (
        "import keras, sys; v = keras.__version__; "
        f"sys.exit(0 if v == {release.name!r} else 'keras ' + v + ' != {release.name}')"
    )
    _run([str(env_python(release)), "-c", check], release, timeout=300)


class _Lock:
    """An exclusive lock per release, so two processes never build the same env at once."""

    def __init__(self, release: Release) -> None:
        cache_root().mkdir(parents=True, exist_ok=True)
        self._path = cache_root() / f".{release.name}.lock"

    def __enter__(self) -> "_Lock":
        self._handle = self._path.open("w")
        fcntl.flock(self._handle, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self._handle, fcntl.LOCK_UN)
        self._handle.close()


def build(release: Release, rebuild: bool = False) -> Path:
    """Return the env's Python, building the env first when it is missing, incomplete or outdated."""
    with _Lock(release):
        if is_built(release) and not rebuild:
            return env_python(release)
        target = env_dir(release)
        shutil.rmtree(target, ignore_errors=True)
        uv = _uv()
        _run([*uv, "venv", "--quiet", "--python", _base_python(), str(target)], release, timeout=300)
        # Precompiled bytecode: imports would otherwise compile ~1200 modules on every run (4 s) when
        # PYTHONDONTWRITEBYTECODE is set, as it is in some CI images.
        install = [*uv, "pip", "install", "--quiet", "--compile-bytecode", "--python", str(env_python(release))]
        install += ["--exclude-newer", release.snapshot, *release.requirements]
        _run(install, release, timeout=INSTALL_TIMEOUT_S)
        _import_check(release)
        _marker(release).write_text(json.dumps(release.pins))
        return env_python(release)


def build_many(releases: Sequence[Release], jobs: int = PARALLEL_BUILDS) -> dict[str, Path | Exception]:
    """Build several envs, `jobs` at a time; a failure is returned in place of the path."""

    def attempt(release: Release) -> Path | Exception:
        try:
            return build(release)
        except (EnvUnavailable, subprocess.TimeoutExpired) as error:
            return error

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return dict(zip((r.name for r in releases), pool.map(attempt, releases)))


def _describe(releases: Sequence[Release]) -> Iterator[str]:
    for r in releases:
        state = "built" if is_built(r) else "missing"
        extra = " (optional)" if r.optional else ""
        yield f"{r.name:8} {state:8} {' '.join(r.requirements)}  snapshot {r.snapshot}{extra}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--release", action="append", help="a Keras release (repeatable); default all")
    parser.add_argument("--jobs", type=int, default=PARALLEL_BUILDS, help="parallel builds (default 2)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild even when already built")
    parser.add_argument("--list", action="store_true", help="list releases and their state")
    args = parser.parse_args(argv)
    names = args.release or [r.name for r in selected_releases()]
    releases = [RELEASES_BY_NAME[n] for n in names]
    print(f"cache: {cache_root()}")
    if args.list:
        print("\n".join(_describe(releases)))
        return 0
    if args.rebuild:
        for release in releases:
            _marker(release).unlink(missing_ok=True)
    started = time.monotonic()
    failed = 0
    for name, result in build_many(releases, args.jobs).items():
        if isinstance(result, Exception):
            failed += not RELEASES_BY_NAME[name].optional
            print(f"{name}: FAILED {result}")
        else:
            print(f"{name}: {result}")
    print(f"{len(releases)} env(s) in {time.monotonic() - started:.1f}s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
