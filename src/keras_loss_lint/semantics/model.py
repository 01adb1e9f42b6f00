"""What each Keras release does with a scenario: the one place that encodes KERAS_SEMANTICS.md.

`predict(version, scenario)` answers, per output in written order, which `loss`, `loss_weights`, `y`
and `metrics` entry reaches it, or which exception Keras raises. Rules compare this with what the code
says; the conformance suite compares it with real Keras releases.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from packaging.version import Version

from keras_loss_lint.semantics.scenario import BROADCAST, ArgSpec, Outcome, OutputsSpec, Scenario
from keras_loss_lint.versions import LossEra, MetricsEra, loss_era, metrics_era

Assignment = tuple[Optional[str], ...]


class KerasRaises(Exception):
    """Keras refuses the scenario: `kind` is the exception class, `stage` when it is raised."""

    def __init__(self, kind: str, stage: str = "fit") -> None:
        super().__init__(kind)
        self.kind = kind
        self.stage = stage


@dataclass(frozen=True)
class _Layout:
    """Outputs in Keras's flattened order, and where each flattened output sits in written order."""

    names: tuple[str, ...]  # layer names, flattened order
    keys: tuple[str, ...]  # dict keys (dict outputs) or layer names, flattened order
    written_index: tuple[int, ...]

    @classmethod
    def of(cls, outputs: OutputsSpec) -> "_Layout":
        if outputs.kind == "dict" and outputs.keys is not None:
            order = sorted(range(outputs.count), key=lambda i: outputs.keys[i])  # type: ignore[index]
            return cls(
                tuple(outputs.names[i] for i in order), tuple(outputs.keys[i] for i in order), tuple(order)
            )
        order = tuple(range(outputs.count))
        return cls(outputs.names, outputs.names, order)

    def to_written(self, flat: Sequence[Optional[str]]) -> Assignment:
        written: list[Optional[str]] = [None] * len(flat)
        for flat_index, written_index in enumerate(self.written_index):
            written[written_index] = flat[flat_index]
        return tuple(written)


def predict(version: Version, scenario: Scenario) -> Outcome:
    try:
        _check_compile_time(version, scenario)
        layout = _Layout.of(scenario.outputs)
        losses = _loss_assignment(version, scenario, layout)
        weights = _weight_assignment(version, scenario, layout)
        labels = _label_assignment(version, scenario, layout)
        losses = _drop_unlabelled(version, scenario, losses, labels)
        metrics = _metrics_assignment(version, scenario, layout)
    except KerasRaises as refused:
        return Outcome(raises=refused.kind, stage=refused.stage)  # type: ignore[arg-type]
    return Outcome(
        layout.to_written(losses),
        layout.to_written(weights),
        layout.to_written(labels),
        _metrics_to_written(layout, metrics),
    )


def _check_compile_time(version: Version, scenario: Scenario) -> None:
    if version.major < 3:
        return
    for metrics in (scenario.metrics,):
        if metrics is not None and metrics.kind == "single":
            raise KerasRaises("ValueError", "compile")


# ------------------------------------------------------------------------------------------ losses


def _loss_assignment(version: Version, scenario: Scenario, layout: _Layout) -> Assignment:
    loss, outputs = scenario.loss, scenario.outputs
    count = outputs.count
    if loss is None:
        return (None,) * count
    if outputs.model_kind != "functional" and outputs.kind != "dict":
        return _unnamed_model_loss(version, loss, count)
    if loss.kind == "single":
        if _a_drops_everything(version, outputs):
            return (None,) * count
        return (BROADCAST,) * count
    if loss.kind == "dict":
        return _dict_loss(version, scenario, layout)
    return _list_loss(version, loss, outputs, count)


def _unnamed_model_loss(version: Version, loss: ArgSpec, count: int) -> Assignment:
    """Sequential and subclassed models without dict outputs have no output names at all."""
    if loss.kind == "dict":
        era = loss_era(version)
        if era is LossEra.K2:
            return tuple(loss.keys[i] if i < len(loss.keys) else None for i in range(count))
        raise KerasRaises("ValueError" if era is LossEra.B else "TypeError")
    if loss.kind == "single":
        return (BROADCAST,) * count
    return _positional(loss, count)


def _a_drops_everything(version: Version, outputs: OutputsSpec) -> bool:
    """3.0-3.4 match dict outputs by layer name: when keys differ from names, no output is found."""
    return (
        loss_era(version) is LossEra.A
        and outputs.kind == "dict"
        and outputs.model_kind == "functional"
        and outputs.keys is not None
        and any(key != name for key, name in zip(outputs.keys, outputs.names))
    )


def _dict_loss(version: Version, scenario: Scenario, layout: _Layout) -> Assignment:
    loss = scenario.loss
    assert loss is not None
    era = loss_era(version)
    if scenario.outputs.kind == "dict":
        return _dict_loss_dict_outputs(era, loss, layout, scenario.outputs)
    names = layout.names
    unknown = [key for key in loss.keys if key not in names]
    if era is LossEra.K2:
        if unknown:
            raise KerasRaises("ValueError")
        return _by_name(loss, names)
    if era is LossEra.A:
        if unknown:
            raise KerasRaises("ValueError")
        return _by_name(loss, names)
    if era is LossEra.B:
        return _dict_loss_era_b(loss, names, unknown)
    if set(loss.keys) != set(names):
        raise KerasRaises("ValueError")
    return _by_name(loss, names)


def _dict_loss_era_b(loss: ArgSpec, names: tuple[str, ...], unknown: list[str]) -> Assignment:
    """3.5-3.6 flatten the dict in sorted key order and zip it with the outputs in list order."""
    if unknown:
        raise KerasRaises("KeyError")
    if len(loss.keys) != len(names):
        raise KerasRaises("ValueError")
    if loss.none_at:
        # Measured on 3.5.0 and 3.6.0: with any None value no loss function is called at all.
        return (None,) * len(names)
    return tuple(sorted(loss.keys))


def _dict_loss_dict_outputs(era: LossEra, loss: ArgSpec, layout: _Layout, outputs: OutputsSpec) -> Assignment:
    if era is LossEra.A and outputs.model_kind == "functional":
        unknown = [key for key in loss.keys if key not in layout.names]
        if unknown:
            raise KerasRaises("ValueError")
        if _a_drops_everything(Version("3.4.1"), outputs):
            return (None,) * len(layout.names)
        return _by_name(loss, layout.names)
    unknown = [key for key in loss.keys if key not in layout.keys]
    if unknown:
        raise KerasRaises("KeyError" if era in (LossEra.B, LossEra.C) else "ValueError")
    if era is LossEra.B and len(loss.keys) != len(layout.keys):
        raise KerasRaises("KeyError" if outputs.model_kind == "functional" else "ValueError")
    return _by_name(loss, layout.keys)


def _by_name(loss: ArgSpec, names: Sequence[str]) -> Assignment:
    return tuple(name if name in loss.keys and name not in loss.none_at else None for name in names)


def _list_loss(version: Version, loss: ArgSpec, outputs: OutputsSpec, count: int) -> Assignment:
    era = loss_era(version)
    length = loss.length
    if outputs.kind == "dict" and _a_drops_everything(version, outputs):
        raise KerasRaises("ValueError")
    if era is LossEra.C:
        if length > count:
            raise KerasRaises("KeyError")
        return _positional(loss, count)
    if count == 1 and length != 1:
        raise KerasRaises("ValueError")
    if length != count and era is not LossEra.K2:
        raise KerasRaises("ValueError")
    if era is LossEra.A:
        kept = [str(i) for i in range(length) if str(i) not in loss.none_at]
        return tuple(kept[i] if i < len(kept) else None for i in range(count))
    if era is LossEra.B and loss.none_at:
        return (None,) * count
    return _positional(loss, count)


def _positional(argument: ArgSpec, count: int) -> Assignment:
    labels = argument.labels()
    return tuple(
        labels[i] if i < len(labels) and labels[i] not in argument.none_at else None for i in range(count)
    )


# ----------------------------------------------------------------------------------- loss weights


def _weight_assignment(version: Version, scenario: Scenario, layout: _Layout) -> Assignment:
    weights, loss = scenario.loss_weights, scenario.loss
    count = scenario.outputs.count
    if weights is None or loss is None:
        return (None,) * count
    era = loss_era(version)
    if era is LossEra.K2:
        return _weights_by_output(weights, layout.names, count)
    if era is LossEra.A:
        return _weights_era_a(loss, weights, layout, count)
    if era is LossEra.B:
        return _weights_era_b(loss, weights, count)
    return _weights_era_c(loss, weights, layout, scenario.outputs, count)


def _weights_by_output(weights: ArgSpec, names: Sequence[str], count: int) -> Assignment:
    if weights.kind == "dict":
        return tuple(name if name in weights.keys else None for name in names)
    return _positional(weights, count)


def _weights_era_a(loss: ArgSpec, weights: ArgSpec, layout: _Layout, count: int) -> Assignment:
    if (loss.kind == "dict") != (weights.kind == "dict"):
        raise KerasRaises("ValueError")
    if weights.kind == "dict":
        if any(key not in layout.names for key in weights.keys):
            raise KerasRaises("ValueError")
        return tuple(name if name in weights.keys else None for name in layout.names)
    if weights.length != count:
        raise KerasRaises("ValueError")
    return _positional(weights, count)


def _weights_era_b(loss: ArgSpec, weights: ArgSpec, count: int) -> Assignment:
    """3.5-3.6 flatten both (dicts in sorted key order) and pair them by position."""
    flat_weights = sorted(weights.keys) if weights.kind == "dict" else list(weights.labels())
    loss_count = len(loss.keys) if loss.kind == "dict" else (loss.length if loss.kind != "single" else 1)
    if len(flat_weights) != loss_count:
        raise KerasRaises("ValueError")
    return tuple(flat_weights[i] if i < len(flat_weights) else None for i in range(count))


def _weights_era_c(
    loss: ArgSpec, weights: ArgSpec, layout: _Layout, outputs: OutputsSpec, count: int
) -> Assignment:
    if loss.kind == "dict" and outputs.kind != "dict" and weights.kind == "dict":
        missing = [name for name in layout.names if name not in weights.keys]
        if missing:
            raise KerasRaises("KeyError")
        return tuple(layout.names)
    if loss.kind == "dict" and outputs.kind == "dict" and weights.kind == "dict":
        if len(weights.keys) != len(loss.keys):
            raise KerasRaises("ValueError")
        return tuple(sorted(weights.keys))[:count]
    flat_weights = sorted(weights.keys) if weights.kind == "dict" else list(weights.labels())
    loss_count = len(loss.keys) if loss.kind == "dict" else (loss.length if loss.kind != "single" else 1)
    if len(flat_weights) != loss_count:
        raise KerasRaises("ValueError")
    return tuple(flat_weights[i] if i < len(flat_weights) else None for i in range(count))


# ------------------------------------------------------------------------------------------ labels


def _label_assignment(version: Version, scenario: Scenario, layout: _Layout) -> Assignment:
    labels, outputs = scenario.y, scenario.outputs
    count = outputs.count
    if labels is None:
        return (None,) * count
    era = loss_era(version)
    if labels.kind == "single":
        return _single_label(era, count)
    if labels.kind in ("list", "tuple"):
        return _positional(labels, count)
    if outputs.kind == "dict":
        return tuple(key if key in labels.keys else None for key in layout.keys)
    names = layout.names
    if era is LossEra.B:
        if len(labels.keys) != count:
            raise KerasRaises("ValueError")
        return tuple(sorted(labels.keys))
    if era is LossEra.C and set(labels.keys) != set(names):
        raise KerasRaises("TypeError")
    return tuple(name if name in labels.keys else None for name in names)


def _single_label(era: LossEra, count: int) -> Assignment:
    """One label array for several outputs: Keras 2 broadcast it, 3.0-3.6 score only the first."""
    if count == 1 or era is LossEra.K2:
        return (BROADCAST,) * count
    if era is LossEra.C:
        raise KerasRaises("KeyError")
    return (BROADCAST,) + (None,) * (count - 1)


def _drop_unlabelled(version: Version, scenario: Scenario, losses: Assignment, labels: Assignment) -> Assignment:
    """An output without a label gets no loss (the zip in 3.0-3.6 stops at the shorter list)."""
    if scenario.y is None or scenario.y.kind != "single" or loss_era(version) is LossEra.K2:
        return losses
    return tuple(loss if label is not None else None for loss, label in zip(losses, labels))


# ----------------------------------------------------------------------------------------- metrics


def _metrics_assignment(version: Version, scenario: Scenario, layout: _Layout) -> tuple[tuple[str, ...], ...]:
    metrics, count = scenario.metrics, scenario.outputs.count
    if metrics is None:
        return ((),) * count
    era = metrics_era(version)
    if era is MetricsEra.K2:
        return _metrics_keras2(metrics, layout, count)
    if metrics.kind in ("list", "tuple"):
        if count > 1 and metrics.length != count:
            raise KerasRaises("ValueError")
        if count == 1:
            return (tuple(metrics.labels()),)
        return tuple((label,) for label in metrics.labels())
    names = layout.keys if scenario.outputs.kind == "dict" and era is not MetricsEra.M1 else layout.names
    if any(key not in names for key in metrics.keys):
        raise KerasRaises("ValueError")
    dict_labels = scenario.y is not None and scenario.y.kind == "dict"
    if era is MetricsEra.M3 and dict_labels and scenario.outputs.kind != "dict":
        ordered = sorted(metrics.keys)
        return tuple((ordered[i],) if i < len(ordered) else () for i in range(count))
    return tuple((name,) if name in metrics.keys else () for name in names)


def _metrics_keras2(metrics: ArgSpec, layout: _Layout, count: int) -> tuple[tuple[str, ...], ...]:
    if metrics.kind == "dict":
        return tuple((name,) if name in metrics.keys else () for name in layout.names)
    return (tuple(metrics.labels()),) * count


def _metrics_to_written(layout: _Layout, metrics: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, ...], ...]:
    written: list[tuple[str, ...]] = [()] * len(metrics)
    for flat_index, written_index in enumerate(layout.written_index):
        written[written_index] = metrics[flat_index]
    return tuple(written)
