"""What calling Keras things produces: layers, tensors with names, models and their outputs."""

from __future__ import annotations

import itertools

from typing import TYPE_CHECKING, Optional

import libcst as cst

from keras_loss_lint.analysis import custom_layers, keras_api
from keras_loss_lint.analysis.facts import (
    UNKNOWN,
    Argument,
    Array,
    CallFacts,
    ClassInfo,
    ClassValue,
    Const,
    Entry,
    InstanceValue,
    Instance,
    KerasRef,
    LayerObject,
    Mapping,
    ModelFacts,
    ModelValue,
    ModuleFacts,
    NameState,
    Opaque,
    OutputLeaf,
    Outputs,
    Producer,
    Seq,
    SuperValue,
    Tensor,
    Value,
)

from keras_loss_lint.analysis.arguments import CallArguments
from keras_loss_lint.keras.scenario import Nesting
from keras_loss_lint.analysis.limits import MAX_OUTPUTS
from keras_loss_lint.analysis.methods_of_classes import call_method_of, find_method

if TYPE_CHECKING:
    from keras_loss_lint.analysis.arguments import Evaluator

# Positional parameters that mean the same in Keras 2 and Keras 3. `compile` differs after `loss`
# (Keras 2: metrics, loss_weights; Keras 3: loss_weights, metrics), so later positions stay unnamed.
POSITIONAL_PARAMETERS: dict[str, dict[int, str]] = {
    "compile": {0: "optimizer", 1: "loss"},
    "fit": {0: "x", 1: "y", 7: "validation_data", 10: "sample_weight"},
    "evaluate": {0: "x", 1: "y", 4: "sample_weight"},
    "train_on_batch": {0: "x", 1: "y", 2: "sample_weight"},
    "test_on_batch": {0: "x", 1: "y", 2: "sample_weight"},
    "predict": {0: "x"},
    "predict_on_batch": {0: "x"},
}
MULTI_RETURN_CALL_KEYWORDS = ("return_attention_scores", "return_state")


def name_of(arguments: "CallArguments") -> tuple[Optional[str], NameState]:
    if "name" not in arguments.keywords:
        return None, ("auto" if arguments.complete else "unknown")
    value = arguments.keywords["name"]
    if isinstance(value, Const) and isinstance(value.value, str):
        return value.value, "explicit"
    if isinstance(value, Const) and value.value is None:
        return None, "auto"
    return None, "unknown"


def model_of(value: Value) -> Optional[ModelFacts]:
    if isinstance(value, ModelValue):
        return value.model
    if isinstance(value, InstanceValue):
        return value.instance.model
    return None


def record_call(
    facts: ModuleFacts, method: str, node: cst.Call, model: Optional[ModelFacts], arguments: "CallArguments"
) -> None:
    named: dict[str, Argument] = {}
    for name, value in arguments.keywords.items():
        expression = arguments.keyword_nodes.get(name)
        if expression is not None:
            named[name] = Argument(value, expression)
    for index, name in POSITIONAL_PARAMETERS[method].items():
        expression = arguments.node(index, "")
        if index < len(arguments.positional) and expression is not None and name not in named:
            named[name] = Argument(arguments.positional[index], expression)
    _add_validation_labels(named)
    positional = tuple(
        Argument(value, expression)
        for value, expression in zip(arguments.positional, arguments.positional_nodes)
        if expression is not None
    )
    facts.calls.append(CallFacts(method, node, model, named, positional, arguments.complete))  # type: ignore[arg-type]


def _add_validation_labels(named: dict[str, Argument]) -> None:
    """`validation_data=(x, y[, sample_weight])`: its inputs are fed to the model as `x` is, and its
    labels are matched to outputs like `y`."""
    validation = named.get("validation_data")
    if validation is None or not isinstance(validation.value, Seq) or validation.value.item_nodes is None:
        return
    items, nodes = validation.value.items, validation.value.item_nodes
    if len(items) not in (2, 3):
        return
    if isinstance(nodes[0], cst.BaseExpression):
        named["validation_x"] = Argument(items[0], nodes[0])
    if isinstance(nodes[1], cst.BaseExpression):
        named["validation_y"] = Argument(items[1], nodes[1])


# ------------------------------------------------------------------------------------- Keras calls


def call_keras(evaluator: "Evaluator", qualname: str, arguments: "CallArguments", node: cst.Call) -> Value:
    name = keras_api.canonical(qualname)
    if name in keras_api.MODEL_CLASSES:
        return build_functional(evaluator, arguments, node)
    if name.endswith(".__init__") and name[: -len(".__init__")] in keras_api.MODEL_CLASSES:
        return _explicit_base_init(evaluator, arguments, node)
    if name.endswith(".__init__") and custom_layers.is_layer_base(KerasRef(name[: -len(".__init__")])):
        return _explicit_layer_init(evaluator, arguments, name)
    if name in keras_api.SEQUENTIAL_CLASSES:
        return _sequential(evaluator, arguments, node)
    if name in keras_api.INPUT_FUNCTIONS:
        return _input(arguments, node)
    if keras_api.is_layer_class(name):
        return LayerObject(_layer_producer(name.rsplit(".", 1)[-1], arguments, node))
    merge = keras_api.merge_function(name)
    if merge is not None:
        return _merge(merge, arguments, node)
    if name in keras_api.ARRAY_FACTORIES:
        return Array()
    if keras_api.is_opaque_object(name):
        return Opaque(name)
    if name.endswith(".super") or name == "builtins.super":
        return UNKNOWN
    if keras_api.is_tensor_op(name) and arguments.has_tensor():
        tensor = op_tensor(name.rsplit(".", 1)[-1], node, named="name" in arguments.keywords)
    elif keras_api.always_tensor_op(name) and arguments.positional:
        # Its argument may be an output of a model not followed: a tensor whose name is not known.
        tensor = op_tensor(name.rsplit(".", 1)[-1], node, named=True)
    else:
        return UNKNOWN
    tensor.producer.may_be_multiple = keras_api.returns_structure(name)
    return tensor


def _layer_producer(class_name: str, arguments: "CallArguments", node: cst.Call) -> Producer:
    name, state = name_of(arguments)
    return_state = arguments.keywords.get("return_state")
    multiple = class_name in keras_api.RNN_LAYERS and return_state is not None and return_state != Const(False)
    return Producer(
        "layer", class_name, name, state, node, keras_api.to_snake_case(class_name), may_be_multiple=multiple
    )


def instantiate_chosen_class(
    qualnames: frozenset[str], class_name: str, arguments: "CallArguments", node: cst.Call
) -> Value:
    """One of several Keras layer classes: its `name=` names the layer whichever class it is."""
    producers = [_layer_producer(name.rsplit(".", 1)[-1], arguments, node) for name in sorted(qualnames)]
    prefixes = {producer.auto_prefix for producer in producers}
    first = producers[0]
    state = first.name_state if first.name_state != "auto" or len(prefixes) == 1 else "unknown"
    multiple = any(producer.may_be_multiple for producer in producers)
    return LayerObject(
        Producer("layer", class_name, first.name, state, node, first.auto_prefix, may_be_multiple=multiple)
    )


def _input(arguments: "CallArguments", node: cst.Call) -> Value:
    name, state = name_of(arguments)
    return Tensor(Producer("input", "Input", name, state, node, "input_layer"))


def _merge(function: str, arguments: "CallArguments", node: cst.Call) -> Value:
    name, state = name_of(arguments)
    class_name = function.capitalize()
    return Tensor(Producer("layer", class_name, name, state, node, function))


def op_tensor(op_name: str, node: cst.CSTNode, named: bool = False) -> Tensor:
    """A tensor made by an op (`x * 2`, `keras.ops.add`): Keras names it after the op, `add_1`."""
    return Tensor(Producer("op", op_name, None, "unknown" if named else "auto", node, op_name))


def call_layer(evaluator: "Evaluator", layer: LayerObject, arguments: "CallArguments") -> Value:
    if layer.owner is not None:
        return custom_layers.call_custom_layer(evaluator, layer, arguments)
    for keyword in MULTI_RETURN_CALL_KEYWORDS:
        if keyword in arguments.keywords and arguments.keywords[keyword] != Const(False):
            return UNKNOWN
    if not arguments.complete:
        return UNKNOWN
    return Tensor(layer.producer)


def call_nested_model(model: ModelFacts) -> Value:
    """A model called as a layer: each output tensor is named after the nested model."""
    if model.as_layer is None:
        state: NameState = "explicit" if model.name is not None else "auto"
        prefix = {"sequential": "sequential", "functional": "functional"}.get(model.kind, "model")
        model.as_layer = Producer("model", "Model", model.name, state, model.node, prefix)
    producer = model.as_layer
    outputs = model.outputs
    if model.kind == "sequential":
        return Tensor(producer)
    if model.kind != "functional" or not outputs.all_known():
        return UNKNOWN
    if outputs.kind == "single":
        return Tensor(producer)
    if outputs.kind in ("list", "tuple"):
        return Seq(tuple(Tensor(producer) for _ in outputs.leaves), "list" if outputs.kind == "list" else "tuple")
    if outputs.kind == "dict":
        return Mapping(tuple(Entry(leaf.key or "", Tensor(producer)) for leaf in outputs.leaves))
    return UNKNOWN


# ------------------------------------------------------------------------------------------ models


def build_functional(
    evaluator: "Evaluator", arguments: "CallArguments", node: cst.Call, instance: Optional[Instance] = None
) -> Value:
    outputs_value = arguments.get(1, "outputs")
    if outputs_value is None:
        return UNKNOWN
    outputs = outputs_from(outputs_value, arguments.node(1, "outputs"))
    name, state = name_of(arguments)
    model = ModelFacts("functional", node, outputs, name if state == "explicit" else None)
    model.origin = evaluator.model_origin(node)
    inputs_value = arguments.get(0, "inputs")
    if inputs_value is not None:
        model.inputs = outputs_from(inputs_value, arguments.node(0, "inputs"))
    if state == "unknown":
        model.as_layer = Producer("model", "Model", None, "unknown", node)
    evaluator.facts.models.append(model)
    if instance is not None:
        instance.model = model
        return UNKNOWN
    return ModelValue(model)


def _explicit_base_init(evaluator: "Evaluator", arguments: "CallArguments", node: cst.Call) -> Value:
    """`keras.Model.__init__(self, inputs, outputs)` inside a subclass's `__init__`."""
    if not arguments.positional or not isinstance(arguments.positional[0], InstanceValue):
        return UNKNOWN

    shifted = CallArguments()
    shifted.positional = arguments.positional[1:]
    shifted.positional_nodes = arguments.positional_nodes[1:]
    shifted.keywords, shifted.keyword_nodes = arguments.keywords, arguments.keyword_nodes
    shifted.complete = arguments.complete
    return build_functional(evaluator, shifted, node, arguments.positional[0].instance)


def _explicit_layer_init(evaluator: "Evaluator", arguments: "CallArguments", name: str) -> Value:
    """`keras.layers.Layer.__init__(self, name=...)` inside a layer subclass's `__init__`."""
    if arguments.positional and isinstance(arguments.positional[0], InstanceValue):
        base = keras_api.canonical(name[: -len(".__init__")])
        custom_layers.note_base_init(arguments.positional[0].instance, arguments, evaluator.trail.write, base, 1)
    return UNKNOWN


def _sequential(evaluator: "Evaluator", arguments: "CallArguments", node: cst.Call) -> Value:
    name, state = name_of(arguments)
    outputs = Outputs("single", (OutputLeaf(UNKNOWN, None),), None)
    model = ModelFacts("sequential", node, outputs, name if state == "explicit" else None)
    model.origin = evaluator.model_origin(node)
    evaluator.facts.models.append(model)
    return ModelValue(model)


def outputs_from(value: Value, node: Optional[cst.CSTNode]) -> Outputs:
    if isinstance(value, Tensor):
        if value.producer.may_be_multiple:
            return Outputs("unknown", (), node)
        return Outputs("single", (OutputLeaf(value, node),), node)
    if _is_nested(value):
        flat = _flatten_leaves(value)
        if flat is None:
            return Outputs("unknown", (), node)
        return Outputs("nested", tuple(flat), node, _nesting_of(value))
    if isinstance(value, Seq):
        nodes = value.item_nodes or (None,) * len(value.items)
        leaves = tuple(OutputLeaf(_single(item), item_node) for item, item_node in zip(value.items, nodes))
        return Outputs(value.kind, leaves, node)
    if isinstance(value, Mapping):
        leaves = tuple(
            OutputLeaf(_single(entry.value), entry.value_node, entry.key, entry.key_node)
            for entry in value.entries
        )
        return Outputs("dict", leaves, node)
    return Outputs("unknown", (), node)


def _single(value: Value) -> Value:
    if isinstance(value, Tensor) and not value.producer.may_be_multiple:
        return value
    return UNKNOWN


def _is_nested(value: Value) -> bool:
    """A list, tuple or dict holding another container."""
    if isinstance(value, Seq):
        return any(isinstance(item, (Seq, Mapping)) for item in value.items)
    if isinstance(value, Mapping):
        return any(isinstance(entry.value, (Seq, Mapping)) for entry in value.entries)
    return False


# Deeper structures than this are flattened but carry no nesting: no rule judges them.
MAX_NESTING_DEPTH = 8


def _nesting_of(value: Value) -> Optional[Nesting]:
    """The structure of nested outputs, its leaves numbered in `_flatten_leaves`'s order (lists in
    order, dicts by sorted key, depth first); None when it is too deep to describe."""
    counter = itertools.count()

    def describe(current: Value, depth: int) -> Optional[Nesting]:
        if depth > MAX_NESTING_DEPTH:
            return None
        if isinstance(current, Seq):
            items = [describe(item, depth + 1) for item in current.items]
            return None if any(item is None for item in items) else (current.kind, tuple(items))
        if isinstance(current, Mapping):
            ordered = sorted(current.entries, key=lambda entry: entry.key)
            described = [(entry.key, describe(entry.value, depth + 1)) for entry in ordered]
            return None if any(item is None for _, item in described) else ("dict", tuple(described))
        return next(counter)

    return describe(value, 0)


def _flatten_leaves(value: Value) -> Optional[list[OutputLeaf]]:
    """Keras's `tree.flatten`: lists in order, dicts by sorted key, depth first; None past
    `MAX_OUTPUTS` leaves (a structure sharing its parts can stand for exponentially many)."""
    leaves: list[OutputLeaf] = []
    pending: list[Value] = [value]
    visited = 0
    while pending:
        current = pending.pop()
        visited += 1
        if isinstance(current, Seq):
            pending.extend(reversed(current.items))
        elif isinstance(current, Mapping):
            ordered = sorted(current.entries, key=lambda entry: entry.key)
            pending.extend(entry.value for entry in reversed(ordered))
        else:
            leaves.append(OutputLeaf(_single(current), None))
        if visited + len(pending) > 4 * MAX_OUTPUTS:
            return None
    return leaves


def model_attribute(model: ModelFacts, attr: str) -> Value:
    """`model.output_names`, `model.output(s)`, `model.input(s)`: known for a Functional model whose
    outputs (inputs) are."""
    if attr == "output_names":
        return output_names_value(model)
    if attr in ("input", "inputs"):
        # Dict inputs flatten in sorted key order, which the written-order leaves do not follow.
        if model.inputs is not None and model.inputs.kind == "dict":
            return UNKNOWN
        return _structure_attribute(model, model.inputs, attr == "inputs")
    if attr in ("output", "outputs"):
        return _structure_attribute(model, model.outputs, attr == "outputs")
    return UNKNOWN


def _structure_attribute(model: ModelFacts, structure: Optional[Outputs], flat_list: bool) -> Value:
    """Keras flattens the structure: `.outputs`/`.inputs` is always a list, `.output`/`.input` the
    structure given (a list for a list or tuple)."""
    if model.kind != "functional" or structure is None or not structure.all_known():
        return UNKNOWN
    flat = tuple(leaf.value for leaf in structure.leaves)
    if flat_list or structure.kind in ("list", "tuple", "nested"):
        return Seq(flat, "list")
    if structure.kind == "single":
        return flat[0]
    return UNKNOWN


def output_names_value(model: ModelFacts) -> Value:
    """`model.output_names`: known when every output of a Functional model is explicitly named."""
    outputs = model.outputs
    if model.kind != "functional" or not outputs.all_named() or outputs.kind == "nested":
        return UNKNOWN
    leaves = outputs.leaves
    if outputs.kind == "dict":
        leaves = tuple(sorted(leaves, key=lambda leaf: leaf.key or ""))
    return Seq(tuple(Const(leaf.name) for leaf in leaves), "list")


# ------------------------------------------------------------------------------ classes of the module


def instantiate(
    evaluator: "Evaluator", info: ClassInfo, arguments: "CallArguments", node: cst.Call
) -> Value:
    if info.kind == "layer":
        return custom_layers.instantiate_layer(evaluator, info, arguments, node)
    instance = Instance(info)
    evaluator.register_instance(instance)
    value = InstanceValue(instance)
    initializer = find_method(info, "__init__")
    if initializer is not None:
        call_method_of(evaluator, value, initializer, arguments)
    elif info.kind == "model":
        build_functional(evaluator, arguments, node, instance)
    if info.kind != "model":
        return value
    if instance.model is None:
        instance.model = _subclassed_model(evaluator, value, node, arguments)
    return ModelValue(instance.model)


def _subclassed_model(
    evaluator: "Evaluator", owner: InstanceValue, node: cst.Call, arguments: "CallArguments"
) -> ModelFacts:
    """A Model subclass without Functional outputs: its `call` decides whether it returns a dict."""
    name, state = name_of(arguments)
    returned: Value = UNKNOWN
    call = find_method(owner.instance.info, "call")
    if call is not None:

        unknown = CallArguments()
        unknown.complete = False
        returned = call_method_of(evaluator, owner, call, unknown)
    model = ModelFacts("subclassed", node, _subclass_outputs(returned), name if state == "explicit" else None)
    model.origin = evaluator.model_origin(node)
    model.returns_dict = True if isinstance(returned, Mapping) else (
        False if isinstance(returned, (Tensor, Seq)) else None
    )
    evaluator.facts.models.append(model)
    return model


def _subclass_outputs(returned: Value) -> Outputs:
    if isinstance(returned, Mapping):
        leaves = tuple(OutputLeaf(UNKNOWN, entry.value_node, entry.key, entry.key_node) for entry in returned.entries)
        return Outputs("dict", leaves, None)
    return Outputs("unknown", (), None)


def call_super(
    evaluator: "Evaluator", owner: SuperValue, name: str, arguments: "CallArguments", node: cst.Call
) -> Value:
    if name != "__init__":
        return UNKNOWN
    instance = owner.instance
    current = _current_class(evaluator, instance)
    for base in current.bases if current is not None else ():
        if isinstance(base, ClassValue):
            found = find_method(base.info, "__init__")
            if found is not None:
                return call_method_of(evaluator, InstanceValue(instance), found, arguments)
            if base.info.kind == "layer":
                keras_base = custom_layers.keras_base_of(base.info)
                custom_layers.note_base_init(instance, arguments, evaluator.trail.write, keras_base)
                return UNKNOWN
        elif isinstance(base, KerasRef) and base.qualname in keras_api.MODEL_CLASSES:
            return build_functional(evaluator, arguments, node, instance)
        elif isinstance(base, KerasRef) and custom_layers.is_layer_base(base):
            keras_base = keras_api.canonical(base.qualname)
            custom_layers.note_base_init(instance, arguments, evaluator.trail.write, keras_base)
            return UNKNOWN
        elif current is not None and current.kind == "layer":
            # A base that is not followed may define the `__init__` that runs next: the name is unknown.
            return UNKNOWN
    return UNKNOWN


def _current_class(evaluator: "Evaluator", instance: Instance) -> Optional[ClassInfo]:
    for owner, info in reversed(evaluator.instance_stack):
        if owner.instance is instance:
            return info  # type: ignore[return-value]
    return None
