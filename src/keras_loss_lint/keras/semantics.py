"""Version-aware model of how Keras matches loss, loss_weights, metrics and labels to outputs."""

from keras_loss_lint.keras.intent import intended
from keras_loss_lint.keras.behaviour import predict
from keras_loss_lint.keras.scenario import BROADCAST, ArgSpec, Outcome, OutputsSpec, Scenario

__all__ = ["BROADCAST", "ArgSpec", "Outcome", "OutputsSpec", "Scenario", "intended", "predict"]
