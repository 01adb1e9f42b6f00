"""Call arguments whose values come from another module of the project keep only this file's nodes.

A loss dict defined in `config.py` and passed here is a value whose keys and literal are that file's
nodes: a finding about one key is reported at this file's argument, and no fix edits another file.
Rules already treat a value without nodes (one not written as a literal here) that way, so the
other module's nodes are dropped from the values once the interpretation is over (when sharing and
identity no longer matter).
"""

from __future__ import annotations

from typing import Callable, Optional

import libcst as cst

from keras_loss_lint.analysis.facts import Argument, CallFacts, Const, Entry, Mapping, ModuleFacts, Seq, Value

MAX_DEPTH = 32
IsOwn = Callable[[cst.CSTNode], bool]


def keep_own_nodes(facts: ModuleFacts, is_own: IsOwn) -> None:
    """Drop, from the calls' argument values, every node for which `is_own` is False."""
    for call in facts.calls:
        memo: dict[int, Value] = {}
        call.arguments = {name: _argument(argument, is_own, memo) for name, argument in call.arguments.items()}
        call.positional = tuple(_argument(argument, is_own, memo) for argument in call.positional)


def _arguments(call: CallFacts) -> list[Argument]:
    return [*call.arguments.values(), *call.positional]


def _argument(argument: Argument, is_own: IsOwn, memo: dict[int, Value]) -> Argument:
    value = _stripped(argument.value, is_own, memo, 0)
    return argument if value is argument.value else Argument(value, argument.node)


def _own(node: Optional[cst.CSTNode], is_own: IsOwn) -> Optional[cst.CSTNode]:
    return node if node is not None and is_own(node) else None


def _stripped(value: Value, is_own: IsOwn, memo: dict[int, Value], depth: int) -> Value:
    known = memo.get(id(value))
    if known is not None:
        return known
    result = value
    if depth > MAX_DEPTH:
        return result
    if isinstance(value, Const) and value.node is not None and not is_own(value.node):
        result = Const(value.value)
    elif isinstance(value, Seq):
        result = _stripped_seq(value, is_own, memo, depth)
    elif isinstance(value, Mapping):
        result = _stripped_mapping(value, is_own, memo, depth)
    memo[id(value)] = result
    return result


def _stripped_seq(value: Seq, is_own: IsOwn, memo: dict[int, Value], depth: int) -> Seq:
    items = tuple(_stripped(item, is_own, memo, depth + 1) for item in value.items)
    node = _own(value.node, is_own)
    item_nodes = value.item_nodes
    if item_nodes is not None and not all(is_own(item) for item in item_nodes):
        item_nodes = None
    if node is value.node and item_nodes is value.item_nodes and all(a is b for a, b in zip(items, value.items)):
        return value
    return Seq(items, value.kind, node, item_nodes)


def _stripped_mapping(value: Mapping, is_own: IsOwn, memo: dict[int, Value], depth: int) -> Mapping:
    entries = tuple(
        Entry(
            entry.key,
            _stripped(entry.value, is_own, memo, depth + 1),
            _own(entry.key_node, is_own),
            _own(entry.value_node, is_own),
        )
        for entry in value.entries
    )
    node = _own(value.node, is_own)
    unchanged = node is value.node and all(
        a.value is b.value and a.key_node is b.key_node and a.value_node is b.value_node
        for a, b in zip(entries, value.entries)
    )
    return value if unchanged else Mapping(entries, node)
