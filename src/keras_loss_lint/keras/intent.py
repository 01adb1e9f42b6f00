"""What the code says: each entry of a dict goes to the output it names (by its dict key, or by
its layer's name), each list entry to the output at its written position. Rules report where a Keras
release does something else."""

from __future__ import annotations

from keras_loss_lint.keras.scenario import BROADCAST, ArgSpec, Outcome, OutputsSpec, Scenario


def intended(scenario: Scenario) -> Outcome:
    outputs = scenario.outputs
    labels = _as_written(scenario.y, outputs)
    losses = _as_written(scenario.loss, outputs)
    return Outcome(
        losses,
        _as_written(scenario.loss_weights, outputs) if scenario.loss is not None else (),
        labels,
        tuple((label,) if label else () for label in _as_written(scenario.metrics, outputs)),
        labels,
        _sample_weights(scenario, losses),
    )


def _sample_weights(scenario: Scenario, losses: tuple[str | None, ...]) -> tuple[str | None, ...]:
    """The `sample_weight` entry each output's loss is meant to be weighted by: none where the code
    passes no sample weights, or gives the output no loss (a weight there changes nothing)."""
    if scenario.sample_weight is None:
        return ()
    written = _as_written(scenario.sample_weight, scenario.outputs)
    losses = losses if scenario.loss is not None else (None,) * len(written)
    return tuple(weight if loss else None for weight, loss in zip(written, losses))


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
