"""Observe which `x` entry reaches which input of a Functional model in one real Keras release.

Runs INSIDE a release's env like `runner.py` (whose constants and error format it reuses; it imports
nothing from `keras_loss_lint`). stdin: `{"scenarios": [...]}` as `input_wire.scenario_to_json`
writes them; stdout: `{"keras": ..., "results": [...]}`.

Every input has the same shape `(INPUT_WIDTH,)`, so no array is refused for its shape. Entry j of `x`
(dict key or list position, in written order) is an array filled with `j + 1`. Each input goes
through a Lambda that records the value it sees on concrete arrays (`run_eagerly=True` keeps them
concrete for every method), then through a Dense head so that `fit` has weights to train.
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from typing import Any

import runner  # tests/conformance/runner.py: sets the backend before Keras is imported

Json = dict[str, Any]
SEEN: list[tuple[int, float]] = []


def _tap(index: int) -> Any:
    def tap(tensor: Any) -> Any:
        import numpy as np

        if runner._is_concrete(tensor):
            SEEN.append((index, float(np.asarray(tensor).mean())))
        return tensor

    tap.__name__ = f"tap{index}"
    return tap


def build_model(keras: Any, inputs: Json) -> Any:
    names = inputs["names"]
    tensors = [keras.Input(shape=(runner.INPUT_WIDTH,), name=name) for name in names]
    heads = [
        runner.dense(keras, 1, f"head_{i}")(keras.layers.Lambda(_tap(i), name=f"tap_{i}")(tensor))
        for i, tensor in enumerate(tensors)
    ]
    kind = inputs["kind"]
    if kind == "single":
        return keras.Model(tensors[0], heads[0])
    if kind == "dict":
        return keras.Model(dict(zip(inputs["keys"], tensors)), heads)
    return keras.Model(tuple(tensors) if kind == "tuple" else tensors, heads)


def build_x(spec: Json) -> Any:
    import numpy as np

    def array(j: int) -> Any:
        return np.full((runner.BATCH, runner.INPUT_WIDTH), float(j + 1), dtype="float32")

    return runner.build_arg(spec, array)


# The arrays of the `x` a `fit()` trains on before it validates on the scenario's `x`: a value no
# entry of the scenario's `x` has, left out when the taps are read.
TRAINING_VALUE = 1000.0


def training_x(inputs: Json) -> Any:
    """An `x` every release feeds as written: arrays in the inputs' own structure."""
    import numpy as np

    arrays = [np.full((runner.BATCH, runner.INPUT_WIDTH), TRAINING_VALUE, dtype="float32") for _ in inputs["names"]]
    kind = inputs["kind"]
    if kind == "single":
        return arrays[0]
    if kind == "dict":
        return dict(zip(inputs["keys"], arrays))
    return tuple(arrays) if kind == "tuple" else arrays


def call(model: Any, method: str, x: Any, y: Any, inputs: Json) -> None:
    batch = runner.BATCH
    if method == "fit_validation":
        model.fit(training_x(inputs), y, validation_data=(x, y), batch_size=batch, epochs=1, verbose=0)
    elif method == "predict":
        model.predict(x, batch_size=batch, verbose=0)
    elif method == "predict_on_batch":
        model.predict_on_batch(x)
    elif method == "evaluate":
        model.evaluate(x, y, batch_size=batch, verbose=0)
    elif method == "test_on_batch":
        model.test_on_batch(x, y)
    elif method == "fit":
        model.fit(x, y, batch_size=batch, epochs=1, verbose=0)
    elif method == "train_on_batch":
        model.train_on_batch(x, y)
    else:
        raise ValueError(f"unknown method {method}")


def decode(value: float, labels: list[str]) -> str:
    j = round(value) - 1
    return labels[j] if abs(value - round(value)) < 1e-6 and 0 <= j < len(labels) else f"?{value:g}"


def run_one(keras: Any, scenario: Json) -> Json:
    import numpy as np

    keras.backend.clear_session()
    SEEN.clear()
    inputs = scenario["inputs"]
    try:
        model = build_model(keras, inputs)
        model.compile(optimizer="sgd", loss="mse", run_eagerly=True)
    except Exception as exc:
        return runner._error("model", exc)
    count = len(inputs["names"])
    zeros = [np.zeros((runner.BATCH, 1), dtype="float32") for _ in range(count)]
    y = zeros[0] if inputs["kind"] == "single" else zeros
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            call(model, scenario["method"], build_x(scenario["x"]), y, inputs)
        except Exception as exc:
            return runner._error("call", exc)
    labels = runner.arg_labels(scenario["x"])
    seen = [(i, v) for i, v in SEEN if v != TRAINING_VALUE]
    fed = [sorted({decode(v, labels) for i, v in seen if i == index}) for index in range(count)]
    return {
        "raises": None,
        "fed_from": ["+".join(f) or None for f in fed],
        "warnings": sorted({str(w.message).splitlines()[0][:200] for w in caught if "input" in str(w.message)}),
    }


def main() -> int:
    request = json.load(sys.stdin)
    real_stdout = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    import keras

    report: Json = {"keras": keras.__version__, "results": []}
    for scenario in request["scenarios"]:
        result = run_one(keras, scenario)
        result["name"] = scenario["name"]
        result["method"] = scenario["method"]
        report["results"].append(result)
    json.dump(report, real_stdout)
    real_stdout.write("\n")
    real_stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
