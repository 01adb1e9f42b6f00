"""State shared by the statement and expression halves of the interpreter, and how paths are run.

`run_paths` runs alternative paths from one state and joins what they wrote; `run_unknown_loop` runs a
body that may execute any number of times; a function's `return`s are exits whose state is joined when
the call ends. All of them work on the `Trail`, so they cover every store a path can change.
"""

from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Callable, Iterator, Optional, Sequence

import libcst as cst

from keras_loss_lint.analysis.facts import UNKNOWN, Instance, InstanceValue, ModelOrigin, ModuleValue, Value
from keras_loss_lint.analysis.frames import BudgetExceeded, Frame, PathState, StoreKey, Trail, join_paths

if TYPE_CHECKING:
    from keras_loss_lint.analysis.facts import ModuleFacts

# Trial runs of a loop body before its state is widened enough that another run writes nothing new.
LOOP_ROUNDS = 3
# Steps of abstract execution one module may take (a statement, an expression, a store visited by a
# mutation): a few hundred thousand is a second or two of analysis, and far more than any real module needs.
DEFAULT_STEP_BUDGET = 400_000
# How often the clock and the resident set are looked at: a look costs about what one step does (a few
# microseconds), so looking every 2,048 steps costs nothing measurable and notices a passed ceiling
# within about 10 ms.
STEPS_BETWEEN_LOOKS = 2_048
# `ModuleFacts.partial` of a module whose own analysis was cut short (by its budget or the ceiling).
ANALYSIS_CUT_SHORT = "the analysis step budget ran out: the rest of the module was not analysed"
MB = 1_000_000


class Ceiling:
    """A file's time and memory ceiling, shared by every interpreter that analyses the file (those of
    the project modules it imports too). Once passed, every later step stops (the rest of the file is
    not analysed) and `reason` says why, until `allow` lets a later stage (the rules, over the facts
    found so far) go on to a larger share of the time.

    Time is the CPU time of the analysing thread, not the wall clock: on a loaded machine (a shared CI
    runner) the wall clock would cut files that a quiet one analyses fully, and a result would depend on
    what else ran. Every input that is slow to analyse is slow because it computes, so CPU time bounds
    it all the same; the language server adds its own wall-clock limit per document.

    Memory is the growth of the process's resident set over what it was when the ceiling was set (the
    parsed tree is already counted then), so a long-running process (flake8, the language server) gives
    each file the same allowance whatever earlier files left allocated."""

    def __init__(self, seconds: Optional[float], memory_mb: Optional[float], share: float = 1.0) -> None:
        self.seconds = seconds
        self.memory_mb = memory_mb
        self.share = share
        self.started = _cpu_seconds()
        # A thread's CPU time never runs ahead of the wall clock, whose reading costs a hundredth of
        # the CPU clock's on some virtual machines: the CPU clock is read only once the wall clock
        # says the limit may have passed.
        self.wall_started = time.monotonic()
        baseline = resident_bytes() if memory_mb is not None else None
        self.memory_cap = baseline + memory_mb * MB if baseline is not None and memory_mb is not None else None
        self.reason: Optional[str] = None  # why the analysis stopped short, once it did
        self.stopped = False
        self.pauses = 0

    def allow(self, share: float, at_least: float = 0.0) -> None:
        """Let the next stage run until `share` of the time limit is used (counted from the start), and
        for `at_least` that share of it from now whatever the previous stage used.

        Memory is no longer watched then: what explodes is abstract values, which only the facts build;
        a later stage allocates per report, and its time limit bounds the reports."""
        used = (_cpu_seconds() - self.started) / self.seconds if self.seconds else 0.0
        self.share = max(share, used + at_least)
        self.stopped = False
        self.memory_cap = None

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Neither the time nor the memory spent inside counts (reading an imported project module:
        each run reads it once, for whichever file imports it first, so it is not that file's cost)."""
        cpu, resident = _cpu_seconds(), resident_bytes() if self.memory_cap is not None else None
        wall = time.monotonic()
        self.pauses += 1
        try:
            yield
        finally:
            self.pauses -= 1
            self.started += _cpu_seconds() - cpu
            self.wall_started += time.monotonic() - wall
            if self.memory_cap is not None and resident is not None:
                self.memory_cap += max((resident_bytes() or resident) - resident, 0)

    def passed(self) -> bool:
        if self.stopped:
            return True
        if self.pauses:
            return False
        if self.seconds is not None and self._time_is_up(self.seconds * self.share):
            self.reason = self.reason or f"the analysis used up its time limit ({self.seconds:g} s of CPU time)"
            self.stopped = True
        elif self.memory_cap is not None and (resident_bytes() or 0) > self.memory_cap:
            grown = f"the analysis grew the process by more than its memory limit of {self.memory_mb:g} MB"
            self.reason = self.reason or grown
            self.stopped = True
        return self.stopped

    def _time_is_up(self, allowed: float) -> bool:
        return time.monotonic() - self.wall_started > allowed and _cpu_seconds() - self.started > allowed


def _cpu_seconds() -> float:
    try:
        return time.thread_time()
    except OSError:  # a platform without a per-thread clock
        return time.process_time()


def resident_bytes() -> Optional[int]:
    """The process's current resident set; where /proc is missing, its peak (which still only grows when
    the current one does). None when neither can be read."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE_SIZE
    except (OSError, ValueError, IndexError):
        pass
    try:
        import resource  # not on Windows
    except ImportError:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak * (1 if sys.platform == "darwin" else 1024)  # bytes on macOS, KiB elsewhere


_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_ACTIVE_CEILING: ContextVar[Optional[Ceiling]] = ContextVar("keras_loss_lint_ceiling", default=None)


@contextmanager
def ceiling_paused() -> Iterator[None]:
    """The active ceiling (if any) does not count what runs inside (see `Ceiling.paused`)."""
    ceiling = _ACTIVE_CEILING.get()
    if ceiling is None:
        yield
        return
    with ceiling.paused():
        yield


@contextmanager
def ceiling_applied(ceiling: Optional[Ceiling]) -> Iterator[Optional[Ceiling]]:
    """Every interpreter created inside the block stops at `ceiling` (None: at its step budget only)."""
    token = _ACTIVE_CEILING.set(ceiling)
    try:
        yield ceiling
    finally:
        _ACTIVE_CEILING.reset(token)


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
        # The budget below which the ceiling is next looked at (recomputed at the first step, once the
        # concrete interpreter has set its budget).
        self.next_look = 1 << 62
        self.ceiling = _ACTIVE_CEILING.get()
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

    def recording_helper_names(self) -> frozenset[str]:
        """Names this module imports from project modules that hold a recorded call; none alone."""
        return frozenset()

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
        if self.budget < self.next_look:
            self.look_at_limits()

    def look_at_limits(self) -> None:
        """Stop (`BudgetExceeded`) when the step budget is spent or the file's ceiling is passed."""
        if self.budget < 0 or (self.ceiling is not None and self.ceiling.passed()):
            raise BudgetExceeded
        self.next_look = max(self.budget - STEPS_BETWEEN_LOOKS, 0)

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
