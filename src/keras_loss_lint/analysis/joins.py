"""What two or more paths agree on when their values differ: Keras things whose name does not depend on
the path.

A tensor is a tensor on every path: the join of single tensors is a single tensor, named only when every
path names it the same. A Keras layer class chosen at run time (`Conv3D if three_d else Conv2D`) is
still a layer class: the layer it makes is named by its `name=`, whichever class it is. Anything else
that differs is UNKNOWN.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from keras_loss_lint.analysis import keras_api
from keras_loss_lint.analysis.facts import (
    UNKNOWN,
    KerasRef,
    LayerObject,
    NameState,
    Producer,
    Seq,
    Tensor,
    Value,
    same_value,
)


@dataclass(frozen=True)
class LayerClasses(Value):
    """One of several Keras layer classes (canonical names), not known which."""

    qualnames: frozenset[str]

    @property
    def class_name(self) -> str:
        return "/".join(sorted(name.rsplit(".", 1)[-1] for name in self.qualnames))


def join_differing(values: Sequence[Value]) -> Value:
    """The join of values of which at least two differ."""
    if all(isinstance(value, Tensor) and not value.producer.may_be_multiple for value in values):
        return Tensor(_joined_producer([value.producer for value in values if isinstance(value, Tensor)]))
    if all(isinstance(value, LayerObject) and value.owner is None for value in values):
        producers = [value.producer for value in values if isinstance(value, LayerObject)]
        if not any(producer.may_be_multiple for producer in producers):
            return LayerObject(_joined_producer(producers))
    if all(isinstance(value, Seq) and value.kind == "tuple" for value in values):
        # Tuples cannot change in place, so joining them part by part loses no aliasing.
        tuples = [value for value in values if isinstance(value, Seq)]
        if len({len(value.items) for value in tuples}) == 1:
            return Seq(tuple(_join_all(parts) for parts in zip(*(value.items for value in tuples))), "tuple")
        return UNKNOWN
    classes = [layer_classes_of(value) for value in values]
    if all(found is not None for found in classes):
        return LayerClasses(frozenset(name for found in classes if found is not None for name in found))
    return UNKNOWN


def _join_all(values: Sequence[Value]) -> Value:
    first = values[0]
    return first if all(same_value(first, value) for value in values[1:]) else join_differing(values)


def layer_classes_of(value: Value) -> Optional[frozenset[str]]:
    if isinstance(value, LayerClasses):
        return value.qualnames
    if isinstance(value, KerasRef) and keras_api.is_layer_class(keras_api.canonical(value.qualname)):
        return frozenset({keras_api.canonical(value.qualname)})
    return None


def _joined_producer(producers: list[Producer]) -> Producer:
    first = producers[0]
    name: Optional[str] = None
    state: NameState = "unknown"
    prefixes = {producer.auto_prefix for producer in producers}
    if all(producer.name_state == "explicit" and producer.name == first.name for producer in producers):
        name, state = first.name, "explicit"
    elif all(producer.name_state == "auto" for producer in producers) and len(prefixes) == 1:
        state = "auto"
    kinds = {producer.kind for producer in producers}
    classes = {producer.class_name for producer in producers}
    return Producer(
        first.kind if len(kinds) == 1 else "op",
        first.class_name if len(classes) == 1 else "/".join(sorted(classes)),
        name,
        state,
        first.node,
        first.auto_prefix if len(prefixes) == 1 else None,
    )
