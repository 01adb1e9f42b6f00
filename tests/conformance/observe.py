"""Run the catalogue in real Keras releases and keep what was observed.

`observe(release)` builds the release's env if needed, feeds every scenario to `runner.py` in one
process and stores the runner's JSON in `<cache>/results/<release>.json`, which `report.py` reads.
`observe_many` does that for several releases two at a time (env build and runner are one task, so a
cold run downloads the next release while the previous one's scenarios run).

Saved results carry a fingerprint of what produced them (runner source, catalogue, env pins);
`load_saved` ignores results whose fingerprint no longer matches, so a report never mixes catalogues.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Sequence

from . import envs
from .scenarios import CASES, STRUCTURE_CASES, Case
from .wire import scenario_to_json

RUNNER = Path(__file__).with_name("runner.py")
RUNNER_TIMEOUT_S = 900

Json = dict[str, Any]


def results_path(release: envs.Release) -> Path:
    return envs.cache_root() / "results" / f"{release.name}.json"


def request_for(cases: Sequence[Case]) -> Json:
    return {"scenarios": [_scenario_json(c) for c in cases]}


def _scenario_json(case: Case) -> Json:
    """`wire.scenario_to_json`, plus what it does not carry yet: a `sample_weight` and the nesting of
    nested outputs (tuples travel as JSON lists, which the runner reads back)."""
    encoded = scenario_to_json(case.name, case.scenario)
    if case.scenario.sample_weight is not None:
        weights = case.scenario.sample_weight
        encoded["sample_weight"] = {
            "kind": weights.kind, "keys": list(weights.keys), "length": weights.length,
            "none_at": sorted(weights.none_at),
        }
    if case.scenario.outputs.nesting is not None:
        encoded["outputs"]["structure"] = case.scenario.outputs.nesting
    return encoded


def fingerprint(release: envs.Release, cases: Sequence[Case] = CASES) -> str:
    material = json.dumps([RUNNER.read_text(), request_for(cases), release.pins], sort_keys=True)
    return hashlib.sha256(material.encode()).hexdigest()[:16]


def run_runner(release: envs.Release, cases: Sequence[Case] = CASES) -> Json:
    """All scenarios in one process: importing Keras and JAX takes seconds, a scenario a fraction."""
    python = envs.build(release)
    started = time.monotonic()
    proc = subprocess.run(
        [str(python), str(RUNNER)],
        input=json.dumps(request_for(cases)),
        capture_output=True,
        text=True,
        timeout=RUNNER_TIMEOUT_S,
        env=envs.runner_environ(release),
    )
    if proc.returncode != 0:
        raise RuntimeError(f"runner failed in Keras {release.name} ({proc.returncode}):\n{proc.stderr[-4000:]}")
    report: Json = json.loads(proc.stdout)
    report["runner_seconds"] = round(time.monotonic() - started, 1)
    report["release"] = release.name
    report["fingerprint"] = fingerprint(release, cases)
    return report


def save(report: Json) -> Path:
    path = results_path(envs.RELEASES_BY_NAME[report["release"]])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1, sort_keys=True))
    return path


def observe(release: envs.Release) -> Json:
    report = run_runner(release)
    save(report)
    return report


def observe_many(releases: Sequence[envs.Release], jobs: int = envs.PARALLEL_BUILDS) -> dict[str, Json | Exception]:
    """Observe several releases; a release whose env or runner fails maps to its exception."""
    return observe_each(releases, observe, jobs)


def observe_each(
    releases: Sequence[envs.Release], observe_one: Callable[[envs.Release], Json], jobs: int = envs.PARALLEL_BUILDS
) -> dict[str, Json | Exception]:
    """`observe_one` for several releases, `jobs` at a time; a failing release maps to its exception."""

    def attempt(release: envs.Release) -> Json | Exception:
        try:
            return observe_one(release)
        except (envs.EnvUnavailable, RuntimeError, subprocess.TimeoutExpired, ValueError) as error:
            return error

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return dict(zip((r.name for r in releases), pool.map(attempt, releases)))


def load_saved(release: envs.Release) -> Json | None:
    """The saved observations of a release, if they came from the current runner and catalogue."""
    return load_report(results_path(release), fingerprint(release))


def load_report(path: Path, expected_fingerprint: str) -> Json | None:
    """A saved report, if it is there, readable, and from the current runner, catalogue and pins."""
    try:
        report: Json = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return report if report.get("fingerprint") == expected_fingerprint else None


def structures_path(release: envs.Release) -> Path:
    return envs.cache_root() / "results" / f"{release.name}.structures.json"


def observe_structures(release: envs.Release) -> Json:
    """`STRUCTURE_CASES` in one runner process, saved beside the catalogue's results (reused while
    runner, cases and pins are unchanged)."""
    path = structures_path(release)
    saved = load_report(path, fingerprint(release, STRUCTURE_CASES))
    if saved is not None:
        return saved
    report = run_runner(release, STRUCTURE_CASES)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1, sort_keys=True))
    return report
