"""The IPython extension: `%load_ext keras_loss_lint`.

Before a cell runs (`pre_run_cell`) it is linted in the context of the cells this kernel has already
run: their code, in the order they ran, followed by the new cell, is linted as one module (as a
notebook is, see faces/notebook.py), and only the findings inside the new cell are printed, with the
cell's own line numbers. A model built three cells earlier and compiled now is thus seen whole.

After a cell that calls `compile(` ran successfully (`post_run_cell`), every compiled Keras model in
the user namespace whose compile() is new is checked against the installed release
(`keras_loss_lint.runtime.explain`), and its table is printed when there is a finding. That needs
Keras to be imported already: the extension never imports it.

Output is plain text printed into the cell's output (above whatever the cell prints, for the lint),
so it works in any frontend. The extension never interrupts a cell: its own failures are reported in
one line and the cell runs on.
"""

from __future__ import annotations

import ast
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from keras_loss_lint.faces.notebook import transform_cell
from keras_loss_lint.faces.notebook_magics import cell_indent, indented_lines

PREFIX = "keras-loss-lint"
KERAS_MODULES = ("keras", "tf_keras")
_LOADED: dict[int, "KernelLinter"] = {}


@dataclass
class CellFinding:
    line: int  # 1-based, in the cell
    column: int  # 1-based, as editors show it
    code: str
    message: str

    def __str__(self) -> str:
        return f"{PREFIX}: line {self.line}, col {self.column}: {self.code} {self.message}"


@dataclass
class KernelLinter:
    """The state of one kernel: the code of the cells it ran, and the compiles already checked."""

    shell: Any
    executed: list[str] = field(default_factory=list)  # Python text (magics replaced) per cell
    raw_cells: list[str] = field(default_factory=list)  # as typed, for `%pip install keras==` pins
    checked: dict[str, Any] = field(default_factory=dict)  # variable name -> its compile token

    # -------------------------------------------------------------------------------- events

    def pre_run_cell(self, info: Any) -> None:
        try:
            findings = self.lint_cell(info.raw_cell)
        except Exception as error:  # the extension must never stop the user's cell
            print(f"{PREFIX}: could not lint this cell ({type(error).__name__}: {error})")
            return
        for finding in findings:
            print(finding)

    def post_run_cell(self, result: Any) -> None:
        raw = result.info.raw_cell if result.info is not None else ""
        if result.error_before_exec is None:
            self.remember(raw)
        if not result.success or "compile(" not in raw:
            return
        try:
            for line in self.check_models():
                print(line)
        except Exception as error:
            print(f"{PREFIX}: could not check the compiled models ({type(error).__name__}: {error})")

    # ---------------------------------------------------------------------------------- lint

    def remember(self, raw: str) -> None:
        code = transform_cell(raw)
        self.raw_cells.append(raw)
        if code is not None and _parses(code):  # one invalid cell would hide every later finding
            self.executed.append(code)

    def seed(self) -> None:
        """The cells run before the extension was loaded (the loading cell itself is remembered by
        `post_run_cell`, which IPython calls for it)."""
        history = getattr(getattr(self.shell, "history_manager", None), "input_hist_raw", None) or []
        for raw in list(history)[1:-1]:
            self.remember(raw)

    def lint_cell(self, raw: str) -> list[CellFinding]:
        code = transform_cell(raw)
        if code is None or not code.strip():
            return []
        from keras_loss_lint.core.lint import lint_source  # LibCST: loaded at the first cell, not at %load_ext

        before = "".join(cell + "\n" for cell in self.executed)
        offset = before.count("\n")
        result = lint_source(before + code + "\n", str(self._path()), self._settings(raw), fixes=False)
        last = code.count("\n") + 1
        indent = cell_indent(raw)  # an indented cell is linted dedented: columns of the cell as typed
        shifted = indented_lines(raw, indent)
        return [
            CellFinding(d.line - offset, d.column + 1 + len(indent) * shifted[d.line - offset - 1], d.code, d.message)
            for d in sorted(result.diagnostics, key=lambda d: d.sort_key())
            if offset < d.line <= offset + last
        ]

    def _path(self) -> Path:
        # ipykernel names the notebook it serves; per-file-ignores and project pins apply to it.
        session = os.environ.get("JPY_SESSION_NAME")
        return Path(session) if session else Path.cwd() / "ipython-session.ipynb"

    def _settings(self, raw: str) -> Any:
        """The settings the CLI would use for this notebook (config and targets from its directory,
        `%pip install keras==...` pins from its cells)."""
        from keras_loss_lint.project.config import ConfigError, ConfigResolver
        from keras_loss_lint.project.settings import DEFAULT_SETTINGS

        path = self._path()
        try:
            config = ConfigResolver(path.parent).for_path(path)
            return config.settings_for(path, [*self.raw_cells, raw])
        except (ConfigError, ValueError, OSError) as error:
            print(f"{PREFIX}: configuration not used ({error}); linting with the defaults")
            return DEFAULT_SETTINGS

    # ---------------------------------------------------------------------------- live check

    def check_models(self) -> list[str]:
        if not any(name in sys.modules for name in KERAS_MODULES):
            return []
        from keras_loss_lint.runtime import compile_token, compiled_models, explain

        lines = []
        for name, model in compiled_models(self.shell.user_ns):
            token = compile_token(model)
            if self.checked.get(name) is token:
                continue
            self.checked[name] = token
            explanation = explain(model)
            if explanation.findings:
                lines.append(f"{PREFIX}: `{name}` as compiled, on the installed Keras:\n{explanation}")
        return lines


def _parses(code: str) -> bool:
    try:
        compile(code, "<cell>", "exec", ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    except (SyntaxError, ValueError):
        return False
    return True


def load_ipython_extension(ipython: Any) -> None:
    if id(ipython) in _LOADED:
        return
    linter = KernelLinter(ipython)
    linter.seed()
    ipython.events.register("pre_run_cell", linter.pre_run_cell)
    ipython.events.register("post_run_cell", linter.post_run_cell)
    _LOADED[id(ipython)] = linter


def unload_ipython_extension(ipython: Any) -> None:
    linter = _LOADED.pop(id(ipython), None)
    if linter is None:
        return
    ipython.events.unregister("pre_run_cell", linter.pre_run_cell)
    ipython.events.unregister("post_run_cell", linter.post_run_cell)
