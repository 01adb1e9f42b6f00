"""`sys.path.append(...)` / `sys.path.insert(0, ...)`: the directories research code adds before
importing its own modules, read from the expression without running it.

Understood: `__file__`, string literals, `os.path.join/dirname/abspath/realpath/normpath`,
`pathlib.Path(...)` with `.parent`, `.parents[n]`, `.resolve()`, `.absolute()`, `.joinpath(...)` and `/`,
`str(...)`/`os.fspath(...)`, and names the module bound to such an expression. A relative directory
is taken relative to the script's directory (where `python train.py` is usually run from).
"""

from __future__ import annotations

import os
from typing import Callable, Optional

import libcst as cst

from keras_loss_lint.analysis.names import dotted_name

PathNames = Callable[[str], Optional[str]]

_JOIN = ("join", "joinpath")
_SAME = frozenset({"abspath", "realpath", "normpath", "resolve", "absolute", "expanduser", "fspath", "str"})
_PATH_CLASSES = frozenset({"Path", "PurePath", "PosixPath", "WindowsPath"})


def sys_path_change(node: cst.Call) -> Optional[tuple[bool, cst.BaseExpression]]:
    """(in front, directory expression) when `node` is `sys.path.insert(0, d)` or `.append(d)`."""
    func = node.func
    if not isinstance(func, cst.Attribute) or dotted_name(func.value) != "sys.path":
        return None
    arguments = [arg for arg in node.args if arg.keyword is None and not arg.star]
    if func.attr.value == "append" and len(arguments) == 1:
        return False, arguments[0].value
    if func.attr.value == "insert" and len(arguments) == 2:
        position = arguments[0].value
        in_front = isinstance(position, cst.Integer) and position.value == "0"
        return in_front, arguments[1].value
    return None


def static_path(node: cst.BaseExpression, file: Optional[str], names: PathNames) -> Optional[str]:
    """The path `node` evaluates to, when it is built from `__file__` and literals only."""
    if isinstance(node, cst.Name):
        if node.value == "__file__":
            return file
        return names(node.value)
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Divide):
        return _join([static_path(node.left, file, names), static_path(node.right, file, names)])
    if isinstance(node, cst.Attribute):
        return _attribute(node, file, names)
    if isinstance(node, cst.Subscript):
        return _parents(node, file, names)
    if isinstance(node, cst.Call):
        return _call(node, file, names)
    return None


def _attribute(node: cst.Attribute, file: Optional[str], names: PathNames) -> Optional[str]:
    if node.attr.value != "parent":
        return None
    inner = static_path(node.value, file, names)
    return os.path.dirname(inner) if inner else None


def _parents(node: cst.Subscript, file: Optional[str], names: PathNames) -> Optional[str]:
    """`p.parents[n]`: the (n+1)-th ancestor."""
    owner = node.value
    if not (isinstance(owner, cst.Attribute) and owner.attr.value == "parents" and len(node.slice) == 1):
        return None
    index = node.slice[0].slice
    if not (isinstance(index, cst.Index) and isinstance(index.value, cst.Integer)):
        return None
    path = static_path(owner.value, file, names)
    for _ in range(int(index.value.value) + 1):
        path = os.path.dirname(path) if path else None
    return path


def _call(node: cst.Call, file: Optional[str], names: PathNames) -> Optional[str]:
    func = node.func
    method = func.attr.value if isinstance(func, cst.Attribute) else (func.value if isinstance(func, cst.Name) else "")
    arguments = [arg.value for arg in node.args if arg.keyword is None and not arg.star]
    receiver = func.value if isinstance(func, cst.Attribute) else None
    # A method of a path object (`Path(...).resolve()`) has its receiver as the first operand.
    operands = [receiver, *arguments] if receiver is not None and _is_path_method(receiver) else arguments
    values = [static_path(argument, file, names) for argument in operands]
    if method in _JOIN:
        return _join(values)
    if method == "dirname" and len(values) == 1:
        return os.path.dirname(values[0]) if values[0] else None
    if (method in _SAME or method in _PATH_CLASSES) and len(values) == 1:
        return values[0]
    return None


def _is_path_method(receiver: cst.BaseExpression) -> bool:
    """Whether `receiver.method(...)` is a method of a path (not a module like `os.path`)."""
    return dotted_name(receiver) not in ("os.path", "path", "os", "pathlib")


def _join(parts: list[Optional[str]]) -> Optional[str]:
    if not parts or any(part is None for part in parts):
        return None
    return os.path.join(*[part for part in parts if part is not None])


def resolve_directory(path: str, script: Optional[str]) -> Optional[str]:
    """An absolute, normalised directory; a relative one is taken from the script's directory."""
    if not os.path.isabs(path):
        if script is None:
            return None
        path = os.path.join(os.path.dirname(os.path.abspath(script)), path)
    return os.path.normpath(path)
