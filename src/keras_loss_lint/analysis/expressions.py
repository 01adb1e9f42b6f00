"""Evaluation of expressions to abstract values (the expression half of the interpreter).

Names, attributes, literals and subscripts live here; operators, calls and comprehensions in their
own modules, joined into one evaluator by `ExpressionEvaluator`.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Optional, Sequence

import libcst as cst

from keras_loss_lint.analysis import builtins, keras_calls
from keras_loss_lint.analysis.calls import BoundMethod, CallsMixin
from keras_loss_lint.analysis.comprehensions import ComprehensionsMixin
from keras_loss_lint.analysis.facts import (
    NONE,
    UNKNOWN,
    Const,
    Entry,
    FunctionValue,
    InstanceValue,
    KerasRef,
    LayerObject,
    Mapping,
    ModelValue,
    ModuleValue,
    Opaque,
    Seq,
    SuperValue,
    Tensor,
    Value,
)
from keras_loss_lint.analysis.frames import Frame
from keras_loss_lint.analysis.heap import is_mutable
from keras_loss_lint.analysis.keras_api import canonical
from keras_loss_lint.analysis.operators import OperatorsMixin

_DIGITS = re.compile(r"\d+")


class ExpressionEvaluator(CallsMixin, OperatorsMixin, ComprehensionsMixin):
    def eval(self, node: cst.CSTNode, frame: Frame) -> Value:
        self.tick()
        handler = _EXPRESSION_HANDLERS.get(type(node))
        if handler is None:
            return UNKNOWN
        return handler(self, node, frame)

    def _name(self, node: cst.Name, frame: Frame) -> Value:
        found = frame.lookup(node.value)
        if found is not None:
            return found
        if node.value in ("None", "True", "False"):
            return Const({"None": None, "True": True, "False": False}[node.value], node)
        starred = self.unbound_name(node.value, frame)
        if starred is not None:
            return starred
        if node.value == "__file__":
            return self.file_name()
        if node.value == "__name__":
            # "__main__" when run, the module's name when imported: both branches of the idiom run.
            return UNKNOWN
        if node.value in builtins.BUILTINS:
            return KerasRef(f"builtins.{node.value}")
        return UNKNOWN

    def unbound_name(self, name: str, frame: Frame) -> Optional[Value]:
        """What a name no scope binds means beyond the built-ins (star imports); None: nothing."""
        return None

    def _attribute(self, node: cst.Attribute, frame: Frame) -> Value:
        owner = self.eval(node.value, frame)
        found = self.attribute_of(owner, node.attr.value)
        if isinstance(found, BoundMethod) and is_mutable(found.owner):
            # `add = outs.append`: calls through the alias are not tied to `outs`, so it goes unknown.
            self.escape([found.owner], frame)
            return UNKNOWN
        return found

    def attribute_of(self, owner: Value, attr: str) -> Value:
        if isinstance(owner, KerasRef):
            return KerasRef(canonical(f"{owner.qualname}.{attr}"))
        if isinstance(owner, InstanceValue):
            return self._instance_attribute(owner, attr)
        if isinstance(owner, LayerObject) and isinstance(owner.owner, InstanceValue):
            return self._instance_attribute(owner.owner, attr)
        if isinstance(owner, ModelValue):
            return keras_calls.model_attribute(owner.model, attr)
        if isinstance(owner, ModuleValue):
            return self.module_attribute(owner, attr)
        if isinstance(owner, (Const, Seq, Mapping, SuperValue)):
            return BoundMethod(owner, attr)
        return UNKNOWN

    def _instance_attribute(self, owner: InstanceValue, attr: str) -> Value:
        if attr in owner.instance.attributes:
            return owner.instance.attributes[attr]
        found = keras_calls.find_method(owner.instance.info, attr)
        if found is not None:
            method, info = found
            return FunctionValue(method, info.scope, bound_self=owner)
        if owner.instance.model is not None:
            return keras_calls.model_attribute(owner.instance.model, attr)
        return UNKNOWN

    # ----------------------------------------------------------------------------- literals

    def _string(self, node: cst.SimpleString, frame: Frame) -> Value:
        value = node.evaluated_value
        return Const(value, node) if isinstance(value, str) else Opaque("bytes")

    def _number(self, node: cst.Integer | cst.Float | cst.Imaginary, frame: Frame) -> Value:
        return builtins.number(node)

    def _concatenated(self, node: cst.ConcatenatedString, frame: Frame) -> Value:
        left, right = self.eval(node.left, frame), self.eval(node.right, frame)
        if isinstance(left, Const) and isinstance(right, Const):
            if isinstance(left.value, str) and isinstance(right.value, str):
                return Const(left.value + right.value, node)
        return UNKNOWN

    def _fstring(self, node: cst.FormattedString, frame: Frame) -> Value:
        text = self._format_parts(node.parts, frame)
        return Const(text, node) if text is not None else UNKNOWN

    def _format_parts(self, parts: Sequence[cst.BaseFormattedStringContent], frame: Frame) -> Optional[str]:
        pieces: list[str] = []
        for part in parts:
            if isinstance(part, cst.FormattedStringText):
                pieces.append(part.value)
                continue
            if not isinstance(part, cst.FormattedStringExpression) or part.equal is not None:
                return None
            rendered = self._format_expression(part, frame)
            if rendered is None:
                return None
            pieces.append(rendered)
        text = "".join(pieces)
        return text if len(text) <= builtins.MAX_STRING else None

    def _format_expression(self, part: cst.FormattedStringExpression, frame: Frame) -> Optional[str]:
        value = self.eval(part.expression, frame)
        spec = self._format_parts(part.format_spec, frame) if part.format_spec else ""
        if not isinstance(value, Const) or spec is None or not _small_spec(spec):
            return None
        subject = value.value
        if part.conversion == "r":
            subject = repr(subject)
        elif part.conversion in ("s", "a"):
            subject = str(subject) if part.conversion == "s" else ascii(subject)
        try:
            return format(subject, spec)
        except Exception:  # noqa: BLE001 - any failure of a formatting we model means "not known"
            return None

    def _sequence(self, node: cst.List | cst.Tuple, frame: Frame) -> Value:
        items: list[Value] = []
        item_nodes: list[cst.CSTNode] = []
        for element in node.elements:
            value = self.eval(element.value, frame)
            if isinstance(element, cst.StarredElement):
                expanded = self.iterate(value)
                if expanded is None:
                    return UNKNOWN
                items.extend(expanded)
                item_nodes.extend([element.value] * len(expanded))
            else:
                items.append(value)
                item_nodes.append(element.value)
        if isinstance(node, cst.Tuple):
            return Seq(tuple(items), "tuple", node, tuple(item_nodes))
        return Seq(tuple(items), "list", node, tuple(item_nodes))

    def _dict(self, node: cst.Dict, frame: Frame) -> Value:
        result = Mapping(())
        known = True
        for element in node.elements:
            if isinstance(element, cst.StarredDictElement):
                merged = self.eval(element.value, frame)
                known = known and isinstance(merged, Mapping)
                for entry in merged.entries if isinstance(merged, Mapping) else ():
                    result = result.with_entry(entry)
            elif isinstance(element, cst.DictElement):
                # Every key and value is evaluated (in order) even once the dict is known to be unknown.
                key = self.eval(element.key, frame)
                value = self.eval(element.value, frame)
                if isinstance(key, Const) and isinstance(key.value, str):
                    result = result.with_entry(Entry(key.value, value, element.key, element.value))
                else:
                    known = False
        return Mapping(result.entries, node) if known else UNKNOWN

    # ---------------------------------------------------------------------------- subscripts

    def _subscript(self, node: cst.Subscript, frame: Frame) -> Value:
        owner = self.eval(node.value, frame)
        key = self.subscript_key(node, frame)
        if isinstance(owner, Tensor):
            return keras_calls.op_tensor("get_item", node)
        return builtins.subscript(owner, key)

    def subscript_key(self, node: cst.Subscript, frame: Frame) -> Value:
        if len(node.slice) != 1:
            for element in node.slice:
                self._slice_value(element.slice, frame)
            return UNKNOWN
        return self._slice_value(node.slice[0].slice, frame)

    def _slice_value(self, inner: cst.BaseSlice, frame: Frame) -> Value:
        if isinstance(inner, cst.Index):
            return self.eval(inner.value, frame)
        if isinstance(inner, cst.Slice):
            parts = (inner.lower, inner.upper, inner.step)
            bounds = [self.eval(part, frame) if part is not None else NONE for part in parts]
            plain = [bound.value for bound in bounds if isinstance(bound, Const)]
            if len(plain) == 3:
                try:
                    return Const(slice(*plain))
                except Exception:  # noqa: BLE001
                    return UNKNOWN
        return UNKNOWN

    def _named_expression(self, node: cst.NamedExpr, frame: Frame) -> Value:
        value = self.eval(node.value, frame)
        self.assign(node.target, value, frame)
        return value

    def _lambda(self, node: cst.Lambda, frame: Frame) -> Value:
        return Opaque("Lambda")

    def _set(self, node: cst.Set, frame: Frame) -> Value:
        for element in node.elements:
            self.eval(element.value, frame)
        return Opaque("set")

    def _set_comprehension(self, node: cst.SetComp, frame: Frame) -> Value:
        scope = Frame(frame, self.trail)
        self._comprehend(node, node.for_in, scope, lambda: None if self.eval(node.elt, scope) else None)
        return Opaque("set")

    def _opaque(self, node: cst.CSTNode, frame: Frame) -> Value:
        return Opaque(type(node).__name__)

    def _unknown(self, node: cst.CSTNode, frame: Frame) -> Value:
        return UNKNOWN


def _small_spec(spec: str) -> bool:
    """A format spec whose width and precision cannot build a huge string."""
    return all(int(digits) <= builtins.MAX_STRING for digits in _DIGITS.findall(spec))


_EXPRESSION_HANDLERS: dict[type, Callable[[Any, Any, Frame], Value]] = {
    cst.Name: ExpressionEvaluator._name,
    cst.Attribute: ExpressionEvaluator._attribute,
    cst.Call: ExpressionEvaluator._call,
    cst.SimpleString: ExpressionEvaluator._string,
    cst.Integer: ExpressionEvaluator._number,
    cst.Float: ExpressionEvaluator._number,
    cst.Imaginary: ExpressionEvaluator._number,
    cst.ConcatenatedString: ExpressionEvaluator._concatenated,
    cst.FormattedString: ExpressionEvaluator._fstring,
    cst.List: ExpressionEvaluator._sequence,
    cst.Tuple: ExpressionEvaluator._sequence,
    cst.Dict: ExpressionEvaluator._dict,
    cst.BinaryOperation: ExpressionEvaluator._binary_operation,
    cst.UnaryOperation: ExpressionEvaluator._unary_operation,
    cst.BooleanOperation: ExpressionEvaluator._boolean_operation,
    cst.Comparison: ExpressionEvaluator._comparison,
    cst.IfExp: ExpressionEvaluator._if_expression,
    cst.Subscript: ExpressionEvaluator._subscript,
    cst.NamedExpr: ExpressionEvaluator._named_expression,
    cst.ListComp: ExpressionEvaluator._list_comprehension,
    cst.GeneratorExp: ExpressionEvaluator._list_comprehension,
    cst.DictComp: ExpressionEvaluator._dict_comprehension,
    cst.Lambda: ExpressionEvaluator._lambda,
    cst.Set: ExpressionEvaluator._set,
    cst.SetComp: ExpressionEvaluator._set_comprehension,
    cst.Ellipsis: ExpressionEvaluator._opaque,
    cst.Await: ExpressionEvaluator._unknown,
    cst.Yield: ExpressionEvaluator._unknown,
}
