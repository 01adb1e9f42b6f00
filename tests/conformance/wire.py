"""The JSON spoken between the test process and `runner.py` inside a Keras environment.

The runner cannot import `keras_loss_lint`, so scenarios travel as plain JSON and observations come back
as plain JSON; this module is the only place that converts between those and the semantics vocabulary.
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

from keras_loss_lint.keras.scenario import ArgSpec, Outcome, OutputsSpec, Scenario

Json = dict[str, Any]


def _arg_to_json(arg: ArgSpec | None) -> Json | None:
    if arg is None:
        return None
    return {"kind": arg.kind, "keys": list(arg.keys), "length": arg.length, "none_at": sorted(arg.none_at)}


def _outputs_to_json(outputs: OutputsSpec) -> Json:
    return {
        "kind": outputs.kind,
        "names": list(outputs.names),
        "keys": list(outputs.keys) if outputs.keys is not None else None,
        "model_kind": outputs.model_kind,
    }


def scenario_to_json(name: str, scenario: Scenario) -> Json:
    return {
        "name": name,
        "outputs": _outputs_to_json(scenario.outputs),
        "loss": _arg_to_json(scenario.loss),
        "loss_weights": _arg_to_json(scenario.loss_weights),
        "metrics": _arg_to_json(scenario.metrics),
        "y": _arg_to_json(scenario.y),
    }


# The runner also observes which y entry each output's metrics see (3.14.0 differs from the loss's).
# The Outcome vocabulary has no field for it yet; once it gains `metric_label_from`, it is compared too.
METRIC_LABELS = "metric_label_from"
HAS_METRIC_LABELS = METRIC_LABELS in {f.name for f in fields(Outcome)}


def outcome_from_json(result: Json) -> Outcome:
    """The Outcome fields of one runner result (extra diagnostic fields such as `message` are dropped)."""
    if result.get("raises"):
        return Outcome(raises=result["raises"], stage=result["stage"])
    extra: dict[str, Any] = {METRIC_LABELS: tuple(result[METRIC_LABELS])} if HAS_METRIC_LABELS else {}
    return Outcome(
        loss_from=tuple(result["loss_from"]),
        weight_from=tuple(result["weight_from"]),
        label_from=tuple(result["label_from"]),
        metrics_from=tuple(tuple(m) for m in result["metrics_from"]),
        **extra,
    )


def observable(outcome: Outcome, reach: Outcome | None = None) -> Outcome:
    """Blank what no run can show: the weight or label of an output no loss or metric reaches.

    The runner sees a weight only through a loss call and a label only through a loss or metric call,
    so for an output that `reach` (default: the outcome itself) trains and scores with nothing, both
    read as None.
    """
    reach = reach or outcome
    if outcome.raises is not None or reach.raises is not None:
        return outcome
    trained = [loss is not None for loss in reach.loss_from]
    scored = [t or bool(m) for t, m in zip(trained, reach.metrics_from)]
    extra: dict[str, Any] = {}
    if HAS_METRIC_LABELS:
        metered = [bool(m) for m in reach.metrics_from]
        seen = getattr(outcome, METRIC_LABELS)
        extra[METRIC_LABELS] = tuple(lab if m else None for lab, m in zip(seen, metered))
    return replace(
        outcome,
        weight_from=tuple(w if t else None for w, t in zip(outcome.weight_from, trained)),
        label_from=tuple(lab if s else None for lab, s in zip(outcome.label_from, scored)),
        **extra,
    )
