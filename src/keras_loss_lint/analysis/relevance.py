"""Whether a loop can matter to a finding: only then is running it iteration by iteration worth its cost.

A loop (or comprehension) is irrelevant when its code defines, imports and calls nothing of the
module's own, says no recorded method (`compile`, `fit`, ...), and every name it reads holds a plain
Python value (constants, lists and dicts of them, NumPy names, built-ins) or is bound by the loop itself.
Such a loop cannot build a layer or a model nor record a call; running the rest of it as a loop of
unknown count only makes what it writes unknown, which is always sound.
"""

from __future__ import annotations

from dataclasses import dataclass
import libcst as cst

from keras_loss_lint.analysis.builtins import BUILTINS
from keras_loss_lint.analysis.facts import (
    UNKNOWN,
    Array,
    Const,
    KerasRef,
    Mapping,
    Opaque,
    Seq,
    Value,
)
from keras_loss_lint.analysis.frames import Frame
from keras_loss_lint.keras.api import CANDIDATE_CALL

# Parts of one value looked at before it counts as possibly holding a Keras thing.
_MAX_INSPECTED = 256
_DEFINING = (cst.FunctionDef, cst.ClassDef, cst.Import, cst.ImportFrom, cst.Global, cst.Nonlocal, cst.Lambda)


@dataclass(frozen=True)
class LoopCode:
    """What a loop's code reads and binds, read once per loop."""

    defines: bool
    reads: frozenset[str]
    binds: frozenset[str]


class _Reader(cst.CSTVisitor):
    def __init__(self) -> None:
        self.defines = False
        self.reads: set[str] = set()
        self.binds: set[str] = set()

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, _DEFINING) or isinstance(node, (cst.Yield, cst.Await)):
            self.defines = True
            return False
        if isinstance(node, cst.Attribute):
            node.value.visit(self)  # the attribute's own name is no variable
            return False
        if isinstance(node, cst.Arg):
            node.value.visit(self)  # nor is a keyword's
            return False
        if isinstance(node, cst.Name):
            self.reads.add(node.value)
        if isinstance(node, (cst.AssignTarget, cst.AugAssign, cst.AnnAssign, cst.For, cst.CompFor)):
            target = node.target
            self.binds.update(name.value for name in _names_in(target))
        return True


def _names_in(target: cst.CSTNode) -> list[cst.Name]:
    if isinstance(target, cst.Name):
        return [target]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [name for element in target.elements for name in _names_in(element.value)]
    if isinstance(target, cst.StarredElement):
        return _names_in(target.value)
    return []


def read_loop(node: cst.CSTNode, text: str) -> LoopCode:
    reader = _Reader()
    node.visit(reader)
    defines = reader.defines or CANDIDATE_CALL.search(text) is not None
    return LoopCode(defines, frozenset(reader.reads), frozenset(reader.binds))


def is_irrelevant(code: LoopCode, frame: Frame) -> bool:
    if code.defines:
        return False
    for name in code.reads:
        value = frame.lookup(name)
        if value is None:
            if name not in code.binds and name not in BUILTINS and name not in _CONSTANT_NAMES:
                return False  # a star import may bind it to anything
        elif not _plain(value):
            return False
    return True


_CONSTANT_NAMES = frozenset({"None", "True", "False"})


def _plain(value: Value) -> bool:
    """A value that holds nothing of Keras (nor code that could build it) in any part."""
    pending = [value]
    seen = 0
    while pending:
        current = pending.pop()
        seen += 1
        if seen > _MAX_INSPECTED:
            return False
        if isinstance(current, Seq):
            pending.extend(current.items)
        elif isinstance(current, Mapping):
            pending.extend(entry.value for entry in current.entries)
        elif isinstance(current, KerasRef):
            if not current.qualname.startswith(("builtins.", "numpy")):
                return False
        elif not (current is UNKNOWN or isinstance(current, (Const, Array, Opaque))):
            return False
    return True
