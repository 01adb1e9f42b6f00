"""Variable scopes of the abstract interpreter, the trail of writes, and how control-flow paths join.

Every piece of state a path can change lives in a store: a scope's bindings or an instance's
attributes (lists and dicts are immutable values, so mutating one rebinds every store holding it).
All writes go through the `Trail`, which remembers, per open level, the value each store key had
before the level began. A branch is run inside a level, its writes are read back and undone, and
after every branch has run the keys any branch wrote are set to the join of their values on each
path. Bindings of the module frame written through `global`, of enclosing frames through `nonlocal`,
and instance attributes are joined exactly like local names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator, Optional, Sequence

from keras_loss_lint.analysis.facts import UNKNOWN, Value, same_value
from keras_loss_lint.analysis.joins import join_differing

Store = dict[str, Value]
StoreKey = tuple[int, str]


class BudgetExceeded(Exception):
    """The module is too large or too dynamic to follow completely; what was found stands."""


@dataclass
class Change:
    """One store key written inside a level: its value before the level and (read later) after it."""

    store: Store
    key: str
    old: Optional[Value]  # None: the key was absent

    @property
    def current(self) -> Optional[Value]:
        return self.store.get(self.key)


Changes = dict[StoreKey, Change]
# What one path wrote: per key, the change record and the value the path left there.
PathState = dict[StoreKey, tuple[Change, Optional[Value]]]


class Trail:
    """Undo log of store writes, one level per branch (or function call, loop round) in progress."""

    def __init__(self) -> None:
        self.levels: list[Changes] = []

    def write(self, store: Store, key: str, value: Optional[Value]) -> None:
        """Set (or with None, delete) `store[key]`, remembering its previous value in the open level."""
        if self.levels:
            level = self.levels[-1]
            ident = (id(store), key)
            if ident not in level:
                level[ident] = Change(store, key, store.get(key))
        if value is None:
            store.pop(key, None)
        else:
            store[key] = value

    def begin(self) -> int:
        self.levels.append({})
        return len(self.levels) - 1

    def end(self) -> Changes:
        """Close the innermost level; the enclosing level learns the old values it had not seen."""
        changes = self.levels.pop()
        if self.levels:
            parent = self.levels[-1]
            for ident, change in changes.items():
                parent.setdefault(ident, Change(change.store, change.key, change.old))
        return changes

    def undo(self, changes: Changes) -> None:
        """Put back the values from before a closed level (not logged: the parent already knows them)."""
        for change in changes.values():
            _set(change.store, change.key, change.old)

    def close(self) -> "PathState":
        """End the innermost level and undo it: what the path wrote, to be joined with other paths."""
        changes = self.end()
        state = {ident: (change, change.current) for ident, change in changes.items()}
        self.undo(changes)
        return state

    def since(self, level: int, skip: Optional[Store] = None) -> "PathState":
        """Every key written in `level` or deeper: the value it had when `level` began, and now."""
        found: PathState = {}
        for changes in self.levels[level:]:
            for ident, change in changes.items():
                if ident not in found and change.store is not skip:
                    found[ident] = (change, change.current)
        return found


def _set(store: Store, key: str, value: Optional[Value]) -> None:
    if value is None:
        store.pop(key, None)
    else:
        store[key] = value


def join_values(values: Sequence[Optional[Value]]) -> Optional[Value]:
    """The value after paths join: kept when every path agrees; absent when no path has it."""
    if all(value is None for value in values):
        return None
    first = values[0]
    if first is None or any(value is None for value in values[1:]):
        return UNKNOWN
    return join(values)  # type: ignore[arg-type]


def join(values: Sequence[Value]) -> Value:
    """Every path's value is known to exist: the same one, or what they agree on (`joins`)."""
    first = values[0]
    if all(same_value(first, value) for value in values[1:]):
        return first
    return join_differing(values)


def join_paths(trail: Trail, paths: Sequence[PathState]) -> None:
    """With the state as before the paths, set every key some path wrote to its joined value."""
    written: dict[StoreKey, Change] = {}
    for path in paths:
        for ident, (change, _after) in path.items():
            written.setdefault(ident, change)
    for ident, change in written.items():
        before = change.store.get(change.key)
        values = [path[ident][1] if ident in path else before for path in paths]
        trail.write(change.store, change.key, join_values(values))


class Frame:
    """One scope's bindings; lookups fall back to the enclosing (defining) scope, as Python does."""

    def __init__(self, parent: Optional["Frame"] = None, trail: Optional[Trail] = None) -> None:
        self.vars: Store = {}
        self.parent = parent
        # An explicit trail wins over the parent's: a function of another module runs on the trail
        # of the interpreter that called it, not on the one that ran that module's top level.
        self.trail: Trail = trail if trail is not None else (parent.trail if parent is not None else Trail())
        # For a module frame: the `LoadedModule` it is the top level of (None: the linted module).
        self.origin: Optional[object] = None
        self.globals_declared: set[str] = set()
        self.nonlocals_declared: set[str] = set()
        # Modules of `from m import *` at this scope, in order (None: a module not understood).
        self.star_modules: list[Optional[str]] = []

    def lookup(self, name: str) -> Optional[Value]:
        holder = self.holder(name)
        return holder.vars.get(name) if holder is not None else None

    def holder(self, name: str) -> Optional["Frame"]:
        """The frame whose binding of `name` a read sees, or None when the name is unbound."""
        if name in self.globals_declared:
            module = self.module_frame()
            return module if name in module.vars else None
        frame: Optional[Frame] = self
        while frame is not None:
            if name in frame.vars:
                return frame
            frame = frame.parent
        return None

    def owner_of(self, name: str) -> "Frame":
        """The frame an assignment to `name` writes: local, or the one `global`/`nonlocal` names."""
        if name in self.globals_declared:
            return self.module_frame()
        if name in self.nonlocals_declared:
            return self._enclosing_binding(name) or self
        return self

    def _enclosing_binding(self, name: str) -> Optional["Frame"]:
        frame = self.parent
        while frame is not None and frame.parent is not None:
            if name in frame.vars:
                return frame
            frame = frame.parent
        return None

    def bind(self, name: str, value: Value) -> None:
        self.trail.write(self.owner_of(name).vars, name, value)

    def unbind(self, name: str) -> None:
        self.trail.write(self.owner_of(name).vars, name, None)

    def module_frame(self) -> "Frame":
        frame = self
        while frame.parent is not None:
            frame = frame.parent
        return frame

    def chain(self) -> Iterator["Frame"]:
        frame: Optional[Frame] = self
        while frame is not None:
            yield frame
            frame = frame.parent


def distinct(frames: Iterable[Frame]) -> list[Frame]:
    seen: set[int] = set()
    found = []
    for frame in frames:
        if id(frame) not in seen:
            seen.add(id(frame))
            found.append(frame)
    return found
