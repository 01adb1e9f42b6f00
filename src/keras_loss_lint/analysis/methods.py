"""Methods of strings, lists and dicts: their results and, for in-place ones, the changed object.

A list or dict method that is not modelled exactly (or whose arguments are not known) reports the
object as changed to UNKNOWN: it may have been changed in any way.
"""

from __future__ import annotations

import string
from typing import TYPE_CHECKING, Any, Callable, Optional

from keras_loss_lint.analysis.builtins import MAX_LENGTH, MAX_STRING, guarded, iterate, pairs_of, small_text
from keras_loss_lint.analysis.facts import NONE, UNKNOWN, Const, Entry, Mapping, Seq, Value, same_value

if TYPE_CHECKING:
    from keras_loss_lint.analysis.arguments import CallArguments

# Methods that only read their object; any other method of a list or dict may change it.
_READING = frozenset({"copy", "index", "count", "keys", "values", "items", "get", "__len__", "__contains__"})
_STRING_METHODS = frozenset(
    {"upper", "lower", "title", "capitalize", "strip", "lstrip", "rstrip", "replace", "removeprefix",
     "removesuffix", "zfill", "casefold", "ljust", "rjust", "center", "swapcase"}
)
_WIDTH_METHODS = frozenset({"zfill", "ljust", "rjust", "center"})

Outcome = tuple[Value, Optional[Value]]


def call_method(owner: Value, name: str, arguments: "CallArguments") -> Outcome:
    """The result of `owner.name(...)`, and the new value of `owner` when the method changes it."""
    changes = _may_change(owner, name)
    outcome = _call_method(owner, name, arguments, changes)
    if outcome is None:
        return UNKNOWN, (UNKNOWN if changes else None)
    return outcome


def _may_change(owner: Value, name: str) -> bool:
    mutable = isinstance(owner, Mapping) or (isinstance(owner, Seq) and owner.kind == "list")
    return mutable and name not in _READING


@guarded(None)
def _call_method(owner: Value, name: str, arguments: "CallArguments", changes: bool) -> Optional[Outcome]:
    if not arguments.complete:
        return None
    if isinstance(owner, Const) and isinstance(owner.value, str):
        return _string_method(owner.value, name, arguments), None
    if isinstance(owner, Seq):
        return _sequence_method(owner, name, arguments)
    if isinstance(owner, Mapping):
        return _mapping_method(owner, name, arguments)
    return None


def _constants(arguments: "CallArguments") -> Optional[tuple[list[object], dict[str, object]]]:
    values = [v.value for v in arguments.positional if isinstance(v, Const)]
    keywords = {k: v.value for k, v in arguments.keywords.items() if isinstance(v, Const)}
    if len(values) != len(arguments.positional) or len(keywords) != len(arguments.keywords):
        return None
    return values, keywords


def _string_method(text: str, name: str, arguments: "CallArguments") -> Value:
    if name == "join":
        return _join(text, arguments)
    constants = _constants(arguments)
    if constants is None:
        return UNKNOWN
    values, keywords = constants
    if name == "format":
        result: object = text.format(*values, **keywords) if _small_format(text, values, keywords) else None
    elif name in _STRING_METHODS and _small_result(text, name, values):
        result = getattr(text, name)(*values, **keywords)
    else:
        return UNKNOWN
    return Const(result) if isinstance(result, str) and small_text(result) else UNKNOWN


def _small_format(template: str, values: list[object], keywords: dict[str, object]) -> bool:
    """No field of `str.format` may ask for a width or precision past the size cap."""
    for _literal, _field, spec, _conversion in string.Formatter().parse(template):
        if spec and ("{" in spec or any(int(d) > MAX_STRING for d in _digit_runs(spec))):
            return False
    return True


def _digit_runs(text: str) -> list[str]:
    runs, current = [], ""
    for character in text:
        if character.isdigit():
            current += character
        elif current:
            runs.append(current)
            current = ""
    return runs + ([current] if current else [])


def _small_result(text: str, name: str, values: list[object]) -> bool:
    """Check the size of the result before it is built."""
    if name in _WIDTH_METHODS:
        return bool(values) and isinstance(values[0], int) and values[0] <= MAX_STRING
    if name == "replace" and len(values) >= 2 and isinstance(values[0], str) and isinstance(values[1], str):
        occurrences = text.count(values[0]) if values[0] else len(text) + 1
        return len(text) + occurrences * len(values[1]) <= MAX_STRING
    return True


def _join(separator: str, arguments: "CallArguments") -> Value:
    items = iterate(arguments.positional[0]) if len(arguments.positional) == 1 else None
    if items is None:
        return UNKNOWN
    texts = [item.value for item in items if isinstance(item, Const) and isinstance(item.value, str)]
    if len(texts) != len(items) or sum(map(len, texts)) + len(separator) * len(texts) > MAX_STRING:
        return UNKNOWN
    return Const(separator.join(texts))


def _sequence_method(owner: Seq, name: str, arguments: "CallArguments") -> Optional[Outcome]:
    handler = _LIST_METHODS.get(name) if owner.kind == "list" else None
    if handler is not None:
        return handler(owner, arguments.positional, arguments)
    if name == "copy" and not arguments.positional and owner.kind == "list":
        return Seq(owner.items, owner.kind), None
    return None


def _list(owner: Seq, items: list[Value] | tuple[Value, ...]) -> Optional[Value]:
    return Seq(tuple(items), owner.kind) if len(items) <= MAX_LENGTH else None


def _append(owner: Seq, args: list[Value], arguments: "CallArguments") -> Optional[Outcome]:
    changed = _list(owner, owner.items + tuple(args)) if len(args) == 1 and not arguments.keywords else None
    return (NONE, changed) if changed is not None else None


def _extend(owner: Seq, args: list[Value], arguments: "CallArguments") -> Optional[Outcome]:
    added = iterate(args[0]) if len(args) == 1 and not arguments.keywords else None
    changed = _list(owner, owner.items + added) if added is not None else None
    return (NONE, changed) if changed is not None else None


def _insert(owner: Seq, args: list[Value], arguments: "CallArguments") -> Optional[Outcome]:
    if len(args) != 2 or arguments.keywords or not _is_index(args[0]):
        return None
    items = list(owner.items)
    items.insert(_index(args[0]), args[1])
    changed = _list(owner, items)
    return (NONE, changed) if changed is not None else None


def _pop(owner: Seq, args: list[Value], arguments: "CallArguments") -> Optional[Outcome]:
    if len(args) > 1 or arguments.keywords or (args and not _is_index(args[0])):
        return None
    items = list(owner.items)
    removed = items.pop(_index(args[0]) if args else -1)
    return removed, Seq(tuple(items), owner.kind)


def _remove(owner: Seq, args: list[Value], arguments: "CallArguments") -> Optional[Outcome]:
    """Exact only for a constant looked for among constants (`==` on tensors is not a bool)."""
    if len(args) != 1 or arguments.keywords or not isinstance(args[0], Const):
        return None
    for index, item in enumerate(owner.items):
        if not isinstance(item, Const):
            return None
        if same_value(item, args[0]):
            return NONE, Seq(owner.items[:index] + owner.items[index + 1:], owner.kind)
    return None


def _reverse(owner: Seq, args: list[Value], arguments: "CallArguments") -> Optional[Outcome]:
    return (NONE, Seq(tuple(reversed(owner.items)), owner.kind)) if not args and not arguments.keywords else None


def _sort(owner: Seq, args: list[Value], arguments: "CallArguments") -> Optional[Outcome]:
    descending = arguments.keywords.get("reverse", Const(False))
    if args or set(arguments.keywords) - {"reverse"} or not isinstance(descending, Const):
        return None
    constants = [item for item in owner.items if isinstance(item, Const)]
    if len(constants) != len(owner.items):
        return None
    ordered = sorted(constants, key=_sort_key, reverse=bool(descending.value))
    return NONE, Seq(tuple(ordered), owner.kind)


def _clear(owner: Seq, args: list[Value], arguments: "CallArguments") -> Optional[Outcome]:
    return (NONE, Seq((), owner.kind)) if not args and not arguments.keywords else None


_LIST_METHODS: dict[str, Callable[[Seq, list[Value], "CallArguments"], Optional[Outcome]]] = {
    "append": _append,
    "extend": _extend,
    "insert": _insert,
    "pop": _pop,
    "remove": _remove,
    "reverse": _reverse,
    "sort": _sort,
    "clear": _clear,
}


def _mapping_method(owner: Mapping, name: str, arguments: "CallArguments") -> Optional[Outcome]:
    args = arguments.positional
    if name in ("keys", "values", "items", "copy") and not args and not arguments.keywords:
        return _view(owner, name), None
    if name == "get" and args and _is_str(args[0]):
        entry = owner.get(_text(args[0]))
        return (entry.value if entry else (args[1] if len(args) > 1 else NONE)), None
    if name == "update":
        updated = _updated(owner, arguments)
        return (NONE, updated) if updated is not None else None
    if name == "pop" and len(args) in (1, 2) and _is_str(args[0]):
        return _pop_key(owner, args)
    if name == "setdefault" and len(args) in (1, 2) and _is_str(args[0]):
        entry = owner.get(_text(args[0]))
        if entry is not None:
            return entry.value, None
        added = args[1] if len(args) == 2 else NONE
        return added, owner.with_entry(Entry(_text(args[0]), added))
    if name == "clear" and not args:
        return NONE, Mapping(())
    return None


def _view(owner: Mapping, name: str) -> Value:
    if name == "keys":
        return Seq(tuple(Const(k) for k in owner.keys()), "list")
    if name == "values":
        return Seq(tuple(e.value for e in owner.entries), "list")
    if name == "items":
        return Seq(tuple(Seq((Const(e.key), e.value), "tuple") for e in owner.entries), "list")
    return Mapping(owner.entries)


def _pop_key(owner: Mapping, args: list[Value]) -> Optional[Outcome]:
    key = _text(args[0])
    entry = owner.get(key)
    if entry is None:
        return (args[1], None) if len(args) == 2 else None
    return entry.value, Mapping(tuple(e for e in owner.entries if e.key != key))


def _updated(owner: Mapping, arguments: "CallArguments") -> Optional[Mapping]:
    if len(arguments.positional) > 1:
        return None
    result = owner
    if arguments.positional:
        pairs = pairs_of(arguments.positional[0])
        if pairs is None:
            return None
        for entry in pairs:
            result = result.with_entry(entry)
    for key, value in arguments.keywords.items():
        result = result.with_entry(Entry(key, value))
    return Mapping(result.entries)


def _is_str(value: Value) -> bool:
    return isinstance(value, Const) and isinstance(value.value, str)


def _text(value: Value) -> str:
    return value.value if isinstance(value, Const) and isinstance(value.value, str) else ""


def _index(value: Value) -> int:
    return value.value if isinstance(value, Const) and isinstance(value.value, int) else 0


def _sort_key(item: Const) -> Any:
    return item.value


def _is_index(value: Value) -> bool:
    return isinstance(value, Const) and isinstance(value.value, int) and not isinstance(value.value, bool)
