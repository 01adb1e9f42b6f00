"""An abstract interpreter over one module's LibCST tree.

It runs the module's statements in order with abstract values (see `model.py`), follows helper
functions and classes of the same module with their arguments, unrolls loops over known iterables, and
joins the paths of `if`/`try`/unknown loops so that a name keeps a value only when every path agrees.
Whenever a `compile`/`fit`/`evaluate`/`train_on_batch`/`test_on_batch` call is reached on a value that
is a model, the call is recorded with its arguments resolved. Anything it cannot follow is UNKNOWN.
"""

from __future__ import annotations

from typing import Iterable, Optional, Sequence

import libcst as cst

from keras_loss_lint.facts import keras_api
from keras_loss_lint.facts.expressions import ExpressionEvaluator
from keras_loss_lint.facts.frames import Frame, join
from keras_loss_lint.precheck import CANDIDATE_CALL
from keras_loss_lint.facts.model import (
    UNKNOWN,
    ClassInfo,
    ClassValue,
    Const,
    FunctionValue,
    InstanceValue,
    KerasRef,
    Mapping,
    ModuleFacts,
    Seq,
    Tensor,
    Value,
)

MAX_UNROLL = 128


class BudgetExceeded(Exception):
    """The module is too large or too dynamic to follow completely; what was found stands."""


class Interpreter(ExpressionEvaluator):
    def __init__(self, module: cst.Module, source: Optional[str] = None, budget: int = 400_000) -> None:
        super().__init__()
        self.module = module
        text = source if source is not None else module.code
        # Words whose absence from the whole module settles per-node questions without reading nodes.
        self.module_mentions = {word: word in text for word in ("yield", "break", "continue")}
        self.facts = ModuleFacts(module)
        self.budget = budget
        self._pending: dict[cst.FunctionDef, FunctionValue] = {}
        self._started: set[cst.FunctionDef] = set()
        self._loops_that_break: dict[cst.For, bool] = {}

    def run(self) -> ModuleFacts:
        frame = Frame()
        try:
            self.exec_block(self.module.body, frame)
            self._run_uncalled_functions()
        except BudgetExceeded:
            pass
        return self.facts

    def tick(self, cost: int = 1) -> None:
        self.budget -= cost
        if self.budget < 0:
            raise BudgetExceeded

    def _run_uncalled_functions(self) -> None:
        """Functions nobody calls in the module still build and compile models: run them alone.

        Only a function whose text mentions a recorded method can record a call when run alone (the
        functions it calls are run alone in their turn), so the others are skipped unread.
        """
        while self._pending:
            node, function = self._pending.popitem()
            if node in self._started or not CANDIDATE_CALL.search(self.text_of(node)):
                continue
            self.call_function(function, [], {}, unknown_arguments=True)

    def text_of(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)

    # ----------------------------------------------------------------------------- statements

    def exec_block(self, statements: Sequence[cst.CSTNode], frame: Frame) -> bool:
        """Execute statements in order; False when every path leaves the block (return/raise)."""
        for statement in statements:
            self.tick()
            if not self.exec_statement(statement, frame):
                return False
        return True

    def exec_statement(self, statement: cst.CSTNode, frame: Frame) -> bool:
        if isinstance(statement, cst.SimpleStatementLine):
            return self.exec_block(statement.body, frame)
        handler = self._handlers().get(type(statement))
        if handler is None:
            return True
        return handler(statement, frame)

    def _handlers(self) -> dict:
        return {
            cst.Assign: self._exec_assign,
            cst.AnnAssign: self._exec_ann_assign,
            cst.AugAssign: self._exec_aug_assign,
            cst.Expr: self._exec_expr,
            cst.Return: self._exec_return,
            cst.Raise: lambda node, frame: False,
            cst.Import: self._exec_import,
            cst.ImportFrom: self._exec_import_from,
            cst.Global: self._exec_global,
            cst.Del: self._exec_del,
            cst.FunctionDef: self._exec_function_def,
            cst.ClassDef: self._exec_class_def,
            cst.If: self._exec_if,
            cst.For: self._exec_for,
            cst.While: self._exec_while,
            cst.Try: self._exec_try,
            cst.TryStar: self._exec_try,
            cst.With: self._exec_with,
            cst.Match: self._exec_match,
        }

    def _exec_assign(self, node: cst.Assign, frame: Frame) -> bool:
        value = self.eval(node.value, frame)
        for target in node.targets:
            self.assign(target.target, value, frame)
        return True

    def _exec_ann_assign(self, node: cst.AnnAssign, frame: Frame) -> bool:
        if node.value is not None:
            self.assign(node.target, self.eval(node.value, frame), frame)
        return True

    def _exec_aug_assign(self, node: cst.AugAssign, frame: Frame) -> bool:
        current = self.eval(node.target, frame)
        operand = self.eval(node.value, frame)
        operator = type(node.operator).__name__.replace("Assign", "")
        self.assign(node.target, self.binary(operator, current, operand, node), frame)
        return True

    def _exec_expr(self, node: cst.Expr, frame: Frame) -> bool:
        self.eval(node.value, frame)
        return True

    def _exec_return(self, node: cst.Return, frame: Frame) -> bool:
        value = self.eval(node.value, frame) if node.value is not None else Const(None)
        if self.returns:
            self.returns[-1].append(value)
        return False

    def _exec_global(self, node: cst.Global, frame: Frame) -> bool:
        frame.globals_declared.update(item.name.value for item in node.names)
        return True

    def _exec_del(self, node: cst.Del, frame: Frame) -> bool:
        target = node.target
        if isinstance(target, cst.Name):
            frame.vars.pop(target.value, None)
        elif isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name):
            frame.bind(target.value.value, UNKNOWN)
        return True

    def _exec_import(self, node: cst.Import, frame: Frame) -> bool:
        for alias in node.names:
            dotted = _dotted_name(alias.name)
            if dotted is None:
                continue
            self._note_import(dotted)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                frame.bind(alias.asname.name.value, _module_value(dotted))
            else:
                top = dotted.split(".", 1)[0]
                frame.bind(top, _module_value(top))
        return True

    def _exec_import_from(self, node: cst.ImportFrom, frame: Frame) -> bool:
        module = _dotted_name(node.module) if node.module is not None else None
        if isinstance(node.names, cst.ImportStar):
            return True
        for alias in node.names:
            name = _dotted_name(alias.name) or ""
            local = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) else name
            if module is None or node.relative:
                frame.bind(local, UNKNOWN)
            else:
                self._note_import(f"{module}.{name}")
                frame.bind(local, _module_value(f"{module}.{name}"))
        return True

    def _note_import(self, dotted: str) -> None:
        if keras_api.is_keras(keras_api.canonical(dotted)):
            self.facts.imports_keras = True

    def _exec_function_def(self, node: cst.FunctionDef, frame: Frame) -> bool:
        function = FunctionValue(node, frame)
        frame.bind(node.name.value, function if not node.decorators else UNKNOWN)
        if node not in self._started:
            self._pending[node] = function
        return True

    def _exec_class_def(self, node: cst.ClassDef, frame: Frame) -> bool:
        bases = tuple(self.eval(arg.value, frame) for arg in node.bases if arg.keyword is None)
        methods = {
            stmt.name.value: stmt
            for stmt in node.body.body
            if isinstance(stmt, cst.FunctionDef) and not _has_blocking_decorator(stmt)
        }
        info = ClassInfo(node, methods, frame, _class_kind(bases), bases)
        frame.bind(node.name.value, ClassValue(info))
        for method in methods.values():
            self._started.add(method)  # methods run with their instance, not alone
        return True

    def _exec_if(self, node: cst.If, frame: Frame) -> bool:
        decided = self.truth(node.test, frame)
        if decided is True:
            return self.exec_block(node.body.body, frame)
        if decided is False:
            return self._exec_orelse(node.orelse, frame)
        before = frame.snapshot()
        paths = []
        if self.exec_block(node.body.body, frame):
            paths.append(frame.snapshot())
        frame.restore(dict(before))
        if self._exec_orelse(node.orelse, frame):
            paths.append(frame.snapshot())
        if not paths:
            return False
        frame.restore(join(*paths))
        return True

    def _exec_orelse(self, orelse: Optional[cst.CSTNode], frame: Frame) -> bool:
        if orelse is None:
            return True
        if isinstance(orelse, cst.If):
            return self._exec_if(orelse, frame)
        return self.exec_block(orelse.body.body, frame)

    def _exec_for(self, node: cst.For, frame: Frame) -> bool:
        iterable = self.iterate(self.eval(node.iter, frame))
        if iterable is not None and len(iterable) <= MAX_UNROLL and not self._breaks(node):
            for item in iterable:
                self.assign(node.target, item, frame)
                if not self.exec_block(node.body.body, frame):
                    return False
            return self._exec_orelse(node.orelse, frame)
        return self._exec_unknown_loop(node.target, node.body, node.orelse, frame)

    def _breaks(self, node: cst.For) -> bool:
        """Whether the loop may leave early (then unrolling it would not be faithful).

        Read from the body's text: a `break` in a string or a nested loop only makes the loop count
        as unknown, which loses precision but never invents a value.
        """
        if not (self.module_mentions["break"] or self.module_mentions["continue"]):
            return False
        known = self._loops_that_break.get(node)
        if known is None:
            text = self.text_of(node.body)
            known = self._loops_that_break[node] = "break" in text or "continue" in text
        return known

    def _exec_while(self, node: cst.While, frame: Frame) -> bool:
        self.eval(node.test, frame)
        return self._exec_unknown_loop(None, node.body, node.orelse, frame)

    def _exec_unknown_loop(
        self, target: Optional[cst.CSTNode], body: cst.BaseSuite, orelse: Optional[cst.CSTNode], frame: Frame
    ) -> bool:
        """The body may run any number of times: names it rebinds become UNKNOWN afterwards."""
        before = frame.snapshot()
        if target is not None:
            self.assign(target, UNKNOWN, frame)
        self.exec_block(body.body, frame)
        frame.restore(join(before, frame.snapshot()))
        if target is not None:
            self.assign(target, UNKNOWN, frame)
        return self._exec_orelse(orelse, frame) or True

    def _exec_try(self, node: cst.Try, frame: Frame) -> bool:
        before = frame.snapshot()
        paths = []
        if self.exec_block(node.body.body, frame) and self._exec_orelse(node.orelse, frame):
            paths.append(frame.snapshot())
        for handler in node.handlers:
            frame.restore(join(before, frame.snapshot()))
            if handler.name is not None:
                self.assign(handler.name.name, UNKNOWN, frame)
            if self.exec_block(handler.body.body, frame):
                paths.append(frame.snapshot())
        frame.restore(join(*paths) if paths else join(before))
        if node.finalbody is not None:
            self.exec_block(node.finalbody.body.body, frame)
        return bool(paths)

    def _exec_with(self, node: cst.With, frame: Frame) -> bool:
        for item in node.items:
            self.eval(item.item, frame)
            if item.asname is not None:
                self.assign(item.asname.name, UNKNOWN, frame)
        return self.exec_block(node.body.body, frame)

    def _exec_match(self, node: cst.Match, frame: Frame) -> bool:
        self.eval(node.subject, frame)
        before = frame.snapshot()
        paths = [dict(before)]
        for case in node.cases:
            frame.restore(dict(before))
            if self.exec_block(case.body.body, frame):
                paths.append(frame.snapshot())
        frame.restore(join(*paths))
        return True

    # ------------------------------------------------------------------------------ assignment

    def assign(self, target: cst.CSTNode, value: Value, frame: Frame) -> None:
        if isinstance(target, cst.Name):
            self._rebind(frame, target.value, value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            self._assign_unpacked(target, value, frame)
        elif isinstance(target, cst.Attribute):
            self._assign_attribute(target, value, frame)
        elif isinstance(target, cst.Subscript):
            self._assign_subscript(target, value, frame)

    def _rebind(self, frame: Frame, name: str, value: Value) -> None:
        frame.bind(name, value)

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
        if isinstance(owner, InstanceValue):
            owner.instance.attributes[target.attr.value] = value

    def _assign_subscript(self, target: cst.Subscript, value: Value, frame: Frame) -> None:
        if not isinstance(target.value, cst.Name):
            return
        name = target.value.value
        current = frame.lookup(name)
        key = self.subscript_key(target, frame)
        if isinstance(current, Mapping) and isinstance(key, Const) and isinstance(key.value, str):
            from keras_loss_lint.facts.model import Entry

            slice_node = target.slice[0].slice
            key_node = slice_node.value if isinstance(slice_node, cst.Index) else None
            frame.bind(name, current.with_entry(Entry(key.value, value, key_node, None)))
        elif current is not None:
            frame.bind(name, UNKNOWN)

    # ------------------------------------------------------------------------------- utilities

    def iterate(self, value: Value) -> Optional[Sequence[Value]]:
        if isinstance(value, Seq):
            return value.items
        if isinstance(value, Mapping):
            return tuple(Const(key) for key in value.keys())
        if isinstance(value, Const) and isinstance(value.value, str) and len(value.value) <= MAX_UNROLL:
            return tuple(Const(ch) for ch in value.value)
        return None

    def note_function_started(self, node: cst.FunctionDef) -> None:
        self._started.add(node)
        self._pending.pop(node, None)


def _dotted_name(node: Optional[cst.CSTNode]) -> Optional[str]:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = _dotted_name(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


def _module_value(dotted: str) -> Value:
    """Keras, TensorFlow and NumPy names are understood; anything else imported is unknown."""
    if dotted.split(".", 1)[0] in keras_api.UNDERSTOOD_PACKAGES:
        return KerasRef(keras_api.canonical(dotted))
    return UNKNOWN


def _has_blocking_decorator(node: cst.FunctionDef) -> bool:
    """Decorated methods (properties, static and class methods, wrappers) are not followed."""
    for decorator in node.decorators:
        if _dotted_name(decorator.decorator) not in ("override", "typing.override"):
            return True
    return False


def _class_kind(bases: Iterable[Value]) -> str:
    for base in bases:
        if isinstance(base, KerasRef):
            if base.qualname in keras_api.MODEL_CLASSES or base.qualname in keras_api.SEQUENTIAL_CLASSES:
                return "model"
            if base.qualname in keras_api.LAYER_BASES or keras_api.is_layer_class(base.qualname):
                return "layer"
        if isinstance(base, ClassValue) and base.info.kind != "other":
            return base.info.kind
    return "other"
