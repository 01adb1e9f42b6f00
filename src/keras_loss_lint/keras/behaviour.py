"""What each Keras release does with a scenario: the one place that encodes how Keras matches
`loss`, `loss_weights`, `metrics` and labels to outputs.

`predict(version, scenario)` answers, per output in written order, which entry reaches it, or which
exception Keras raises. Rules compare this with what the code says; the conformance suite
(`tests/conformance/`) compares it with real Keras releases, cell by cell (docs/conformance.md).
Statements marked "measured" below were settled by those runs where reading the Keras source was not
enough.

Over 500 lines: losses, loss weights, labels, sample weights and metrics are paired by one layout of
the outputs, era by era, and each reads what the others decided (a weight follows its loss, a
sample weight its labels): kept together so that an era's rules are read in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from packaging.version import Version

from keras_loss_lint.keras.scenario import BROADCAST, UNKNOWN_NAME, ArgSpec, Outcome, OutputsSpec, Scenario
from keras_loss_lint.keras.versions import LossEra, MetricsEra, loss_era, metrics_era

Assignment = tuple[Optional[str], ...]
MetricAssignment = tuple[tuple[str, ...], ...]
V3_8 = Version("3.8.0")
# The first release whose `keras.Model` accepts nested outputs (3.3.3 refuses them, 3.4.0 builds them).
V3_4 = Version("3.4.0")
# 3.0.x reject a `sample_weight` whose structure differs from `y`'s with TypeError, later ones ValueError.
V3_1 = Version("3.1.0")


class KerasRaises(Exception):
    """Keras refuses the scenario: `kind` is the exception class, `stage` when it is raised."""

    def __init__(self, kind: str, stage: str = "fit") -> None:
        super().__init__(kind)
        self.kind = kind
        self.stage = stage


@dataclass(frozen=True)
class _Layout:
    """Outputs in Keras's flattened order, and where each flattened output sits in written order."""

    names: tuple[str, ...]  # layer names (Keras 2: uniquified), flattened order
    keys: tuple[str, ...]  # dict keys (dict outputs) or layer names, flattened order
    written_index: tuple[int, ...]
    is_dict: bool

    @classmethod
    def of(cls, outputs: OutputsSpec, era: LossEra) -> "_Layout":
        names = _uniquified(outputs.names) if era is LossEra.KERAS_2 else outputs.names
        if outputs.kind == "dict" and outputs.keys is not None:
            keys = outputs.keys
            order = tuple(sorted(range(outputs.count), key=lambda i: keys[i]))
            return cls(tuple(names[i] for i in order), tuple(keys[i] for i in order), order, True)
        return cls(names, names, tuple(range(outputs.count)), False)

    @property
    def count(self) -> int:
        return len(self.names)

    def to_written(self, flat: Sequence) -> tuple:
        written: list = [None] * len(flat)
        for flat_index, written_index in enumerate(self.written_index):
            written[written_index] = flat[flat_index]
        return tuple(written)


def _uniquified(names: Sequence[str]) -> tuple[str, ...]:
    """Keras 2 renames a repeated output name `h` to `h_1`, `h_2` ..."""
    seen: dict[str, int] = {}
    result = []
    for name in names:
        count = seen.get(name, 0)
        result.append(name if count == 0 else f"{name}_{count}")
        seen[name] = count + 1
    return tuple(result)


def predict(version: Version, scenario: Scenario) -> Outcome:
    era = loss_era(version)
    layout = _Layout.of(scenario.outputs, era)
    try:
        if scenario.outputs.kind == "nested":
            return _nested(version, scenario)
        _check_compile_time(version, scenario)
        losses = _losses(version, scenario, layout)
        weights, losses = _weights(version, scenario, layout, losses)
        labels, losses = _labels(version, scenario, layout, losses)
        metrics = _metrics(version, scenario, layout)
        metric_labels = _metric_labels(version, scenario, layout, metrics)
        sample_weights = _sample_weights(version, scenario, layout, losses)
    except KerasRaises as refused:
        return Outcome(raises=refused.kind, stage=refused.stage)  # type: ignore[arg-type]
    return Outcome(
        layout.to_written(losses),
        layout.to_written(weights),
        layout.to_written(labels),
        layout.to_written(metrics),
        layout.to_written(metric_labels),
        layout.to_written(sample_weights) if scenario.sample_weight is not None else (),
    )


def unknowable(version: Version, scenario: Scenario) -> bool:
    """Keras 2 names a Sequential's output after its last layer (measured on 2.15): a dict argument is
    matched by that name, which the scenario may not know. Nested outputs: see `_unknowable_nested`."""
    outputs = scenario.outputs
    if _unknowable_nested(version, scenario):
        return True
    if loss_era(version) is not LossEra.KERAS_2 or outputs.model_kind != "sequential":
        return False
    if UNKNOWN_NAME not in outputs.names:
        return False
    arguments = (scenario.loss, scenario.loss_weights, scenario.metrics, scenario.y, scenario.sample_weight)
    return any(argument is not None and argument.kind == "dict" for argument in arguments)


def _unknowable_nested(version: Version, scenario: Scenario) -> bool:
    """Nested outputs are modelled for one `loss` (broadcast, a full list, or a flat dict keyed by
    every layer name) and nothing else; Keras 2 with an outer dict pairs a flat dict in a way not
    yet measured enough to state."""
    outputs, loss = scenario.outputs, scenario.loss
    if outputs.kind != "nested":
        return False
    if version >= V3_4 or version.major < 3:
        others = (scenario.loss_weights, scenario.metrics, scenario.y, scenario.sample_weight)
        if any(argument is not None for argument in others) or loss is None:
            return True
        if loss.kind == "dict" and (set(loss.keys) != set(outputs.names) or len(loss.keys) != outputs.count):
            return True
        if loss.kind in ("list", "tuple") and loss.length != outputs.count:
            return True
        if loss.none_at or len(set(outputs.names)) != outputs.count:
            return True
    return version.major < 3 and outputs.outer_kind == "dict" and loss is not None and loss.kind == "dict"


def _check_compile_time(version: Version, scenario: Scenario) -> None:
    if version.major >= 3 and scenario.metrics is not None and scenario.metrics.kind == "single":
        raise KerasRaises("ValueError", "compile")


def _by_name(argument: ArgSpec, names: Sequence[str]) -> Assignment:
    return tuple(name if name in argument.keys and name not in argument.none_at else None for name in names)


def _positional(argument: ArgSpec, count: int) -> Assignment:
    labels = argument.labels()
    return tuple(
        labels[i] if i < len(labels) and labels[i] not in argument.none_at else None for i in range(count)
    )


def _flat_labels(argument: ArgSpec) -> list[Optional[str]]:
    """`tree.flatten` of the argument: dict values in sorted key order, None kept in place."""
    labels = sorted(argument.keys) if argument.kind == "dict" else list(argument.labels())
    return [None if label in argument.none_at else label for label in labels]


# ------------------------------------------------------------------------------------------ losses


def _losses(version: Version, scenario: Scenario, layout: _Layout) -> Assignment:
    loss, outputs = scenario.loss, scenario.outputs
    if loss is None:
        return (None,) * layout.count
    if outputs.model_kind != "functional" and outputs.kind != "dict":
        return _unnamed_model_loss(version, loss, outputs, layout.count)
    if loss.kind == "single":
        return (None,) * layout.count if _a_finds_no_output(version, outputs) else (BROADCAST,) * layout.count
    if loss.kind == "dict":
        if layout.is_dict:
            return _dict_loss_dict_outputs(version, loss, layout, outputs)
        return _dict_loss_list_outputs(version, scenario, layout)
    return _list_loss(version, loss, outputs, layout.count)


def _unnamed_model_loss(version: Version, loss: ArgSpec, outputs: OutputsSpec, count: int) -> Assignment:
    """Sequential and subclassed models without dict outputs have no output names at all."""
    if loss.kind == "dict":
        era = loss_era(version)
        if era is LossEra.KERAS_2:
            # Subclassed models want the pseudo names output_1, ...; a Sequential its last layer's name.
            if outputs.model_kind == "subclassed" or any(key not in outputs.names for key in loss.keys):
                raise KerasRaises("ValueError")  # "Found unexpected losses or metrics ..."
            return _by_name(loss, outputs.names)
        raise KerasRaises("ValueError" if era is LossEra.FLATTENED else "TypeError")
    if loss.kind == "single":
        return (BROADCAST,) * count
    return _positional(loss, count)


def _a_finds_no_output(version: Version, outputs: OutputsSpec) -> bool:
    """3.0-3.4 match dict outputs by layer name: when keys differ from names, no output is found."""
    return (
        loss_era(version) is LossEra.BY_NAME
        and outputs.kind == "dict"
        and outputs.model_kind == "functional"
        and outputs.keys is not None
        and any(key != name for key, name in zip(outputs.keys, outputs.names))
    )


def _dict_loss_list_outputs(version: Version, scenario: Scenario, layout: _Layout) -> Assignment:
    loss = scenario.loss
    assert loss is not None
    era, names = loss_era(version), layout.names
    unknown = [key for key in loss.keys if key not in names]
    if era in (LossEra.KERAS_2, LossEra.BY_NAME):
        if unknown:
            raise KerasRaises("ValueError")
        return _by_name(loss, names)
    if era is LossEra.FLATTENED:
        if unknown:
            raise KerasRaises("KeyError")
        if len(loss.keys) != len(names):
            raise KerasRaises("ValueError")
        return _first_positions(_flat_labels(loss), len(names))
    if set(loss.keys) != set(names):
        raise KerasRaises("ValueError")
    return _by_name(loss, names)


def _first_positions(flat: list[Optional[str]], count: int) -> Assignment:
    """3.5-3.6 drop the None entries of the flattened losses, then use only the first n - k positions
    (k = number of None): `[x, None]` trains output 0, `[None, y, z]` trains only output 1 (measured)."""
    used = count - sum(1 for label in flat if label is None)
    return tuple(flat[i] if i < used and i < len(flat) else None for i in range(count))


def _dict_loss_dict_outputs(version: Version, loss: ArgSpec, layout: _Layout, outputs: OutputsSpec) -> Assignment:
    era = loss_era(version)
    if era is LossEra.KERAS_2:
        # Keras 2 accepts the dict key or the layer name of an output, and ignores other keys.
        return tuple(
            key if key in loss.keys else (name if name in loss.keys else None)
            for key, name in zip(layout.keys, layout.names)
        )
    if era is LossEra.BY_NAME and outputs.model_kind == "functional":
        if any(key not in layout.names for key in loss.keys):
            raise KerasRaises("ValueError")
        if _a_finds_no_output(version, outputs):
            return (None,) * layout.count
        return _by_name(loss, layout.names)
    if any(key not in layout.keys for key in loss.keys):
        raise KerasRaises("KeyError")
    if version == Version("3.5.0") and len(loss.keys) != layout.count:
        raise KerasRaises("KeyError")  # keras-team/keras#20161, fixed in 3.6.0
    return _by_name(loss, layout.keys)


def _list_loss(version: Version, loss: ArgSpec, outputs: OutputsSpec, count: int) -> Assignment:
    era = loss_era(version)
    if outputs.kind == "dict" and _a_finds_no_output(version, outputs):
        raise KerasRaises("ValueError")
    if era is LossEra.STRUCTURED:
        if loss.length > count:
            raise KerasRaises("KeyError")
        return _positional(loss, count)
    if era is LossEra.KERAS_2:
        return _positional(loss, count)
    if loss.length != count:
        raise KerasRaises("ValueError")
    if era is LossEra.BY_NAME:
        kept = [str(i) for i in range(loss.length) if str(i) not in loss.none_at]
        return tuple(kept[i] if i < len(kept) else None for i in range(count))
    return _first_positions(_flat_labels(loss), count)


# ---------------------------------------------------------------------------------- nested outputs


def _nested(version: Version, scenario: Scenario) -> Outcome:
    """Nested outputs (`{"heads": [b, a], "aux": c}`, `[[b, a], c]`) with one loss argument, per
    output in flattened order (measured on 3.0.5-3.4.1, 3.5.0-3.9.2, 3.14.1, 3.15.1 and 2.15.0)."""
    outputs, loss = scenario.outputs, scenario.loss
    count = outputs.count
    if version.major >= 3 and version < V3_4:
        raise KerasRaises("ValueError", "model")  # "... all values ... must be KerasTensors"
    if loss is None:
        return Outcome((None,) * count, (None,) * count, (None,) * count, ((),) * count, (None,) * count)
    losses = _nested_losses(version, loss, outputs)
    return Outcome(losses, (None,) * count, (None,) * count, ((),) * count, (None,) * count)


def _nested_losses(version: Version, loss: ArgSpec, outputs: OutputsSpec) -> Assignment:
    era, count, names = loss_era(version), outputs.count, outputs.names
    outer_dict = outputs.outer_kind == "dict"
    if era is LossEra.BY_NAME and outer_dict:
        # `output_names` are layer names, the predictions a dict keyed otherwise: nothing is matched.
        if loss.kind in ("list", "tuple"):
            raise KerasRaises("ValueError")  # "... as many entries as the model has outputs" (0)
        return (None,) * count
    if loss.kind == "single":
        return (BROADCAST,) * count
    if loss.kind in ("list", "tuple"):
        return _positional(loss, count)
    if era is LossEra.BY_NAME:
        # `build` zips the names with the labels' top level: outputs past its length get no loss.
        reached = outputs.top_level_count
        return tuple(name if i < reached else None for i, name in enumerate(names))
    if era is LossEra.KERAS_2:
        return tuple(_flat_labels(loss))  # a nested structure is not re-keyed by name: sorted values
    if outer_dict:
        raise KerasRaises("KeyError")  # the flat keys are not the outer dict's keys
    if era is LossEra.FLATTENED:
        return _first_positions(_flat_labels(loss), count)
    return names


# ------------------------------------------------------------------------------------ loss weights


def _weights(
    version: Version, scenario: Scenario, layout: _Layout, losses: Assignment
) -> tuple[Assignment, Assignment]:
    weights, loss = scenario.loss_weights, scenario.loss
    count = layout.count
    if weights is None or loss is None:
        return (None,) * count, losses
    era = loss_era(version)
    if era is LossEra.KERAS_2:
        return _weights_keras2(weights, layout, losses)
    if era is LossEra.BY_NAME:
        return _weights_by_name(loss, weights, layout), losses
    if era is LossEra.FLATTENED:
        # A single loss counts once per output here: it is broadcast before the weights are paired.
        return _paired_in_flat_order(weights, _loss_count(loss, count), count), losses
    return _weights_structured(loss, weights, layout), losses


def _weights_keras2(weights: ArgSpec, layout: _Layout, losses: Assignment) -> tuple[Assignment, Assignment]:
    if weights.kind == "dict":
        if layout.is_dict:  # like the losses: by key or layer name, other keys ignored
            matched = tuple(
                key if key in weights.keys else (name if name in weights.keys else None)
                for key, name in zip(layout.keys, layout.names)
            )
            return matched, losses
        if any(key not in layout.names for key in weights.keys):
            raise KerasRaises("ValueError")
        return tuple(name if name in weights.keys else None for name in layout.names), losses
    # A shorter list of weights ends the zip over losses too (measured on 2.15).
    assigned = _positional(weights, layout.count)
    kept = tuple(loss if i < weights.length else None for i, loss in enumerate(losses))
    return assigned, kept


def _weights_by_name(loss: ArgSpec, weights: ArgSpec, layout: _Layout) -> Assignment:
    if (loss.kind == "dict") != (weights.kind == "dict"):
        raise KerasRaises("ValueError")
    if weights.kind == "dict":
        if any(key not in layout.names for key in weights.keys):
            raise KerasRaises("ValueError")
        return tuple(name if name in weights.keys else None for name in layout.names)
    if weights.length != layout.count:
        raise KerasRaises("ValueError")
    return _positional(weights, layout.count)


def _loss_count(loss: ArgSpec, count: int) -> int:
    if loss.kind == "dict":
        return len(loss.keys)
    return loss.length if loss.kind in ("list", "tuple") else count


def _paired_in_flat_order(weights: ArgSpec, loss_count: int, count: int) -> Assignment:
    """3.5-3.6 (and 3.7+ when the forms differ) flatten the weights, dicts in sorted key order, and
    pair them by position with the losses."""
    flat = _flat_labels(weights)
    if len(flat) != loss_count:
        raise KerasRaises("ValueError")
    return tuple(flat[i] if i < len(flat) else None for i in range(count))


def _weights_structured(loss: ArgSpec, weights: ArgSpec, layout: _Layout) -> Assignment:
    if loss.kind == "dict" and not layout.is_dict:
        if weights.kind == "dict":
            if any(name not in weights.keys for name in layout.names):
                raise KerasRaises("KeyError")
            return tuple(layout.names)
        if weights.length != layout.count:
            raise KerasRaises("ValueError")
        return _positional(weights, layout.count)
    # A single loss counts once: "`loss_weights` must match the number of losses, got 1 losses ...".
    loss_count = 1 if loss.kind == "single" else _loss_count(loss, layout.count)
    return _paired_in_flat_order(weights, loss_count, layout.count)


# ------------------------------------------------------------------------------------------ labels


def _labels(
    version: Version, scenario: Scenario, layout: _Layout, losses: Assignment
) -> tuple[Assignment, Assignment]:
    """Which `y` entry each output is scored against, and the losses once unlabelled outputs drop."""
    labels = scenario.y
    count = layout.count
    if labels is None:
        return (None,) * count, losses
    if labels.kind == "single":
        assigned = _single_label(version, scenario, count)
    elif labels.kind in ("list", "tuple"):
        if layout.is_dict and loss_era(version) is LossEra.KERAS_2:
            raise KerasRaises("TypeError")
        assigned = _positional(labels, count)
    else:
        assigned = _dict_labels(version, scenario, layout)
    return assigned, tuple(loss if label is not None else None for loss, label in zip(losses, assigned))


def _single_label(version: Version, scenario: Scenario, count: int) -> Assignment:
    """One label array for several outputs: Keras 2 broadcast it; 3.x pair it with the first
    output (3.7+ with the only output that has a loss, else they raise)."""
    era = loss_era(version)
    if count == 1 or era is LossEra.KERAS_2:
        return (BROADCAST,) * count
    loss = scenario.loss
    if era is LossEra.STRUCTURED:
        if loss is None or loss.kind not in ("list", "tuple"):
            raise KerasRaises("KeyError")  # "The path: (0,) in the `loss` argument, can't be found"
        trained = [i for i in range(min(count, loss.length)) if str(i) not in loss.none_at]
        if len(trained) != 1:
            raise KerasRaises("ValueError")  # "y_true and y_pred have different structures"
        return tuple(BROADCAST if i == trained[0] else None for i in range(count))
    return (BROADCAST,) + (None,) * (count - 1)


def _dict_labels(version: Version, scenario: Scenario, layout: _Layout) -> Assignment:
    labels, loss = scenario.y, scenario.loss
    assert labels is not None
    era = loss_era(version)
    names = layout.keys if layout.is_dict else layout.names
    if era is LossEra.KERAS_2:
        if any(key not in names and key not in layout.names for key in labels.keys):
            raise KerasRaises("ValueError")
        return tuple(name if name in labels.keys else None for name in names)
    if era is LossEra.BY_NAME:
        # `[y[n] for n in output_names if n in y]`, then zipped with the outputs (measured).
        present = [name for name in layout.names if name in labels.keys]
        return tuple(present[i] if i < len(present) else None for i in range(layout.count))
    if loss is not None and loss.kind == "dict" and any(key not in labels.keys for key in loss.keys):
        if era is LossEra.FLATTENED or (version < V3_8 and not layout.is_dict):
            raise KerasRaises("KeyError")  # "... can't be found in `y` (`y_true`)"
        if version >= V3_8:
            raise KerasRaises("ValueError")
    if era is LossEra.FLATTENED:
        ordered = sorted(labels.keys)
        return tuple(ordered[i] if i < len(ordered) else None for i in range(layout.count))
    if set(labels.keys) == set(names):
        return tuple(names)
    if version < V3_8 and len(labels.keys) == layout.count:
        return tuple(sorted(labels.keys))  # 3.7.0 re-pairs mismatched keys by position
    raise KerasRaises("ValueError")


# ---------------------------------------------------------------------------------- sample weights


def _sample_weights(version: Version, scenario: Scenario, layout: _Layout, losses: Assignment) -> Assignment:
    """Which `sample_weight` entry weights each output's loss (None where no loss is computed).
    Measured on 3.0.5-3.9.2, 3.14.1, 3.15.1 and 2.15.0 with `evaluate` and `fit` alike."""
    weights = scenario.sample_weight
    count = layout.count
    if weights is None:
        return (None,) * count
    era = loss_era(version)
    labels_kind = _labels_kind(scenario, layout)
    if era is not LossEra.KERAS_2 and _containers_differ(weights.kind, labels_kind):
        # The data adapter: "You should provide one `sample_weight` array per output in `y`".
        raise KerasRaises("TypeError" if version < V3_1 else "ValueError")
    if era is LossEra.STRUCTURED and labels_kind == "dict" and not layout.is_dict:
        # The dict `y` is re-keyed into a list for list outputs, the `sample_weight` is not: `KeyError: 0`.
        raise KerasRaises("KeyError")
    assigned = _sample_weight_entries(era, weights, layout)
    return tuple(entry if loss is not None else None for entry, loss in zip(assigned, losses))


def _labels_kind(scenario: Scenario, layout: _Layout) -> str:
    """The form of `y`: as given, or (not varied) one array per output in the outputs' own form."""
    if scenario.y is not None:
        return scenario.y.kind
    if layout.is_dict:
        return "dict"
    return "single" if layout.count == 1 else "list"


def _containers_differ(first: str, second: str) -> bool:
    containers = ("dict", "list", "tuple")
    return first in containers and second in containers and (first == "dict") != (second == "dict")


def _sample_weight_entries(era: LossEra, weights: ArgSpec, layout: _Layout) -> Assignment:
    count = layout.count
    if weights.kind == "single":
        return (BROADCAST,) * count
    if weights.kind in ("list", "tuple"):
        return _positional(weights, count)
    if era is LossEra.FLATTENED:
        flat = _flat_labels(weights)
        return tuple(flat[i] if i < len(flat) else None for i in range(count))
    names = layout.keys if layout.is_dict and era is not LossEra.BY_NAME else layout.names
    if era is LossEra.BY_NAME:
        # `_flatten_y`: the entries named by `output_names`, the first repeated when there are fewer.
        present = [name for name in names if name in weights.keys]
        if present and len(present) < count:
            return (present[0],) * count
        return tuple(present[i] if i < len(present) else None for i in range(count))
    return tuple(name if name in weights.keys else None for name in names)


# ----------------------------------------------------------------------------------------- metrics


def _metrics(version: Version, scenario: Scenario, layout: _Layout) -> MetricAssignment:
    metrics, outputs = scenario.metrics, scenario.outputs
    count = layout.count
    if metrics is None:
        return ((),) * count
    era = metrics_era(version)
    if era is MetricsEra.KERAS_2:
        return _metrics_keras2(metrics, layout)
    if metrics.kind in ("list", "tuple"):
        if count > 1 and metrics.length != count:
            raise KerasRaises("ValueError")
        if count == 1:
            return (tuple(metrics.labels()),)
        return tuple((label,) for label in metrics.labels())
    if outputs.model_kind != "functional" and outputs.kind != "dict":
        if era in (MetricsEra.BY_LAYER_NAME, MetricsEra.BY_OUTPUT_KEY):
            raise KerasRaises("TypeError")
        return (tuple(metrics.keys),) * count
    if count == 1 and era in (MetricsEra.NESTED_SORTED_LABELS, MetricsEra.NESTED):
        return (tuple(metrics.keys),)  # 3.14+ ignore the keys for a single output
    names = layout.keys if layout.is_dict and era is not MetricsEra.BY_LAYER_NAME else layout.names
    if any(key not in names for key in metrics.keys):
        raise KerasRaises("ValueError")
    return tuple((name,) if name in metrics.keys else () for name in names)


def _metrics_keras2(metrics: ArgSpec, layout: _Layout) -> MetricAssignment:
    if metrics.kind != "dict":
        return (tuple(metrics.labels()),) * layout.count
    known = set(layout.names) | set(layout.keys)
    if any(key not in known for key in metrics.keys):
        raise KerasRaises("ValueError")
    return tuple(
        (key,) if key in metrics.keys else ((name,) if name in metrics.keys else ())
        for key, name in zip(layout.keys, layout.names)
    )


def _metric_labels(
    version: Version, scenario: Scenario, layout: _Layout, metrics: MetricAssignment
) -> Assignment:
    """The `y` entry each output's metrics see. Metrics match dict labels by name in every release but
    3.14.0, which flattens them in sorted key order against list outputs (keras-team/keras#22625)."""
    labels = scenario.y
    count = layout.count
    if labels is None:
        return (None,) * count
    if labels.kind == "single":
        return (BROADCAST,) * count
    if labels.kind in ("list", "tuple"):
        return _positional(labels, count)
    names = layout.keys if layout.is_dict else layout.names
    if metrics_era(version) is MetricsEra.NESTED_SORTED_LABELS and not layout.is_dict:
        ordered = sorted(labels.keys)
        return tuple(ordered[i] if i < len(ordered) else None for i in range(count))
    return tuple(name if name in labels.keys else None for name in names)
