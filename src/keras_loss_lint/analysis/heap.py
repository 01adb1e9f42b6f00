"""In-place changes of lists, dicts and instances, seen through every name that holds them.

Lists and dicts are immutable abstract values whose identity stands for the Python object's: a list
literal evaluated twice gives two values, `b = a` shares one. Mutating an object therefore replaces
the old value by the new one in every store that holds it, directly or inside a tuple, list or dict
(rebuilt once per shared part). Handing an object to code the interpreter does not follow replaces it
by UNKNOWN the same way, and makes the attributes of every instance it reaches unknown.
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from keras_loss_lint.analysis.base import EvaluatorBase
from keras_loss_lint.analysis.facts import UNKNOWN, Entry, Instance, InstanceValue, LayerObject, Mapping, Seq, Value
from keras_loss_lint.analysis.frames import Frame, Store, distinct

# Parts of one structure rebuilt or searched before giving up (the holder then becomes UNKNOWN).
MAX_REBUILT = 4_096
# Items of lists and dicts one mutation walks through, over every store it updates: a structure built
# to be wide and self-sharing (`l.append(l[:])` in nested loops) would otherwise make each mutation
# walk millions. Past the bound what is left to walk is UNKNOWN; walking costs steps, this many per step.
MAX_WALKED = 65_536
ITEMS_PER_STEP = 8
MAX_DEPTH = 200

Place = Optional[tuple[Store, str]]


def is_mutable(value: Value) -> bool:
    return isinstance(value, Mapping) or (isinstance(value, Seq) and value.kind == "list")


class HeapMixin(EvaluatorBase):
    def __init__(self) -> None:
        super().__init__()
        # Parameter defaults are evaluated once per function, as Python does, and may be mutated.
        self.default_store: Store = {}

    def stores(self, frame: Frame) -> list[Store]:
        """Every store a mutation may have to update: the scopes that can still be read, instances."""
        roots = [frame, *self.active_frames, *self.closure_frames.values()]
        frames = distinct(scope for root in roots for scope in root.chain())
        return [scope.vars for scope in frames] + [i.attributes for i in self.instances] + [self.default_store]

    def place_of(self, node: cst.BaseExpression, frame: Frame) -> tuple[Value, Place]:
        """Evaluate `node` once, with the store key it was read from when it is a name or attribute."""
        if isinstance(node, cst.Name):
            holder = frame.holder(node.value)
            if holder is not None:
                return holder.vars[node.value], (holder.vars, node.value)
        if isinstance(node, cst.Attribute):
            owner = self.eval(node.value, frame)
            if isinstance(owner, InstanceValue) and node.attr.value in owner.instance.attributes:
                store = owner.instance.attributes
                return store[node.attr.value], (store, node.attr.value)
            return self.attribute_of(owner, node.attr.value), None
        return self.eval(node, frame), None

    def attribute_of(self, owner: Value, attr: str) -> Value:  # pragma: no cover - overridden
        raise NotImplementedError

    def mutate(self, old: Value, new: Value, frame: Frame, place: Place = None) -> None:
        """`old` was changed in place into `new`: every holder of `old` now holds `new`."""
        if old is new:
            return
        if place is not None and place[0].get(place[1]) is old:
            self.trail.write(place[0], place[1], new)
        if is_mutable(old):
            self.replace_everywhere({id(old): new}, frame)

    def escape(self, values: list[Value], frame: Frame) -> None:
        """`values` reach code that is not followed: whatever it can change becomes UNKNOWN."""
        objects, instances = _reachable(values)
        if objects:
            self.replace_everywhere({ident: UNKNOWN for ident in objects}, frame)
        for instance in instances:
            for key in list(instance.attributes):
                self.trail.write(instance.attributes, key, UNKNOWN)

    def replace_everywhere(self, replaced: dict[int, Value], frame: Frame) -> None:
        rebuilt: dict[int, Value] = dict(replaced)
        budget = [MAX_REBUILT, MAX_WALKED]  # parts rebuilt, items walked: shared by every store
        for store in self.stores(frame):
            self.tick(len(store))
            for key, value in list(store.items()):
                new = _substitute(value, rebuilt, budget)
                if new is not value:
                    self.trail.write(store, key, new)
        self.tick((MAX_WALKED - budget[1]) // ITEMS_PER_STEP)


def _substitute(value: Value, rebuilt: dict[int, Value], budget: list[int]) -> Value:
    """`value` with every part listed in `rebuilt` replaced; `rebuilt` memoises each part's result."""
    if not isinstance(value, (Seq, Mapping)):
        return value
    known = rebuilt.get(id(value))
    if known is not None:
        return known
    return _rebuild(value, rebuilt, budget, 0)


def _rebuild(value: Value, rebuilt: dict[int, Value], budget: list[int], depth: int) -> Value:
    if not isinstance(value, (Seq, Mapping)):
        return value
    known = rebuilt.get(id(value))
    if known is not None:
        return known
    budget[0] -= 1
    budget[1] -= len(value.items) if isinstance(value, Seq) else len(value.entries)
    if budget[0] < 0 or budget[1] < 0 or depth > MAX_DEPTH:
        return UNKNOWN
    result: Value = value
    if isinstance(value, Seq):
        items = tuple(_rebuild(item, rebuilt, budget, depth + 1) for item in value.items)
        if any(new is not old for new, old in zip(items, value.items)):
            result = Seq(items, value.kind, value.node, value.item_nodes)
    else:
        entries = tuple(_rebuild_entry(entry, rebuilt, budget, depth) for entry in value.entries)
        if any(new is not old for new, old in zip(entries, value.entries)):
            result = Mapping(entries, value.node)
    rebuilt[id(value)] = result
    return result


def _rebuild_entry(entry: Entry, rebuilt: dict[int, Value], budget: list[int], depth: int) -> Entry:
    value = _rebuild(entry.value, rebuilt, budget, depth + 1)
    return entry if value is entry.value else Entry(entry.key, value, entry.key_node, entry.value_node)


def _reachable(values: list[Value]) -> tuple[set[int], list[Instance]]:
    """The lists, dicts and instances reachable from `values` (through instance attributes too)."""
    objects: set[int] = set()
    instances: dict[int, Instance] = {}
    seen: set[int] = set()
    pending = list(values)
    while pending and len(seen) < MAX_REBUILT:
        value = pending.pop()
        if id(value) in seen:
            continue
        seen.add(id(value))
        if is_mutable(value):
            objects.add(id(value))
        if isinstance(value, Seq):
            pending.extend(value.items)
        elif isinstance(value, Mapping):
            pending.extend(entry.value for entry in value.entries)
        elif isinstance(value, InstanceValue):
            instances[id(value.instance)] = value.instance
            pending.extend(value.instance.attributes.values())
        elif isinstance(value, LayerObject) and value.owner is not None:
            pending.append(value.owner)  # a layer class of the module's own: its instance
    return objects, list(instances.values())
