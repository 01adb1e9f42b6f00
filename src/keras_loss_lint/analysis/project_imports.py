"""Imports of the project's own modules, and what crossing into another module's code means.

`import models as M`, `from trainer.models import build` (a package whose `__init__` re-exports it),
`from .heads import build`, `from model import *`: the imported module's top level is interpreted (see
`project_modules`), and the names bound here are its values. As in Python, importing `a.b.c` (or from
it) first runs `a` and `a/b/__init__.py`, whose re-exports and changes to other modules' names count.

Code of another module that the linted file calls runs here with the caller's arguments, and
functions or classes it defines along the way are not run alone here. A model it builds remembers
where, for the messages; a finding on that model's own nodes is reported at this file's compile() of
it (core).

A recorded call (`compile`, `fit`, ...) inside another module's function is this file's finding only
when it depends on what this file supplied, since that module's own lint cannot know it: the call is
recorded when its model was built before this file's code entered the other module's code (built by
this file, or by another call this file made: `compile_fixed(build())`). A model built during that
same call, or at some module's top level, is one the other module's own lint builds as well (it runs
its functions alone), so it reports the call there; reporting it here too would say it twice. What
this criterion leaves out (a loss dict this file passes to a helper that builds its own model) stays
silent: unknown is never reported. Such a call is recorded on this file's call expression that
entered the other module's code (the innermost one of this file's code on the stack), with each
argument's node that same expression, so every report lands on this file's text and no fix edits
the other file; `CallFacts.site` says where the call really is.
"""

from __future__ import annotations

from typing import Callable, Optional

import libcst as cst

from keras_loss_lint.analysis import keras_calls
from keras_loss_lint.analysis.arguments import CallArguments
from keras_loss_lint.analysis.expressions import ExpressionEvaluator
from keras_loss_lint.analysis.facts import (
    UNKNOWN,
    Argument,
    ClassValue,
    Const,
    FunctionValue,
    ModelFacts,
    ModelOrigin,
    ModuleValue,
    Seq,
    Value,
)
from keras_loss_lint.analysis.frames import Frame, Store
from keras_loss_lint.analysis.project_modules import Located, LoadedModule, ProjectContext
from keras_loss_lint.analysis.sys_path import resolve_directory, static_path, sys_path_change


class ProjectImportsMixin(ExpressionEvaluator):
    project: Optional[ProjectContext]

    def __init__(self) -> None:
        super().__init__()
        self.project = None
        self.loaded_frames: list[Frame] = []
        # Module-level names bound to a path expression, for `sys.path.insert(0, str(ROOT / "src"))`.
        self.path_names: dict[str, str] = {}
        # This file's calls into another module's code now running: each with the number of models
        # built before it started.
        self.entered: list[tuple[cst.Call, int]] = []

    # ------------------------------------------------------------------------------ where code is

    def recording_helper_names(self) -> frozenset[str]:
        """What the project index says this module imports that holds a recorded call (the same
        summaries the pre-check reads); only the linted file asks, to run its uncalled functions."""
        project = self.project
        finder = getattr(project.locator, "recording_names", None) if project is not None else None
        text = getattr(self, "source_text", None)
        if finder is None or project is None or text is None or project.file != project.script:
            return frozenset()
        names: frozenset[str] = finder(text, project.script)
        return names

    def in_own_code(self, frame: Optional[Frame] = None) -> bool:
        """Whether the code running now (in `frame`, else the innermost frame) is the interpreted
        module's own, rather than a function of another module it called."""
        current = frame if frame is not None else self.current_frame()
        return current is None or current.module_frame() is self.root_frame

    def model_origin(self, node: cst.CSTNode) -> Optional[ModelOrigin]:
        current = self.current_frame()
        loaded = current.module_frame().origin if current is not None else None
        if not isinstance(loaded, LoadedModule) or loaded.module is None or current is None:
            return None
        function = None
        if self.call_stack and self.active_frames and self.active_frames[-1].module_frame() is current.module_frame():
            function = self.call_stack[-1].name.value
        path = loaded.located.file or ""
        return ModelOrigin(path, loaded.display, node, loaded.module, loaded.source, function)

    # ------------------------------------------------------------------ calls into other modules

    def call_entering(self, callee: Value, arguments: CallArguments, node: cst.Call, frame: Frame) -> Value:
        if self.project is None or not self._defined_elsewhere(callee) or not self.in_own_code(frame):
            return super().call_entering(callee, arguments, node, frame)
        self.entered.append((node, len(self.facts.models)))
        try:
            return super().call_entering(callee, arguments, node, frame)
        finally:
            self.entered.pop()

    def _defined_elsewhere(self, callee: Value) -> bool:
        """A function or class of another module: calling it runs that module's code."""
        if isinstance(callee, FunctionValue):
            scope = callee.scope
        elif isinstance(callee, ClassValue):
            scope = callee.info.scope
        else:
            return False
        return isinstance(scope, Frame) and scope.module_frame() is not self.root_frame

    def record_entered_call(self, method: str, node: cst.Call, model: ModelFacts, arguments: CallArguments) -> None:
        """A recorded call in another module's code, recorded when this file supplied its model (see
        the module docstring), on this file's call that entered that code."""
        if not self.entered:
            return
        anchor, built_before = self.entered[-1]
        if not any(known is model for known in self.facts.models[:built_before]):
            return
        site = self.model_origin(node)
        if site is None:
            return
        keras_calls.record_call(self.facts, method, anchor, model, arguments)
        call = self.facts.calls[-1]
        call.arguments = {name: Argument(argument.value, anchor) for name, argument in call.arguments.items()}
        call.positional = tuple(Argument(argument.value, anchor) for argument in call.positional)
        call.site = site

    def stores(self, frame: Frame) -> list[Store]:
        """Imported modules' bindings can hold what this module mutates (`config.LOSSES.update(...)`)."""
        found = super().stores(frame)
        seen = {id(store) for store in found}
        return found + [f.vars for f in self.loaded_frames if id(f.vars) not in seen]

    # ---------------------------------------------------------------------------------- imports

    def import_project(self, dotted: str, asname: Optional[str], frame: Frame) -> bool:
        """`import a.b.c [as x]` of a project module; False when it is not one."""
        project = self.project
        if project is None:
            return False
        chain = self._dotted_chain(dotted, lambda prefix: project.find(prefix))
        if chain is None:
            return False
        # Python runs `a`, then `a/b/__init__`, then `a.b.c`: each package's top level may re-export
        # or change names the later ones (and the importer) read.
        values = [self.module_value(located) for located in chain]
        frame.bind(asname if asname is not None else dotted.split(".", 1)[0], values[-1] if asname else values[0])
        return True

    @staticmethod
    def _dotted_chain(dotted: str, find: Callable[[str], Optional[Located]]) -> Optional[list[Located]]:
        """The modules `a`, `a.b`, `a.b.c` that importing `a.b.c` runs, in order; None when `a.b.c` is
        not a project module."""
        parts = dotted.split(".")
        chain = [find(".".join(parts[: count + 1])) for count in range(len(parts))]
        if any(located is None for located in chain):
            return None
        return [located for located in chain if located is not None]

    def import_project_from(self, node: cst.ImportFrom, module: Optional[str], frame: Frame) -> bool:
        """`from m import a, b` / `from m import *` / relative forms, for a project module `m`."""
        project = self.project
        if project is None:
            return False
        level = len(node.relative)
        if level and not module:
            located = project.find_relative(None, level)
            chain = [located] if located is not None else None
        elif level:
            chain = self._dotted_chain(module or "", lambda prefix: project.find_relative(prefix, level))
        else:
            chain = self._dotted_chain(module, lambda prefix: project.find(prefix)) if module else None
        if not chain:
            return False
        for package in chain[:-1]:
            self.module_value(package)  # the packages along the path run first (see `import_project`)
        located = chain[-1]
        loaded = self._note_loaded(project.load(located))
        if isinstance(node.names, cst.ImportStar):
            self._star_from_project(loaded, frame)
            return True
        for alias in node.names:
            name = alias.name.value if isinstance(alias.name, cst.Name) else ""
            local = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) else name
            frame.bind(local, self._member(located, loaded, name))
        return True

    def _member(self, located: Located, loaded: Optional[LoadedModule], name: str) -> Value:
        if loaded is not None and name in loaded.frame.vars:
            return loaded.frame.vars[name]
        project = self.project
        submodule = project.submodule(located, name) if project is not None else None
        if submodule is not None:
            return self.module_value(submodule)
        return UNKNOWN

    def _star_from_project(self, loaded: Optional[LoadedModule], frame: Frame) -> None:
        if loaded is None:
            self.star_import_unknown(frame)
            return
        bindings = loaded.frame.vars
        if "__all__" in bindings:
            exported = _declared_all(bindings["__all__"])
            if exported is None:
                self.star_import_unknown(frame)
                return
            names = exported
        else:
            names = [name for name in bindings if not name.startswith("_")]
        for name in names:
            frame.bind(name, bindings.get(name, UNKNOWN))

    def star_import_unknown(self, frame: Frame) -> None:  # pragma: no cover - provided by ImportsMixin
        raise NotImplementedError

    def module_value(self, located: Located) -> Value:
        project = self.project
        loaded = self._note_loaded(project.load(located) if project is not None else None)
        return ModuleValue(loaded) if loaded is not None else UNKNOWN

    def _note_loaded(self, loaded: Optional[LoadedModule]) -> Optional[LoadedModule]:
        if loaded is not None:
            self.loaded_frames.append(loaded.frame)
            # Its functions may run here: questions read from the module's text must cover theirs.
            for word in loaded.mentions:
                self.module_mentions[word] = True
        return loaded

    def module_attribute(self, owner: ModuleValue, attr: str) -> Value:
        loaded = owner.loaded
        if not isinstance(loaded, LoadedModule):
            return UNKNOWN
        return self._member(loaded.located, loaded, attr)

    def assign_module_attribute(self, owner: ModuleValue, attr: str, value: Value) -> None:
        """`config.LOSSES = {...}`: the module's binding changes for every reader of this run (the
        change is undone when the run ends, so other files see the module as it is)."""
        loaded = owner.loaded
        if isinstance(loaded, LoadedModule):
            self.trail.write(loaded.frame.vars, attr, value)

    # ---------------------------------------------------------------------------------- sys.path

    def note_sys_path(self, node: cst.Call, frame: Frame) -> None:
        project = self.project
        change = sys_path_change(node) if project is not None else None
        if project is None or change is None:
            return
        in_front, expression = change
        path = static_path(expression, project.file, self.path_names.get)
        directory = resolve_directory(path, project.script) if path else None
        if directory is not None:
            project.add_search_directory(directory, in_front)

    def note_path_assignment(self, node: cst.Assign, frame: Frame) -> None:
        """`ROOT = Path(__file__).parent.parent` at module level: remembered for later `sys.path` use."""
        if self.project is None or frame.parent is not None or len(node.targets) != 1:
            return
        target = node.targets[0].target
        if isinstance(target, cst.Name):
            path = static_path(node.value, self.project.file, self.path_names.get)
            if path is not None:
                self.path_names[target.value] = path
            else:
                self.path_names.pop(target.value, None)

    def file_name(self) -> Value:
        """`__file__`: the module's path when it is known."""
        project = self.project
        return Const(project.file) if project is not None and project.file is not None else UNKNOWN


def _declared_all(value: Optional[Value]) -> Optional[list[str]]:
    if not isinstance(value, Seq):
        return None
    names = [item.value for item in value.items if isinstance(item, Const) and isinstance(item.value, str)]
    return names if len(names) == len(value.items) else None
