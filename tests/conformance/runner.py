"""Observe what one real Keras release does with conformance scenarios.

This file runs INSIDE a per-release virtual environment (see `envs.py`), as a plain script: it must not
import `keras_loss_lint` or anything else from this repository, because the environment holds only Keras
and its backend. It reads `{"scenarios": [...]}` as JSON on stdin (the encoding is `wire.py`'s
`scenario_to_json`) and prints one JSON document on stdout:

    {"keras": "3.5.0", "backend": "jax", "facts": {...}, "results": [...]}

How an entry is recognised on the output it reaches:

* Every output has a distinct width: output i (written order) is `(batch, i + 1)`.
* Every loss and metric entry is its own recorder function; a call records
  (entry, width of y_pred, width of y_true) when it runs on concrete arrays.
* Every label entry has its own width too: entry j is `(batch, LABEL_WIDTH_BASE + j)`, a single
  (broadcast) label array is `(batch, LABEL_WIDTH_BASE - 1)`. The recorders ignore shapes, so a label
  paired with the wrong output is seen rather than crashing.
* Loss weight entry j is `10 ** (j + 1)`. To read the weight Keras applies to output i, the recorders
  return 1 for output i and 0 elsewhere, and the total loss of one evaluation is that weight.
* `sample_weight` entry j is a constant per-sample weight `3 ** (j + 1)`, so a total of one evaluation
  factors uniquely into the loss weight and the sample weight that reached the output.
* Nested outputs (`kind` "nested") carry their `structure`: lists, tuples and dicts whose leaves are
  indexes into `names`, which are in Keras's flattened order (lists in order, dicts by sorted key).

Matching is lazy in Keras 3 (`compile()` accepts everything but container types), so every scenario is
compiled and then evaluated on one batch; `run_eagerly=True` keeps the recorders' Python side effects
and skips per-scenario JIT compilation. Calls made while Keras infers shapes (KerasTensors, JAX
tracers) are not recorded: only the numeric step decides what trains. A jit-compiled `fit` pairs the
same way on every scenario (checked on 3.4.1, 3.5.0, 3.6.0, 3.7.0, 3.14.0, 3.15.1); its one extra call
is 3.6.0's shape-inference pass, which applies a partial dict loss to the wrong dict output (#20345).

Limit: the recorders accept any shapes, so a pairing that a real loss would reject with a shape error
shows up here as a silent pairing.
"""

from __future__ import annotations

import gc
import inspect
import json
import os
import sys
import time
import traceback
from typing import Any, Callable

os.environ.setdefault("KERAS_BACKEND", "jax")  # before Keras is imported; envs.py sets it too
os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

# The batch size must differ from every output count: Keras 3.15 unpacks a single label array
# along its first axis when that axis has exactly as many rows as the model has outputs.
BATCH = 7
INPUT_WIDTH = 4
HIDDEN_WIDTH = 16
LABEL_WIDTH_BASE = 40
BROADCAST = "*"

Json = dict[str, Any]
Call = tuple[str, str, int, int]  # (kind "loss"/"metric", entry label, y_pred width, y_true width)


class Recorder:
    """Collects recorder calls; `active` selects the output whose losses return 1 (weight probing)."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.active: int | None = None


REC = Recorder()


def _is_concrete(tensor: Any) -> bool:
    """True for real arrays; False during symbolic builds (KerasTensor) or JAX tracing."""
    import keras

    if keras.__version__.startswith("2."):  # tf.keras: symbolic tensors appear only in graph mode
        import tensorflow as tf

        return bool(tf.executing_eagerly())
    import jax.core

    return not isinstance(tensor, (keras.KerasTensor, jax.core.Tracer))


def _width(tensor: Any) -> int:
    return int(tensor.shape[-1])


def _per_sample(y_pred: Any, value: float) -> Any:
    """A (batch,) tensor of `value`, built from y_pred so that it lives in the backend's graph."""
    import keras

    if keras.__version__.startswith("2."):  # Keras 2 has no keras.ops
        import tensorflow as tf

        return tf.reduce_mean(y_pred, axis=-1) * 0.0 + value
    return keras.ops.mean(y_pred, axis=-1) * 0.0 + value


def make_loss(index: int) -> Callable[[Any, Any], Any]:
    def loss(y_true: Any, y_pred: Any) -> Any:
        out = _width(y_pred) - 1
        if _is_concrete(y_pred):
            REC.calls.append(("loss", str(index), out, _width(y_true)))
        return _per_sample(y_pred, 1.0 if REC.active == out else 0.0)

    loss.__name__ = f"loss{index}"
    return loss


def make_metric(index: int) -> Callable[[Any, Any], Any]:
    def metric(y_true: Any, y_pred: Any) -> Any:
        if _is_concrete(y_pred):
            REC.calls.append(("metric", str(index), _width(y_pred) - 1, _width(y_true)))
        return _per_sample(y_pred, 0.0)

    metric.__name__ = f"metric{index}"
    return metric


# ---------------------------------------------------------------------------------------------------
# Arguments: each ArgSpec becomes a real Python container whose entries are identifiable.


def arg_labels(spec: Json) -> list[str]:
    if spec["kind"] == "dict":
        return list(spec["keys"])
    if spec["kind"] in ("list", "tuple"):
        return [str(i) for i in range(spec["length"])]
    return [BROADCAST]


def build_arg(spec: Json | None, make: Callable[[int], Any]) -> Any:
    """A dict/list/tuple/single value whose entry j is `make(j)`, or None where the spec says None."""
    if spec is None:
        return None
    none_at = set(spec.get("none_at", ()))
    values = [None if label in none_at else make(j) for j, label in enumerate(arg_labels(spec))]
    if spec["kind"] == "dict":
        return dict(zip(spec["keys"], values))
    if spec["kind"] == "list":
        return values
    if spec["kind"] == "tuple":
        return tuple(values)
    return values[0]


def label_array(width: int) -> Any:
    import numpy as np

    return np.full((BATCH, width), 0.5, dtype="float32")


def default_y_spec(outputs: Json) -> Json:
    """The labels a user would write when the scenario does not vary them: one per output, same form."""
    count = len(outputs["names"])
    if outputs["kind"] == "dict":
        return {"kind": "dict", "keys": list(outputs["keys"])}
    if outputs["kind"] == "nested":
        return {"kind": "nested", "structure": outputs["structure"], "length": count}
    if outputs["kind"] == "single" or count == 1:
        return {"kind": "single"}
    return {"kind": outputs["kind"], "length": count}


def build_y(spec: Json) -> Any:
    if spec["kind"] == "single":
        return label_array(LABEL_WIDTH_BASE - 1)
    if spec["kind"] == "nested":
        leaves = [label_array(LABEL_WIDTH_BASE + j) for j in range(spec["length"])]
        return pack_structure(spec["structure"], leaves)
    return build_arg(spec, lambda j: label_array(LABEL_WIDTH_BASE + j))


def label_of_width(width: int, y_spec: Json) -> str:
    if width == LABEL_WIDTH_BASE - 1:
        return BROADCAST
    labels = arg_labels(y_spec)
    j = width - LABEL_WIDTH_BASE
    return labels[j] if 0 <= j < len(labels) else f"?width={width}"


# ---------------------------------------------------------------------------------------------------
# Models. Output i has width i + 1 and is produced by a layer named outputs["names"][i].


def dense(keras: Any, width: int, name: str) -> Any:
    # Constant weights: random initialisers compile an XLA kernel per new shape (seconds per release),
    # and the recorders never look at values.
    return keras.layers.Dense(width, name=name, kernel_initializer="ones")


def _multi_head_layer(keras: Any, widths: list[int], name: str) -> Any:
    """One layer producing several outputs (so they share its name), each of a distinct width."""

    class Heads(keras.layers.Layer):
        def call(self, x: Any) -> Any:
            return tuple(x[:, :w] for w in widths)

    return Heads(name=name)


def functional_heads(keras: Any, hidden: Any, names: list[str]) -> list[Any]:
    """The output tensors in written order; a name used twice comes from one multi-output layer."""
    tensors: list[Any] = [None] * len(names)
    for name in dict.fromkeys(names):
        positions = [i for i, n in enumerate(names) if n == name]
        if len(positions) == 1:
            tensors[positions[0]] = dense(keras, positions[0] + 1, name)(hidden)
        else:
            produced = _multi_head_layer(keras, [i + 1 for i in positions], name)(hidden)
            for i, t in zip(positions, produced):
                tensors[i] = t
    return tensors


def pack_structure(structure: Any, leaves: list[Any]) -> Any:
    """A nested structure (`["list", [...]]`, `["tuple", [...]]`, `["dict", [[key, sub], ...]]`, or a
    leaf index) with `leaves[i]` at leaf i."""
    if isinstance(structure, int):
        return leaves[structure]
    kind, items = structure
    if kind == "dict":
        return {key: pack_structure(sub, leaves) for key, sub in items}
    packed = [pack_structure(sub, leaves) for sub in items]
    return tuple(packed) if kind == "tuple" else packed


def pack_outputs(outputs: Json, tensors: list[Any]) -> Any:
    kind = outputs["kind"]
    if kind == "nested":
        return pack_structure(outputs["structure"], tensors)
    if kind == "dict":
        return dict(zip(outputs["keys"], tensors))
    if kind == "tuple":
        return tuple(tensors)
    if kind == "single":
        return tensors[0]
    return list(tensors)


def build_functional(keras: Any, outputs: Json) -> Any:
    inp = keras.Input(shape=(INPUT_WIDTH,), name="features")
    hidden = dense(keras, HIDDEN_WIDTH, "trunk")(inp)
    return keras.Model(inp, pack_outputs(outputs, functional_heads(keras, hidden, outputs["names"])))


def build_sequential(keras: Any, outputs: Json) -> Any:
    # Sequential has one output; its last layer carries the (placeholder) name Keras ignores.
    return keras.Sequential(
        [
            keras.Input(shape=(INPUT_WIDTH,)),
            dense(keras, HIDDEN_WIDTH, "trunk"),
            dense(keras, 1, outputs["names"][0]),
        ]
    )


def build_subclassed(keras: Any, outputs: Json) -> Any:
    class Subclassed(keras.Model):
        def __init__(self) -> None:
            super().__init__()
            self.trunk = dense(keras, HIDDEN_WIDTH, "trunk")
            self.heads = [dense(keras, i + 1, n) for i, n in enumerate(outputs["names"])]

        def call(self, x: Any) -> Any:
            hidden = self.trunk(x)
            return pack_outputs(outputs, [head(hidden) for head in self.heads])

    model = Subclassed()
    model(label_array(INPUT_WIDTH))  # build the weights, as users do before compiling
    return model


BUILDERS = {"functional": build_functional, "sequential": build_sequential, "subclassed": build_subclassed}


# ---------------------------------------------------------------------------------------------------
# One scenario.


def _error(stage: str, exc: BaseException) -> Json:
    text = str(exc).strip().splitlines()
    return {
        "raises": type(exc).__name__,
        "stage": stage,
        "message": (text[0] if text else "")[:300],
        "traceback": "".join(traceback.format_exception(exc))[-2000:],
    }


def evaluate_total(model: Any, x: Any, y: Any, sample_weight: Any = None) -> float:
    logs = model.evaluate(x, y, sample_weight=sample_weight, batch_size=BATCH, verbose=0, return_dict=True)
    return float(logs["loss"])


def decode_weight(total: float, weight_spec: Json) -> str | None:
    if abs(total - 1.0) < 1e-6:
        return None
    for j, label in enumerate(arg_labels(weight_spec)):
        if abs(total - 10.0 ** (j + 1)) < 1e-3 * 10.0 ** (j + 1):
            return label
    return f"?{total:g}"


def sample_weight_array(j: int) -> Any:
    import numpy as np

    return np.full((BATCH,), 3.0 ** (j + 1), dtype="float32")


def decode_weights(total: float, weight_spec: Json | None, sample_spec: Json) -> tuple[str | None, str | None]:
    """The (loss_weights, sample_weight) entries whose product is `total` (None: 1)."""
    weight_labels = arg_labels(weight_spec) if weight_spec else []
    weights = [(None, 1.0)] + [(label, 10.0 ** (j + 1)) for j, label in enumerate(weight_labels)]
    samples = [(None, 1.0)] + [(label, 3.0 ** (j + 1)) for j, label in enumerate(arg_labels(sample_spec))]
    for weight_label, weight in weights:
        for sample_label, sample in samples:
            if abs(total - weight * sample) < 1e-3 * weight * sample:
                return weight_label, sample_label
    return f"?{total:g}", f"?{total:g}"


def summarise(scenario: Json, y_spec: Json, weights: list[str | None] | None) -> Json:
    """Turn the recorded calls into the Outcome fields, per output in written order."""
    count = len(scenario["outputs"]["names"])
    loss_labels = arg_labels(scenario["loss"]) if scenario.get("loss") else []
    metric_labels = arg_labels(scenario["metrics"]) if scenario.get("metrics") else []

    def entries(kind: str, out: int, labels: list[str]) -> list[str]:
        seen = {int(e) for k, e, o, _ in REC.calls if k == kind and o == out}
        return [labels[j] for j in sorted(seen)]

    def labels_seen(out: int) -> list[str]:
        widths = {w for k, _, o, w in REC.calls if k == "loss" and o == out}
        if not widths:  # an output with no loss may still be scored by metrics
            widths = {w for k, _, o, w in REC.calls if o == out}
        return sorted(label_of_width(w, y_spec) for w in widths)

    # An argument the scenario leaves out reads as "nothing from it": None per output (no loss, weight
    # 1, labels not varied) and no metrics, the Outcome convention of the semantics model.
    result: Json = {"raises": None, "stage": "fit"}
    result["loss_from"] = ["+".join(entries("loss", i, loss_labels)) or None for i in range(count)]
    result["weight_from"] = weights if weights is not None else [None] * count
    result["label_from"] = [
        "+".join(labels_seen(i)) or None if scenario.get("y") else None for i in range(count)
    ]
    result["metrics_from"] = [entries("metric", i, metric_labels) for i in range(count)]
    # The y entry each output's metrics are scored against (3.14.0 pairs them differently from the
    # loss's); None where no metric runs or the labels were not varied.
    result["metric_label_from"] = [
        "+".join(sorted({label_of_width(w, y_spec) for k, _, o, w in REC.calls if k == "metric" and o == i}))
        or None
        if scenario.get("y")
        else None
        for i in range(count)
    ]
    return result


def probe_weights(model: Any, x: Any, y: Any, scenario: Json, count: int) -> list[str | None]:
    """Per output, which loss_weights entry multiplies its loss (needs one evaluation per output)."""
    return [weight for weight, _ in probe_both_weights(model, x, y, scenario, count, None)]


def probe_both_weights(
    model: Any, x: Any, y: Any, scenario: Json, count: int, sample_weight: Any
) -> list[tuple[str | None, str | None]]:
    """Per output, the loss_weights and sample_weight entries multiplying its loss."""
    trained = {o for k, _, o, _ in REC.calls if k == "loss"}
    found: list[tuple[str | None, str | None]] = []
    for out in range(count):
        if out not in trained:
            found.append((None, None))
            continue
        REC.active = out
        try:
            total = evaluate_total(model, x, y, sample_weight)
        finally:
            REC.active = None
        if scenario.get("sample_weight") is None:
            found.append((decode_weight(total, scenario["loss_weights"]), None))
        else:
            found.append(decode_weights(total, scenario.get("loss_weights"), scenario["sample_weight"]))
    return found


def fit_once(model: Any, x: Any, y: Any, sample_weight: Any) -> None:
    model.fit(x, y, sample_weight=sample_weight, batch_size=BATCH, epochs=1, verbose=0)


def run_scenario(keras: Any, scenario: Json) -> Json:
    import numpy as np

    keras.backend.clear_session()
    REC.calls.clear()
    REC.active = None
    outputs = scenario["outputs"]
    if len(outputs["names"]) == BATCH:
        raise ValueError(f"{scenario['name']}: as many outputs as BATCH rows; see the BATCH comment")
    try:
        model = BUILDERS[outputs.get("model_kind", "functional")](keras, outputs)
    except Exception as exc:  # a model Keras refuses to build is a finding, not a runner crash
        return _error("model", exc)
    compile_kwargs = {
        "loss": build_arg(scenario.get("loss"), make_loss),
        "loss_weights": build_arg(scenario.get("loss_weights"), lambda j: 10.0 ** (j + 1)),
        "metrics": build_arg(scenario.get("metrics"), make_metric),
    }
    try:
        model.compile(optimizer="sgd", run_eagerly=True, **compile_kwargs)
    except Exception as exc:
        return _error("compile", exc)
    y_spec = scenario.get("y") or default_y_spec(outputs)
    x = np.ones((BATCH, INPUT_WIDTH), dtype="float32")
    y = build_y(y_spec)
    sample_spec = scenario.get("sample_weight")
    sample_weight = build_arg(sample_spec, sample_weight_array) if sample_spec is not None else None
    try:
        evaluate_total(model, x, y, sample_weight)
        probed = (
            probe_both_weights(model, x, y, scenario, len(outputs["names"]), sample_weight)
            if scenario.get("loss_weights") is not None or sample_spec is not None
            else None
        )
    except Exception as exc:
        return with_fit(_error("fit", exc), model, x, y, sample_weight, sample_spec)
    weights = [w for w, _ in probed] if probed is not None and scenario.get("loss_weights") is not None else None
    result = summarise(scenario, y_spec, weights)
    if sample_spec is not None:
        result["sample_weight_from"] = [s for _, s in probed] if probed is not None else None
        result = with_fit(result, model, x, y, sample_weight, sample_spec)
    return result


def with_fit(result: Json, model: Any, x: Any, y: Any, sample_weight: Any, sample_spec: Json | None) -> Json:
    """With a `sample_weight`, one `fit` step too: where `evaluate` ran, a `fit` that raises is the
    outcome; where it raised, what `fit` raised is kept beside it (`fit_raises`)."""
    if sample_spec is None:
        return result
    REC.calls.clear()
    try:
        fit_once(model, x, y, sample_weight)
    except Exception as exc:
        if result.get("raises"):
            return {**result, "fit_raises": type(exc).__name__, "fit_message": str(exc).strip()[:300]}
        return {**_error("fit", exc), "fit_only": True}
    return {**result, "fit_raises": None}


# ---------------------------------------------------------------------------------------------------
# Facts that are not scenario-shaped but that rules rely on.


def facts(keras: Any) -> Json:
    """What the Terms of RULES.md and KLO301/302/404 assume about names and compile()'s signature."""
    keras.backend.clear_session()
    auto = [keras.layers.Dense(1).name, keras.layers.Dense(1).name]
    keras.backend.clear_session()  # the counter is per process until clear_session (KLO301)
    auto.append(keras.layers.Dense(1).name)
    inp = keras.Input(shape=(INPUT_WIDTH,))
    heads = {"zulu": "layer_b", "alpha": "layer_c", "mike": "layer_a"}
    model = keras.Model(inp, {k: dense(keras, 1, n)(inp) for k, n in heads.items()})
    sequential = build_sequential(keras, {"names": ["head"]})
    keras.backend.clear_session()
    return {
        # KLO404: the order of compile()'s positional parameters.
        "compile_params": list(inspect.signature(keras.Model.compile).parameters)[1:6],
        "auto_names": auto,
        "dict_output_names": list(model.output_names),
        "sequential_output_names": getattr(sequential, "output_names", None),
    }


def main() -> int:
    request = json.load(sys.stdin)
    # Keep stdout for our JSON: Keras, absl and C extensions may print; send fd 1 to stderr meanwhile.
    real_stdout = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    started = time.perf_counter()
    import keras

    # clear_session() runs gc.collect() between scenarios; freezing what the imports created makes each
    # collection scan only the scenario's own objects (about 10 s less per release).
    gc.freeze()

    report: Json = {
        "import_seconds": round(time.perf_counter() - started, 1),
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "facts": facts(keras),
        "results": [],
    }
    for scenario in request["scenarios"]:
        started = time.perf_counter()
        result = run_scenario(keras, scenario)
        result["name"] = scenario["name"]
        result["seconds"] = round(time.perf_counter() - started, 3)
        report["results"].append(result)
    json.dump(report, real_stdout)
    real_stdout.write("\n")
    real_stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
