"""Calls: arguments, the module's own functions (followed with their arguments), built-ins and methods
of plain values, Keras calls, and what a call to code that is not followed may change. A recorded
method called in another project module's code is handed to `record_entered_call` (see
`project_imports`), which decides whether it is this file's finding."""

from __future__ import annotations

from typing import Optional, Sequence

import libcst as cst

from keras_loss_lint.analysis import builtins, keras_api, keras_calls, methods
from keras_loss_lint.analysis.arguments import CallArguments
from keras_loss_lint.analysis.facts import (
    NONE,
    UNKNOWN,
    ClassValue,
    Entry,
    FunctionValue,
    InstanceValue,
    KerasRef,
    LayerObject,
    Mapping,
    ModelFacts,
    ModelValue,
    Seq,
    SuperValue,
    Tensor,
    Value,
)
from keras_loss_lint.analysis.frames import Frame, join
from keras_loss_lint.analysis.heap import HeapMixin, Place
from keras_loss_lint.analysis.joins import LayerClasses
from keras_loss_lint.analysis.limits import MAX_CALL_DEPTH
from keras_loss_lint.keras.api import RECORDED_METHODS

_SYS_PATH_METHODS = frozenset({"append", "insert"})


class BoundMethod(Value):
    """A method looked up on a plain Python value (`"{}".format`, `d.items`, `lst.append`)."""

    def __init__(self, owner: Value, name: str, place: Place = None) -> None:
        self.owner = owner
        self.name = name
        self.place = place


class CallsMixin(HeapMixin):
    def __init__(self) -> None:
        super().__init__()
        self._generators: dict[cst.FunctionDef, bool] = {}

    def _call(self, node: cst.Call, frame: Frame) -> Value:
        func = node.func
        receiver: Optional[Value] = None
        if isinstance(func, cst.Attribute):
            if func.attr.value in _SYS_PATH_METHODS:
                self.note_sys_path(node, frame)
            receiver, place = self.place_of(func.value, frame)
            if func.attr.value in RECORDED_METHODS:
                model = keras_calls.model_of(receiver)
                # A compile() on something unknown may still be Keras's; on a known non-model it is not.
                if model is not None or (func.attr.value == "compile" and receiver is UNKNOWN):
                    arguments = self.evaluate_arguments(node, frame)
                    if self.in_own_code(frame):
                        keras_calls.record_call(self.facts, func.attr.value, node, model, arguments)
                    elif model is not None:
                        # In another module's code: this file's finding only if it supplied the model.
                        self.record_entered_call(func.attr.value, node, model, arguments)
                    return UNKNOWN
            callee = self.attribute_of(receiver, func.attr.value)
            if isinstance(callee, BoundMethod):
                callee.place = place
        else:
            callee = self.eval(func, frame)
        arguments = self.evaluate_arguments(node, frame)
        if isinstance(callee, BoundMethod):
            return self._call_bound_method(callee, arguments, node, frame)
        if _may_mutate(callee, receiver):
            touched = [*arguments.positional, *arguments.keywords.values(), *arguments.hidden]
            if receiver is not None and _receiver_may_change(receiver):
                touched.append(receiver)
            self.escape(touched, frame)
            return UNKNOWN
        return self.call_entering(callee, arguments, node, frame)

    # Hooks for the project's other modules (see `project_imports`); a lone module has none.
    def call_entering(self, callee: Value, arguments: CallArguments, node: cst.Call, frame: Frame) -> Value:
        """`call_value`, for a call written in `frame`: the project's imports note the calls that
        enter another module's code."""
        return self.call_value(callee, arguments, node)

    def record_entered_call(self, method: str, node: cst.Call, model: ModelFacts, arguments: CallArguments) -> None:
        """A recorded method called in another module's code."""
        return None

    def evaluate_arguments(self, node: cst.Call, frame: Frame) -> CallArguments:
        arguments = CallArguments()
        for arg in node.args:
            value = self.eval(arg.value, frame)
            if arg.star == "*":
                expanded = self.iterate(value)
                if expanded is None:
                    arguments.complete = False
                    arguments.hidden.append(value)
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
            arguments.hidden.append(value)
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
                return builtins.call_builtin(callee.qualname[9:], arguments, node)
            return keras_calls.call_keras(self, callee.qualname, arguments, node)
        if isinstance(callee, FunctionValue):
            return self.call_function(callee, arguments.positional, arguments.keywords, not arguments.complete)
        if isinstance(callee, LayerObject):
            return keras_calls.call_layer(self, callee, arguments)
        if isinstance(callee, LayerClasses):
            return keras_calls.instantiate_chosen_class(callee.qualnames, callee.class_name, arguments, node)
        if isinstance(callee, ModelValue):
            return keras_calls.call_nested_model(callee.model)
        if isinstance(callee, ClassValue):
            return keras_calls.instantiate(self, callee.info, arguments, node)
        return UNKNOWN

    def _super(self, arguments: CallArguments) -> Value:
        if arguments.positional and isinstance(arguments.positional[-1], InstanceValue):
            return SuperValue(arguments.positional[-1].instance)
        if not self.instance_stack:
            return UNKNOWN
        return SuperValue(self.instance_stack[-1][0].instance)

    def _call_bound_method(self, method: BoundMethod, arguments: CallArguments, node: cst.Call, frame: Frame) -> Value:
        if isinstance(method.owner, SuperValue):
            return keras_calls.call_super(self, method.owner, method.name, arguments, node)
        result, mutated = methods.call_method(method.owner, method.name, arguments)
        if mutated is not None:
            self.mutate(method.owner, mutated, frame, method.place)
        if mutated is UNKNOWN:
            # A change that is not modelled: what the method was given may now be held by the owner.
            self.escape([*arguments.positional, *arguments.keywords.values(), *arguments.hidden], frame)
        return result

    def call_function(
        self,
        function: FunctionValue,
        positional: Sequence[Value],
        keywords: dict[str, Value],
        unknown_arguments: bool = False,
    ) -> Value:
        node = function.node
        if node in self.call_stack or len(self.call_stack) >= MAX_CALL_DEPTH:
            # Not followed (recursion, depth): whatever it was given may have changed.
            current = self.current_frame()
            if current is not None:
                self.escape([*positional, *keywords.values(), *_bound(function)], current)
            return UNKNOWN
        self.note_function_started(node)
        frame = Frame(function.scope if isinstance(function.scope, Frame) else None, self.trail)
        self.begin_function()
        self.active_frames.append(frame)
        self.call_stack.append(node)
        self.returns.append([])
        try:
            self.bind_parameters(function, frame, positional, keywords, unknown_arguments)
            falls_through = self.exec_block(node.body.body, frame)
        finally:
            self.call_stack.pop()
            self.active_frames.pop()
            returned = self.returns.pop()
        self.end_function(falls_through)
        if falls_through:
            returned.append(NONE)
        if self._is_generator(node) or not returned:
            return UNKNOWN
        return join(returned)

    def _is_generator(self, node: cst.FunctionDef) -> bool:
        """Read from the body's text: a `yield` elsewhere (a string, a nested def) only makes the
        function's result unknown, which loses precision but never invents a value."""
        if not self.module_mentions.get("yield", True):
            return False
        known = self._generators.get(node)
        if known is None:
            known = self._generators[node] = "yield" in self.text_of(node.body)
        return known

    # ------------------------------------------------------------------------------ parameters

    def default_of(self, param: cst.Param, defining: Frame) -> Value:
        """The default evaluated when the `def` ran (shared by every call, as in Python)."""
        stored = self.default_store.get(default_key(param))
        if stored is not None:
            return stored
        return self.eval(param.default, defining) if param.default is not None else UNKNOWN

    def evaluate_defaults(self, node: cst.FunctionDef, frame: Frame) -> None:
        params = node.params
        for param in [*params.posonly_params, *params.params, *params.kwonly_params]:
            if param.default is not None:
                self.trail.write(self.default_store, default_key(param), self.eval(param.default, frame))

    def bind_parameters(
        self,
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
            else:
                frame.bind(name, self.default_of(param, defining))
        for param in params.kwonly_params:
            name = param.name.value
            if unknown_arguments or (name not in keywords and param.default is None):
                frame.bind(name, UNKNOWN)
            else:
                frame.bind(name, keywords[name] if name in keywords else self.default_of(param, defining))
        _bind_variadic(frame, params, values[len(ordered):], keywords, ordered, unknown_arguments)


def default_key(param: cst.Param) -> str:
    return f"default:{id(param)}"


def _may_mutate(callee: Value, receiver: Optional[Value]) -> bool:
    """Whether calling `callee` runs code that is not followed and may change its arguments."""
    if isinstance(callee, (FunctionValue, ClassValue, LayerObject, ModelValue, LayerClasses)):
        return False
    if isinstance(callee, KerasRef):
        name = callee.qualname
        return not (
            name.startswith("builtins.")
            or keras_api.is_keras(name)
            or name.startswith("tensorflow.")
            or name in keras_api.ARRAY_FACTORIES
        )
    # A method of a Keras model, layer or tensor (`model.summary()`) leaves Python values alone.
    return not isinstance(receiver, (ModelValue, LayerObject, Tensor, KerasRef))


def _receiver_may_change(receiver: Value) -> bool:
    """An unknown method of an instance of the module's own class can rebind its attributes unless
    every base is known (then the method would not exist); Keras bases do not touch user attributes."""
    if not isinstance(receiver, InstanceValue):
        return False
    info = receiver.instance.info
    return info.kind == "other" and any(not isinstance(base, ClassValue) for base in info.bases)


def _bound(function: FunctionValue) -> list[Value]:
    return [function.bound_self] if function.bound_self is not None else []


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
