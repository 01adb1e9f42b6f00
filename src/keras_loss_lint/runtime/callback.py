"""`WiringCheck`: the runtime check as a Keras callback, run once when training begins.

The class must derive from the `Callback` of the Keras that runs the model, so it is built on first
use from the package already imported (`keras`, else `tf_keras`); importing this module imports no
Keras. Callbacks never see the data `fit()` was given, so labels are checked only when passed as `y=`.
"""

from __future__ import annotations

import importlib
import sys
import warnings
from functools import lru_cache
from typing import Any

from keras_loss_lint.runtime.checking import WiringError
from keras_loss_lint.runtime.explanation import explain


class WiringWarning(UserWarning):
    """A wiring finding reported by `WiringCheck(raise_on_finding=False)`."""


@lru_cache(maxsize=None)
def wiring_check_class(package: str | None = None) -> type:
    """`WiringCheck` deriving from `<package>.callbacks.Callback` (default: the imported Keras)."""
    keras = importlib.import_module(package or _imported_keras())
    base: type = keras.callbacks.Callback

    class WiringCheck(base):
        """Check the model's loss/metric/label wiring at `on_train_begin`: warn (default) or raise.

        `x`/`y`: the data `fit()` gets, when its structure should be checked too (optional).
        """

        def __init__(self, raise_on_finding: bool = False, x: Any = None, y: Any = None) -> None:
            super().__init__()
            self.raise_on_finding = raise_on_finding
            self.x, self.y = x, y
            self.explanation: Any = None

        def on_train_begin(self, logs: Any = None) -> None:
            self.explanation = explain(self.model, self.x, self.y)
            if not self.explanation.findings:
                return
            if self.raise_on_finding:
                raise WiringError(self.explanation)
            warnings.warn(str(self.explanation), WiringWarning, stacklevel=2)

    WiringCheck.__module__ = __name__
    return WiringCheck


def _imported_keras() -> str:
    for name in ("keras", "tf_keras"):
        if name in sys.modules:
            return name
    return "keras"
