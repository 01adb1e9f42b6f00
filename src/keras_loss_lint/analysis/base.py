"""State shared by the statement and expression halves of the interpreter, and how paths are run.

`run_paths` runs alternative paths from one state and joins what they wrote; `run_unknown_loop` runs a
body that may execute any number of times; a function's `return`s are exits whose state is joined when
the call ends. All of them work on the `Trail`, so they cover every store a path can change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Optional, Sequence

import libcst as cst

from keras_loss_lint.analysis.facts import UNKNOWN, Instance, InstanceValue, ModelOrigin, ModuleValue, Value
from keras_loss_lint.analysis.frames import BudgetExceeded, Frame, PathState, StoreKey, Trail, join_paths

if TYPE_CHECKING:
    from keras_loss_lint.analysis.facts import ModuleFacts

# Trial runs of a loop body before its state is widened enough that another run writes nothing new.
LOOP_ROUNDS = 3


class FunctionExit:
    """The exits of one running function: its trail level, and the state at each `return`."""

    def __init__(self, level: int) -> None:
        self.level = level
        self.states: list[PathState] = []


class EvaluatorBase:
    facts: "ModuleFacts"

    def __init__(self) -> None:
        self.trail = Trail()
        self.returns: list[list[Value]] = []
        self.exits: list[FunctionExit] = []
        self.call_stack: list[cst.FunctionDef] = []
        self.instance_stack: list[tuple[InstanceValue, object]] = []
        self.instances: list[Instance] = []
        self.active_frames: list[Frame] = []
        self.closure_frames: dict[int, Frame] = {}
        self.module_mentions: dict[str, bool] = {}
        self.budget = 0
        self.root_frame: Optional[Frame] = None

    def current_frame(self) -> Optional[Frame]:
        return self.active_frames[-1] if self.active_frames else self.root_frame

    # Provided by the concrete interpreter.
    def eval(self, node: cst.CSTNode, frame: Frame) -> Value:  # pragma: no cover - overridden
        raise NotImplementedError

    def exec_block(self, statements: Sequence[cst.CSTNode], frame: Frame) -> bool:  # pragma: no cover
        raise NotImplementedError

    def assign(self, target: cst.CSTNode, value: Value, frame: Frame) -> None:  # pragma: no cover
        raise NotImplementedError

    def iterate(self, value: Value) -> Optional[Sequence[Value]]:  # pragma: no cover
        raise NotImplementedError

    def note_function_started(self, node: cst.FunctionDef) -> None:  # pragma: no cover
        raise NotImplementedError

    def text_of(self, node: cst.CSTNode) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    def truth(self, node: cst.BaseExpression, frame: Frame) -> Optional[bool]:  # pragma: no cover
        raise NotImplementedError

    # Hooks for the project's other modules (see `project_imports`); a lone module has none.
    def note_sys_path(self, node: cst.Call, frame: Frame) -> None:
        return None

    def in_own_code(self, frame: Optional[Frame] = None) -> bool:
        return True

    def model_origin(self, node: cst.CSTNode) -> Optional[ModelOrigin]:
        return None

    def module_attribute(self, owner: ModuleValue, attr: str) -> Value:
        return UNKNOWN

    def assign_module_attribute(self, owner: ModuleValue, attr: str, value: Value) -> None:
        return None

    def file_name(self) -> Value:
        return UNKNOWN

    def tick(self, cost: int = 1) -> None:
        self.budget -= cost
        if self.budget < 0:
            raise BudgetExceeded

    def register_instance(self, instance: Instance) -> None:
        self.instances.append(instance)

    # -------------------------------------------------------------------------------- paths

    def run_paths(self, branches: Sequence[Callable[[], bool]]) -> bool:
        """Run each branch from the current state; then every key a branch wrote holds the join over
        the branches that fall through. False when none does (the state is then as before)."""
        survivors: list[PathState] = []
        for branch in branches:
            self.trail.begin()
            falls_through = branch()
            state = self.trail.close()
            if falls_through:
                survivors.append(state)
        if survivors:
            join_paths(self.trail, survivors)
        return bool(survivors)

    def widen(self, written: Sequence[StoreKey], changes: PathState) -> None:
        for ident in written:
            change = changes[ident][0]
            self.trail.write(change.store, change.key, UNKNOWN)

    def run_unknown_loop(self, body: Callable[[], object]) -> None:
        """A body that may run any number of times (zero included).

        Trial runs find every key the body writes (their facts are discarded); those keys become
        UNKNOWN before the recorded run, so the recorded run sees what any iteration could see, and
        they are joined with the state before the loop afterwards.
        """
        widened: set[StoreKey] = set()
        for _ in range(LOOP_ROUNDS):
            marks = self._marks()
            self.trail.begin()
            body()
            changes = self.trail.close()
            self._rewind(marks)
            fresh = [ident for ident in changes if ident not in widened]
            if not fresh:
                break
            widened.update(fresh)
            self.widen(fresh, changes)
        self.run_paths([lambda: True, lambda: (body(), True)[1]])

    def _marks(self) -> tuple[int, int, int, int]:
        returns = len(self.returns[-1]) if self.returns else 0
        exits = len(self.exits[-1].states) if self.exits else 0
        return len(self.facts.calls), len(self.facts.models), returns, exits

    def _rewind(self, marks: tuple[int, int, int, int]) -> None:
        """Forget what a trial run recorded: its calls, models, returned values and exits."""
        calls, models, returns, exits = marks
        del self.facts.calls[calls:]
        del self.facts.models[models:]
        if self.returns:
            del self.returns[-1][returns:]
        if self.exits:
            del self.exits[-1].states[exits:]

    # ---------------------------------------------------------------------------- functions

    def begin_function(self) -> None:
        self.exits.append(FunctionExit(self.trail.begin()))

    def note_exit(self) -> None:
        """A `return`: the state the caller will see if the function leaves here."""
        if self.exits:
            exit_ = self.exits[-1]
            self.exits[-1].states.append(self.trail.since(exit_.level))

    def end_function(self, falls_through: bool) -> None:
        """The caller continues with the join of the states at every exit of the function."""
        if falls_through:
            self.note_exit()
        exit_ = self.exits.pop()
        self.trail.close()
        if exit_.states:
            join_paths(self.trail, exit_.states)
