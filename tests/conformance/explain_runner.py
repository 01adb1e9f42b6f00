"""Run `keras_loss_lint.explain` on real models inside a Keras release's env, then observe the model.

Unlike `runner.py`, this script imports the package under test: `test_explain.py` starts it with the
repository's `src/` and this directory on `PYTHONPATH`. Per scenario it builds and compiles the model
exactly as `runner.py` does (its builders and recorders), asks `explain(model, x, y)` what the
release will do, counts the recorder calls `explain` caused (it must cause none: it never runs a
step), and then observes what Keras really does, as `runner.py` would. stdin/stdout speak the same
JSON as `runner.py`; each result holds `observed` (runner format) and `explained`.

The request's `input_scenarios` (the `x` catalogue, `input_wire.py` format) get the same treatment
with `input_runner.py`'s models: `explain(model, x=x, method=...)` first (no input may see an array
while it looks), then `input_runner.run_one` observes on a fresh model which array reached which
input. Their results are in `input_results`, keyed by name and method.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from typing import Any

import runner  # tests/conformance/runner.py: sets the backend before Keras is imported
import wire  # tests/conformance/wire.py: Scenario -> JSON

Json = dict[str, Any]


def explained(model: Any, x: Any, y: Any) -> Json:
    from keras_loss_lint import explain
    from keras_loss_lint.runtime import NotCompiled

    before = len(runner.REC.calls)
    try:
        explanation = explain(model, x=x, y=y)
    except NotCompiled as error:
        return {"not_compiled": True, "message": str(error)}
    result: Json = {
        "not_compiled": False,
        "certain": explanation.certain,
        "codes": list(explanation.codes),
        "notes": list(explanation.notes),
        "table": str(explanation),
        "recorder_calls": len(runner.REC.calls) - before,
        "version": str(explanation.version),
    }
    if explanation.scenario is not None and explanation.outcome is not None:
        result["scenario"] = wire.scenario_to_json("explained", explanation.scenario)
        result["outcome"] = dataclasses.asdict(explanation.outcome)
    return result


def explained_inputs(model: Any, x: Any, method: str) -> Json:
    """What `explain` says of `x` (runs nothing: the input taps must stay silent)."""
    import input_runner

    from keras_loss_lint import explain

    before = len(input_runner.SEEN)
    explanation = explain(model, x=x, method=method)
    outcome = explanation.input_outcome
    return {
        "codes": list(explanation.codes),
        "inputs": explanation.inputs,
        "table": str(explanation),
        "taps": len(input_runner.SEEN) - before,
        "outcome": None if outcome is None else {"fed_from": list(outcome.fed_from), "raises": outcome.raises},
    }


def run_input(keras: Any, scenario: Json) -> Json:
    import input_runner

    keras.backend.clear_session()
    input_runner.SEEN.clear()
    try:
        model = input_runner.build_model(keras, scenario["inputs"])
        model.compile(optimizer="sgd", loss="mse", run_eagerly=True)
    except Exception as exc:
        return {"observed": runner._error("model", exc), "explained": None}
    told = explained_inputs(model, input_runner.build_x(scenario["x"]), scenario["method"])
    return {"observed": input_runner.run_one(keras, scenario), "explained": told}


def observe(model: Any, scenario: Json, x: Any, y: Any, y_spec: Json) -> Json:
    """`runner.run_scenario` from the evaluation on, on the model already built and compiled."""
    try:
        runner.evaluate_total(model, x, y)
        weights = (
            runner.probe_weights(model, x, y, scenario, len(scenario["outputs"]["names"]))
            if scenario.get("loss_weights") is not None
            else None
        )
    except Exception as exc:
        return runner._error("fit", exc)
    return runner.summarise(scenario, y_spec, weights)


def run_one(keras: Any, scenario: Json) -> Json:
    import numpy as np

    keras.backend.clear_session()
    runner.REC.calls.clear()
    runner.REC.active = None
    outputs = scenario["outputs"]
    x = np.ones((runner.BATCH, runner.INPUT_WIDTH), dtype="float32")
    y_spec = scenario.get("y") or runner.default_y_spec(outputs)
    y = runner.build_y(y_spec)
    try:
        model = runner.BUILDERS[outputs.get("model_kind", "functional")](keras, outputs)
    except Exception as exc:
        return {"observed": runner._error("model", exc), "explained": None}
    try:
        model.compile(
            optimizer="sgd",
            run_eagerly=True,
            loss=runner.build_arg(scenario.get("loss"), runner.make_loss),
            loss_weights=runner.build_arg(scenario.get("loss_weights"), lambda j: 10.0 ** (j + 1)),
            metrics=runner.build_arg(scenario.get("metrics"), runner.make_metric),
        )
    except Exception as exc:
        return {"observed": runner._error("compile", exc), "explained": explained(model, x, None)}
    # Labels are given to explain only when the scenario varies them, as the catalogue's Scenario does.
    told = explained(model, x, y if scenario.get("y") else None)
    return {"observed": observe(model, scenario, x, y, y_spec), "explained": told}


def main() -> int:
    request = json.load(sys.stdin)
    real_stdout = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    import keras

    report: Json = {"keras": keras.__version__, "results": [], "input_results": []}
    for scenario in request["scenarios"]:
        result = run_one(keras, scenario)
        result["name"] = scenario["name"]
        report["results"].append(result)
    for scenario in request.get("input_scenarios", ()):
        result = run_input(keras, scenario)
        result.update(name=scenario["name"], method=scenario["method"])
        report["input_results"].append(result)
    json.dump(report, real_stdout)
    real_stdout.write("\n")
    real_stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
