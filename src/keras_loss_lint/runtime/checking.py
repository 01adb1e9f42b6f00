"""`check(model)`: `explain`, then refuse a model whose wiring the installed release gets wrong."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from keras_loss_lint.runtime.explanation import Explanation, explain
from keras_loss_lint.runtime.reading import NotAKerasModel, is_compiled, keras_package


class WiringError(ValueError):
    """The installed Keras release would train or score some output with another output's loss,
    weight, metrics or labels, or would refuse the arguments. `explanation` holds the details."""

    def __init__(self, explanation: Explanation) -> None:
        self.explanation = explanation
        count = len(explanation.findings)
        super().__init__(f"{count} wiring finding{'s' if count != 1 else ''}:\n{explanation}")


def check(model: Any, x: Any = None, y: Any = None, *, method: str = "fit") -> Explanation:
    """Raise `WiringError` on a finding; otherwise return the explanation (whose notes say what
    could not be read)."""
    explanation = explain(model, x, y, method=method)
    if explanation.findings:
        raise WiringError(explanation)
    return explanation


def compiled_models(namespace: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The compiled Keras models bound to public names in `namespace` (e.g. a notebook's globals).
    Only types are looked at, so this imports no Keras."""
    found = []
    for name, value in list(namespace.items()):
        if name.startswith("_"):
            continue
        try:
            keras_package(value)
        except NotAKerasModel:
            continue
        if is_compiled(value):
            found.append((name, value))
    return found


def compile_token(model: Any) -> Any:
    """An object that changes with each `compile()` of `model` (its stored compile arguments)."""
    for name in ("_compile_config", "_compile_loss", "compiled_loss"):
        value = getattr(model, name, None)
        if value is not None:
            return value
    return None
