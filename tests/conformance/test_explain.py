"""`keras_loss_lint.explain` on live models in real Keras releases: it must report what Keras did.

    .venv/bin/python -m pytest tests/conformance/test_explain.py -m conformance
    KLL_CONFORMANCE_RELEASES=3.4.1,3.5.0,3.7.0,3.15.1 .venv/bin/python -m pytest \
        tests/conformance/test_explain.py -m conformance

For every catalogue scenario, `explain_runner.py` builds and compiles the model inside the release's
env (with `src/` on its path), calls `explain`, and then evaluates the model to observe what really
reaches each output. Per (release, scenario) this asserts that

- `explain` read the model into the catalogue's own Scenario (outputs, loss, loss_weights, metrics, y),
  so it builds what the static rules build;
- its predicted outcome equals what Keras did (`wire.observable` blanks what no run can show);
- it ran nothing: no loss or metric recorder was called while it looked;
- it reports a finding exactly when Keras did not do what the code says (or refused it), and the
  finding carries the code of the rule the scenario was written for (`explain_expectations.py`);
- a model whose `compile()` raised is refused as not compiled.

For every case of the `x` catalogue (and dict inputs, `explain_expectations.EXPLAIN_INPUT_CASES`), with
every method that takes an `x`, it asserts that `explain(model, x=x, method=...)` predicts which array
reached which input (or which exception was raised) exactly as observed, without feeding any input,
and reports a finding (the case's KLO110 or KLO207) exactly when an input did not get its own array.
"""

from __future__ import annotations

import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from keras_loss_lint.keras.semantics import Outcome, Scenario

from . import envs
from .explain_expectations import EXPLAIN_INPUT_CASES, expected_code, meant_by_code, meant_inputs
from .input_scenarios import InputCase
from .input_wire import outcome_from_json as input_outcome_from_json
from .input_wire import scenario_to_json as input_scenario_to_json
from .observe import request_for
from .scenarios import CASES, Case
from .wire import observable, outcome_from_json

pytestmark = pytest.mark.conformance

HERE = Path(__file__).resolve().parent
SRC = HERE.parents[1] / "src"
EXPLAIN_RUNNER = HERE / "explain_runner.py"
TIMEOUT_S = 900
RELEASES = envs.selected_releases()
Json = dict[str, Any]


def run_explain_runner(release: envs.Release) -> Json | Exception:
    try:
        python = envs.build(release)
    except (envs.EnvUnavailable, subprocess.TimeoutExpired) as error:
        return error
    environ = envs.runner_environ(release)
    environ["PYTHONPATH"] = os.pathsep.join([str(SRC), str(HERE)])
    request = request_for(CASES)
    request["input_scenarios"] = [input_scenario_to_json(c.name, c.scenario) for c in EXPLAIN_INPUT_CASES]
    proc = subprocess.run(
        [str(python), str(EXPLAIN_RUNNER)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        env=environ,
    )
    if proc.returncode != 0:
        return RuntimeError(f"explain runner failed in Keras {release.name}:\n{proc.stderr[-4000:]}")
    report: Json = json.loads(proc.stdout)
    results = {result["name"]: result for result in report["results"]}
    results.update({f"{r['name']}-{r['method']}": r for r in report.get("input_results", ())})
    return results


@pytest.fixture(scope="session")
def explained_runs(request: pytest.FixtureRequest) -> dict[str, Json | Exception]:
    chosen = envs.releases_needed(request.session.items, "explain")
    with ThreadPoolExecutor(max_workers=envs.PARALLEL_BUILDS) as pool:
        return dict(zip((r.name for r in chosen), pool.map(run_explain_runner, chosen)))


def result_of(runs: dict[str, Json | Exception], release: envs.Release, case: Case | InputCase) -> Json:
    got = runs[release.name]
    if isinstance(got, Exception):
        if release.optional:
            pytest.skip(f"Keras {release.name} is optional and unavailable here: {got}")
        pytest.fail(str(got), pytrace=False)
    return got[case.id if isinstance(case, InputCase) else case.name]


def comparable(scenario: Scenario) -> Scenario:
    """Sequential and subclassed models carry placeholder output names, which Keras never uses, and a
    subclassed model's dict outputs come back from tracing in sorted key order (the written order is
    gone, and no release uses it: `tree.flatten` sorts)."""
    outputs = scenario.outputs
    if outputs.model_kind == "functional":
        return scenario
    keys = tuple(sorted(outputs.keys)) if outputs.keys is not None else None
    return replace(scenario, outputs=replace(outputs, names=("?",) * outputs.count, keys=keys))


def scenario_from_json(data: Json) -> Scenario:
    from keras_loss_lint.keras.scenario import ArgSpec, OutputsSpec

    def arg(spec: Json | None) -> ArgSpec | None:
        if spec is None:
            return None
        return ArgSpec(spec["kind"], tuple(spec["keys"]), spec["length"], frozenset(spec["none_at"]))

    o = data["outputs"]
    outputs = OutputsSpec(o["kind"], tuple(o["names"]), tuple(o["keys"]) if o["keys"] is not None else None,
                          o["model_kind"])
    return Scenario(outputs, arg(data["loss"]), arg(data["loss_weights"]), arg(data["metrics"]), arg(data["y"]))


def outcome_of(data: Json) -> Outcome:
    fields = {k: tuple(tuple(v) if isinstance(v, list) else v for v in data[k]) if isinstance(data[k], list)
              else data[k] for k in data}
    return Outcome(**fields)


def reordered(outcome: Outcome, explained: Scenario, case: Scenario) -> Outcome:
    """The explained outcome in the case's output order (they differ only for traced dict outputs)."""
    have, want = explained.outputs.keys, case.outputs.keys
    if outcome.raises is not None or have is None or want is None or have == want:
        return outcome
    order = [have.index(key) for key in want]
    per_output = ("loss_from", "weight_from", "label_from", "metrics_from", "metric_label_from")
    return replace(outcome, **{f: tuple(getattr(outcome, f)[i] for i in order) for f in per_output})


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
@pytest.mark.parametrize("release", RELEASES, ids=lambda r: r.name)
def test_explain_reports_what_keras_does(
    release: envs.Release, case: Case, explained_runs: dict[str, Json | Exception]
) -> None:
    result = result_of(explained_runs, release, case)
    raw, told = result["observed"], result["explained"]
    if raw.get("raises") and raw["stage"] == "model":
        pytest.skip(f"Keras {release.name} cannot build this model: {raw.get('message')}")
    if raw.get("raises") and raw["stage"] == "compile":
        assert told["not_compiled"], f"compile() raised {raw['raises']}, yet explain read the model"
        return
    assert not told["not_compiled"], told.get("message")
    assert told["version"] == release.name
    assert told["recorder_calls"] == 0, "explain ran a loss or metric: it must never run a step"
    if release.version.major < 3 and case.scenario.outputs.model_kind == "subclassed":
        # Keras 2 cannot trace a subclassed model without running it: explain must say so.
        assert not told["certain"] and any("subclassed" in note for note in told["notes"]), told["table"]
        return
    assert told["certain"], f"explain could not read the model:\n{told['table']}"
    explained = scenario_from_json(told["scenario"])
    assert comparable(explained) == comparable(case.scenario), told["table"]
    observed = outcome_from_json(raw)
    predicted = observable(reordered(outcome_of(told["outcome"]), explained, case.scenario))
    assert predicted == observed, f"explain on Keras {release.name}:\n{told['table']}\nobserved: {observed}"
    wrong = not meant_by_code(case, observed)
    assert bool(told["codes"]) == wrong, f"finding expected: {wrong}\n{told['table']}"
    if wrong:
        assert expected_code(release.version, case) in told["codes"], told["table"]


@pytest.mark.parametrize("case", EXPLAIN_INPUT_CASES, ids=lambda c: c.id)
@pytest.mark.parametrize("release", RELEASES, ids=lambda r: r.name)
def test_explain_reports_which_array_reaches_which_input(
    release: envs.Release, case: InputCase, explained_runs: dict[str, Json | Exception]
) -> None:
    result = result_of(explained_runs, release, case)
    raw, told = result["observed"], result["explained"]
    if raw.get("raises") and raw["stage"] == "model":
        pytest.skip(f"Keras {release.name} cannot build this model: {raw.get('message')}")
    assert told["taps"] == 0, "explain fed an input: it must never run the model"
    assert told["outcome"] is not None, told["table"]
    observed = input_outcome_from_json(raw)
    predicted = input_outcome_from_json(told["outcome"])
    assert predicted == observed, (
        f"explain on Keras {release.name}, {case.id} ({case.claim}):\n{told['table']}\n"
        f"observed: {observed} {raw.get('message', '')}"
    )
    wrong = not meant_inputs(case, observed)
    assert bool(told["codes"]) == wrong, f"finding expected: {wrong}\n{told['table']}"
    if wrong:
        assert told["codes"] == [case.rule], told["table"]
