"""Facts extracted once per module: models, their outputs, and the calls made on them."""

from __future__ import annotations

import libcst as cst

from keras_loss_lint.facts.interpreter import Interpreter
from keras_loss_lint.facts.model import ModuleFacts


def extract_facts(module: cst.Module, source: str | None = None) -> ModuleFacts:
    """`source` is the module's text when the caller has it (saves regenerating it)."""
    return Interpreter(module, source).run()


__all__ = ["ModuleFacts", "extract_facts"]
