"""What a project module binds at its top level, read from Python's `ast` for the pre-check: which
names are bound to code holding a call of a recorded method, so that a file calling one of them is
analysed though its own text writes no `.compile(` (`project.index.ProjectIndex.calls_recording_code`).
"""

from __future__ import annotations

import ast
import warnings
from typing import Iterator, Mapping, NamedTuple, Optional, Sequence

from keras_loss_lint.keras.api import RECORDED_METHODS

__all__ = ["Binding", "recording_names", "top_level_bindings"]

_RECORDED = frozenset(RECORDED_METHODS)


class Binding(NamedTuple):
    """Names one top-level statement binds, and what its code mentions: `records` when it holds a
    call of a recorded method with arguments (`model.compile(loss=...)`, which the analysis may
    record), `words` the other names it reads. `star` is a `from m import *`: every name `m` binds
    to recording code is bound here too."""

    names: frozenset[str]
    words: frozenset[str]
    records: bool = False
    star: bool = False


def top_level_bindings(text: str) -> Iterator[Binding]:
    """The top-level `def`/`class`/assignment/`from ... import` bindings of a module's text (those
    under a top-level `if`/`try`/`with` included); nothing for a text `ast` cannot read (then the
    analysis cannot read it either)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return
    statements: list[ast.stmt] = []
    pending: list[ast.stmt] = list(reversed(tree.body))
    while pending:
        statement = pending.pop()
        if isinstance(statement, (ast.If, ast.Try, ast.With, ast.For, ast.While)):
            pending += reversed([*_bodies(statement)])
        else:
            statements.append(statement)
    modules = frozenset(
        (alias.asname or alias.name).split(".", 1)[0]
        for statement in statements if isinstance(statement, ast.Import) for alias in statement.names
    )
    for statement in statements:
        if isinstance(statement, ast.ImportFrom):
            yield _import_binding(statement)
        else:
            binding = _definition_binding(statement, modules)
            if binding is not None:
                yield binding


def _bodies(statement: ast.stmt) -> Iterator[ast.stmt]:
    for field in ("body", "orelse", "finalbody"):
        yield from getattr(statement, field, ())
    for handler in getattr(statement, "handlers", ()):
        yield from handler.body


def _import_binding(statement: ast.ImportFrom) -> Binding:
    if any(alias.name == "*" for alias in statement.names):
        return Binding(frozenset(), frozenset(), star=True)
    local = frozenset((alias.asname or alias.name).split(".", 1)[0] for alias in statement.names)
    return Binding(local, frozenset(alias.name for alias in statement.names))


def _definition_binding(statement: ast.stmt, modules: frozenset[str]) -> Optional[Binding]:
    """A `def` or `class` records when a call in it does; an assignment's value runs on import (the
    module's own finding), so only the lambdas in it may record later, with a caller's values."""
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        names = {statement.name}
        deferred: Optional[list[ast.AST]] = None  # the whole body runs when it is called
    elif isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        names = {node.id for target in targets for node in ast.walk(target) if isinstance(node, ast.Name)}
        deferred = [node for node in ast.walk(statement) if isinstance(node, ast.Lambda)]
    else:
        return None  # other top-level code runs on import: the module's own lint reports on it
    words: set[str] = set()
    records = False
    for node in ast.walk(statement):
        if isinstance(node, ast.Name):
            words.add(node.id)
        elif isinstance(node, ast.Attribute):
            words.add(node.attr)
        elif not records and isinstance(node, ast.Call) and _is_recorded_call(node, modules):
            records = deferred is None or any(node is inner for part in deferred for inner in ast.walk(part))
    return Binding(frozenset(names), frozenset(words), records)


def _is_recorded_call(node: ast.AST, modules: frozenset[str]) -> bool:
    """`<expr>.compile(<arguments>)` (or another recorded method), unless `<expr>` is a module the
    text imports (`re.compile(...)`: a module is never a model)."""
    if not isinstance(node, ast.Call) or not (node.args or node.keywords):
        return False
    func = node.func
    if not isinstance(func, ast.Attribute) or func.attr not in _RECORDED:
        return False
    return not (isinstance(func.value, ast.Name) and func.value.id in modules)


def recording_names(
    modules: Mapping[str, tuple[Sequence[Binding], Sequence[str]]], wanted: set[str]
) -> frozenset[str]:
    """The names the modules `wanted` bind to code holding a recorded call. `modules` maps each file
    reached to its bindings and the files it imports. A fixed point: a binding counts once anything
    it mentions does (re-exports, helpers of helpers, star imports and import cycles)."""
    recording: dict[str, set[str]] = {file: set() for file in modules}
    changed = True
    while changed:
        changed = False
        for file, (bindings, imports) in modules.items():
            imported: set[str] = set()
            for other in imports:
                imported |= recording.get(other, set())
            own = recording[file]
            for binding in bindings:
                fresh = _fresh_names(binding, imported, own)
                if fresh:
                    own |= fresh
                    changed = True
    return frozenset().union(*(recording[file] for file in wanted if file in recording))


def _fresh_names(binding: Binding, imported: set[str], own: set[str]) -> set[str]:
    if binding.star:
        return imported - own
    if binding.names <= own:
        return set()
    if binding.records or not binding.words.isdisjoint(imported | own):
        return set(binding.names - own)
    return set()
