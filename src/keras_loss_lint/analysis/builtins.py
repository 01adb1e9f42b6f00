"""Python built-ins and operators on plain values, as far as names and dict keys depend on them.

Every modelled operation runs under `guarded`: whatever it raises on hostile input (an overflow, a
zero slice step, a huge width) makes the result UNKNOWN. Sizes are checked before a string or list
is built, so no operation can allocate more than `MAX_STRING` characters or `MAX_LENGTH` items.
"""

from __future__ import annotations

import functools
import operator
import re
from typing import TYPE_CHECKING, Any, Callable, Optional, ParamSpec, TypeVar, cast

import libcst as cst

from keras_loss_lint.analysis.facts import UNKNOWN, Const, Entry, Mapping, Opaque, Seq, Value
from keras_loss_lint.analysis.frames import BudgetExceeded

if TYPE_CHECKING:
    from keras_loss_lint.analysis.arguments import CallArguments

MAX_LENGTH = 512
MAX_STRING = 10_000
MAX_NUMBER = 10**12

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
# `%` conversions: flags, width and precision (a `*` takes them from the arguments).
_PERCENT_FIELD = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d*)(?:\.(\*|\d*))?")

Parameters = ParamSpec("Parameters")
Result = TypeVar("Result")


def guarded(fallback: object) -> Callable[[Callable[Parameters, Result]], Callable[Parameters, Result]]:
    """Run a modelled operation; any exception it raises means the result is not known (`fallback`)."""

    def decorate(function: Callable[Parameters, Result]) -> Callable[Parameters, Result]:
        @functools.wraps(function)
        def run(*args: Parameters.args, **kwargs: Parameters.kwargs) -> Result:
            try:
                return function(*args, **kwargs)
            except BudgetExceeded:
                raise
            except Exception:  # noqa: BLE001 - hostile input to a modelled operation
                return cast(Result, fallback)

        return run

    return decorate


def small_text(value: object) -> bool:
    return not isinstance(value, str) or len(value) <= MAX_STRING


def small_percent_template(template: str) -> bool:
    for width, precision in _PERCENT_FIELD.findall(template):
        for number in (width, precision):
            if number == "*" or (number and int(number) > MAX_STRING):
                return False
    return True


@guarded(UNKNOWN)
def number(node: cst.Integer | cst.Float | cst.Imaginary) -> Value:
    """A numeric literal; one Python itself refuses to convert (more digits than its int-string limit
    allows: `1` and 5,000 zeros) is unknown."""
    return Const(node.evaluated_value, node)


@guarded(UNKNOWN)
def binary(operator_name: str, left: Value, right: Value) -> Value:
    if isinstance(left, Const) and isinstance(right, Const):
        return _constant_binary(operator_name, left.value, right.value)
    if operator_name == "Modulo" and isinstance(left, Const) and isinstance(left.value, str):
        return _percent_format(left.value, right)
    if operator_name == "Add" and isinstance(left, Seq) and isinstance(right, Seq) and left.kind == right.kind:
        if len(left.items) + len(right.items) <= MAX_LENGTH:
            return Seq(left.items + right.items, left.kind)
    if operator_name == "Multiply" and isinstance(left, Seq) and isinstance(right, Const):
        return _repeat(left, right.value)
    if operator_name == "Multiply" and isinstance(left, Const) and isinstance(right, Seq):
        return _repeat(right, left.value)
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
    if operator_name == "Modulo" and isinstance(left, str):
        return _percent_format(left, Const(right))
    result = function(left, right)
    if isinstance(result, str) and len(result) > MAX_STRING:
        return UNKNOWN
    return Const(result) if isinstance(result, (str, int, float, bool)) else UNKNOWN


def _safe_operands(operator_name: str, left: object, right: object) -> bool:
    """Refuse operations whose result could be huge (`"x" * 10**9`, big-int arithmetic)."""
    for value in (left, right):
        if isinstance(value, int) and abs(value) > MAX_NUMBER:
            return False
    if operator_name == "Multiply" and (isinstance(left, str) or isinstance(right, str)):
        text, count = (left, right) if isinstance(left, str) else (right, left)
        return isinstance(count, int) and isinstance(text, str) and len(text) * max(count, 0) <= MAX_STRING
    return True


def _percent_format(template: str, arguments: Value) -> Value:
    if not small_percent_template(template):
        return UNKNOWN
    if isinstance(arguments, Seq) and arguments.kind == "tuple":
        if not all(isinstance(item, Const) for item in arguments.items):
            return UNKNOWN
        values: object = tuple(item.value for item in arguments.items if isinstance(item, Const))
    elif isinstance(arguments, Const):
        values = arguments.value
    else:
        return UNKNOWN
    result = template % values
    return Const(result) if len(result) <= MAX_STRING else UNKNOWN


def _repeat(sequence: Seq, count: object) -> Value:
    if not isinstance(count, int) or isinstance(count, bool):
        return UNKNOWN
    count = max(count, 0)
    if len(sequence.items) * count > MAX_LENGTH:
        return UNKNOWN
    return Seq(sequence.items * count, sequence.kind)


@guarded(UNKNOWN)
def subscript(owner: Value, key: Value) -> Value:
    if not isinstance(key, Const):
        return UNKNOWN
    if isinstance(owner, Seq):
        return _index_sequence(owner, key.value)
    if isinstance(owner, Mapping) and isinstance(key.value, str):
        entry = owner.get(key.value)
        return entry.value if entry is not None else UNKNOWN
    if isinstance(owner, Const) and isinstance(owner.value, str):
        if isinstance(key.value, bool) or not isinstance(key.value, (int, slice)):
            return UNKNOWN
        return Const(owner.value[key.value])
    return UNKNOWN


def _index_sequence(owner: Seq, index: object) -> Value:
    if isinstance(index, slice):
        return Seq(tuple(owner.items[index]), owner.kind)
    if isinstance(index, int) and not isinstance(index, bool):
        return owner.items[index]
    return UNKNOWN


def iterate(value: Value) -> Optional[tuple[Value, ...]]:
    if isinstance(value, Seq):
        return value.items
    if isinstance(value, Mapping):
        return tuple(Const(key) for key in value.keys())
    return None


@guarded(UNKNOWN)
def call_builtin(name: str, arguments: "CallArguments", node: cst.Call) -> Value:
    handler = _BUILTIN_CALLS.get(name)
    if handler is None or not arguments.complete:
        return UNKNOWN
    return handler(arguments)


def _range(arguments: "CallArguments") -> Value:
    bounds = arguments.positional
    if not bounds or arguments.keywords or not all(_is_int(b) for b in bounds):
        return UNKNOWN
    numbers = range(*(int(b.value) for b in bounds if isinstance(b, Const) and isinstance(b.value, int)))
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
        items: Optional[tuple[Value, ...]] = ()
        if arguments.positional:
            items = iterate(arguments.positional[0]) if len(arguments.positional) == 1 else None
        if items is None or arguments.keywords:
            return UNKNOWN
        return Seq(items, "tuple") if kind == "tuple" else Seq(items, "list")

    return build


def _dict(arguments: "CallArguments") -> Value:
    result = Mapping(())
    if len(arguments.positional) > 1:
        return UNKNOWN
    if arguments.positional:
        pairs = pairs_of(arguments.positional[0])
        if pairs is None:
            return UNKNOWN
        for entry in pairs:
            result = result.with_entry(entry)
    for key, value in arguments.keywords.items():
        result = result.with_entry(Entry(key, value, None, arguments.keyword_nodes.get(key)))
    return result


def pairs_of(source: Value) -> Optional[list[Entry]]:
    if isinstance(source, Mapping):
        return list(source.entries)
    if not isinstance(source, Seq):
        return None
    entries = []
    for pair in source.items:
        if not (isinstance(pair, Seq) and len(pair.items) == 2):
            return None
        key = pair.items[0]
        if not (isinstance(key, Const) and isinstance(key.value, str)):
            return None
        entries.append(Entry(key.value, pair.items[1]))
    return entries


def _zip(arguments: "CallArguments") -> Value:
    if arguments.keywords:
        return UNKNOWN
    columns = [iterate(value) for value in arguments.positional]
    known = [column for column in columns if column is not None]
    if not columns or len(known) != len(columns):
        return UNKNOWN
    return Seq(tuple(Seq(tuple(row), "tuple") for row in zip(*known)), "list")


def _enumerate(arguments: "CallArguments") -> Value:
    items = iterate(arguments.positional[0]) if len(arguments.positional) == 1 else None
    start = arguments.keywords.get("start", Const(0))
    if items is None or not isinstance(start, Const) or not _is_int(start):
        return UNKNOWN
    first = int(start.value)  # type: ignore[call-overload]
    return Seq(tuple(Seq((Const(first + i), item), "tuple") for i, item in enumerate(items)), "list")


def _sorted(arguments: "CallArguments") -> Value:
    items = iterate(arguments.positional[0]) if len(arguments.positional) == 1 else None
    if items is None or arguments.keywords:
        return UNKNOWN
    constants: list[Const] = [item for item in items if isinstance(item, Const)]
    if len(constants) != len(items):
        return UNKNOWN
    ordered: list[Const] = sorted(constants, key=_sort_key)
    return Seq(tuple[Value, ...](ordered), "list")


def _sort_key(item: Const) -> Any:
    return item.value


def _reversed(arguments: "CallArguments") -> Value:
    items = iterate(arguments.positional[0]) if len(arguments.positional) == 1 else None
    return Seq(tuple(reversed(items)), "list") if items is not None else UNKNOWN


def _converter(kind: type) -> Callable[["CallArguments"], Value]:
    def convert(arguments: "CallArguments") -> Value:
        if len(arguments.positional) != 1 or arguments.keywords:
            return UNKNOWN
        subject = arguments.positional[0]
        if not isinstance(subject, Const) or not isinstance(subject.value, (str, int, float, bool)):
            return UNKNOWN
        if isinstance(subject.value, int) and abs(subject.value) > MAX_NUMBER and kind is str:
            return UNKNOWN
        result = kind(subject.value)
        return Const(result) if small_text(result) else UNKNOWN

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


def _is_int(value: Value) -> bool:
    return isinstance(value, Const) and isinstance(value.value, int) and not isinstance(value.value, bool)


__all__ = ["BUILTINS", "Opaque", "binary", "call_builtin", "guarded", "iterate", "pairs_of", "subscript"]
