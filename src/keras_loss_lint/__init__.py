"""keras-loss-lint: static analysis for Keras multi-output loss, metric and label wiring."""

from __future__ import annotations

__version__ = "0.1.0"

from keras_loss_lint.core import has_candidate, lint_source

__all__ = ["__version__", "has_candidate", "lint_source"]
