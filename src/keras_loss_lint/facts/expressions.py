"""Evaluation of expressions to abstract values (the expression half of the interpreter)."""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Callable, Optional, Sequence

import libcst as cst

from keras_loss_lint.facts import builtins_model, keras_calls
from keras_loss_lint.facts.frames import Frame
from keras_loss_lint.facts.model import (
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
    Opaque,
    Seq,
    SuperValue,
    Tensor,
    Value,
)

if TYPE_CHECKING:
    from keras_loss_lint.facts.model import ModuleFacts

MAX_ITEMS = 512
MAX_CALL_DEPTH = 8
RECORDED_METHODS = frozenset({"compile", "fit", "evaluate", "train_on_batch", "test_on_batch"})

_COMPARE: dict[type, Callable[[object, object], object]] = {
    cst.Equal: operator.eq,
    cst.NotEqual: operator.ne,
    cst.LessThan: operator.lt,
    cst.LessThanEqual: operator.le,
    cst.GreaterThan: operator.gt,
    cst.GreaterThanEqual: operator.ge,
    cst.Is: operator.is_,
    cst.IsNot: operator.is_not,
    cst.In: lambda a, b: operator.contains(b, a),
    cst.NotIn: lambda a, b: not operator.contains(b, a),
}


class CallArguments:
    """Evaluated call arguments; `complete` is False when a `*x`/`**x` could not be expanded."""

    def __init__(self) -> None:
        self.positional: list[Value] = []
        self.positional_nodes: list[Optional[cst.BaseExpression]] = []
        self.keywords: dict[str, Value] = {}
        self.keyword_nodes: dict[str, cst.BaseExpression] = {}
        self.complete = True

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
    if isinstance(value, Tensor):
        return True
    if isinstance(value, Seq):
        return any(_contains_tensor(item) for item in value.items)
    return False


class ExpressionEvaluator:
    facts: "ModuleFacts"

    def __init__(self) -> None:
        self.returns: list[list[Value]] = []
        self.call_stack: list[cst.FunctionDef] = []
        self.instance_stack: list[tuple[InstanceValue, object]] = []
        self._generators: dict[cst.FunctionDef, bool] = {}
        self.module_mentions: dict[str, bool] = {}

    # Provided by the statement half.
    def tick(self, cost: int = 1) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def exec_block(self, statements: Sequence[cst.CSTNode], frame: Frame) -> bool:  # pragma: no cover
        raise NotImplementedError

    def assign(self, target: cst.CSTNode, value: Value, frame: Frame) -> None:  # pragma: no cover
        raise NotImplementedError

    def iterate(self, value: Value) -> Optional[Sequence[Value]]:  # pragma: no cover
        raise NotImplementedError

    def note_function_started(self, node: cst.FunctionDef) -> None:  # pragma: no cover
        raise NotImplementedError

    # ----------------------------------------------------------------------------- dispatch

    def eval(self, node: cst.CSTNode, frame: Frame) -> Value:
        self.tick()
        handler = _EXPRESSION_HANDLERS.get(type(node))
        if handler is None:
            return UNKNOWN
        return handler(self, node, frame)

    def truth(self, node: cst.BaseExpression, frame: Frame) -> Optional[bool]:
        value = self.eval(node, frame)
        if isinstance(value, Const):
            try:
                return bool(value.value)
            except Exception:  # noqa: BLE001 - a user object's __bool__ is not ours to trust
                return None
        return None

    def _name(self, node: cst.Name, frame: Frame) -> Value:
        found = frame.lookup(node.value)
        if found is not None:
            return found
        if node.value in ("None", "True", "False"):
            return Const({"None": None, "True": True, "False": False}[node.value], node)
        if node.value == "__name__":
            return Const("__main__")
        if node.value in builtins_model.BUILTINS:
            return KerasRef(f"builtins.{node.value}")
        return UNKNOWN

    def _attribute(self, node: cst.Attribute, frame: Frame) -> Value:
        owner = self.eval(node.value, frame)
        return self.attribute_of(owner, node.attr.value)

    def attribute_of(self, owner: Value, attr: str) -> Value:
        if isinstance(owner, KerasRef):
            from keras_loss_lint.facts.keras_api import canonical

            return KerasRef(canonical(f"{owner.qualname}.{attr}"))
        if isinstance(owner, InstanceValue):
            return self._instance_attribute(owner, attr)
        if isinstance(owner, ModelValue) and attr == "output_names":
            return keras_calls.output_names_value(owner.model)
        if isinstance(owner, (Const, Seq, Mapping, SuperValue)):
            return _BoundMethod(owner, attr)
        return UNKNOWN

    def _instance_attribute(self, owner: InstanceValue, attr: str) -> Value:
        if attr in owner.instance.attributes:
            return owner.instance.attributes[attr]
        found = keras_calls.find_method(owner.instance.info, attr)
        if found is not None:
            method, info = found
            return FunctionValue(method, info.scope, bound_self=owner)
        if owner.instance.model is not None and attr == "output_names":
            return keras_calls.output_names_value(owner.instance.model)
        return UNKNOWN

    # ----------------------------------------------------------------------------- literals

    def _string(self, node: cst.SimpleString, frame: Frame) -> Value:
        value = node.evaluated_value
        return Const(value, node) if isinstance(value, str) else Opaque("bytes")

    def _number(self, node: cst.BaseNumber, frame: Frame) -> Value:
        return Const(node.evaluated_value, node)

    def _concatenated(self, node: cst.ConcatenatedString, frame: Frame) -> Value:
        left, right = self.eval(node.left, frame), self.eval(node.right, frame)
        if _is_str(left) and _is_str(right):
            return Const(left.value + right.value, node)
        return UNKNOWN

    def _fstring(self, node: cst.FormattedString, frame: Frame) -> Value:
        text = self._format_parts(node.parts, frame)
        return Const(text, node) if text is not None else UNKNOWN

    def _format_parts(self, parts: Sequence[cst.CSTNode], frame: Frame) -> Optional[str]:
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
        return "".join(pieces)

    def _format_expression(self, part: cst.FormattedStringExpression, frame: Frame) -> Optional[str]:
        value = self.eval(part.expression, frame)
        if not isinstance(value, Const):
            return None
        spec = self._format_parts(part.format_spec, frame) if part.format_spec else ""
        if spec is None:
            return None
        subject = value.value
        if part.conversion == "r":
            subject = repr(subject)
        elif part.conversion in ("s", "a"):
            subject = str(subject) if part.conversion == "s" else ascii(subject)
        try:
            return format(subject, spec)
        except (ValueError, TypeError):
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
        kind = "tuple" if isinstance(node, cst.Tuple) else "list"
        return Seq(tuple(items), kind, node, tuple(item_nodes))

    def _dict(self, node: cst.Dict, frame: Frame) -> Value:
        result = Mapping(())
        for element in node.elements:
            if isinstance(element, cst.StarredDictElement):
                merged = self.eval(element.value, frame)
                if not isinstance(merged, Mapping):
                    return UNKNOWN
                for entry in merged.entries:
                    result = result.with_entry(entry)
                continue
            key = self.eval(element.key, frame)
            if not _is_str(key):
                return UNKNOWN
            value = self.eval(element.value, frame)
            result = result.with_entry(Entry(key.value, value, element.key, element.value))
        return Mapping(result.entries, node)

    # ---------------------------------------------------------------------------- operators

    def _binary_operation(self, node: cst.BinaryOperation, frame: Frame) -> Value:
        left, right = self.eval(node.left, frame), self.eval(node.right, frame)
        return self.binary(type(node.operator).__name__, left, right, node)

    def binary(self, operator_name: str, left: Value, right: Value, node: cst.CSTNode) -> Value:
        if isinstance(left, Tensor) or isinstance(right, Tensor):
            return keras_calls.op_tensor(operator_name.lower(), node)
        return builtins_model.binary(operator_name, left, right)

    def _unary_operation(self, node: cst.UnaryOperation, frame: Frame) -> Value:
        operand = self.eval(node.expression, frame)
        if isinstance(operand, Tensor):
            return keras_calls.op_tensor("negative", node)
        if not isinstance(operand, Const):
            return UNKNOWN
        try:
            if isinstance(node.operator, cst.Not):
                return Const(not operand.value)
            if isinstance(node.operator, cst.Minus):
                return Const(-operand.value)  # type: ignore[operator]
            if isinstance(node.operator, cst.Plus):
                return Const(+operand.value)  # type: ignore[operator]
        except TypeError:
            return UNKNOWN
        return UNKNOWN

    def _boolean_operation(self, node: cst.BooleanOperation, frame: Frame) -> Value:
        left = self.truth(node.left, frame)
        if left is None:
            return UNKNOWN
        is_and = isinstance(node.operator, cst.And)
        if left is not is_and:
            return self.eval(node.left, frame)
        return self.eval(node.right, frame)

    def _comparison(self, node: cst.Comparison, frame: Frame) -> Value:
        if len(node.comparisons) != 1:
            return UNKNOWN
        target = node.comparisons[0]
        left, right = self.eval(node.left, frame), self.eval(target.comparator, frame)
        compare = _COMPARE.get(type(target.operator))
        plain_right = _plain(right)
        if compare is None or not isinstance(left, Const) or plain_right is None:
            return UNKNOWN
        try:
            return Const(bool(compare(left.value, plain_right)))
        except TypeError:
            return UNKNOWN

    def _if_expression(self, node: cst.IfExp, frame: Frame) -> Value:
        decided = self.truth(node.test, frame)
        if decided is not None:
            return self.eval(node.body if decided else node.orelse, frame)
        body, orelse = self.eval(node.body, frame), self.eval(node.orelse, frame)
        return body if body == orelse else UNKNOWN

    def _subscript(self, node: cst.Subscript, frame: Frame) -> Value:
        owner = self.eval(node.value, frame)
        if isinstance(owner, Tensor):
            return keras_calls.op_tensor("get_item", node)
        key = self.subscript_key(node, frame)
        return builtins_model.subscript(owner, key)

    def subscript_key(self, node: cst.Subscript, frame: Frame) -> Value:
        if len(node.slice) != 1:
            return UNKNOWN
        inner = node.slice[0].slice
        if isinstance(inner, cst.Index):
            return self.eval(inner.value, frame)
        if isinstance(inner, cst.Slice):
            parts = (inner.lower, inner.upper, inner.step)
            bounds = [self.eval(part, frame) if part is not None else NONE for part in parts]
            if all(isinstance(bound, Const) for bound in bounds):
                try:
                    return Const(slice(*(bound.value for bound in bounds)))  # type: ignore[union-attr]
                except TypeError:
                    return UNKNOWN
        return UNKNOWN

    def _named_expression(self, node: cst.NamedExpr, frame: Frame) -> Value:
        value = self.eval(node.value, frame)
        self.assign(node.target, value, frame)
        return value

    def _opaque(self, node: cst.CSTNode, frame: Frame) -> Value:
        return Opaque(type(node).__name__)

    def _unknown(self, node: cst.CSTNode, frame: Frame) -> Value:
        return UNKNOWN

    # ------------------------------------------------------------------------ comprehensions

    def _list_comprehension(self, node: cst.ListComp | cst.GeneratorExp, frame: Frame) -> Value:
        produced: list[Value] = []
        scope = Frame(frame)
        done = self._comprehend(node.for_in, scope, lambda: produced.append(self.eval(node.elt, scope)))
        return Seq(tuple(produced), "list") if done else UNKNOWN

    def _dict_comprehension(self, node: cst.DictComp, frame: Frame) -> Value:
        entries: list[Entry] = []
        scope = Frame(frame)
        ok = [True]

        def produce() -> None:
            key = self.eval(node.key, scope)
            if not _is_str(key):
                ok[0] = False
                return
            entries.append(Entry(key.value, self.eval(node.value, scope)))

        done = self._comprehend(node.for_in, scope, produce)
        if not (done and ok[0]):
            return UNKNOWN
        result = Mapping(())
        for entry in entries:
            result = result.with_entry(entry)
        return result

    def _comprehend(self, clause: cst.CompFor, scope: Frame, produce: Callable[[], None]) -> bool:
        """Run a comprehension's `for … if …` clauses over known iterables; False if not known."""
        items = self.iterate(self.eval(clause.iter, scope))
        if items is None or len(items) > MAX_ITEMS:
            return False
        for item in items:
            self.assign(clause.target, item, scope)
            decisions = [self.truth(condition.test, scope) for condition in clause.ifs]
            if any(decision is None for decision in decisions):
                return False
            if not all(decisions):
                continue
            if clause.inner_for_in is not None:
                if not self._comprehend(clause.inner_for_in, scope, produce):
                    return False
            else:
                produce()
        return True

    # ---------------------------------------------------------------------------------- calls

    def _call(self, node: cst.Call, frame: Frame) -> Value:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in RECORDED_METHODS:
            receiver = self.eval(func.value, frame)
            model = keras_calls.model_of(receiver)
            # A compile() on something unknown may still be Keras's; on a known non-model it is not.
            if model is not None or (func.attr.value == "compile" and receiver is UNKNOWN):
                arguments = self.evaluate_arguments(node, frame)
                keras_calls.record_call(self.facts, func.attr.value, node, model, arguments)
                return UNKNOWN
            callee = self.attribute_of(receiver, func.attr.value)
        else:
            callee = self.eval(func, frame)
        arguments = self.evaluate_arguments(node, frame)
        if isinstance(callee, _BoundMethod):
            return self._call_bound_method(callee, arguments, node, frame)
        return self.call_value(callee, arguments, node)

    def evaluate_arguments(self, node: cst.Call, frame: Frame) -> CallArguments:
        arguments = CallArguments()
        for arg in node.args:
            value = self.eval(arg.value, frame)
            if arg.star == "*":
                expanded = self.iterate(value)
                if expanded is None:
                    arguments.complete = False
                    continue
                arguments.positional.extend(expanded)
                arguments.positional_nodes.extend([None] * len(expanded))
            elif arg.star == "**":
                self._expand_keywords(arguments, value)
            elif arg.keyword is not None:
                arguments.keywords[arg.keyword.value] = value
                arguments.keyword_nodes[arg.keyword.value] = arg.value
            else:
                arguments.positional.append(value)
                arguments.positional_nodes.append(arg.value)
        return arguments

    def _expand_keywords(self, arguments: CallArguments, value: Value) -> None:
        if not isinstance(value, Mapping):
            arguments.complete = False
            return
        for entry in value.entries:
            arguments.keywords[entry.key] = entry.value
            if entry.value_node is not None and isinstance(entry.value_node, cst.BaseExpression):
                arguments.keyword_nodes[entry.key] = entry.value_node

    def call_value(self, callee: Value, arguments: CallArguments, node: cst.Call) -> Value:
        if isinstance(callee, KerasRef):
            if callee.qualname == "builtins.super":
                return self._super(arguments)
            if callee.qualname.startswith("builtins."):
                return builtins_model.call_builtin(callee.qualname[9:], arguments, node)
            return keras_calls.call_keras(self, callee.qualname, arguments, node)
        if isinstance(callee, FunctionValue):
            return self.call_function(callee, arguments.positional, arguments.keywords, not arguments.complete)
        if isinstance(callee, LayerObject):
            return keras_calls.call_layer(callee, arguments)
        if isinstance(callee, ModelValue):
            return keras_calls.call_nested_model(callee.model)
        from keras_loss_lint.facts.model import ClassValue

        if isinstance(callee, ClassValue):
            return keras_calls.instantiate(self, callee.info, arguments, node)
        return UNKNOWN

    def _is_generator(self, node: cst.FunctionDef) -> bool:
        """Read from the body's text: a `yield` elsewhere (a string, a nested def) only makes the
        function's result unknown, which loses precision but never invents a value."""
        if not self.module_mentions["yield"]:
            return False
        known = self._generators.get(node)
        if known is None:
            known = self._generators[node] = "yield" in self.text_of(node.body)
        return known

    def text_of(self, node: cst.CSTNode) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    def _super(self, arguments: CallArguments) -> Value:
        if arguments.positional and isinstance(arguments.positional[-1], InstanceValue):
            return SuperValue(arguments.positional[-1].instance)
        if not self.instance_stack:
            return UNKNOWN
        return SuperValue(self.instance_stack[-1][0].instance)

    def _call_bound_method(
        self, method: "_BoundMethod", arguments: CallArguments, node: cst.Call, frame: Frame
    ) -> Value:
        if isinstance(method.owner, SuperValue):
            return keras_calls.call_super(self, method.owner, method.name, arguments, node)
        result, mutated = builtins_model.call_method(method.owner, method.name, arguments)
        if mutated is not None:
            self._rebind_mutated(node, method.owner, mutated, frame)
        return result

    def _rebind_mutated(self, node: cst.Call, old: Value, mutated: Value, frame: Frame) -> None:
        """`x.append(...)`: bind the new value to `x`; other names for the old object go unknown.

        A call through an alias (`add = x.append; add(...)`) names no receiver: every name for the
        old object goes unknown then.
        """
        func = node.func
        if not isinstance(func, cst.Attribute):
            _forget_aliases(frame, old, keep="")
            return
        receiver = func.value
        if isinstance(receiver, cst.Name):
            old = frame.lookup(receiver.value)
            _forget_aliases(frame, old, receiver.value)
            frame.bind(receiver.value, mutated)
        elif isinstance(receiver, cst.Attribute):
            owner = self.eval(receiver.value, frame)
            if isinstance(owner, InstanceValue):
                owner.instance.attributes[receiver.attr.value] = mutated

    def call_function(
        self,
        function: FunctionValue,
        positional: Sequence[Value],
        keywords: dict[str, Value],
        unknown_arguments: bool = False,
    ) -> Value:
        node = function.node
        if node in self.call_stack or len(self.call_stack) >= MAX_CALL_DEPTH:
            return UNKNOWN
        self.note_function_started(node)
        frame = Frame(function.scope if isinstance(function.scope, Frame) else None)
        _bind_parameters(self, function, frame, positional, keywords, unknown_arguments)
        self.call_stack.append(node)
        self.returns.append([])
        try:
            falls_through = self.exec_block(_body_statements(node), frame)
        finally:
            self.call_stack.pop()
            returned = self.returns.pop()
        if falls_through:
            returned.append(NONE)
        if self._is_generator(node) or not returned:
            return UNKNOWN
        first = returned[0]
        return first if all(value is first or value == first for value in returned[1:]) else UNKNOWN


class _BoundMethod(Value):
    """A method looked up on a plain Python value (`"{}".format`, `d.items`, `lst.append`)."""

    def __init__(self, owner: Value, name: str) -> None:
        self.owner = owner
        self.name = name


def _forget_aliases(frame: Frame, old: Optional[Value], keep: str) -> None:
    if old is None or not isinstance(old, (Seq, Mapping)):
        return
    scope: Optional[Frame] = frame
    while scope is not None:
        for name, value in list(scope.vars.items()):
            if value is old and name != keep:
                scope.vars[name] = UNKNOWN
        scope = scope.parent


def _bind_parameters(
    evaluator: ExpressionEvaluator,
    function: FunctionValue,
    frame: Frame,
    positional: Sequence[Value],
    keywords: dict[str, Value],
    unknown_arguments: bool,
) -> None:
    params = function.node.params
    ordered = list(params.posonly_params) + list(params.params)
    values = list(positional)
    if function.bound_self is not None:
        values.insert(0, function.bound_self)
    defining = function.scope if isinstance(function.scope, Frame) else frame
    for index, param in enumerate(ordered):
        name = param.name.value
        if index == 0 and function.bound_self is not None:
            frame.bind(name, function.bound_self)
        elif unknown_arguments:
            frame.bind(name, UNKNOWN)
        elif index < len(values):
            frame.bind(name, values[index])
        elif name in keywords:
            frame.bind(name, keywords[name])
        elif param.default is not None:
            frame.bind(name, evaluator.eval(param.default, defining))
        else:
            frame.bind(name, UNKNOWN)
    for param in params.kwonly_params:
        name = param.name.value
        if unknown_arguments or (name not in keywords and param.default is None):
            frame.bind(name, UNKNOWN)
        else:
            frame.bind(name, keywords[name] if name in keywords else evaluator.eval(param.default, defining))
    _bind_variadic(frame, params, values[len(ordered):], keywords, ordered, unknown_arguments)


def _bind_variadic(
    frame: Frame,
    params: cst.Parameters,
    extra_positional: Sequence[Value],
    keywords: dict[str, Value],
    named: list[cst.Param],
    unknown_arguments: bool,
) -> None:
    if isinstance(params.star_arg, cst.Param):
        value = UNKNOWN if unknown_arguments else Seq(tuple(extra_positional), "tuple")
        frame.bind(params.star_arg.name.value, value)
    if params.star_kwarg is not None:
        taken = {p.name.value for p in named} | {p.name.value for p in params.kwonly_params}
        rest = tuple(Entry(k, v) for k, v in keywords.items() if k not in taken)
        frame.bind(params.star_kwarg.name.value, UNKNOWN if unknown_arguments else Mapping(rest))


def _body_statements(node: cst.FunctionDef) -> Sequence[cst.CSTNode]:
    return node.body.body


def _is_str(value: Value) -> bool:
    return isinstance(value, Const) and isinstance(value.value, str)


def _plain(value: Value) -> Optional[object]:
    """A Python object for comparisons (`x in ["a", "b"]`), or None when not a known constant."""
    if isinstance(value, Const):
        return value.value if value.value is not None else _NONE_SENTINEL
    if isinstance(value, Seq) and all(isinstance(item, Const) for item in value.items):
        return [item.value for item in value.items]  # type: ignore[union-attr]
    if isinstance(value, Mapping):
        return list(value.keys())
    return None


class _NoneSentinel:
    def __eq__(self, other: object) -> bool:
        return other is None or isinstance(other, _NoneSentinel)

    def __hash__(self) -> int:
        return 0


_NONE_SENTINEL = _NoneSentinel()

_EXPRESSION_HANDLERS: dict[type, Callable[[ExpressionEvaluator, cst.CSTNode, Frame], Value]] = {
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
    cst.Lambda: ExpressionEvaluator._opaque,
    cst.Set: ExpressionEvaluator._opaque,
    cst.SetComp: ExpressionEvaluator._opaque,
    cst.Ellipsis: ExpressionEvaluator._opaque,
    cst.Await: ExpressionEvaluator._unknown,
    cst.Yield: ExpressionEvaluator._unknown,
}
