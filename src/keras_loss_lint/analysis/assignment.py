"""Assignment statements: names, unpacking, attributes, items and slices, `+=`, and `del`.

Writing an item or a slice of a list or dict, `del` of one, and `+=`/`|=`/`*=` on a list or dict change
the object in place: every name holding it sees the change (see `heap.py`).
"""

from __future__ import annotations

from typing import Optional, Sequence

import libcst as cst

from keras_loss_lint.analysis import builtins
from keras_loss_lint.analysis.custom_layers import RENAMING_ATTRIBUTES, rename
from keras_loss_lint.analysis.expressions import ExpressionEvaluator
from keras_loss_lint.analysis.facts import (
    UNKNOWN,
    Const,
    Entry,
    InstanceValue,
    LayerObject,
    Mapping,
    ModuleValue,
    Seq,
    Tensor,
    Value,
)
from keras_loss_lint.analysis.frames import Frame
from keras_loss_lint.analysis.heap import is_mutable

# In-place operators of lists and dicts (`a += b` extends the list `a` names, and every alias of it).
_IN_PLACE = frozenset({"Add", "BitOr", "Multiply"})


class AssignmentMixin(ExpressionEvaluator):
    def exec_assign(self, node: cst.Assign, frame: Frame) -> bool:
        value = self.eval(node.value, frame)
        for target in node.targets:
            self.assign(target.target, value, frame)
        return True

    def exec_ann_assign(self, node: cst.AnnAssign, frame: Frame) -> bool:
        if node.value is not None:
            self.assign(node.target, self.eval(node.value, frame), frame)
        return True

    def exec_aug_assign(self, node: cst.AugAssign, frame: Frame) -> bool:
        target = node.target
        if isinstance(target, (cst.Name, cst.Attribute)):
            current, place = self.place_of(target, frame)
        else:
            current, place = self.eval(target, frame), None
        operand = self.eval(node.value, frame)
        operator = type(node.operator).__name__.replace("Assign", "")
        if is_mutable(current) and operator in _IN_PLACE:
            changed = _in_place(operator, current, operand, self.iterate(operand))
            self.mutate(current, changed, frame, place)
            if place is None:
                self.assign(target, changed, frame)
            return True
        self.assign(target, self.binary(operator, current, operand, node), frame)
        return True

    def exec_del(self, node: cst.Del, frame: Frame) -> bool:
        self._delete(node.target, frame)
        return True

    def _delete(self, target: cst.BaseExpression, frame: Frame) -> None:
        if isinstance(target, cst.Name):
            frame.unbind(target.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._delete(element.value, frame)
        elif isinstance(target, cst.Attribute):
            owner = self.eval(target.value, frame)
            if isinstance(owner, InstanceValue):
                self.trail.write(owner.instance.attributes, target.attr.value, None)
        elif isinstance(target, cst.Subscript):
            container, place = self.place_of(target.value, frame)
            key = self.subscript_key(target, frame)
            if is_mutable(container):
                self.mutate(container, _without(container, key), frame, place)
            else:
                self.escape([container], frame)

    # ------------------------------------------------------------------------------ targets

    def assign(self, target: cst.CSTNode, value: Value, frame: Frame) -> None:
        if isinstance(target, cst.Name):
            frame.bind(target.value, value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            self._assign_unpacked(target, value, frame)
        elif isinstance(target, cst.StarredElement):
            self.assign(target.value, UNKNOWN, frame)
        elif isinstance(target, cst.Attribute):
            self._assign_attribute(target, value, frame)
        elif isinstance(target, cst.Subscript):
            self._assign_subscript(target, value, frame)

    def _assign_unpacked(self, target: cst.Tuple | cst.List, value: Value, frame: Frame) -> None:
        elements = [element.value for element in target.elements]
        starred = any(isinstance(element, cst.StarredElement) for element in target.elements)
        items: Optional[Sequence[Value]] = None
        if isinstance(value, Seq) and not starred and len(value.items) == len(elements):
            items = value.items
        elif isinstance(value, Tensor) and not starred:
            # A multi-output layer: every tensor it returns carries the layer's name.
            items = [value] * len(elements)
        for index, element in enumerate(elements):
            self.assign(element, items[index] if items is not None else UNKNOWN, frame)

    def _assign_attribute(self, target: cst.Attribute, value: Value, frame: Frame) -> None:
        owner = self.eval(target.value, frame)
        if isinstance(owner, LayerObject):
            if target.attr.value in RENAMING_ATTRIBUTES:
                rename(owner)
            owner = owner.owner if owner.owner is not None else owner
        if isinstance(owner, InstanceValue):
            self.trail.write(owner.instance.attributes, target.attr.value, value)
        elif isinstance(owner, ModuleValue):
            self.assign_module_attribute(owner, target.attr.value, value)

    def _assign_subscript(self, target: cst.Subscript, value: Value, frame: Frame) -> None:
        container, place = self.place_of(target.value, frame)
        key = self.subscript_key(target, frame)
        if is_mutable(container):
            self.mutate(container, _with_item(container, key, value, target), frame, place)
        elif not isinstance(container, Tensor):
            # `obj[k] = v` on anything else runs its `__setitem__`, which is not followed.
            self.escape([container, value], frame)


@builtins.guarded(UNKNOWN)
def _with_item(container: Value, key: Value, value: Value, target: cst.Subscript) -> Value:
    if not isinstance(key, Const):
        return UNKNOWN
    if isinstance(container, Mapping):
        if not isinstance(key.value, str):
            return UNKNOWN
        slice_node = target.slice[0].slice
        key_node = slice_node.value if isinstance(slice_node, cst.Index) else None
        return container.with_entry(Entry(key.value, value, key_node, None))
    if not isinstance(container, Seq) or isinstance(key.value, bool):
        return UNKNOWN
    items = list(container.items)
    if isinstance(key.value, int):
        items[key.value] = value
    elif isinstance(key.value, slice):
        replacement = builtins.iterate(value)
        if replacement is None:
            return UNKNOWN
        items[key.value] = replacement
    else:
        return UNKNOWN
    return Seq(tuple(items), container.kind) if len(items) <= builtins.MAX_LENGTH else UNKNOWN


@builtins.guarded(UNKNOWN)
def _without(container: Value, key: Value) -> Value:
    if not isinstance(key, Const):
        return UNKNOWN
    if isinstance(container, Mapping) and isinstance(key.value, str):
        if container.get(key.value) is None:
            return UNKNOWN  # KeyError at run time
        return Mapping(tuple(entry for entry in container.entries if entry.key != key.value))
    if isinstance(container, Seq) and isinstance(key.value, (int, slice)) and not isinstance(key.value, bool):
        items = list(container.items)
        del items[key.value]
        return Seq(tuple(items), container.kind)
    return UNKNOWN


@builtins.guarded(UNKNOWN)
def _in_place(operator: str, current: Value, operand: Value, added: Optional[Sequence[Value]]) -> Value:
    if isinstance(current, Seq) and operator == "Add":
        if added is None or len(current.items) + len(added) > builtins.MAX_LENGTH:
            return UNKNOWN
        return Seq(current.items + tuple(added), current.kind)
    return builtins.binary(operator, current, operand)
