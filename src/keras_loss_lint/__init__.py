"""keras-loss-lint: static analysis for Keras multi-output loss, metric and label wiring."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "has_candidate", "lint_source"]


def __getattr__(name: str) -> Any:
    # The core imports LibCST, which is slow to import: load it only when it is asked for.
    if name == "lint_source":
        from keras_loss_lint.core import lint_source

        return lint_source
    if name == "has_candidate":
        from keras_loss_lint.precheck import has_candidate

        return has_candidate
    raise AttributeError(name)
