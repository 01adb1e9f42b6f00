"""The project's other modules, as the analysis of one file sees them.

An import of a project module runs that module's top level once, with an interpreter of its own (its
own frames, trail and step budget), and binds what it defined: functions and classes are then followed
with the caller's arguments exactly like the linted module's own, constants and dicts are read, and a
model it built at module level is the model the importer compiles. Nothing is imported or run.

Results are memoised per run: per file, content and search path, and reused only while every file they
were read from still has the same text and every file an import of theirs looked for in vain is still
absent. A module already being interpreted (an import cycle) is
UNKNOWN to the cycle, and one file may pull in at most `MAX_MODULES` project modules, counting what
they pull in; past that, imports are left unknown and the facts say that the analysis is partial.

Where modules are is the business of a `ModuleLocator` (the project index, outside the analysis).

An import that resolves to nothing, or to a file behind others on the search path, depends on the
files it looked for and did not find (`<dir>/models.py`, `<dir>/models/__init__.py` per directory):
creating one changes what it imports. They are listed with the dependencies (as "absent" ones: a
cache compares their presence, an editor re-checks on their creation), at most
`MAX_ABSENT_DEPENDENCIES` per file; past that, a file created later may go unnoticed until the
importer changes.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Optional, Protocol, Sequence

import libcst as cst

from keras_loss_lint.analysis.base import ceiling_paused
from keras_loss_lint.analysis.frames import Frame

if TYPE_CHECKING:
    from keras_loss_lint.analysis.facts import ModuleFacts

MAX_MODULES = 32
MAX_ABSENT_DEPENDENCIES = 64
MEMO_CAPACITY = 2_048
WATCHED_WORDS = ("yield", "break", "continue")


class Located(Protocol):
    """A module found on the search path: its file (None for a namespace package) and, for a
    package, the directories its submodules are looked up in."""

    @property
    def name(self) -> str: ...

    @property
    def file(self) -> Optional[str]: ...

    @property
    def package_dirs(self) -> tuple[str, ...]: ...

    @property
    def is_package(self) -> bool: ...


class ModuleLocator(Protocol):
    """Where the project's modules are, and their texts (`project.index.ProjectIndex`)."""

    def search_path(self, script: Optional[str], front: Sequence[str] = (), back: Sequence[str] = ()) -> Any: ...

    # `absent`: where the files that are not there but would be imported instead are collected.
    def find(self, name: str, search: Any, absent: Optional[list[str]] = None) -> Optional[Located]: ...

    def find_relative(
        self, name: Optional[str], importer: str, level: int, absent: Optional[list[str]] = None
    ) -> Optional[Located]: ...

    def submodule(self, package: Located, name: str, absent: Optional[list[str]] = None) -> Optional[Located]: ...

    def read(self, path: str) -> Optional[str]: ...

    def display(self, path: str) -> str: ...


@dataclass(eq=False)
class LoadedModule:
    """One project module's top level, interpreted."""

    located: Located
    frame: Frame
    display: str
    module: Optional[cst.Module] = None  # None for a namespace package (no file)
    source: str = ""
    # Every file read for it (itself and what it imported), with the hash of the text read.
    texts: dict[str, int] = field(default_factory=dict)
    # The files its imports (and theirs) looked for and did not find.
    absent: frozenset[str] = frozenset()
    partial: Optional[str] = None
    mentions: frozenset[str] = frozenset()
    keras_packages: frozenset[str] = frozenset()
    # It and every module it loaded (their nodes may reach the importer's values).
    closure: tuple["LoadedModule", ...] = ()
    _node_ids: Optional[frozenset[int]] = field(default=None, repr=False)

    def node_ids(self) -> frozenset[int]:
        """The identities of every node of its tree (computed once, when first asked)."""
        if self._node_ids is None:
            found: set[int] = set()
            pending: list[cst.CSTNode] = [self.module] if self.module is not None else []
            while pending:
                node = pending.pop()
                found.add(id(node))
                pending.extend(node.children)
            self._node_ids = frozenset(found)
        return self._node_ids


MemoKey = tuple[str, int, Any]
# Runs a module's top level into a frame (the interpreter, which imports this module, provides it).
Interpret = Callable[[cst.Module, str, "ProjectContext", Frame], "ModuleFacts"]


class ModuleMemo:
    """Interpreted top levels shared by every file linted with one locator."""

    def __init__(self, capacity: int = MEMO_CAPACITY) -> None:
        self.capacity = capacity
        self.entries: OrderedDict[MemoKey, LoadedModule] = OrderedDict()
        self.loading: set[str] = set()

    def get(self, key: MemoKey, locator: ModuleLocator) -> Optional[LoadedModule]:
        entry = self.entries.get(key)
        if entry is None:
            return None
        if any(_text_hash(locator.read(path)) != known for path, known in entry.texts.items()) or any(
            locator.read(path) is not None for path in entry.absent
        ):
            del self.entries[key]  # a module it read has changed, or one it missed exists, since
            return None
        self.entries.move_to_end(key)
        return entry

    def put(self, key: MemoKey, entry: LoadedModule) -> None:
        self.entries[key] = entry
        while len(self.entries) > self.capacity:
            self.entries.popitem(last=False)


_MEMOS: "weakref.WeakKeyDictionary[Any, ModuleMemo]" = weakref.WeakKeyDictionary()


def memo_for(locator: ModuleLocator) -> ModuleMemo:
    """The memo of `locator`'s run: as long-lived as the locator itself."""
    memo = _MEMOS.get(locator)
    if memo is None:
        memo = _MEMOS[locator] = ModuleMemo()
    return memo


def _text_hash(text: Optional[str]) -> int:
    return -1 if text is None else hash(text)


class ProjectContext:
    """What one interpretation (of the linted file, or of an imported module's top level) may import.

    `script` is the linted file (its directory is `sys.path[0]` for every module it imports); `file` is
    the module being interpreted (relative imports, `__file__`); `front`/`back` are the directories
    put on `sys.path` so far.
    """

    def __init__(
        self,
        locator: ModuleLocator,
        memo: ModuleMemo,
        interpret: Interpret,
        script: Optional[str],
        file: Optional[str] = None,
        front: Sequence[str] = (),
        back: Sequence[str] = (),
        limit: int = MAX_MODULES,
    ) -> None:
        self.locator = locator
        self.interpret = interpret
        self.memo = memo
        self.script = script
        self.file = file if file is not None else script
        self.front = list(front)
        self.back = list(back)
        self.limit = limit
        self.texts: dict[str, int] = {}
        self.absent: set[str] = set()
        self.partial: Optional[str] = None
        self.mentions: set[str] = set()
        self.keras_packages: set[str] = set()
        self.modules: dict[int, LoadedModule] = {}
        self._search: Any = None

    # --------------------------------------------------------------------------------- finding

    def add_search_directory(self, directory: str, in_front: bool) -> None:
        (self.front.insert(0, directory) if in_front else self.back.append(directory))
        self._search = None

    def search(self) -> Any:
        if self._search is None:
            self._search = self.locator.search_path(self.script, self.front, self.back)
        return self._search

    def find(self, dotted: str) -> Optional[Located]:
        absent: list[str] = []
        found = self.locator.find(dotted, self.search(), absent)
        self._note_absent(absent)
        return found

    def find_relative(self, dotted: Optional[str], level: int) -> Optional[Located]:
        if self.file is None:
            return None
        absent: list[str] = []
        found = self.locator.find_relative(dotted, self.file, level, absent)
        self._note_absent(absent)
        return found

    def submodule(self, package: Located, name: str) -> Optional[Located]:
        absent: list[str] = []
        found = self.locator.submodule(package, name, absent)
        self._note_absent(absent)
        return found

    def _note_absent(self, paths: Sequence[str]) -> None:
        for path in paths:
            if len(self.absent) >= MAX_ABSENT_DEPENDENCIES:
                return
            self.absent.add(path)

    def dependencies(self) -> tuple[str, ...]:
        """The other project files read, and those looked for in vain (see the module docstring)."""
        own = self.file
        return tuple(sorted({path for path in self.texts if path != own} | self.absent))

    # --------------------------------------------------------------------------------- loading

    def load(self, located: Located) -> Optional[LoadedModule]:
        """The module's interpreted top level; None when it cannot be had (unreadable, invalid,
        part of an import cycle, or past the bound of modules per file)."""
        if located.file is None:
            return LoadedModule(located, Frame(), "/".join(located.name.split(".")))
        path = located.file
        if path in self.memo.loading or path == self.file:
            return None
        text = self.locator.read(path)
        if text is None:
            return None
        key: MemoKey = (path, hash(text), self.search())
        entry = self.memo.get(key, self.locator)
        if entry is None:
            with ceiling_paused():  # read once per run, for whichever file imports it first
                entry = self._interpret(located, path, text)
            if entry is None:
                # Not understood (a syntax error mid-edit): still read, so fixing it re-checks the importer.
                self.texts.setdefault(path, hash(text))
                return None
            self.memo.put(key, entry)
        return self._admit(entry)

    def _admit(self, entry: LoadedModule) -> Optional[LoadedModule]:
        merged = {**self.texts, **entry.texts}
        if len([path for path in merged if path != self.file]) > self.limit:
            self.partial = f"imports more than {self.limit} project modules; the others were not followed"
            return None
        self.texts = merged
        self._note_absent(sorted(entry.absent - self.absent))
        self.partial = self.partial or entry.partial
        self.mentions |= entry.mentions
        self.keras_packages |= entry.keras_packages
        self.modules.update((id(module), module) for module in entry.closure)
        return entry

    def foreign_node_ids(self) -> tuple[frozenset[int], ...]:
        """The node identities of every module loaded: the nodes that are not the file's own."""
        return tuple(module.node_ids() for module in self.modules.values() if module.module is not None)

    def _interpret(self, located: Located, path: str, text: str) -> Optional[LoadedModule]:
        try:
            module = cst.parse_module(text)
        except (cst.ParserSyntaxError, RecursionError, MemoryError, ValueError):
            return None
        nested = ProjectContext(
            self.locator, self.memo, self.interpret, self.script, path, self.front, self.back, self.limit
        )
        frame = Frame()
        loaded = LoadedModule(located, frame, self.locator.display(path), module, text)
        frame.origin = loaded
        self.memo.loading.add(path)
        try:
            facts = self.interpret(module, text, nested, frame)
        except RecursionError:
            return None
        finally:
            self.memo.loading.discard(path)
        loaded.texts = {**nested.texts, path: hash(text)}
        loaded.absent = frozenset(nested.absent)
        loaded.partial = nested.partial
        loaded.mentions = frozenset(nested.mentions | {word for word in WATCHED_WORDS if word in text})
        loaded.keras_packages = frozenset(nested.keras_packages | facts.keras_packages)
        loaded.closure = (loaded, *nested.modules.values())
        return loaded
