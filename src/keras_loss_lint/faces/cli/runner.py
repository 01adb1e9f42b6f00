"""Checking files: read, lint through the core, translate positions, in one process or in a pool.

A file is read and pre-checked (`needs_analysis`) in the main process: most files have no Keras call
and cost nothing more. Imports of the project's own modules are followed through one index per
project root (`project.index.index_for`, kept for the run; each worker process keeps its own). What
remains is linted in a process pool when there are enough such files to pay for starting it
(`POOL_MIN_TASKS`); results come back in task order, and tasks are sorted by path, so output never
depends on scheduling.

Nothing here imports LibCST or the lint core at module level: a run whose every file is answered by
the cache (or needs no analysis) must not pay the half second LibCST takes to import. The functions
that lint import the core when they first run.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence, TypeVar

from keras_loss_lint.project.config import ResolvedConfig
from keras_loss_lint.core.diagnostics import Span
from keras_loss_lint.faces.cli.results import CellLabel, EditView, FileResult, FixView, Location, Message
from keras_loss_lint.faces.cli.script_exports import script_export
from keras_loss_lint.core.precheck import needs_analysis
from keras_loss_lint.core.writing import SourceFile, decode_source
from keras_loss_lint.project.index import ProjectIndex, index_for
from keras_loss_lint.project.files import MAX_NOTEBOOK_BYTES, MAX_SOURCE_BYTES, NotRegular, read_regular_bytes

if TYPE_CHECKING:
    from multiprocessing.context import BaseContext

    from keras_loss_lint.core.diagnostics import Diagnostic, Fix, LintResult, Position
    from keras_loss_lint.faces.notebook import Notebook

# Starting workers and shipping source to them costs about as much as linting a handful of files.
POOL_MIN_TASKS = 16
T = TypeVar("T")


class CheckTask:
    """One file to check (or fix). A plain class: dataclasses cost a warm run about 1 ms each."""

    __slots__ = ("path", "filename", "display_path", "source", "notebook", "config")

    def __init__(
        self,
        path: Path | None,  # None: stdin without --stdin-filename
        filename: str,  # absolute path, or "-"
        display_path: str,
        source: SourceFile,
        notebook: bool,
        config: ResolvedConfig,
    ) -> None:
        self.path = path
        self.filename = filename
        self.display_path = display_path
        self.source = source
        self.notebook = notebook
        self.config = config

    @property
    def text(self) -> str:
        return self.source.text


def read_source(path: Path) -> SourceFile:
    """A file's text, PEP 263 / BOM aware for Python, UTF-8 for notebooks, with what is needed to
    write it back. Raises OSError or UnicodeDecodeError (or SyntaxError for a bad coding cookie).

    Only a regular file is read, up to a bound: a link to `/dev/zero`, a FIFO or `/dev/stdin` given as
    a path is this file's one-line error, never a hang or a run out of memory."""
    notebook = path.suffix == ".ipynb"
    try:
        data = read_regular_bytes(path, MAX_NOTEBOOK_BYTES if notebook else MAX_SOURCE_BYTES)
    except NotRegular as error:
        raise OSError(errno.EINVAL, error.reason) from None  # the message names the file already
    return decode_source(data, notebook)


def decode_stdin(data: bytes, notebook: bool) -> SourceFile:
    return decode_source(data, notebook)


def needs_linting(task: CheckTask) -> bool:
    """Notebooks always go through parsing, so a malformed one is reported even without Keras."""
    return task.notebook or needs_analysis(task.text, task.filename, project_of(task))


def project_of(task: CheckTask) -> ProjectIndex | None:
    """The index the task's imports of project modules are read through (None for stdin)."""
    return index_for(task.filename) if task.path is not None else None


def clean_result(task: CheckTask) -> FileResult:
    return FileResult(task.filename, task.display_path)


def run_tasks(tasks: Sequence[CheckTask], jobs: int, worker: Callable[[CheckTask], T]) -> list[T]:
    """`worker(task)` for each task, in task order; a pool only for enough work, else in process."""
    if jobs > 1 and len(tasks) >= POOL_MIN_TASKS:
        return _run_pool(list(tasks), jobs, worker)
    return [worker(task) for task in tasks]


def _run_pool(tasks: list[CheckTask], jobs: int, worker: Callable[[CheckTask], T]) -> list[T]:
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    workers = min(jobs, len(tasks))
    chunksize = max(1, len(tasks) // (workers * 4))
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context()) as pool:
            return list(pool.map(worker, tasks, chunksize=chunksize))
    except (BrokenProcessPool, OSError, RuntimeError):
        return [worker(task) for task in tasks]  # e.g. no fork or semaphores here: go serial


def _pool_context() -> "BaseContext | None":
    """The platform's default start (fork on Linux before Python 3.14: the cheapest, 288 ms for two
    workers against 386 for forkserver) unless other threads run in this process, whose locks a
    forked child could inherit held (Python 3.12+ warns about it): then a fork server, which forks
    from a process without them. The command line itself starts no thread."""
    import multiprocessing
    import threading

    if threading.active_count() > 1 and "forkserver" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("forkserver")
    return None


def check_task(task: CheckTask) -> FileResult:
    """Never raises: an unexpected failure becomes this file's one-line internal error."""
    try:
        if task.notebook:
            return _check_notebook(task)
        return _check_python(task)
    except Exception as error:  # noqa: BLE001 - a bug must cost one file, not the run
        return internal_error(task, error)


def internal_error(task: CheckTask, error: Exception) -> FileResult:
    return FileResult(
        task.filename,
        task.display_path,
        error=f"internal error while checking this file: {type(error).__name__}: {error}",
        internal_error=True,
    )


def _check_python(task: CheckTask) -> FileResult:
    from keras_loss_lint.core.lint import lint_source

    settings = task.config.settings_for(task.path)
    result = lint_source(task.text, task.filename, settings, project=project_of(task))
    export = script_export(task.text, result)
    if export is not None:  # a notebook's `.py` export with its `!pip` / `%magic` lines
        settings = export.settings(task.config, task.path)
        exported = lint_source(export.code, task.filename, settings, project=project_of(task))
        if exported.error is None:
            return python_result(task, task.text, exported).replace(notes=(export.note(settings),))
    return python_result(task, task.text, result)


def python_result(task: CheckTask, text: str, result: LintResult) -> FileResult:
    """The `FileResult` of linting `text` (the file's text, or its fixed text)."""
    messages: list[Message] = []
    if result.error is not None:
        syntax = _syntax_message(result)
        if syntax is None:
            return FileResult(task.filename, task.display_path, error=f"cannot analyse: {result.error}")
        messages.append(syntax)
    messages += [_python_message(d) for d in result.diagnostics]
    return _result(task, messages, text, None, result.dependencies, result.partial)


def _check_notebook(task: CheckTask) -> FileResult:
    from keras_loss_lint.faces.notebook import NotebookError, parse_notebook

    try:
        notebook = parse_notebook(task.text, task.config.limits)
    except NotebookError as error:
        return FileResult(task.filename, task.display_path, error=str(error))
    return notebook_result(task, notebook)


def notebook_result(task: CheckTask, notebook: Notebook) -> FileResult:
    from keras_loss_lint.core.lint import lint_source

    if not notebook.is_python or not notebook.cells:
        return FileResult(task.filename, task.display_path)
    settings = task.config.settings_for(task.path, notebook.raw_cell_sources)
    source = notebook.source
    project = project_of(task)
    result = lint_source(source, task.filename, settings, project=project)
    messages: list[Message] = []
    if result.error is not None:
        # Only a syntax error is a cell's: a notebook too large or too nested is refused as a whole.
        broken = invalid_cells(notebook) if result.syntax_error is not None else []
        if not broken:
            return FileResult(task.filename, task.display_path, error=f"cannot analyse: {result.error}")
        messages += [message for _, message in broken]
        # The other cells still run in a kernel, so they are still worth checking.
        # Blanking keeps every line where it was, so positions (and code frames) stay valid.
        blanked = notebook.module_source(blank_cells=[number for number, _ in broken])
        result = lint_source(blanked, task.filename, settings, project=project)
        if result.error is not None:
            return FileResult(task.filename, task.display_path, error=f"cannot analyse: {result.error}")
    messages += [_notebook_message(d, notebook) for d in result.diagnostics]
    found = _result(task, messages, notebook.display_source, cell_lines(notebook), result.dependencies, result.partial)
    return found.replace(cell_labels=cell_labels(notebook)) if found.messages else found


def invalid_cells(notebook: Notebook) -> list[tuple[int, Message]]:
    """Cells that are not valid Python on their own (a kernel compiles each cell by itself)."""
    import libcst as cst

    from keras_loss_lint.core.syntax import syntax_problem

    broken = []
    for cell in notebook.cells:
        try:
            cst.parse_module(cell.code)
        except cst.ParserSyntaxError as error:
            problem = syntax_problem(cell.code, error)
            row, text = problem.position.line, problem.message
            column = problem.position.column + cell.column_shift(row)  # of the cell as written
            message = Message(
                None,
                text,
                Location(row, column + 1),
                Location(row, column + 1),
                Span.at(cell.first_line + row - 1, column),
                cell=cell.number,
            )
            broken.append((cell.number, message))
        except (RecursionError, MemoryError, ValueError):
            continue
    return broken


def cell_labels(notebook: Notebook) -> tuple[CellLabel, ...]:
    return tuple(CellLabel(cell.number, cell.code_number, cell.execution_count) for cell in notebook.cells)


def cell_lines(notebook: Notebook) -> tuple[tuple[int, int], ...]:
    return tuple((cell.number, row) for cell in notebook.cells for row in range(1, cell.line_count + 1))


def _syntax_message(result: LintResult) -> Message | None:
    problem = result.syntax_error
    if problem is None:
        return None
    row, column = problem.position.line, problem.position.column
    location = Location(row, column + 1)
    return Message(None, problem.message, location, location, Span.at(row, column))


def ignored_here(task: CheckTask) -> tuple[str, ...]:
    """The codes `per-file-ignores` switch off for this file: never reported, never fixed."""
    return task.config.ignored_codes(task.path) if task.path is not None else ()


def _result(
    task: CheckTask,
    messages: list[Message],
    source: str,
    lines: tuple[tuple[int, int], ...] | None,
    dependencies: tuple[str, ...] = (),
    partial: str | None = None,
) -> FileResult:
    ordered = tuple(sorted(messages, key=Message.sort_key))
    return FileResult(
        task.filename,
        task.display_path,
        ordered,
        source=source if ordered else None,
        cell_lines=lines if ordered else None,
        dependencies=dependencies,
        partial=partial,
    )


# ---------------------------------------------------------------------------------------------------
# Diagnostic (module, 0-based columns) -> Message (display, 1-based columns)


def _python_message(diagnostic: Diagnostic) -> Message:
    span = diagnostic.span
    url, name = _rule_info(diagnostic.code)
    return Message(
        diagnostic.code,
        diagnostic.message,
        _display(span.start),
        _display(span.end),
        span,
        fix=_python_fix(diagnostic.fix),
        noqa_row=span.start.line,
        url=url,
        name=name,
    )


def _rule_info(code: str) -> tuple[str | None, str | None]:
    from keras_loss_lint.core.catalogue import rule_by_code

    rule = rule_by_code(code)
    return (rule.url, rule.name) if rule is not None else (None, None)


def _display(position: Position) -> Location:
    return Location(position.line, position.column + 1)


def _python_fix(fix: Fix | None) -> FixView | None:
    if fix is None:
        return None
    edits = tuple(EditView(e.content, _display(e.span.start), _display(e.span.end)) for e in fix.edits)
    return FixView(fix.message, fix.applicability.value, edits)


def _notebook_message(diagnostic: Diagnostic, notebook: Notebook) -> Message:
    span = diagnostic.span
    cell, start = _in_cell(notebook, span.start)
    end_cell, end = _in_cell(notebook, span.end)
    if end_cell != cell:  # spans never cross cells; clamp defensively to the start cell
        end = start
    fix = None
    if diagnostic.fix is not None:
        edits = tuple(
            EditView(
                e.content,
                _display(_in_cell(notebook, e.span.start)[1]),
                _display(_in_cell(notebook, e.span.end)[1]),
            )
            for e in diagnostic.fix.edits
        )
        fix = FixView(diagnostic.fix.message, diagnostic.fix.applicability.value, edits)
    url, name = _rule_info(diagnostic.code)
    return Message(
        diagnostic.code,
        diagnostic.message,
        _display(start),
        _display(end),
        Span(notebook.display_position(span.start), notebook.display_position(span.end)),
        cell=cell,
        fix=fix,
        noqa_row=start.line,
        url=url,
        name=name,
    )


def _in_cell(notebook: Notebook, position: Position) -> tuple[int | None, Position]:
    mapped = notebook.to_cell(position)
    if mapped is None:
        return None, position
    return mapped


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)
