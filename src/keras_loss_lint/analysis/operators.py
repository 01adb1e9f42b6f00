"""Operators: arithmetic, comparisons, identity, `and`/`or`/`not`, and conditional expressions."""

from __future__ import annotations

import operator
from typing import Callable, Optional

import libcst as cst

from keras_loss_lint.analysis import builtins, keras_calls
from keras_loss_lint.analysis.facts import (
    UNKNOWN,
    Array,
    ClassValue,
    Const,
    FunctionValue,
    InstanceValue,
    LayerObject,
    Mapping,
    ModelValue,
    Opaque,
    Seq,
    Tensor,
    Value,
)
from keras_loss_lint.analysis.frames import Frame, join
from keras_loss_lint.analysis.heap import HeapMixin


def _contains(container: object, item: object) -> bool:
    return item in container  # type: ignore[operator]


_COMPARE: dict[type, Callable[[object, object], object]] = {
    cst.Equal: operator.eq,
    cst.NotEqual: operator.ne,
    cst.LessThan: lambda a, b: a < b,  # type: ignore[operator]
    cst.LessThanEqual: lambda a, b: a <= b,  # type: ignore[operator]
    cst.GreaterThan: lambda a, b: a > b,  # type: ignore[operator]
    cst.GreaterThanEqual: lambda a, b: a >= b,  # type: ignore[operator]
    cst.In: lambda a, b: _contains(b, a),
    cst.NotIn: lambda a, b: not _contains(b, a),
}
# Objects whose identity is defined by value: `x is None` can be decided on them.
_SINGLETONS = (type(None), bool)
# Values that are certainly not None, True or False (whatever their contents).
_NEVER_SINGLETON = (
    Seq, Mapping, Tensor, Array, Opaque, LayerObject, ModelValue, InstanceValue, FunctionValue, ClassValue,
)


def truth_of(value: Value) -> Optional[bool]:
    """Python truthiness when it is certain, else None."""
    if isinstance(value, Const):
        try:
            return bool(value.value)
        except Exception:  # noqa: BLE001 - a constant's __bool__ cannot fail, but stay safe
            return None
    if isinstance(value, Seq):
        return bool(value.items)
    if isinstance(value, Mapping):
        return bool(value.entries)
    if isinstance(value, (FunctionValue, ClassValue)):
        return True
    return None


def identical(left: Value, right: Value) -> Optional[bool]:
    """`left is right`, decided only where identity is defined by value (None, True, False)."""
    for one, other in ((left, right), (right, left)):
        if isinstance(one, Const) and isinstance(one.value, _SINGLETONS):
            if isinstance(other, Const):
                return other.value is one.value
            if isinstance(other, _NEVER_SINGLETON):
                return False
    return None


class OperatorsMixin(HeapMixin):
    def truth(self, node: cst.BaseExpression, frame: Frame) -> Optional[bool]:
        return truth_of(self.eval(node, frame))

    def _binary_operation(self, node: cst.BinaryOperation, frame: Frame) -> Value:
        left, right = self.eval(node.left, frame), self.eval(node.right, frame)
        return self.binary(type(node.operator).__name__, left, right, node)

    def binary(self, operator_name: str, left: Value, right: Value, node: cst.CSTNode) -> Value:
        if isinstance(left, Tensor) or isinstance(right, Tensor):
            return keras_calls.op_tensor(operator_name.lower(), node)
        return builtins.binary(operator_name, left, right)

    def _unary_operation(self, node: cst.UnaryOperation, frame: Frame) -> Value:
        operand = self.eval(node.expression, frame)
        if isinstance(operand, Tensor):
            return keras_calls.op_tensor("negative", node)
        if isinstance(node.operator, cst.Not):
            decided = truth_of(operand)
            return Const(not decided) if decided is not None else UNKNOWN
        if not isinstance(operand, Const) or not isinstance(operand.value, (int, float)):
            return UNKNOWN
        if isinstance(node.operator, cst.Minus):
            return Const(-operand.value)
        if isinstance(node.operator, cst.Plus):
            return Const(+operand.value)
        return UNKNOWN

    def _boolean_operation(self, node: cst.BooleanOperation, frame: Frame) -> Value:
        """Each operand is evaluated once; an undecided left makes the right a path that may not run."""
        left = self.eval(node.left, frame)
        decided = truth_of(left)
        is_and = isinstance(node.operator, cst.And)
        if decided is not None:
            return left if decided is not is_and else self.eval(node.right, frame)
        self.run_paths([lambda: True, lambda: (self.eval(node.right, frame), True)[1]])
        return UNKNOWN

    def _comparison(self, node: cst.Comparison, frame: Frame) -> Value:
        left = self.eval(node.left, frame)
        results: list[Optional[bool]] = []
        for index, target in enumerate(node.comparisons):
            # A chain stops at the first false link; later operands are not evaluated then.
            if results and results[-1] is False:
                break
            if results and results[-1] is None:
                self.run_paths([lambda: True, lambda: self._rest(node, index, frame)])
                return UNKNOWN
            right = self.eval(target.comparator, frame)
            results.append(_compare(target.operator, left, right))
            left = right
        if False in results:
            return Const(False)
        return Const(True) if all(result is True for result in results) else UNKNOWN

    def _rest(self, node: cst.Comparison, start: int, frame: Frame) -> bool:
        for target in node.comparisons[start:]:
            self.eval(target.comparator, frame)
        return True

    def _if_expression(self, node: cst.IfExp, frame: Frame) -> Value:
        decided = self.truth(node.test, frame)
        if decided is not None:
            return self.eval(node.body if decided else node.orelse, frame)
        results: list[Value] = []

        def branch(expression: cst.BaseExpression) -> Callable[[], bool]:
            def run() -> bool:
                results.append(self.eval(expression, frame))
                return True

            return run

        self.run_paths([branch(node.body), branch(node.orelse)])
        return join(results)


def _compare(operator_node: cst.BaseCompOp, left: Value, right: Value) -> Optional[bool]:
    if isinstance(operator_node, (cst.Is, cst.IsNot)):
        same = identical(left, right)
        if same is None:
            return None
        return same if isinstance(operator_node, cst.Is) else not same
    compare = _COMPARE.get(type(operator_node))
    plain_right = _plain(right)
    if compare is None or not isinstance(left, Const) or plain_right is None:
        return None
    try:
        return bool(compare(left.value, plain_right))
    except Exception:  # noqa: BLE001 - comparing constants of unrelated types
        return None


def _plain(value: Value) -> Optional[object]:
    """A Python object for comparisons (`x in ["a", "b"]`), or None when not a known constant."""
    if isinstance(value, Const):
        return value.value if value.value is not None else _NONE_SENTINEL
    if isinstance(value, Seq) and all(isinstance(item, Const) for item in value.items):
        return [item.value for item in value.items if isinstance(item, Const)]
    if isinstance(value, Mapping):
        return list(value.keys())
    return None


class _NoneSentinel:
    def __eq__(self, other: object) -> bool:
        return other is None or isinstance(other, _NoneSentinel)

    def __hash__(self) -> int:
        return 0


_NONE_SENTINEL = _NoneSentinel()
