"""Name what the installed release does wrong with the codes the static rules use for the same problem.

The semantics model says what the release does (`predict`) and what the code means (`intended`); where
they differ, or where the release raises, the difference is phrased as a finding. Which rule a
difference belongs to follows from the argument that causes it and its form (a dict `loss` on list
outputs applied in sorted order is KLO201 here exactly as in the static rule). Only differences a run
could show count: the weight or label of an output that no loss or metric reaches does not matter.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Sequence

from packaging.version import Version

from keras_loss_lint.keras.scenario import BROADCAST, ArgSpec, Outcome, OutputsSpec, Scenario
from keras_loss_lint.keras.semantics import intended, predict
from keras_loss_lint.keras.versions import LossEra, MetricsEra, loss_era, metrics_era

REASONS: dict[str, str] = {
    "KLO101": "a `loss` dict key names no output",
    "KLO102": "a `loss_weights` dict key names no output",
    "KLO103": "a `metrics` dict key names no output",
    "KLO104": "a `loss` or `loss_weights` dict leaves out an output",
    "KLO105": "a list `loss`/`loss_weights`/`metrics` does not match the outputs",
    "KLO106": "a dict is given for a model without output names",
    "KLO107": "the dict outputs' keys differ from the names of the layers producing them",
    "KLO108": "several outputs share one layer name",
    "KLO109": "a dict `y` does not name the outputs",
    "KLO110": "a dict `x` key names no input, or the dict leaves an input out",
    "KLO201": "a loss dict is applied in sorted key order",
    "KLO202": "loss weights are applied in sorted key order",
    "KLO203": "dict labels are paired in sorted key order",
    "KLO204": "dict metrics are scored on labels paired in sorted key order",
    "KLO205": "`None` in a list loss shifts or drops the other losses",
    "KLO206": "a list is matched to dict outputs in sorted key order",
    "KLO207": "a dict `x` is fed to list inputs in sorted key order",
    "KLO401": "one flat metrics list is given for several outputs",
    "KLO402": "`metrics` is neither a list nor a dict",
    "KLO403": "one label array is given for several outputs",
}
WHAT = {"loss": "loss", "loss_weights": "weight", "y": "label", "metrics": "metrics"}


@dataclass(frozen=True)
class Finding:
    code: str
    argument: str  # the compile()/fit() argument at fault
    message: str
    outputs: tuple[str, ...] = ()  # the outputs it concerns (how the user names them)

    def __str__(self) -> str:
        return f"{self.code} {self.message}"


def findings_for(version: Version, scenario: Scenario, metrics_name: str = "metrics") -> list[Finding]:
    """What is wrong with `scenario` on `version`; `metrics_name` is "weighted_metrics" when the
    scenario's metrics stand for those."""
    outcome = predict(version, scenario)
    if outcome.raises is not None:
        return [_refusal(version, scenario, outcome, metrics_name)]
    return _silent(version, scenario, outcome, meant_by(scenario), metrics_name)


def meant_by(scenario: Scenario) -> Outcome:
    """What the code says (`intended`), where a dict key that is the layer name of a dict output also
    names that output: Keras 2 accepts either, and where a release does not, that is the finding."""
    meant = intended(scenario)
    outputs = scenario.outputs
    if outputs.kind != "dict" or outputs.model_kind != "functional" or meant.raises is not None:
        return meant

    def by_layer(argument: ArgSpec | None, assigned: tuple) -> tuple:
        if argument is None or argument.kind != "dict" or len(assigned) != outputs.count:
            return assigned
        return tuple(
            name if entry is None and name in argument.keys and name not in argument.none_at else entry
            for entry, name in zip(assigned, outputs.names)
        )

    metrics = by_layer(scenario.metrics, tuple(m[0] if m else None for m in meant.metrics_from))
    labels = by_layer(scenario.y, meant.label_from)
    return replace(
        meant,
        loss_from=by_layer(scenario.loss, meant.loss_from),
        weight_from=by_layer(scenario.loss_weights, meant.weight_from),
        label_from=labels,
        metrics_from=tuple((m,) if m is not None else () for m in metrics),
        metric_label_from=labels,
    )


# ------------------------------------------------------------------------------------- refusals


def _refusal(version: Version, scenario: Scenario, outcome: Outcome, metrics_name: str) -> Finding:
    argument = _culprit(version, scenario)
    code = CAUSES[argument](version, scenario)
    when = "in compile()" if outcome.stage == "compile" else "at the first fit/evaluate step"
    shown = metrics_name if argument == "metrics" else argument
    message = f"Keras {version} raises {outcome.raises} {when} because of `{shown}`: {REASONS[code]}"
    return Finding(code, shown, message)


def _culprit(version: Version, scenario: Scenario) -> str:
    """The first argument whose addition makes the release refuse the scenario."""
    partial = Scenario(scenario.outputs)
    for name in ("loss", "loss_weights", "metrics", "y"):
        partial = replace(partial, **{name: getattr(scenario, name)})
        if predict(version, partial).raises is not None:
            return name
    return "loss"


def _loss_cause(version: Version, scenario: Scenario) -> str:
    loss, outputs = scenario.loss, scenario.outputs
    assert loss is not None
    if loss.kind == "dict":
        return _dict_cause(version, loss, outputs, unknown="KLO101")
    if loss.kind in ("list", "tuple"):
        if outputs.kind == "dict":
            return "KLO107" if _keys_differ(version, outputs) else "KLO206"
        return "KLO205" if loss.none_at else "KLO105"
    return "KLO107" if _keys_differ(version, outputs) else "KLO101"


def _weights_cause(version: Version, scenario: Scenario) -> str:
    weights, loss, outputs = scenario.loss_weights, scenario.loss, scenario.outputs
    assert weights is not None and loss is not None
    if weights.kind == "dict":
        code = _dict_cause(version, weights, outputs, unknown="KLO102")
        return "KLO202" if code == "KLO104" and loss.kind != "dict" else code
    if outputs.kind == "dict":
        return "KLO206"
    return "KLO202" if loss.kind == "dict" and weights.length == outputs.count else "KLO105"


def _metrics_cause(version: Version, scenario: Scenario) -> str:
    metrics, outputs = scenario.metrics, scenario.outputs
    assert metrics is not None
    if metrics.kind == "single":
        return "KLO402"
    if metrics.kind == "dict":
        by_layer = metrics_era(version) in (MetricsEra.KERAS_2, MetricsEra.BY_LAYER_NAME)
        if by_layer and outputs.kind == "dict" and outputs.model_kind == "functional":
            # Up to 3.11 metrics dicts name the producing layers, even for dict outputs.
            keys = set(outputs.keys or ()) - set(outputs.names)
            if any(key in keys for key in metrics.keys):
                return "KLO107"
        return _dict_cause(version, metrics, outputs, unknown="KLO103")
    return "KLO401" if metrics.length == 1 and outputs.count > 1 else "KLO105"


def _labels_cause(version: Version, scenario: Scenario) -> str:
    labels, outputs = scenario.y, scenario.outputs
    assert labels is not None
    if labels.kind == "single":
        return "KLO403"
    if labels.kind != "dict" and outputs.kind == "dict":
        return "KLO206"
    return "KLO109"


def _dict_cause(version: Version, argument: ArgSpec, outputs: OutputsSpec, unknown: str) -> str:
    if outputs.model_kind != "functional" and outputs.kind != "dict":
        return "KLO106"
    if _keys_differ(version, outputs) or _uses_layer_names(argument, outputs):
        return "KLO107"
    if len(set(outputs.names)) < len(outputs.names):
        return "KLO108"
    valid = set(outputs.labels()) | set(outputs.names)
    if any(key not in valid for key in argument.keys):
        return unknown
    return "KLO104"


def _keys_differ(version: Version, outputs: OutputsSpec) -> bool:
    """Dict outputs whose keys are not their layers' names: 3.0-3.4 match by layer name only."""
    return (
        outputs.kind == "dict"
        and outputs.model_kind == "functional"
        and outputs.keys is not None
        and outputs.keys != outputs.names
        and loss_era(version) is LossEra.BY_NAME
    )


def _uses_layer_names(argument: ArgSpec, outputs: OutputsSpec) -> bool:
    """A dict naming dict outputs by their layers' names where 3.5+ want the output keys."""
    if outputs.kind != "dict" or outputs.keys is None or outputs.model_kind != "functional":
        return False
    layer_only = set(outputs.names) - set(outputs.keys)
    return any(key in layer_only for key in argument.keys)


CAUSES: dict[str, Callable[[Version, Scenario], str]] = {
    "loss": _loss_cause,
    "loss_weights": _weights_cause,
    "metrics": _metrics_cause,
    "y": _labels_cause,
}


# ------------------------------------------------------------------------------- silent pairings


def _silent(version: Version, scenario: Scenario, got: Outcome, meant: Outcome, metrics_name: str) -> list[Finding]:
    outputs = scenario.outputs
    labels = outputs.labels()
    trained = [loss is not None for loss in got.loss_from]
    metered = [bool(m) for m in got.metrics_from]
    scored = [t or m for t, m in zip(trained, metered)]
    found: list[Finding] = []

    def add(code: str, argument: str, differs: Sequence[bool], actual: Sequence, wanted: Sequence) -> None:
        if any(differs):
            pairs = _pairings(labels, actual, wanted, differs, WHAT.get(argument, argument))
            shown = metrics_name if argument == "metrics" else argument
            where = tuple(label for label, moved in zip(labels, differs) if moved)
            earlier = next((f for f in found if f.code == code), None)
            if earlier is None:
                found.append(Finding(code, shown, pairs, where))
            else:  # one problem moving several things (a lost label loses its loss): one finding
                merged = tuple(dict.fromkeys(earlier.outputs + where))
                found[found.index(earlier)] = Finding(code, earlier.argument, f"{earlier.message}; {pairs}", merged)

    loss_moved = [g != w for g, w in zip(got.loss_from, meant.loss_from)]
    add(_silent_loss_code(version, scenario), "loss", loss_moved, got.loss_from, meant.loss_from)
    # A weight is right when it is the one meant for the loss it multiplies (a dict loss_weights
    # that moves together with its dict loss is part of the loss's finding, not a second one).
    weight_of_loss = dict(zip(meant.loss_from, meant.weight_from))
    wanted_weight = [
        weight_of_loss.get(loss) if moved and loss is not None else weight
        for loss, moved, weight in zip(got.loss_from, loss_moved, meant.weight_from)
    ]
    weight_moved = [t and g != w for t, g, w in zip(trained, got.weight_from, wanted_weight)]
    add(_silent_weights_code(scenario), "loss_weights", weight_moved, got.weight_from, wanted_weight)
    label_moved = [s and g != w for s, g, w in zip(scored, got.label_from, meant.label_from)]
    add(_silent_labels_code(scenario), "y", label_moved, got.label_from, meant.label_from)
    metric_moved = [g != w for g, w in zip(got.metrics_from, meant.metrics_from)]
    add(_silent_metrics_code(version, scenario), "metrics", metric_moved, got.metrics_from, meant.metrics_from)
    metric_labels = [m and g != w for m, g, w in zip(metered, got.metric_label_from, meant.metric_label_from)]
    if any(metric_labels) and not any(label_moved):
        add("KLO204", "metrics", metric_labels, got.metric_label_from, meant.metric_label_from)
    return [replace(f, message=f"on Keras {version} {f.message}: {REASONS[f.code]}") for f in found]


def _silent_loss_code(version: Version, scenario: Scenario) -> str:
    loss, labels, outputs = scenario.loss, scenario.y, scenario.outputs
    if labels is not None and labels.kind == "single" and outputs.count > 1:
        return "KLO403"  # the outputs without a label lose their loss
    if _keys_differ(version, outputs):
        return "KLO107"
    if labels is not None and labels.kind == "dict" and set(labels.keys) != set(outputs.labels()):
        return "KLO109"  # an output without its label loses its loss
    if loss is not None and loss.kind == "dict":
        if len(set(outputs.names)) < len(outputs.names):
            return "KLO108"
        return "KLO201" if loss.none_at == frozenset() else "KLO104"
    if loss is not None and loss.kind in ("list", "tuple"):
        if outputs.kind == "dict":
            return "KLO206"
        return "KLO205" if loss.none_at else "KLO105"
    return "KLO109" if labels is not None and labels.kind == "dict" else "KLO201"


def _silent_weights_code(scenario: Scenario) -> str:
    weights, outputs = scenario.loss_weights, scenario.outputs
    if weights is not None and weights.kind == "dict":
        valid = set(outputs.labels()) | set(outputs.names)
        if any(key not in valid for key in weights.keys):
            return "KLO102"
    if weights is not None and weights.kind != "dict" and outputs.kind == "dict":
        return "KLO206"
    if weights is not None and weights.kind != "dict" and weights.length != outputs.count:
        return "KLO105"
    return "KLO202"


def _silent_labels_code(scenario: Scenario) -> str:
    labels, outputs = scenario.y, scenario.outputs
    if labels is None or labels.kind == "single":
        return "KLO403"
    if labels.kind != "dict":
        return "KLO206" if outputs.kind == "dict" else "KLO105"
    if set(labels.keys) != set(outputs.labels()):
        return "KLO109"
    return "KLO203"


def _silent_metrics_code(version: Version, scenario: Scenario) -> str:
    metrics, outputs = scenario.metrics, scenario.outputs
    if metrics is not None and metrics.kind == "dict":
        if any(key not in set(outputs.labels()) | set(outputs.names) for key in metrics.keys):
            return "KLO103"  # e.g. 3.14+ give a single output every metric, whatever its key
    if metrics is not None and metrics.kind != "dict":
        if outputs.kind == "dict":
            return "KLO206"
        return "KLO401"
    if outputs.kind == "dict" and outputs.keys != outputs.names:
        return "KLO107"
    return "KLO204"


def _pairings(
    labels: Sequence[str], actual: Sequence, wanted: Sequence, differs: Sequence[bool], what: str
) -> str:
    """`'b' gets the loss for 'a', 'a' gets no loss`."""
    parts = []
    for label, got, want, moved in zip(labels, actual, wanted, differs):
        if not moved:
            continue
        meant = f" (meant: {_entry(want)})" if _has_entry(want) else ""
        if not _has_entry(got):
            parts.append(f"{label!r} gets no {what}{meant}")
        else:
            parts.append(f"{label!r} gets the {what} for {_entry(got)}{meant}")
    return ", ".join(parts)


def _has_entry(value: object) -> bool:
    return bool(value) if isinstance(value, tuple) else value is not None


def _entry(value: object) -> str:
    if isinstance(value, tuple):
        return " + ".join(_entry(v) for v in value)
    if value == BROADCAST:
        return "the single value"
    text = str(value)
    return f"entry {text}" if text.isdigit() else repr(text)
