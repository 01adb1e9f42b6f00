"""Plain data extracted once per module: abstract values, models, and the calls made on them.

Unknown is a first-class value: whatever the extraction cannot be sure of becomes `UNKNOWN`, and every
rule that depends on it stays silent.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Literal, Optional

import libcst as cst

from keras_loss_lint.keras.api import LABEL_METHODS, X_METHODS
from keras_loss_lint.keras.scenario import Nesting

_identity = itertools.count(1)


class Value:
    """An abstract value of the module's Python code."""


@dataclass(frozen=True)
class Unknown(Value):
    pass


UNKNOWN = Unknown()


@dataclass(frozen=True)
class Const(Value):
    """A Python constant: str, int, float, bool or None."""

    value: object
    node: Optional[cst.CSTNode] = field(default=None, compare=False, hash=False, repr=False)


NONE = Const(None)


@dataclass(frozen=True)
class Opaque(Value):
    """Something known not to be None whose contents do not matter (a lambda, a loss object)."""

    description: str = ""


@dataclass(frozen=True)
class Array(Value):
    """A single numeric array (np.zeros(...), tf.constant(...)): never a container of labels."""


@dataclass(frozen=True, eq=False)
class Seq(Value):
    items: tuple[Value, ...]
    kind: Literal["list", "tuple"] = "list"
    node: Optional[cst.CSTNode] = field(default=None, compare=False, hash=False, repr=False)
    # Nodes of the literal's elements, aligned with `items` (None when not written as a literal).
    item_nodes: Optional[tuple[cst.CSTNode, ...]] = field(default=None, compare=False, hash=False, repr=False)

    # Structures may share parts (`x = [x, x]` in a loop): equality walks them by identity with a memo,
    # and the hash reads only the top level, so neither costs more than the structure's distinct nodes.
    def __eq__(self, other: object) -> bool:
        return isinstance(other, Seq) and same_value(self, other)

    def __hash__(self) -> int:
        return hash((self.kind, len(self.items)))


@dataclass(frozen=True)
class Entry:
    key: str
    value: Value
    key_node: Optional[cst.CSTNode] = field(default=None, compare=False, hash=False, repr=False)
    value_node: Optional[cst.CSTNode] = field(default=None, compare=False, hash=False, repr=False)


@dataclass(frozen=True, eq=False)
class Mapping(Value):
    """A dict whose keys are all known strings, in insertion order."""

    entries: tuple[Entry, ...]
    node: Optional[cst.CSTNode] = field(default=None, compare=False, hash=False, repr=False)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mapping) and same_value(self, other)

    def __hash__(self) -> int:
        return hash(self.keys())

    def keys(self) -> tuple[str, ...]:
        return tuple(entry.key for entry in self.entries)

    def get(self, key: str) -> Optional[Entry]:
        for entry in self.entries:
            if entry.key == key:
                return entry
        return None

    def with_entry(self, entry: Entry) -> "Mapping":
        kept = tuple(e for e in self.entries if e.key != entry.key)
        if len(kept) == len(self.entries):
            return Mapping(self.entries + (entry,))
        return Mapping(tuple(entry if e.key == entry.key else e for e in self.entries))


MAX_COMPARED_NODES = 20_000


def same_value(first: Value, second: Value) -> bool:
    """Whether two abstract values are the same, comparing shared parts once.

    Pairs already under comparison count as equal (a structure is finite, so this only cuts repeats).
    Past `MAX_COMPARED_NODES` distinct pairs the answer is False: "maybe different" is the safe side.
    """
    seen: set[tuple[int, int]] = set()
    pending: list[tuple[Value, Value]] = [(first, second)]
    while pending:
        left, right = pending.pop()
        if left is right:
            continue
        pair = (id(left), id(right))
        if pair in seen:
            continue
        seen.add(pair)
        if len(seen) > MAX_COMPARED_NODES or not _same_shell(left, right, pending):
            return False
    return True


def _same_shell(left: Value, right: Value, pending: list[tuple[Value, Value]]) -> bool:
    """Compare one level; the children still to compare are pushed onto `pending`."""
    if isinstance(left, Seq) and isinstance(right, Seq):
        if left.kind != right.kind or len(left.items) != len(right.items):
            return False
        pending.extend(zip(left.items, right.items))
        return True
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        if left.keys() != right.keys():
            return False
        pending.extend((a.value, b.value) for a, b in zip(left.entries, right.entries))
        return True
    if isinstance(left, (Seq, Mapping)) or isinstance(right, (Seq, Mapping)):
        return False
    if isinstance(left, Const) and isinstance(right, Const):
        # 1, 1.0 and True are equal in Python but not interchangeable (`is True`, names, repr).
        return type(left.value) is type(right.value) and bool(left.value == right.value)
    return bool(left == right)


@dataclass(frozen=True)
class KerasRef(Value):
    """A Keras (or TensorFlow / NumPy) module, class or function, by canonical dotted name."""

    qualname: str


NameState = Literal["explicit", "auto", "unknown"]


@dataclass(eq=False)
class Producer:
    """The layer, input, op or nested model that produces tensors; its name is what Keras matches."""

    kind: Literal["layer", "input", "op", "model"]
    class_name: str
    name: Optional[str]
    name_state: NameState
    node: cst.CSTNode
    auto_prefix: Optional[str] = None
    # A layer that may return several tensors (RNN with return_state, a custom layer): a single use of
    # it as `outputs` may stand for several outputs.
    may_be_multiple: bool = False
    identity: int = field(default_factory=lambda: next(_identity))

    def describe(self) -> str:
        if self.name_state == "explicit":
            return f"{self.class_name}(name={self.name!r})"
        return f"{self.class_name}(...) without name="


@dataclass(frozen=True)
class Tensor(Value):
    producer: Producer


@dataclass(frozen=True)
class LayerObject(Value):
    """A layer instance: every call produces tensors named after it."""

    producer: Producer
    # For a layer class of the module's own: its instance, whose `call` is followed.
    owner: Optional[Value] = field(default=None, compare=False, hash=False, repr=False)


@dataclass(frozen=True)
class FunctionValue(Value):
    node: cst.FunctionDef
    scope: "object" = field(compare=False, hash=False)  # the defining Frame (closures)
    bound_self: Optional[Value] = field(default=None, compare=False, hash=False, repr=False)


ClassKind = Literal["model", "layer", "other"]


@dataclass(eq=False)
class ClassInfo:
    node: cst.ClassDef
    methods: dict[str, cst.FunctionDef]
    scope: object
    kind: ClassKind
    bases: tuple[Value, ...] = ()


@dataclass(frozen=True)
class ClassValue(Value):
    info: ClassInfo


@dataclass(eq=False)
class Instance:
    info: ClassInfo
    attributes: dict[str, Value] = field(default_factory=dict)
    model: Optional["ModelFacts"] = None


@dataclass(frozen=True)
class InstanceValue(Value):
    instance: Instance


@dataclass(frozen=True)
class SuperValue(Value):
    instance: Instance


@dataclass(frozen=True)
class ModelValue(Value):
    model: "ModelFacts"


@dataclass(frozen=True, eq=False)
class ModuleValue(Value):
    """A module of the project, imported: its attributes are its top level's bindings."""

    loaded: object = field(repr=False)  # the `project_modules.LoadedModule`


OutputsKind = Literal["single", "list", "tuple", "dict", "nested", "unknown"]


@dataclass(frozen=True)
class OutputLeaf:
    """One output of a model, in written order."""

    value: Value
    node: Optional[cst.CSTNode]
    key: Optional[str] = None
    key_node: Optional[cst.CSTNode] = None

    @property
    def producer(self) -> Optional[Producer]:
        return self.value.producer if isinstance(self.value, Tensor) else None

    @property
    def name(self) -> Optional[str]:
        """The name Keras uses for this output when it is explicit (layer or nested model name=)."""
        producer = self.producer
        if producer is not None and producer.name_state == "explicit":
            return producer.name
        return None

    @property
    def is_unnamed(self) -> bool:
        """Known to be produced by something without name=: its name is auto-generated."""
        producer = self.producer
        return producer is not None and producer.name_state == "auto"


@dataclass(eq=False)
class Outputs:
    kind: OutputsKind
    leaves: tuple[OutputLeaf, ...]
    node: Optional[cst.CSTNode] = None
    # Nested outputs: their structure, its leaves indexes into `leaves` (Keras's flattened order).
    nesting: Optional[Nesting] = None

    @property
    def count(self) -> int:
        return len(self.leaves)

    def all_named(self) -> bool:
        return bool(self.leaves) and all(leaf.name is not None for leaf in self.leaves)

    def names(self) -> tuple[Optional[str], ...]:
        return tuple(leaf.name for leaf in self.leaves)

    def keys(self) -> tuple[str, ...]:
        return tuple(leaf.key or "" for leaf in self.leaves)

    def all_known(self) -> bool:
        return bool(self.leaves) and all(leaf.producer is not None for leaf in self.leaves)


# A Functional model's `inputs` have the same shape of facts as its outputs: the structure as written,
# its leaves in Keras's flattened order, and each one's `Input(name=)` (or "auto": `input_layer_3`).
Inputs = Outputs

ModelKind = Literal["functional", "sequential", "subclassed"]


@dataclass(frozen=True, eq=False)
class ModelOrigin:
    """Where a model built in another module of the project was built: messages say so, since the
    output names they quote are not in the file they are reported in."""

    path: str  # the module's file
    display: str  # the same, relative to the project root
    node: cst.CSTNode  # the model's construction, in `module`
    module: cst.Module
    source: str
    function: Optional[str] = None  # the function of that module that built it, if any


@dataclass(eq=False)
class ModelFacts:
    kind: ModelKind
    node: cst.CSTNode
    outputs: Outputs
    name: Optional[str] = None
    # A subclassed model whose `call` provably never returns a dict has no output names at all.
    returns_dict: Optional[bool] = None
    as_layer: Optional[Producer] = None
    identity: int = field(default_factory=lambda: next(_identity))
    origin: Optional[ModelOrigin] = None
    # Functional models only: None where the `inputs` argument could not be read at all.
    inputs: Optional[Inputs] = None


@dataclass(frozen=True)
class Argument:
    value: Value
    node: cst.BaseExpression


Method = Literal[
    "compile", "fit", "evaluate", "train_on_batch", "test_on_batch", "predict", "predict_on_batch"
]


@dataclass(eq=False)
class CallFacts:
    """A call of one of `keras.api.RECORDED_METHODS` on a model."""

    method: Method
    node: cst.Call
    model: Optional[ModelFacts]
    arguments: dict[str, Argument]
    positional: tuple[Argument, ...] = ()
    # False when `*args`/`**kwargs` hid some arguments: what is absent may still be passed.
    complete: bool = True
    # Set when the call is written in a function of another project module that this file called
    # with the model (`compile_fixed(model)`): where it really is (its node, file and function). Then
    # `node` and every argument's node are this file's call that entered that module's code, so
    # reports land there, and no fix applies (the text to edit is the other file's).
    site: Optional[ModelOrigin] = None

    def argument(self, name: str) -> Optional[Argument]:
        return self.arguments.get(name)


@dataclass
class ModuleFacts:
    imports_keras: bool = False
    # The top-level packages the module's Keras names come from ("keras", "tensorflow", "tf_keras").
    keras_packages: set[str] = field(default_factory=set)
    models: list[ModelFacts] = field(default_factory=list)
    calls: list[CallFacts] = field(default_factory=list)
    # The other project files these facts were read from, and why the analysis stopped short of
    # following every import (too many project modules), if it did.
    dependencies: tuple[str, ...] = ()
    partial: Optional[str] = None
    # Node identities of the other modules' trees (a report on one of them is not this file's).
    foreign_node_ids: tuple[frozenset[int], ...] = ()

    def is_foreign(self, node: cst.CSTNode) -> bool:
        """Whether `node` belongs to another module of the project rather than to this one."""
        return any(id(node) in ids for ids in self.foreign_node_ids)

    def compiles(self) -> list[CallFacts]:
        return [call for call in self.calls if call.method == "compile"]

    def label_calls(self) -> list[CallFacts]:
        """The calls that may pass labels (`predict` takes none)."""
        return [call for call in self.calls if call.method in LABEL_METHODS]

    def x_calls(self) -> list[CallFacts]:
        """The calls that pass inputs: every recorded method but `compile`."""
        return [call for call in self.calls if call.method in X_METHODS]

    def calls_on(self, model: ModelFacts, method: Optional[str] = None) -> list[CallFacts]:
        return [
            call
            for call in self.calls
            if call.model is model and (method is None or call.method == method)
        ]
