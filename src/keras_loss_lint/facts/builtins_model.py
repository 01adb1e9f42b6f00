"""Python built-ins and methods of plain values, as far as names and dict keys depend on them."""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Callable, Optional

import libcst as cst

from keras_loss_lint.facts.model import UNKNOWN, Const, Entry, Mapping, Opaque, Seq, Value

if TYPE_CHECKING:
    from keras_loss_lint.facts.expressions import CallArguments

MAX_LENGTH = 512
MAX_STRING = 10_000

BUILTINS = frozenset(
    {
        "range", "len", "list", "tuple", "dict", "zip", "enumerate", "sorted", "reversed", "str",
        "int", "float", "bool", "print", "isinstance", "min", "max", "sum", "abs", "round", "super",
    }
)

_NUMERIC: dict[str, Callable[[object, object], object]] = {
    "Add": operator.add,
    "Subtract": operator.sub,
    "Multiply": operator.mul,
    "Divide": operator.truediv,
    "FloorDivide": operator.floordiv,
    "Modulo": operator.mod,
}
_STRING_METHODS = frozenset(
    {"upper", "lower", "title", "capitalize", "strip", "lstrip", "rstrip", "replace", "removeprefix",
     "removesuffix", "zfill", "casefold"}
)


def binary(operator_name: str, left: Value, right: Value) -> Value:
    if isinstance(left, Const) and isinstance(right, Const):
        return _constant_binary(operator_name, left.value, right.value)
    if operator_name == "Modulo" and _is_str(left) and isinstance(right, Seq):
        return _percent_format(left.value, right)  # type: ignore[union-attr]
    if operator_name == "Add" and isinstance(left, Seq) and isinstance(right, Seq):
        if len(left.items) + len(right.items) <= MAX_LENGTH:
            return Seq(left.items + right.items, left.kind)
    if operator_name == "Multiply" and isinstance(left, Seq) and isinstance(right, Const):
        return _repeat(left, right.value)
    if operator_name == "BitOr" and isinstance(left, Mapping) and isinstance(right, Mapping):
        merged = left
        for entry in right.entries:
            merged = merged.with_entry(entry)
        return Mapping(merged.entries)
    return UNKNOWN


def _constant_binary(operator_name: str, left: object, right: object) -> Value:
    function = _NUMERIC.get(operator_name)
    if function is None or not _safe_operands(operator_name, left, right):
        return UNKNOWN
    try:
        result = function(left, right)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return UNKNOWN
    if isinstance(result, str) and len(result) > MAX_STRING:
        return UNKNOWN
    return Const(result) if isinstance(result, (str, int, float, bool)) else UNKNOWN


def _safe_operands(operator_name: str, left: object, right: object) -> bool:
    """Refuse operations whose result could be huge (`"x" * 10**9`, big-int arithmetic)."""
    for value in (left, right):
        if isinstance(value, int) and abs(value) > 10**12:
            return False
    if operator_name == "Multiply" and (isinstance(left, str) or isinstance(right, str)):
        count = right if isinstance(left, str) else left
        return isinstance(count, int) and count <= MAX_STRING
    return True


def _percent_format(template: str, arguments: Seq) -> Value:
    if not all(isinstance(item, Const) for item in arguments.items):
        return UNKNOWN
    try:
        return Const(template % tuple(item.value for item in arguments.items))  # type: ignore[union-attr]
    except (TypeError, ValueError, KeyError):
        return UNKNOWN


def _repeat(sequence: Seq, count: object) -> Value:
    if not isinstance(count, int) or count < 0 or len(sequence.items) * count > MAX_LENGTH:
        return UNKNOWN
    return Seq(sequence.items * count, sequence.kind)


def subscript(owner: Value, key: Value) -> Value:
    if not isinstance(key, Const):
        return UNKNOWN
    if isinstance(owner, Seq):
        return _index_sequence(owner, key.value)
    if isinstance(owner, Mapping) and isinstance(key.value, str):
        entry = owner.get(key.value)
        return entry.value if entry is not None else UNKNOWN
    if isinstance(owner, Const) and isinstance(owner.value, str):
        try:
            return Const(owner.value[key.value])  # type: ignore[index]
        except (TypeError, IndexError):
            return UNKNOWN
    return UNKNOWN


def _index_sequence(owner: Seq, index: object) -> Value:
    try:
        if isinstance(index, slice):
            return Seq(tuple(owner.items[index]), owner.kind)
        if isinstance(index, int) and not isinstance(index, bool):
            return owner.items[index]
    except (IndexError, ValueError, TypeError):
        return UNKNOWN
    return UNKNOWN


def iterate(value: Value) -> Optional[tuple[Value, ...]]:
    if isinstance(value, Seq):
        return value.items
    if isinstance(value, Mapping):
        return tuple(Const(key) for key in value.keys())
    return None


def call_builtin(name: str, arguments: "CallArguments", node: cst.Call) -> Value:
    handler = _BUILTIN_CALLS.get(name)
    if handler is None or not arguments.complete:
        return UNKNOWN
    return handler(arguments)


def _range(arguments: "CallArguments") -> Value:
    bounds = arguments.positional
    if not bounds or arguments.keywords or not all(_is_int(b) for b in bounds):
        return UNKNOWN
    try:
        numbers = range(*(b.value for b in bounds))  # type: ignore[union-attr]
    except (TypeError, ValueError):
        return UNKNOWN
    if len(numbers) > MAX_LENGTH:
        return UNKNOWN
    return Seq(tuple(Const(n) for n in numbers), "list")


def _len(arguments: "CallArguments") -> Value:
    if len(arguments.positional) != 1:
        return UNKNOWN
    subject = arguments.positional[0]
    if isinstance(subject, Seq):
        return Const(len(subject.items))
    if isinstance(subject, Mapping):
        return Const(len(subject.entries))
    if isinstance(subject, Const) and isinstance(subject.value, str):
        return Const(len(subject.value))
    return UNKNOWN


def _sequence_of(kind: str) -> Callable[["CallArguments"], Value]:
    def build(arguments: "CallArguments") -> Value:
        if not arguments.positional:
            return Seq((), kind)  # type: ignore[arg-type]
        items = iterate(arguments.positional[0]) if len(arguments.positional) == 1 else None
        return Seq(items, kind) if items is not None else UNKNOWN  # type: ignore[arg-type]

    return build


def _dict(arguments: "CallArguments") -> Value:
    result = Mapping(())
    if len(arguments.positional) > 1:
        return UNKNOWN
    if arguments.positional:
        pairs = _pairs(arguments.positional[0])
        if pairs is None:
            return UNKNOWN
        for entry in pairs:
            result = result.with_entry(entry)
    for key, value in arguments.keywords.items():
        result = result.with_entry(Entry(key, value, None, arguments.keyword_nodes.get(key)))
    return result


def _pairs(source: Value) -> Optional[list[Entry]]:
    if isinstance(source, Mapping):
        return list(source.entries)
    if not isinstance(source, Seq):
        return None
    entries = []
    for pair in source.items:
        if not (isinstance(pair, Seq) and len(pair.items) == 2 and _is_str(pair.items[0])):
            return None
        entries.append(Entry(pair.items[0].value, pair.items[1]))  # type: ignore[union-attr]
    return entries


def _zip(arguments: "CallArguments") -> Value:
    if arguments.keywords:
        return UNKNOWN
    columns = [iterate(value) for value in arguments.positional]
    if not columns or any(column is None for column in columns):
        return UNKNOWN
    rows = zip(*columns)  # type: ignore[misc]
    return Seq(tuple(Seq(tuple(row), "tuple") for row in rows), "list")


def _enumerate(arguments: "CallArguments") -> Value:
    items = iterate(arguments.positional[0]) if len(arguments.positional) == 1 else None
    start = arguments.keywords.get("start", Const(0))
    if items is None or not _is_int(start):
        return UNKNOWN
    first = start.value  # type: ignore[union-attr]
    return Seq(tuple(Seq((Const(first + i), item), "tuple") for i, item in enumerate(items)), "list")


def _sorted(arguments: "CallArguments") -> Value:
    items = iterate(arguments.positional[0]) if len(arguments.positional) == 1 else None
    if items is None or arguments.keywords or not all(isinstance(i, Const) for i in items):
        return UNKNOWN
    try:
        return Seq(tuple(sorted(items, key=lambda item: item.value)), "list")  # type: ignore[union-attr]
    except TypeError:
        return UNKNOWN


def _reversed(arguments: "CallArguments") -> Value:
    items = iterate(arguments.positional[0]) if len(arguments.positional) == 1 else None
    return Seq(tuple(reversed(items)), "list") if items is not None else UNKNOWN


def _converter(kind: type) -> Callable[["CallArguments"], Value]:
    def convert(arguments: "CallArguments") -> Value:
        if len(arguments.positional) != 1 or not isinstance(arguments.positional[0], Const):
            return UNKNOWN
        try:
            return Const(kind(arguments.positional[0].value))
        except (TypeError, ValueError):
            return UNKNOWN

    return convert


_BUILTIN_CALLS: dict[str, Callable[["CallArguments"], Value]] = {
    "range": _range,
    "len": _len,
    "list": _sequence_of("list"),
    "tuple": _sequence_of("tuple"),
    "dict": _dict,
    "zip": _zip,
    "enumerate": _enumerate,
    "sorted": _sorted,
    "reversed": _reversed,
    "str": _converter(str),
    "int": _converter(int),
    "float": _converter(float),
}


def call_method(owner: Value, name: str, arguments: "CallArguments") -> tuple[Value, Optional[Value]]:
    """The result of `owner.name(...)`, and the new value of `owner` when the method mutates it."""
    if not arguments.complete:
        return UNKNOWN, (UNKNOWN if name in _MUTATORS else None)
    if isinstance(owner, Const) and isinstance(owner.value, str):
        return _string_method(owner.value, name, arguments), None
    if isinstance(owner, Seq):
        return _sequence_method(owner, name, arguments)
    if isinstance(owner, Mapping):
        return _mapping_method(owner, name, arguments)
    return UNKNOWN, None


_MUTATORS = frozenset({"append", "extend", "insert", "update", "pop", "clear", "setdefault", "remove"})


def _string_method(text: str, name: str, arguments: "CallArguments") -> Value:
    values = [v.value for v in arguments.positional if isinstance(v, Const)]
    keyword_values = {k: v.value for k, v in arguments.keywords.items() if isinstance(v, Const)}
    if len(values) != len(arguments.positional) or len(keyword_values) != len(arguments.keywords):
        return UNKNOWN
    if name == "format":
        try:
            return Const(text.format(*values, **keyword_values))
        except (IndexError, KeyError, ValueError, AttributeError, TypeError):
            return UNKNOWN
    if name == "join":
        return _join(text, arguments)
    if name in _STRING_METHODS:
        try:
            result = getattr(text, name)(*values, **keyword_values)
        except (TypeError, ValueError):
            return UNKNOWN
        return Const(result) if isinstance(result, str) else UNKNOWN
    return UNKNOWN


def _join(separator: str, arguments: "CallArguments") -> Value:
    items = iterate(arguments.positional[0]) if len(arguments.positional) == 1 else None
    if items is None or not all(_is_str(item) for item in items):
        return UNKNOWN
    return Const(separator.join(item.value for item in items))  # type: ignore[union-attr]


def _sequence_method(owner: Seq, name: str, arguments: "CallArguments") -> tuple[Value, Optional[Value]]:
    args = arguments.positional
    if name == "append" and len(args) == 1 and len(owner.items) < MAX_LENGTH:
        return Const(None), Seq(owner.items + (args[0],), owner.kind)
    if name == "extend" and len(args) == 1:
        added = iterate(args[0])
        if added is not None and len(owner.items) + len(added) <= MAX_LENGTH:
            return Const(None), Seq(owner.items + added, owner.kind)
    if name == "copy" and not args:
        return Seq(owner.items, owner.kind), None
    if name in _MUTATORS:
        return UNKNOWN, UNKNOWN
    return UNKNOWN, None


def _mapping_method(owner: Mapping, name: str, arguments: "CallArguments") -> tuple[Value, Optional[Value]]:
    args = arguments.positional
    if name == "keys" and not args:
        return Seq(tuple(Const(k) for k in owner.keys()), "list"), None
    if name == "values" and not args:
        return Seq(tuple(e.value for e in owner.entries), "list"), None
    if name == "items" and not args:
        return Seq(tuple(Seq((Const(e.key), e.value), "tuple") for e in owner.entries), "list"), None
    if name == "copy" and not args:
        return Mapping(owner.entries), None
    if name == "get" and args and _is_str(args[0]):
        entry = owner.get(args[0].value)  # type: ignore[union-attr]
        return (entry.value if entry else (args[1] if len(args) > 1 else Const(None))), None
    if name == "update":
        return Const(None), _updated(owner, arguments)
    if name in _MUTATORS:
        return UNKNOWN, UNKNOWN
    return UNKNOWN, None


def _updated(owner: Mapping, arguments: "CallArguments") -> Value:
    if len(arguments.positional) > 1:
        return UNKNOWN
    result = owner
    if arguments.positional:
        pairs = _pairs(arguments.positional[0])
        if pairs is None:
            return UNKNOWN
        for entry in pairs:
            result = result.with_entry(entry)
    for key, value in arguments.keywords.items():
        result = result.with_entry(Entry(key, value))
    return Mapping(result.entries)


def _is_str(value: Value) -> bool:
    return isinstance(value, Const) and isinstance(value.value, str)


def _is_int(value: Value) -> bool:
    return isinstance(value, Const) and isinstance(value.value, int) and not isinstance(value.value, bool)


__all__ = ["BUILTINS", "Opaque", "binary", "call_builtin", "call_method", "iterate", "subscript"]
