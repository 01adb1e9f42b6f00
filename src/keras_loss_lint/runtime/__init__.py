"""Check a live, compiled Keras model's wiring against what the installed release does.

The only part of the package that imports Keras, and only inside functions: importing this package
imports none. `WiringCheck` is built on first access because it derives from Keras's `Callback`.
"""

from __future__ import annotations

from typing import Any

from keras_loss_lint.runtime.checking import WiringError, check, compile_token, compiled_models
from keras_loss_lint.runtime.explanation import Explanation, Row, explain
from keras_loss_lint.runtime.findings import Finding
from keras_loss_lint.runtime.reading import NotAKerasModel, NotCompiled

__all__ = [
    "Explanation",
    "Finding",
    "NotAKerasModel",
    "NotCompiled",
    "Row",
    "WiringCheck",
    "WiringError",
    "check",
    "compile_token",
    "compiled_models",
    "explain",
]


def __getattr__(name: str) -> Any:
    if name == "WiringCheck":
        from keras_loss_lint.runtime.callback import wiring_check_class

        return wiring_check_class()
    raise AttributeError(name)
