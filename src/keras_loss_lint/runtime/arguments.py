"""The live values given to `compile()` and `fit()`, read as the structures the semantics model knows.

A dict keeps its keys in the order written, a list or tuple its length and where it holds `None`; any
other value (a string, a loss object, a function, an array) is one entry that Keras broadcasts. The
entries are also described in a few characters each (`mse`, `CategoricalCrossentropy`, `2.0`, an
array's shape) for the table `explain` prints.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from keras_loss_lint.keras.scenario import BROADCAST, ArgSpec

DESCRIPTION_WIDTH = 24


class Unreadable(ValueError):
    """A value whose structure the semantics model has no words for (e.g. non-string dict keys)."""


@dataclass(frozen=True)
class ReadArgument:
    """One argument: its structure for the semantics model and a short text per entry label."""

    spec: ArgSpec
    entries: dict[str, str]

    def describe(self, label: str | None) -> str:
        if label is None:
            return ""
        return self.entries.get(label, label)


def read_argument(value: Any) -> ReadArgument | None:
    """The top-level structure of `value` (a metrics list per output stays one entry); None when the
    argument was not given."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        return _read_mapping(value)
    if isinstance(value, (list, tuple)):
        kind = "tuple" if isinstance(value, tuple) else "list"
        nones = tuple(i for i, item in enumerate(value) if item is None)
        entries = {str(i): f"[{i}] {describe_value(item)}" for i, item in enumerate(value) if item is not None}
        return ReadArgument(ArgSpec.list_of(len(value), nones, kind=kind), entries)  # type: ignore[arg-type]
    return ReadArgument(ArgSpec.single(), {BROADCAST: describe_value(value)})


def _read_mapping(value: Mapping[Any, Any]) -> ReadArgument:
    keys = list(value.keys())
    if not all(isinstance(key, str) for key in keys):
        raise Unreadable(f"dict keys that are not strings: {[k for k in keys if not isinstance(k, str)]!r}")
    nones = tuple(key for key in keys if value[key] is None)
    entries = {key: f"[{key!r}] {describe_value(value[key])}" for key in keys if value[key] is not None}
    return ReadArgument(ArgSpec.dict_of(*keys, none_at=nones), entries)


def describe_value(value: Any) -> str:
    """A few characters naming a loss, metric, weight or array."""
    text = _describe(value)
    return text if len(text) <= DESCRIPTION_WIDTH else text[: DESCRIPTION_WIDTH - 1] + "…"


def _describe(value: Any) -> str:
    if value is None:
        return "None"
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return repr(value)
    if isinstance(value, (int, float)):
        return f"{value:g}"
    shape = getattr(value, "shape", None)
    if shape is not None and not callable(shape):
        return f"array{tuple(shape)}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_describe(item) for item in value) + "]"
    name = getattr(value, "__name__", None)
    if isinstance(name, str):
        return name
    return type(value).__name__
