"""Run the `x` catalogue (`input_scenarios.py`) in real Keras releases and keep what was observed.

Like `observe.py` for the outputs catalogue: one `input_runner.py` process per release, results saved
as `<cache>/results/inputs-<release>.json` with a fingerprint of the runner, the catalogue and the
env pins, which `report.py` reads for docs/conformance.md.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path
from typing import Any, Sequence

from . import envs
from .input_scenarios import INPUT_CASES
from .input_wire import scenario_to_json
from .observe import load_report, observe_each

HERE = Path(__file__).resolve().parent
INPUT_RUNNER = HERE / "input_runner.py"
RUNNER_TIMEOUT_S = 900

Json = dict[str, Any]


def request() -> Json:
    return {"scenarios": [scenario_to_json(case.name, case.scenario) for case in INPUT_CASES]}


def fingerprint(release: envs.Release) -> str:
    material = json.dumps(
        [INPUT_RUNNER.read_text(), (HERE / "runner.py").read_text(), request(), release.pins], sort_keys=True
    )
    return hashlib.sha256(material.encode()).hexdigest()[:16]


def results_path(release: envs.Release) -> Path:
    return envs.cache_root() / "results" / f"inputs-{release.name}.json"


def observe(release: envs.Release) -> Json:
    python = envs.build(release)
    proc = subprocess.run(
        [str(python), str(INPUT_RUNNER)],
        input=json.dumps(request()),
        capture_output=True,
        text=True,
        timeout=RUNNER_TIMEOUT_S,
        env=envs.runner_environ(release),
    )
    if proc.returncode != 0:
        raise RuntimeError(f"input runner failed in Keras {release.name} ({proc.returncode}):\n{proc.stderr[-4000:]}")
    report: Json = json.loads(proc.stdout)
    report["release"] = release.name
    report["fingerprint"] = fingerprint(release)
    path = results_path(release)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1, sort_keys=True))
    return report


def observe_many(releases: Sequence[envs.Release], jobs: int = envs.PARALLEL_BUILDS) -> dict[str, Json | Exception]:
    return observe_each(releases, observe, jobs)


def load_saved(release: envs.Release) -> Json | None:
    return load_report(results_path(release), fingerprint(release))
