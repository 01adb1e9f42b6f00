"""Evaluated call arguments, and what the Keras-call handlers may ask of the evaluator that made them.

Kept apart from `expressions` so that the handlers for builtins and Keras calls, which the evaluator
calls, depend on this module only and never back on the evaluator.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional, Protocol, Sequence

import libcst as cst

from keras_loss_lint.analysis.facts import FunctionValue, Instance, InstanceValue, Seq, Tensor, Value

if TYPE_CHECKING:
    from keras_loss_lint.analysis.facts import ModelOrigin, ModuleFacts
    from keras_loss_lint.analysis.frames import Trail


class CallArguments:
    """Evaluated call arguments; `complete` is False when a `*x`/`**x` could not be expanded."""

    def __init__(self) -> None:
        self.positional: list[Value] = []
        self.positional_nodes: list[Optional[cst.BaseExpression]] = []
        self.keywords: dict[str, Value] = {}
        self.keyword_nodes: dict[str, cst.BaseExpression] = {}
        self.complete = True
        # `*x`/`**x` values that could not be expanded: the callee still receives them.
        self.hidden: list[Value] = []

    def get(self, index: Optional[int], name: str) -> Optional[Value]:
        if name in self.keywords:
            return self.keywords[name]
        if index is not None and index < len(self.positional):
            return self.positional[index]
        return None

    def node(self, index: Optional[int], name: str) -> Optional[cst.BaseExpression]:
        if name in self.keyword_nodes:
            return self.keyword_nodes[name]
        if index is not None and index < len(self.positional_nodes):
            return self.positional_nodes[index]
        return None

    def has_tensor(self) -> bool:
        values = list(self.positional) + list(self.keywords.values())
        return any(_contains_tensor(value) for value in values)


def _contains_tensor(value: Value) -> bool:
    """Searched by identity, each shared part once (structures may share parts exponentially)."""
    seen: set[int] = set()
    pending = [value]
    while pending and len(seen) < 4_096:
        current = pending.pop()
        if isinstance(current, Tensor):
            return True
        if isinstance(current, Seq) and id(current) not in seen:
            seen.add(id(current))
            pending.extend(current.items)
    return False


class Evaluator(Protocol):
    """The part of the expression evaluator that the Keras-call handlers use."""

    facts: "ModuleFacts"
    trail: "Trail"
    instance_stack: list[tuple[InstanceValue, object]]

    def call_function(
        self,
        function: FunctionValue,
        positional: Sequence[Value],
        keywords: dict[str, Value],
        unknown_arguments: bool = False,
    ) -> Value: ...

    def register_instance(self, instance: Instance) -> None: ...

    def model_origin(self, node: cst.CSTNode) -> Optional["ModelOrigin"]: ...
