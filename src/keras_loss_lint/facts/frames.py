"""Variable scopes of the abstract interpreter, and how two control-flow paths are joined."""

from __future__ import annotations

from typing import Optional

from keras_loss_lint.facts.model import UNKNOWN, Value


class Frame:
    """One scope's bindings; lookups fall back to the enclosing (defining) scope, as Python does."""

    def __init__(self, parent: Optional["Frame"] = None) -> None:
        self.vars: dict[str, Value] = {}
        self.parent = parent
        self.globals_declared: set[str] = set()

    def lookup(self, name: str) -> Optional[Value]:
        frame: Optional[Frame] = self
        while frame is not None:
            value = frame.vars.get(name)
            if value is not None:
                return value
            frame = frame.parent
        return None

    def bind(self, name: str, value: Value) -> None:
        if name in self.globals_declared:
            self.module_frame().vars[name] = value
            return
        self.vars[name] = value

    def module_frame(self) -> "Frame":
        frame = self
        while frame.parent is not None:
            frame = frame.parent
        return frame

    def snapshot(self) -> dict[str, Value]:
        return dict(self.vars)

    def restore(self, bindings: dict[str, Value]) -> None:
        self.vars = bindings


def join(*paths: dict[str, Value]) -> dict[str, Value]:
    """Bindings after control flow joins: a name bound alike on every path keeps its value."""
    if len(paths) == 1:
        return dict(paths[0])
    names = set().union(*paths)
    joined: dict[str, Value] = {}
    for name in names:
        values = [path.get(name) for path in paths]
        first = values[0]
        same = first is not None and all(v is first or v == first for v in values[1:])
        joined[name] = first if same and first is not None else UNKNOWN
    return joined
