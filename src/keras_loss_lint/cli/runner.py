"""Checking files: read, lint through the core, translate positions, in one process or in a pool.

A file is read and pre-checked (`has_candidate`) in the main process: most files have no Keras call and
cost nothing more. What remains is linted in a process pool when there are enough such files to pay
for starting it (`POOL_MIN_TASKS`); results come back in task order, and tasks are sorted by path, so
output never depends on scheduling.
"""

from __future__ import annotations

import ast
import io
import os
import re
import tokenize
import warnings
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import libcst as cst

from keras_loss_lint.config import ResolvedConfig
from keras_loss_lint.core import has_candidate, lint_source
from keras_loss_lint.diagnostics import Diagnostic, Fix, LintResult, Position, Span
from keras_loss_lint.notebook import Notebook, NotebookError, parse_notebook
from keras_loss_lint.output.model import EditView, FileResult, FixView, Location, Message

# Starting workers and shipping source to them costs about as much as linting a handful of files.
POOL_MIN_TASKS = 16
CORE_SYNTAX_ERROR = re.compile(r"^syntax error at (\d+):(\d+): (.*)$", re.DOTALL)
LIBCST_PREFIX = re.compile(r"^(?:(?:parser|tokenizer) error: )?(?:error at \d+:\d+: )?")


@dataclass(frozen=True)
class CheckTask:
    path: Path | None  # None: stdin without --stdin-filename
    filename: str  # absolute path, or "-"
    display_path: str
    text: str
    notebook: bool
    config: ResolvedConfig


def read_source(path: Path) -> str:
    """A file's text: PEP 263 / BOM aware for Python, UTF-8 for notebooks. Raises OSError or
    UnicodeDecodeError (or SyntaxError for a bad coding cookie)."""
    data = path.read_bytes()
    if path.suffix == ".ipynb":
        return data.decode("utf-8-sig")
    return decode_python(data)


def decode_python(data: bytes) -> str:
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    if encoding == "utf-8-sig" or data.startswith(b"\xef\xbb\xbf"):
        return data.decode("utf-8-sig")
    return data.decode(encoding)


def needs_linting(task: CheckTask) -> bool:
    """Notebooks always go through parsing, so a malformed one is reported even without Keras."""
    return task.notebook or has_candidate(task.text)


def run_tasks(tasks: Sequence[CheckTask], jobs: int) -> list[FileResult]:
    """Results in task order; a pool only for enough work, falling back to serial if it breaks."""
    pending = [task for task in tasks if needs_linting(task)]
    done = {
        id(task): FileResult(task.filename, task.display_path) for task in tasks if not needs_linting(task)
    }
    if jobs > 1 and len(pending) >= POOL_MIN_TASKS:
        checked = _run_pool(pending, jobs)
    else:
        checked = [check_task(task) for task in pending]
    for task, result in zip(pending, checked):
        done[id(task)] = result
    return [done[id(task)] for task in tasks]


def _run_pool(tasks: list[CheckTask], jobs: int) -> list[FileResult]:
    workers = min(jobs, len(tasks))
    chunksize = max(1, len(tasks) // (workers * 4))
    try:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(check_task, tasks, chunksize=chunksize))
    except (BrokenProcessPool, OSError, RuntimeError):
        return [check_task(task) for task in tasks]  # e.g. no fork or semaphores here: go serial


def check_task(task: CheckTask) -> FileResult:
    """Never raises: an unexpected failure becomes this file's one-line internal error."""
    try:
        if task.notebook:
            return _check_notebook(task)
        return _check_python(task)
    except Exception as error:  # noqa: BLE001 - a bug must cost one file, not the run
        return FileResult(
            task.filename,
            task.display_path,
            error=f"internal error while checking this file: {type(error).__name__}: {error}",
            internal_error=True,
        )


def _check_python(task: CheckTask) -> FileResult:
    settings = task.config.settings_for(task.path)
    result = lint_source(task.text, task.filename, settings)
    messages: list[Message] = []
    if result.error is not None:
        syntax = _core_syntax_error(result.error, task.text)
        if syntax is None:
            return FileResult(task.filename, task.display_path, error=f"cannot analyse: {result.error}")
        messages.append(syntax)
    messages += [_python_message(d) for d in _kept(result, task)]
    return _result(task, messages, task.text, None)


def _check_notebook(task: CheckTask) -> FileResult:
    try:
        notebook = parse_notebook(task.text)
    except NotebookError as error:
        return FileResult(task.filename, task.display_path, error=str(error))
    if not notebook.is_python or not notebook.cells:
        return FileResult(task.filename, task.display_path)
    settings = task.config.settings_for(task.path, notebook.raw_cell_sources)
    source = notebook.source
    result = lint_source(source, task.filename, settings)
    messages: list[Message] = []
    if result.error is not None:
        broken = invalid_cells(notebook)
        if not broken:
            return FileResult(task.filename, task.display_path, error=f"cannot analyse: {result.error}")
        messages += [message for _, message in broken]
        # The other cells still run in a kernel, so they are still worth checking.
        # Blanking keeps every line where it was, so positions (and code frames) stay valid.
        blanked = notebook.module_source(blank_cells=[number for number, _ in broken])
        result = lint_source(blanked, task.filename, settings)
        if result.error is not None:
            return FileResult(task.filename, task.display_path, error=f"cannot analyse: {result.error}")
    messages += [_notebook_message(d, notebook) for d in _kept(result, task)]
    return _result(task, messages, source, cell_lines(notebook))


def invalid_cells(notebook: Notebook) -> list[tuple[int, Message]]:
    """Cells that are not valid Python on their own (a kernel compiles each cell by itself)."""
    broken = []
    for cell in notebook.cells:
        try:
            cst.parse_module(cell.code)
        except cst.ParserSyntaxError as error:
            row, column, text = python_syntax_error(cell.code) or (
                max(error.raw_line, 1),
                max(error.raw_column, 0),
                clean_parse_message(error.message),
            )
            span_start = Position(cell.first_line + row - 1, column)
            message = Message(
                None,
                text,
                Location(row, column + 1),
                Location(row, column + 1),
                Span(span_start, span_start),
                cell=cell.number,
            )
            broken.append((cell.number, message))
        except (RecursionError, MemoryError, ValueError):
            continue
    return broken


def cell_lines(notebook: Notebook) -> tuple[tuple[int, int], ...]:
    return tuple((cell.number, row) for cell in notebook.cells for row in range(1, cell.line_count + 1))


def clean_parse_message(message: str) -> str:
    cleaned = LIBCST_PREFIX.sub("", message.strip().splitlines()[0] if message.strip() else "")
    return cleaned or "invalid syntax"


def python_syntax_error(source: str) -> tuple[int, int, str] | None:
    """(line, 0-based column, message) from Python's own parser, whose messages people know
    ("'(' was never closed"); None when it accepts the text or cannot say."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarnings (invalid escapes) are not ours to print
            compile(source, "<source>", "exec", ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    except SyntaxError as error:
        line = error.lineno or 1
        column = max((error.offset or 1) - 1, 0)
        return line, column, error.msg or "invalid syntax"
    except (ValueError, RecursionError, MemoryError):
        return None
    return None


def _core_syntax_error(error: str, source: str) -> Message | None:
    """The core reports LibCST's parse failure as text; prefer Python's description of it."""
    match = CORE_SYNTAX_ERROR.match(error)
    if match is None:
        return None
    row, column, text = python_syntax_error(source) or (
        int(match.group(1)) or 1,
        int(match.group(2)),
        clean_parse_message(match.group(3)),
    )
    start = Position(row, column)
    return Message(None, text, Location(row, column + 1), Location(row, column + 1), Span(start, start))


def _kept(result: LintResult, task: CheckTask) -> list[Diagnostic]:
    """Drop what `per-file-ignores` switches off for this file (applied after selection, as ruff)."""
    ignored = task.config.ignored_codes(task.path) if task.path is not None else ()
    if not ignored:
        return list(result.diagnostics)
    return [d for d in result.diagnostics if not d.code.startswith(ignored)]


def _result(
    task: CheckTask, messages: list[Message], source: str, lines: tuple[tuple[int, int], ...] | None
) -> FileResult:
    ordered = tuple(sorted(messages, key=Message.sort_key))
    return FileResult(
        task.filename,
        task.display_path,
        ordered,
        source=source if ordered else None,
        cell_lines=lines if ordered else None,
    )


# ---------------------------------------------------------------------------------------------------
# Diagnostic (module, 0-based columns) -> Message (display, 1-based columns)


def _python_message(diagnostic: Diagnostic) -> Message:
    span = diagnostic.span
    return Message(
        diagnostic.code,
        diagnostic.message,
        _display(span.start),
        _display(span.end),
        span,
        fix=_python_fix(diagnostic.fix),
        noqa_row=span.start.line,
    )


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
    return Message(
        diagnostic.code,
        diagnostic.message,
        _display(start),
        _display(end),
        span,
        cell=cell,
        fix=fix,
        noqa_row=start.line,
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
