"""What the code says: each entry of a dict goes to the output it names (by its dict key, or by
its layer's name), each list entry to the output at its written position. Rules report where a Keras
release does something else."""

from __future__ import annotations

from keras_loss_lint.keras.scenario import BROADCAST, ArgSpec, Outcome, OutputsSpec, Scenario


def intended(scenario: Scenario) -> Outcome:
    outputs = scenario.outputs
    labels = _as_written(scenario.y, outputs)
    return Outcome(
        _as_written(scenario.loss, outputs),
        _as_written(scenario.loss_weights, outputs) if scenario.loss is not None else (),
        labels,
        tuple((label,) if label else () for label in _as_written(scenario.metrics, outputs)),
        labels,
    )


def _as_written(argument: ArgSpec | None, outputs: OutputsSpec) -> tuple[str | None, ...]:
    labels = outputs.labels()
    if argument is None:
        return (None,) * outputs.count
    if argument.kind == "single":
        return (BROADCAST,) * outputs.count
    if argument.kind == "dict":
        # A key that is no output key but an output's layer name names that output too.
        named = tuple(
            label if label in argument.keys else (name if name in argument.keys and name not in labels else None)
            for label, name in zip(labels, outputs.names)
        )
        return tuple(key if key not in argument.none_at else None for key in named)
    positions = argument.labels()
    return tuple(
        positions[i] if i < len(positions) and positions[i] not in argument.none_at else None
        for i in range(outputs.count)
    )
