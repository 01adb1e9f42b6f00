"""The JSON spoken between `test_inputs.py` and `input_runner.py` (see wire.py for the outputs side)."""

from __future__ import annotations

from typing import Any

from keras_loss_lint.keras.scenario import InputOutcome, InputScenario

from .wire import _arg_to_json

Json = dict[str, Any]


def scenario_to_json(name: str, scenario: InputScenario) -> Json:
    inputs = scenario.inputs
    return {
        "name": name,
        "inputs": {
            "kind": inputs.kind,
            "names": list(inputs.names),
            "keys": list(inputs.keys) if inputs.keys is not None else None,
        },
        "x": _arg_to_json(scenario.x),
        "method": scenario.method,
    }


def outcome_from_json(result: Json) -> InputOutcome:
    if result.get("raises"):
        return InputOutcome(raises=result["raises"])
    return InputOutcome(fed_from=tuple(result["fed_from"]))
