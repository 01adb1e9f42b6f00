"""`--fix` / `--diff`: the fixed text of one file and the findings left in it (runs in pool workers).

Python files go through the core's fix loop (`fixing.fix_source`), which applies non-overlapping fixes,
lints again and repeats, and never returns text that does not parse.

Notebooks are fixed as the module the linter sees (code cells joined: they share one namespace), with
the same loop, but each pass maps every edit back to the cell it falls in, so the result is new text
per cell rather than one module to be cut up again. A fix is left out when one of its edits spans two
cells, lies in a cell that is not valid Python on its own, or touches a line that was IPython syntax
(`%pip`, `!ls`: masked as `pass` for the linter); the edits of the others are applied to the cell's
real text, so magics and shell lines come back untouched. An edit may add or remove lines inside its
cell: cell line ranges are recomputed after every pass. A pass is kept only if the module and every
cell it changed still parse.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from keras_loss_lint.faces.cli.runner import (
    CheckTask,
    check_task,
    ignored_here,
    internal_error,
    invalid_cells,
    notebook_result,
    project_of,
    python_result,
)
from keras_loss_lint.faces.cli.script_exports import ScriptExport, script_export
from keras_loss_lint.core.diagnostics import Diagnostic, Position
from keras_loss_lint.faces.notebook import Notebook, NotebookError, parse_notebook
from keras_loss_lint.faces.cli.results import FileResult

if TYPE_CHECKING:
    from keras_loss_lint.project.settings import Settings


@dataclass(frozen=True)
class FixOutcome:
    result: FileResult  # the findings left after fixing (those of the original when nothing changed)
    fixed_text: str | None = None  # the file's whole new text (a notebook's JSON); None: unchanged


def fix_task(task: CheckTask, unsafe: bool = False) -> FixOutcome:
    """Never raises: an unexpected failure becomes this file's one-line internal error."""
    try:
        if task.notebook:
            return _fix_notebook(task, unsafe)
        return _fix_python(task, unsafe)
    except Exception as error:  # noqa: BLE001 - a bug must cost one file, not the run
        return FixOutcome(internal_error(task, error))


def _fix_python(task: CheckTask, unsafe: bool) -> FixOutcome:
    from keras_loss_lint.core.fixing import fix_source, parses

    settings = task.config.settings_for(task.path)
    report = fix_source(task.text, task.filename, settings, unsafe, wanted=_wanted(task))
    export = script_export(task.text, report.remaining)
    if export is not None:  # a notebook's `.py` export: fixed like a one-cell notebook
        return _fix_export(task, export, unsafe) or FixOutcome(check_task(task))
    text = task.source.with_line_breaks(report.source)
    if not report.applied or text == task.text or not parses(text):
        # Nothing applied (or, defensively, a result that does not parse): report the original.
        return FixOutcome(python_result(task, task.text, report.remaining))
    result = python_result(task, text, report.remaining)
    return FixOutcome(result.with_fixed(_codes(report.applied)), text)


def _fix_notebook(task: CheckTask, unsafe: bool) -> FixOutcome:
    try:
        notebook = parse_notebook(task.text, task.config.limits)
    except NotebookError as error:
        return FixOutcome(FileResult(task.filename, task.display_path, error=str(error)))
    if not notebook.is_python or not notebook.cells:
        return FixOutcome(FileResult(task.filename, task.display_path))
    settings = task.config.settings_for(task.path, notebook.raw_cell_sources)
    sources, applied = fix_cells(notebook, task.filename, settings, unsafe, _wanted(task))
    if not applied or not sources:
        return FixOutcome(notebook_result(task, notebook))
    try:
        text = notebook.with_cell_sources(sources)
    except NotebookError as error:  # the JSON cannot be edited unambiguously: leave the file as it is
        return FixOutcome(FileResult(task.filename, task.display_path, error=str(error)))
    result = notebook_result(task, parse_notebook(text))
    return FixOutcome(result.with_fixed(_codes(applied)), text)


def _fix_export(task: CheckTask, export: ScriptExport, unsafe: bool) -> FixOutcome | None:
    """The fixed text of a notebook export, its masked lines untouched; None when nothing applies."""
    from keras_loss_lint.core.lint import lint_source

    settings = export.settings(task.config, task.path)
    sources, applied = fix_cells(export.as_notebook(), task.filename, settings, unsafe, _wanted(task))
    if not applied or 1 not in sources:
        return None
    text = task.source.with_line_breaks(sources[1])
    fixed = script_export(text, lint_source(text, task.filename, settings, fixes=False))
    if fixed is None:
        return None
    remaining = lint_source(fixed.code, task.filename, settings, project=project_of(task))
    if remaining.error is not None:
        return None
    result = python_result(task, text, remaining).replace(notes=(fixed.note(settings),))
    return FixOutcome(result.with_fixed(_codes(applied)), text)


def _wanted(task: CheckTask) -> Callable[[Diagnostic], bool]:
    """Fix only what is reported: not what this file's `per-file-ignores` switch off."""
    ignored = ignored_here(task)
    return lambda diagnostic: not ignored or not diagnostic.code.startswith(ignored)


def _codes(applied: list[Diagnostic]) -> tuple[str, ...]:
    return tuple(diagnostic.code for diagnostic in applied)


# ---------------------------------------------------------------------------------------------------
# Notebooks: fixing the joined module, cell by cell


@dataclass(frozen=True)
class _CellEdit:
    index: int  # position of the cell in `notebook.cells`
    start: Position  # 1-based line within the cell, 0-based column
    end: Position
    content: str


class _Cells:
    """The code cells as the fix loop goes: the text the linter sees (`codes`, IPython syntax masked)
    and the real text (`sources`), which differ only on masked lines."""

    def __init__(self, notebook: Notebook) -> None:
        self.codes = [cell.code for cell in notebook.cells]
        self.sources = [cell.unindented_source for cell in notebook.cells]  # an indented cell: without it
        self.blank: set[int] = set()  # cells that are not valid Python: blanked, never edited

    def module(self, codes: list[str] | None = None) -> str:
        texts = self.codes if codes is None else codes
        parts = ["\n" * text.count("\n") if index in self.blank else text for index, text in enumerate(texts)]
        return "\n".join(parts) + "\n"

    def first_lines(self) -> list[int]:
        lines, next_line = [], 1
        for code in self.codes:
            lines.append(next_line)
            next_line += code.count("\n") + 1
        return lines

    def edits_of(self, diagnostic: Diagnostic, first_lines: list[int]) -> list[_CellEdit] | None:
        """The fix's edits in cell coordinates; None when one of them cannot be applied to a cell."""
        assert diagnostic.fix is not None
        edits = []
        for edit in diagnostic.fix.edits:
            index = bisect.bisect_right(first_lines, edit.span.start.line) - 1
            if index < 0 or index in self.blank:
                return None
            first = first_lines[index]
            start = Position(edit.span.start.line - first + 1, edit.span.start.column)
            end = Position(edit.span.end.line - first + 1, edit.span.end.column)
            if end.line > self.codes[index].count("\n") + 1 or self._masked(index, start.line, end.line):
                return None  # crosses into the next cell, or rewrites IPython syntax
            edits.append(_CellEdit(index, start, end, edit.content))
        return edits

    def _masked(self, index: int, first: int, last: int) -> bool:
        code_lines = self.codes[index].split("\n")[first - 1 : last]
        source_lines = self.sources[index].split("\n")[first - 1 : last]
        return code_lines != source_lines

    def applied(self, edits: list[_CellEdit]) -> tuple[list[str], list[str]]:
        """New (codes, sources) with `edits` applied to both texts of their cells."""
        from keras_loss_lint.core.fixing import apply_edits, offset_of

        by_cell: dict[int, list[_CellEdit]] = defaultdict(list)
        for edit in edits:
            by_cell[edit.index].append(edit)
        codes, sources = list(self.codes), list(self.sources)
        for index, cell_edits in by_cell.items():
            for texts in (codes, sources):
                text = texts[index]
                texts[index] = apply_edits(
                    text, [(offset_of(text, e.start), offset_of(text, e.end), e.content) for e in cell_edits]
                )
        return codes, sources


def fix_cells(
    notebook: Notebook,
    filename: str,
    settings: "Settings",
    unsafe: bool,
    wanted: Callable[[Diagnostic], bool] = lambda diagnostic: True,
) -> tuple[dict[int, str], list[Diagnostic]]:
    """New text for the cells that fixes changed ({cell number: text}) and the fixes applied."""
    from keras_loss_lint.core.fixing import fix_until_stable, is_applicable
    from keras_loss_lint.core.lint import lint_source

    cells = _Cells(notebook)
    result = lint_source(cells.module(), filename, settings)
    if result.syntax_error is not None:
        # Like checking: the cells that are valid Python are still worth fixing.
        broken = {number for number, _ in invalid_cells(notebook)}
        cells.blank = {index for index, cell in enumerate(notebook.cells) if cell.number in broken}
        result = lint_source(cells.module(), filename, settings)
    fixed, applied, _ = fix_until_stable(
        _CellsTarget(cells),
        lambda module: lint_source(module, filename, settings),
        lambda diagnostic: wanted(diagnostic) and is_applicable(diagnostic.fix, unsafe),
        result,
    )
    return _changed_sources(notebook, fixed.cells), applied


class _CellsTarget:
    """The fix loop's view of a notebook: fixes land in the cells (and in their text with magics)."""

    def __init__(self, cells: _Cells) -> None:
        self.cells = cells

    def module(self) -> str:
        return self.cells.module()

    def applying(self, fixable: list[Diagnostic]) -> "tuple[_CellsTarget, list[Diagnostic]] | None":
        from keras_loss_lint.core.fixing import apply_diagnostic_fixes, parses

        cells = self.cells
        first_lines = cells.first_lines()
        placed = {id(d): edits for d in fixable if (edits := cells.edits_of(d, first_lines)) is not None}
        placeable = [d for d in fixable if id(d) in placed]
        if not placeable:
            return None
        # The core's choice of non-overlapping fixes, applied cell by cell.
        _, taken = apply_diagnostic_fixes(cells.module(), placeable)
        codes, sources = cells.applied([edit for d in taken for edit in placed[id(d)]])
        changed = [index for index, code in enumerate(codes) if code != cells.codes[index]]
        if not changed:
            return None  # the fixes change nothing (already in the fixed form): no progress
        if not parses(cells.module(codes)) or not all(parses(codes[index]) for index in changed):
            return None
        cells.codes, cells.sources = codes, sources
        return self, taken


def _changed_sources(notebook: Notebook, cells: _Cells) -> dict[int, str]:
    changed = {}
    for index, cell in enumerate(notebook.cells):
        source = cell.indented(cells.sources[index])
        if source == cell.source:
            continue
        raw = notebook.raw_cell_sources[cell.index]
        if "\r\n" in raw and raw.count("\r\n") == raw.count("\n"):
            source = source.replace("\n", "\r\n")  # the cell was stored with CRLF: keep it so
        changed[cell.number] = source
    return changed
