"""Version-aware model of how Keras matches loss, loss_weights, metrics and labels to outputs, and
`x` entries to inputs."""

from keras_loss_lint.keras.intent import intended
from keras_loss_lint.keras.behaviour import predict
from keras_loss_lint.keras.inputs import intended_inputs, predict_inputs
from keras_loss_lint.keras.scenario import (
    BROADCAST,
    ArgSpec,
    InputOutcome,
    InputScenario,
    InputsSpec,
    Outcome,
    OutputsSpec,
    Scenario,
)

__all__ = [
    "BROADCAST", "ArgSpec", "InputOutcome", "InputScenario", "InputsSpec", "Outcome", "OutputsSpec", "Scenario",
    "intended", "intended_inputs", "predict", "predict_inputs",
]
