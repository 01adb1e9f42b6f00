"""An abstract interpreter over one module's LibCST tree.

It runs the module's statements in order with abstract values (see `facts.py`), follows helper
functions and classes of the same module with their arguments, unrolls loops over known iterables,
and runs the alternatives of `if`/`try`/`match`/unknown loops as paths whose writes are joined (see
`frames.py`), so that any state keeps a value only when every path agrees. Whenever a call of one
of `keras.api.RECORDED_METHODS` (`compile`, `fit`, `predict`, ...) is reached on a value that is a
model, the call is recorded with its arguments resolved. Anything it cannot follow is UNKNOWN.
"""

from __future__ import annotations

import re
from ast import Module as AstModule
from typing import Any, Callable, Optional, Sequence

import libcst as cst

from keras_loss_lint.analysis.names import dotted_name
from keras_loss_lint.analysis import keras_api, keras_calls, relevance
from keras_loss_lint.analysis.arguments import CallArguments
from keras_loss_lint.analysis.assignment import AssignmentMixin
from keras_loss_lint.analysis.base import ANALYSIS_CUT_SHORT, DEFAULT_STEP_BUDGET
from keras_loss_lint.analysis.facts import (
    NONE,
    UNKNOWN,
    ClassInfo,
    ClassValue,
    Const,
    ClassKind,
    FunctionValue,
    Instance,
    InstanceValue,
    KerasRef,
    ModuleFacts,
    Seq,
    Mapping,
    Value,
)
from keras_loss_lint.analysis.frames import BudgetExceeded, Change, Frame
from keras_loss_lint.analysis.imports import ImportsMixin
from keras_loss_lint.analysis.limits import MAX_IRRELEVANT_LOOP_STEPS, MAX_UNROLL
from keras_loss_lint.analysis.own_nodes import keep_own_nodes
from keras_loss_lint.analysis.project_modules import ProjectContext
from keras_loss_lint.analysis.texts import ModuleTexts, NodeTexts
from keras_loss_lint.keras.api import CANDIDATE_CALL

__all__ = ["BudgetExceeded", "Interpreter"]


class Interpreter(ImportsMixin, AssignmentMixin):
    def __init__(
        self,
        module: cst.Module,
        source: Optional[str] = None,
        budget: int = DEFAULT_STEP_BUDGET,
        project: Optional[ProjectContext] = None,
        texts: Optional[NodeTexts] = None,
        tree: Optional[AstModule] = None,
    ) -> None:
        super().__init__()
        self.module, self.project = module, project
        self.source_text = text = source if source is not None else module.code
        self._texts = ModuleTexts(module, text, texts, tree)  # for word searches in nodes
        # Words whose absence from the whole module settles per-node questions without reading nodes
        # (the modules it imports add theirs as they are loaded).
        self.module_mentions = {word: word in text for word in ("yield", "break", "continue")}
        self._paths_mentioned = project is not None and "sys.path" in text
        self.facts = ModuleFacts()
        self.budget = budget
        self._pending: dict[cst.FunctionDef, FunctionValue] = {}
        self._started: set[cst.FunctionDef] = set()
        self._loops_that_break: dict[cst.CSTNode, bool] = {}
        self._loop_code: dict[cst.CSTNode, relevance.LoopCode] = {}
        self._classes: list[ClassInfo] = []

    def run(self) -> ModuleFacts:
        frame = Frame(trail=self.trail)
        self.root_frame = frame
        # Imported modules' bindings are shared by every file of the run: one trail level spans the
        # whole run, so that what this file changes in them is undone at the end.
        isolating = self.project is not None
        if isolating:
            self.trail.begin()
        try:
            self.exec_block(self.module.body, frame)
            self._run_uncalled_functions()
            self._run_uncalled_methods()
            self._run_uncalled_functions()
        except BudgetExceeded:
            # What was found before is kept; what comes after is unknown, and the result says so.
            self.facts.partial = ANALYSIS_CUT_SHORT
        finally:
            if isolating:
                self.trail.undo(self.trail.end())
        self._note_project()
        return self.facts

    def run_imported(self, frame: Frame) -> ModuleFacts:
        """Only the top level, into `frame`, for a module another one imports: its functions run
        when the importer calls them; what it calls alone is its own lint's business."""
        frame.trail = self.trail
        self.root_frame = frame
        try:
            self.exec_block(self.module.body, frame)
        except BudgetExceeded:
            pass
        return self.facts

    def _note_project(self) -> None:
        project = self.project
        if project is None:
            return
        self.facts.dependencies = project.dependencies()
        self.facts.partial = self.facts.partial or project.partial
        if project.modules:
            self.facts.foreign_node_ids = project.foreign_node_ids()
            keep_own_nodes(self.facts, lambda node: not self.facts.is_foreign(node))
        if not self.facts.keras_packages:
            # A file whose Keras names all come from its imports is checked for their package.
            self.facts.keras_packages = set(project.keras_packages)

    def _run_uncalled_functions(self) -> None:
        """Functions nobody calls in the module still build and compile models: run them alone.

        Only a function whose text mentions a recorded method, or a project module's helper that
        holds one (`compile_fixed(model)`), can record a call when run alone (the functions it calls
        are run alone in their turn), so the others are skipped unread.
        """
        helpers: Optional[re.Pattern[str]] = None
        while self._pending:
            node, function = self._pending.popitem()
            if node in self._started:
                continue
            text = self.text_of(node)
            if not CANDIDATE_CALL.search(text):
                helpers = helpers if helpers is not None else self._helper_words()
                if not helpers.pattern or not helpers.search(text):
                    continue
            self.call_function(function, [], {}, unknown_arguments=True)

    def _helper_words(self) -> re.Pattern[str]:
        """Names of imported project helpers holding a recorded call, as one word pattern (or empty)."""
        names = self.recording_helper_names()
        return re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(names))) + r")\b" if names else "")

    def _run_uncalled_methods(self) -> None:
        """Methods nobody calls (unittest `test_*` methods, builders of a class never instantiated)
        run alone on a fresh instance that `__init__` and `setUp` prepared with unknown arguments;
        static and class methods run like functions. Calls recorded while preparing are dropped:
        those methods are candidates in their own turn."""
        for info in list(self._classes):
            for statement in info.node.body.body:
                if not isinstance(statement, cst.FunctionDef) or statement in self._started:
                    continue
                if not CANDIDATE_CALL.search(self.text_of(statement)):
                    continue
                if _decorated_as(statement, ("staticmethod", "classmethod")):
                    self.call_function(FunctionValue(statement, info.scope), [], {}, unknown_arguments=True)
                elif statement.name.value in info.methods:
                    self._run_method_alone(info, statement)

    def _run_method_alone(self, info: ClassInfo, method: cst.FunctionDef) -> None:
        instance = Instance(info)
        self.register_instance(instance)
        owner = InstanceValue(instance)
        unknown = CallArguments()
        unknown.complete = False
        marks = self._marks()
        for name in ("__init__", "setUp"):
            found = keras_calls.find_method(info, name)
            if found is not None and found[0] is not method:
                keras_calls.call_method_of(self, owner, found, unknown if name == "__init__" else CallArguments())
        self._rewind(marks)
        keras_calls.call_method_of(self, owner, (method, info), unknown)

    def text_of(self, node: cst.CSTNode) -> str:
        return self._texts.text_of(node)

    def note_function_started(self, node: cst.FunctionDef) -> None:
        self._started.add(node)
        self._pending.pop(node, None)

    # ----------------------------------------------------------------------------- statements

    def exec_block(self, statements: Sequence[cst.CSTNode], frame: Frame) -> bool:
        """Execute statements in order; False when every path leaves the block (return/raise/break)."""
        for statement in statements:
            self.tick()
            if not self.exec_statement(statement, frame):
                return False
        return True

    def exec_statement(self, statement: cst.CSTNode, frame: Frame) -> bool:
        if isinstance(statement, cst.SimpleStatementLine):
            return self.exec_block(statement.body, frame)
        handler = _STATEMENT_HANDLERS.get(type(statement))
        if handler is None:
            return True
        return bool(handler(self, statement, frame))

    def _exec_expr(self, node: cst.Expr, frame: Frame) -> bool:
        self.eval(node.value, frame)
        return True

    def _exec_return(self, node: cst.Return, frame: Frame) -> bool:
        value = self.eval(node.value, frame) if node.value is not None else NONE
        if self.returns:
            self.returns[-1].append(value)
        self.note_exit()
        return False

    def _exec_raise(self, node: cst.Raise, frame: Frame) -> bool:
        if node.exc is not None:
            self.eval(node.exc, frame)
        return False

    def _leave(self, node: cst.CSTNode, frame: Frame) -> bool:
        """`break` / `continue`: this path leaves the block (loops that have them are not unrolled)."""
        return False

    def _exec_global(self, node: cst.Global, frame: Frame) -> bool:
        frame.globals_declared.update(item.name.value for item in node.names)
        return True

    def _exec_nonlocal(self, node: cst.Nonlocal, frame: Frame) -> bool:
        frame.nonlocals_declared.update(item.name.value for item in node.names)
        return True

    def _exec_function_def(self, node: cst.FunctionDef, frame: Frame) -> bool:
        function = FunctionValue(node, frame)
        for decorator in node.decorators:
            self.eval(decorator.decorator, frame)
        self.evaluate_defaults(node, frame)
        frame.bind(node.name.value, function if not node.decorators else UNKNOWN)
        if frame.parent is not None:
            # A closure keeps this scope readable after the call that made it has returned.
            self.closure_frames[id(frame)] = frame
        if node not in self._started and self.in_own_code(frame):
            self._pending[node] = function
        return True

    def _exec_class_def(self, node: cst.ClassDef, frame: Frame) -> bool:
        bases = tuple(self.eval(arg.value, frame) for arg in node.bases if arg.keyword is None)
        methods = {
            stmt.name.value: stmt
            for stmt in node.body.body
            if isinstance(stmt, cst.FunctionDef) and not _has_blocking_decorator(stmt)
        }
        for method in methods.values():
            self.evaluate_defaults(method, frame)
        info = ClassInfo(node, methods, frame, _class_kind(bases), bases)
        frame.bind(node.name.value, ClassValue(info))
        if self.in_own_code(frame):
            self._classes.append(info)
        return True

    def _exec_assign(self, node: cst.Assign, frame: Frame) -> bool:
        if self._paths_mentioned:
            self.note_path_assignment(node, frame)
        return self.exec_assign(node, frame)

    # --------------------------------------------------------------------------- control flow

    def _exec_if(self, node: cst.If, frame: Frame) -> bool:
        decided = self.truth(node.test, frame)
        if decided is True:
            return self.exec_block(node.body.body, frame)
        if decided is False:
            return self._exec_orelse(node.orelse, frame)
        return self.run_paths(
            [lambda: self.exec_block(node.body.body, frame), lambda: self._exec_orelse(node.orelse, frame)]
        )

    def _exec_orelse(self, orelse: Optional[cst.CSTNode], frame: Frame) -> bool:
        if orelse is None:
            return True
        if isinstance(orelse, cst.If):
            return self._exec_if(orelse, frame)
        if isinstance(orelse, (cst.Else, cst.Finally)):
            return self.exec_block(orelse.body.body, frame)
        return True

    def _exec_for(self, node: cst.For, frame: Frame) -> bool:
        iterable = self.iterate(self.eval(node.iter, frame))

        def iteration() -> bool:
            self.assign(node.target, UNKNOWN, frame)
            return self.exec_block(node.body.body, frame)

        if iterable is not None and len(iterable) <= MAX_UNROLL and not self._breaks(node):
            for index, item in enumerate(iterable):
                before = self.budget
                self.assign(node.target, item, frame)
                if not self.exec_block(node.body.body, frame):
                    return False
                if not self.worth_unrolling(node, before - self.budget, len(iterable) - index - 1, frame):
                    # The rest touches nothing of Keras: it runs as a loop of unknown count, not per item.
                    self.run_unknown_loop(iteration)
                    break
            return self._exec_orelse(node.orelse, frame)

        self.run_unknown_loop(iteration)
        return self._after_loop(node, frame)

    def worth_unrolling(self, node: cst.CSTNode, spent: int, remaining: int, frame: Frame) -> bool:
        """Whether the `remaining` iterations of a loop over a known iterable, each expected to cost
        `spent` steps, are run one by one; only a loop that may matter to a finding is (`relevance`)."""
        if spent * remaining <= MAX_IRRELEVANT_LOOP_STEPS:
            return True
        code = self._loop_code.get(node)
        if code is None:
            code = self._loop_code[node] = relevance.read_loop(node, self.text_of(node))
        return not relevance.is_irrelevant(code, frame)

    def _exec_while(self, node: cst.While, frame: Frame) -> bool:
        if self.truth(node.test, frame) is False:
            return self._exec_orelse(node.orelse, frame)

        def iteration() -> bool:
            falls_through = self.exec_block(node.body.body, frame)
            self.eval(node.test, frame)
            return falls_through

        self.run_unknown_loop(iteration)
        return self._after_loop(node, frame)

    def _after_loop(self, node: cst.For | cst.While, frame: Frame) -> bool:
        """The `else:` of a loop runs unless the loop was left by `break`."""
        if node.orelse is None:
            return True
        if self._breaks(node):
            self.run_paths([lambda: True, lambda: self._exec_orelse(node.orelse, frame)])
            return True
        return self._exec_orelse(node.orelse, frame) or True

    def _breaks(self, node: cst.For | cst.While) -> bool:
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

    def _exec_try(self, node: cst.Try | cst.TryStar, frame: Frame) -> bool:
        def handler_path(handler: cst.ExceptHandler | cst.ExceptStarHandler) -> Callable[[], bool]:
            def run() -> bool:
                if handler.type is not None:
                    self.eval(handler.type, frame)
                if handler.name is not None:
                    self.assign(handler.name.name, UNKNOWN, frame)
                return self.exec_block(handler.body.body, frame)

            return run

        def body() -> bool:
            return self.exec_block(node.body.body, frame) and self._exec_orelse(node.orelse, frame)

        survived = self.run_interruptible(body, [handler_path(handler) for handler in node.handlers])
        if node.finalbody is not None:
            survived = self.exec_block(node.finalbody.body.body, frame) and survived
        return survived

    def run_interruptible(self, body: Callable[[], bool], handlers: Sequence[Callable[[], bool]]) -> bool:
        """A body that runs to the end, or stops anywhere and one of `handlers` runs: a handler starts
        with every key the body (or what it called) may have written unknown."""
        written: list[Change] = []

        def run_body() -> bool:
            falls_through = body()
            written.extend(self.trail.levels[-1].values())
            return falls_through

        def after(handler: Callable[[], bool]) -> Callable[[], bool]:
            def run() -> bool:
                for change in written:
                    self.trail.write(change.store, change.key, UNKNOWN)
                return handler()

            return run

        return self.run_paths([run_body, *(after(handler) for handler in handlers)])

    def _exec_with(self, node: cst.With, frame: Frame) -> bool:
        for item in node.items:
            self.eval(item.item, frame)
            if item.asname is not None:
                self.assign(item.asname.name, UNKNOWN, frame)
        body = lambda: self.exec_block(node.body.body, frame)  # noqa: E731
        if any(_suppresses(item.item) for item in node.items):
            # `with suppress(...)`: the body may stop anywhere and execution goes on after it.
            return self.run_interruptible(body, [lambda: True])
        return body()

    def _exec_match(self, node: cst.Match, frame: Frame) -> bool:
        self.eval(node.subject, frame)

        def case_path(case: cst.MatchCase) -> Callable[[], bool]:
            def run() -> bool:
                for name in _captures(case.pattern):
                    frame.bind(name, UNKNOWN)
                if case.guard is not None:
                    self.eval(case.guard, frame)
                return self.exec_block(case.body.body, frame)

            return run

        paths = [case_path(case) for case in node.cases]
        if not (node.cases and _irrefutable(node.cases[-1])):
            paths.append(lambda: True)
        return self.run_paths(paths)

    # ------------------------------------------------------------------------------- utilities

    def iterate(self, value: Value) -> Optional[Sequence[Value]]:
        if isinstance(value, Seq):
            return value.items
        if isinstance(value, Mapping):
            return tuple(Const(key) for key in value.keys())
        if isinstance(value, Const) and isinstance(value.value, str) and len(value.value) <= MAX_UNROLL:
            return tuple(Const(ch) for ch in value.value)
        return None


def _suppresses(node: cst.BaseExpression) -> bool:
    func = node.func if isinstance(node, cst.Call) else node
    name = func.attr.value if isinstance(func, cst.Attribute) else (func.value if isinstance(func, cst.Name) else "")
    return name == "suppress"


def _captures(pattern: cst.CSTNode) -> list[str]:
    """Names a `case` pattern binds."""
    found: list[str] = []
    if isinstance(pattern, (cst.MatchAs, cst.MatchStar)) and pattern.name is not None:
        found.append(pattern.name.value)
    if isinstance(pattern, cst.MatchMapping) and pattern.rest is not None:
        found.append(pattern.rest.value)
    for child in pattern.children:
        found.extend(_captures(child))
    return found


def _irrefutable(case: cst.MatchCase) -> bool:
    return case.guard is None and isinstance(case.pattern, cst.MatchAs) and case.pattern.pattern is None


def _decorated_as(node: cst.FunctionDef, names: tuple[str, ...]) -> bool:
    return any(dotted_name(decorator.decorator) in names for decorator in node.decorators)


def _has_blocking_decorator(node: cst.FunctionDef) -> bool:
    """Decorated methods (properties, static and class methods, wrappers) are not followed."""
    for decorator in node.decorators:
        if dotted_name(decorator.decorator) not in ("override", "typing.override"):
            return True
    return False


def _class_kind(bases: Sequence[Value]) -> ClassKind:
    for base in bases:
        if isinstance(base, KerasRef):
            if base.qualname in keras_api.MODEL_CLASSES or base.qualname in keras_api.SEQUENTIAL_CLASSES:
                return "model"
            if base.qualname in keras_api.LAYER_BASES or keras_api.is_layer_class(base.qualname):
                return "layer"
        if isinstance(base, ClassValue) and base.info.kind != "other":
            return base.info.kind
    return "other"


_STATEMENT_HANDLERS: dict[type, Callable[[Any, Any, Frame], object]] = {
    cst.Assign: Interpreter._exec_assign,
    cst.AnnAssign: AssignmentMixin.exec_ann_assign,
    cst.AugAssign: AssignmentMixin.exec_aug_assign,
    cst.Del: AssignmentMixin.exec_del,
    cst.Expr: Interpreter._exec_expr,
    cst.Return: Interpreter._exec_return,
    cst.Raise: Interpreter._exec_raise,
    cst.Break: Interpreter._leave,
    cst.Continue: Interpreter._leave,
    cst.Import: ImportsMixin.exec_import,
    cst.ImportFrom: ImportsMixin.exec_import_from,
    cst.Global: Interpreter._exec_global,
    cst.Nonlocal: Interpreter._exec_nonlocal,
    cst.FunctionDef: Interpreter._exec_function_def,
    cst.ClassDef: Interpreter._exec_class_def,
    cst.If: Interpreter._exec_if,
    cst.For: Interpreter._exec_for,
    cst.While: Interpreter._exec_while,
    cst.Try: Interpreter._exec_try,
    cst.TryStar: Interpreter._exec_try,
    cst.With: Interpreter._exec_with,
    cst.Match: Interpreter._exec_match,
}
