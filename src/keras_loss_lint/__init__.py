"""keras-loss-lint: static analysis for Keras multi-output loss, metric and label wiring."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = [
    "WiringCheck",
    "WiringError",
    "__version__",
    "check",
    "explain",
    "has_candidate",
    "lint_source",
    "load_ipython_extension",
    "unload_ipython_extension",
]
# Checks of a live model (keras_loss_lint.runtime): imported on first use, and they import Keras
# only when they run.
RUNTIME_EXPORTS = ("explain", "check", "WiringCheck", "WiringError")


def __getattr__(name: str) -> Any:
    # The core imports LibCST, which is slow to import: load it only when it is asked for.
    if name == "lint_source":
        from keras_loss_lint.core.lint import lint_source

        return lint_source
    if name == "has_candidate":
        from keras_loss_lint.core.precheck import has_candidate

        return has_candidate
    if name in RUNTIME_EXPORTS:
        import keras_loss_lint.runtime as runtime

        return getattr(runtime, name)
    raise AttributeError(name)


def load_ipython_extension(ipython: Any) -> None:
    """`%load_ext keras_loss_lint`: lint each cell before it runs, check compiled models after."""
    from keras_loss_lint.faces.ipython import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    from keras_loss_lint.faces.ipython import unload_ipython_extension as unload

    unload(ipython)
