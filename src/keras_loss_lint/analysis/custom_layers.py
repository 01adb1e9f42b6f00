"""Layers the module defines itself (subclasses of a Keras layer): their names and what calling them gives.

An instance's name is what reaches the Keras base `__init__`: the `name=` of the instantiation when the
class defines no `__init__`, else the `name=` its `__init__` passes on through `super().__init__(...)`
(followed with the instantiation's arguments). Without one, Keras names it `snake_case(class name)`
with a process-wide counter. Calling an instance runs its `call` with the call's arguments: every
tensor it returns (one, or a list or tuple of them) is an output of that layer and carries its name.
Whatever is not followed gives a tensor that may stand for several outputs, as before.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Callable, Optional

import libcst as cst

from keras_loss_lint.analysis import keras_api
from keras_loss_lint.analysis.arguments import CallArguments
from keras_loss_lint.analysis.methods_of_classes import call_method_of, find_method
from keras_loss_lint.analysis.facts import (
    NONE,
    UNKNOWN,
    ClassInfo,
    ClassValue,
    Const,
    Instance,
    InstanceValue,
    KerasRef,
    LayerObject,
    NameState,
    Producer,
    Seq,
    Tensor,
    Value,
)

if TYPE_CHECKING:
    from keras_loss_lint.analysis.arguments import Evaluator

# The instance attribute that holds what the Keras base `__init__` was given as `name=` (no Python
# attribute can be spelled so). Absent: the base `__init__` was not reached.
NAME_KEY = "<keras layer name>"
# Attributes through which user code may rename a layer after the base `__init__` ran.
RENAMING_ATTRIBUTES = ("name", "_name")
# Methods that change what calling the layer returns, or how its output structure is computed.
_STRUCTURE_METHODS = ("__call__", "compute_output_spec", "compute_output_shape")
# Parameters of `call` that Keras fills from the calling context when the caller does not pass them.
_CONTEXT_PARAMETERS = ("training", "mask")


def rename(layer: LayerObject) -> None:
    """`layer.name = ...` / `layer._name = ...` (a Keras 2 idiom): its name is no longer known."""
    layer.producer.name, layer.producer.name_state = None, "unknown"


def is_layer_base(value: Value) -> bool:
    """A Keras layer class a user class may derive from (`keras.layers.Layer`, `keras.layers.Dense`)."""
    if not isinstance(value, KerasRef):
        return False
    name = keras_api.canonical(value.qualname)
    return name in keras_api.LAYER_BASES or keras_api.is_layer_class(name)


TrailWrite = Callable[[dict[str, Value], str, Optional[Value]], None]


def note_base_init(
    instance: Instance, arguments: CallArguments, trail_write: TrailWrite, base: Optional[str], skipped: int = 0
) -> None:
    """The Keras base `__init__` (of class `base`, canonical) ran with `arguments` (the first `skipped`
    of them being `self`): remember the `name=` it was given."""
    positional = len(arguments.positional) - skipped
    if "name" not in arguments.keywords:
        # Keras 2's `Layer.__init__(trainable, name, ...)` also takes the name by position.
        by_position = positional >= 2 and base in keras_api.LAYER_BASES
        given: Value = NONE if arguments.complete and not by_position else UNKNOWN
    else:
        given = arguments.keywords["name"]
        if not (isinstance(given, Const) and (given.value is None or isinstance(given.value, str))):
            given = UNKNOWN
    trail_write(instance.attributes, NAME_KEY, given)


def instantiate_layer(
    evaluator: "Evaluator", info: ClassInfo, arguments: CallArguments, node: cst.Call
) -> Value:
    instance = Instance(info)
    evaluator.register_instance(instance)
    owner = InstanceValue(instance)
    initializer = find_method(info, "__init__")
    if initializer is None:
        note_base_init(instance, arguments, evaluator.trail.write, keras_base_of(info))
    else:
        call_method_of(evaluator, owner, initializer, arguments)
    name, state = _name_after_init(instance)
    class_name = info.node.name.value
    producer = Producer("layer", class_name, name, state, node, keras_api.to_snake_case(class_name))
    return LayerObject(producer, owner)


def _name_after_init(instance: Instance) -> tuple[Optional[str], NameState]:
    given = instance.attributes.get(NAME_KEY)
    if given is None or any(attribute in instance.attributes for attribute in RENAMING_ATTRIBUTES):
        return None, "unknown"
    if isinstance(given, Const) and isinstance(given.value, str):
        return given.value, "explicit"
    if given == NONE:
        return None, "auto"
    return None, "unknown"


def call_custom_layer(evaluator: "Evaluator", layer: LayerObject, arguments: CallArguments) -> Value:
    """The tensors calling the module's own layer gives: what its `call` returns, renamed after it."""
    owner = layer.owner
    assert isinstance(owner, InstanceValue)
    info = owner.instance.info
    producer = layer.producer
    several = replace(producer, may_be_multiple=True)
    if any(_defines(info, method) for method in _STRUCTURE_METHODS):
        return Tensor(several)
    call = find_method(info, "call")
    if call is None and _defines(info, "call"):
        return Tensor(several)  # a decorated or assigned `call`: not followed
    if call is None:
        base = keras_base_of(info)
        single = base is not None and base.rsplit(".", 1)[-1] not in _MULTI_RETURN_BASES
        return Tensor(producer) if single and arguments.complete else Tensor(several)
    returned = call_method_of(evaluator, owner, call, _with_context(call[0], arguments))
    return _renamed(returned, producer, several)


def _with_context(method: cst.FunctionDef, arguments: CallArguments) -> CallArguments:
    """Keras passes `training`/`mask` from the calling context: unknown unless the caller gave them."""
    names = {param.name.value for param in (*method.params.params, *method.params.kwonly_params)}
    missing = [name for name in _CONTEXT_PARAMETERS if name in names and name not in arguments.keywords]
    if not missing:
        return arguments
    completed = CallArguments()
    completed.positional = list(arguments.positional)
    completed.positional_nodes = list(arguments.positional_nodes)
    completed.keywords = {**arguments.keywords, **{name: UNKNOWN for name in missing}}
    completed.keyword_nodes = dict(arguments.keyword_nodes)
    completed.complete, completed.hidden = arguments.complete, list(arguments.hidden)
    return completed


def _renamed(returned: Value, producer: Producer, several: Producer) -> Value:
    if _one_tensor(returned):
        return Tensor(producer)
    if isinstance(returned, Seq) and returned.items and all(_one_tensor(item) for item in returned.items):
        return Seq(tuple(Tensor(producer) for _ in returned.items), returned.kind)
    return Tensor(several)


def _one_tensor(value: Value) -> bool:
    return isinstance(value, Tensor) and not value.producer.may_be_multiple


# Keras layer classes whose `call`, inherited by a subclass that defines none, may return several
# tensors (asked to by an argument, or whatever a wrapped layer or function returns).
_MULTI_RETURN_BASES = keras_api.RNN_LAYERS | frozenset(
    {"MultiHeadAttention", "Attention", "AdditiveAttention", "GroupQueryAttention", "Layer", "Wrapper",
     "TimeDistributed", "Lambda", "TFSMLayer", "TorchModuleWrapper", "JaxLayer", "FlaxLayer"}
)


def _defines(info: ClassInfo, name: str) -> bool:
    """Whether the class or a base of the module's own binds `name` in its body in any way."""
    for statement in info.node.body.body:
        if isinstance(statement, cst.FunctionDef) and statement.name.value == name:
            return True
        if name in _assigned_names(statement):
            return True
    return any(isinstance(base, ClassValue) and _defines(base.info, name) for base in info.bases)


def _assigned_names(statement: cst.CSTNode) -> set[str]:
    if not isinstance(statement, cst.SimpleStatementLine):
        return set()
    found: set[str] = set()
    for small in statement.body:
        targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else []
        if isinstance(small, (cst.AnnAssign, cst.AugAssign)):
            targets = [small.target]
        found.update(target.value for target in targets if isinstance(target, cst.Name))
    return found


def keras_base_of(info: ClassInfo) -> Optional[str]:
    """The canonical name of the Keras layer class the user class derives from (first found)."""
    for base in info.bases:
        if isinstance(base, KerasRef):
            return keras_api.canonical(base.qualname)
        if isinstance(base, ClassValue):
            found = keras_base_of(base.info)
            if found is not None:
                return found
    return None
