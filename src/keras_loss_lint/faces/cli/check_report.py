"""Reporting a `check` run: problems on stderr, the findings (and statistics) in the chosen output
format, the diffs of `--diff`, and the exit code; also the small writers the run loop shares."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import IO

from keras_loss_lint.core.text import printable
from keras_loss_lint.faces.cli.check_options import FixOptions
from keras_loss_lint.faces.cli.exits import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, PROG
from keras_loss_lint.faces.cli.output import (
    DIFF,
    TEXT_FORMATS,
    FileResult,
    ReportOptions,
    Style,
    color_enabled,
    render,
)
from keras_loss_lint.faces.cli.runner import CheckTask


class Run:
    """What one run produced: a result per checked file, files that could not be checked, and the
    new text of every fixed file (written already with --fix, printed as a diff with --diff)."""

    __slots__ = ("results", "unreadable", "fixed", "write_failed")

    def __init__(
        self, results: list[FileResult], unreadable: list[tuple[str, str]], fixed: list[tuple[CheckTask, str]]
    ) -> None:
        self.results = results
        self.unreadable = unreadable
        self.fixed = fixed
        self.write_failed = False


def finish(
    args: argparse.Namespace,
    run: Run,
    output_format: str,
    fix: FixOptions,
    nothing_to_check: bool = False,
    stream: IO[str] | None = None,
) -> int:
    """Report `run` (problems on stderr, findings on `stream` or stdout) and return the exit code.
    `stream` is the `--output-file` when there is one: never coloured, as in ruff."""
    results = run.results
    problems = run.unreadable + [(r.display_path, r.error) for r in results if r.error is not None]
    if not args.silent:
        for display, reason in sorted(problems):
            print(f"{display}: error: {printable(reason)}", file=sys.stderr)
    shown = sorted((r for r in results if r.error is None), key=lambda r: r.display_path)
    out = stream or sys.stdout
    options = ReportOptions(
        output_format=output_format,
        statistics=args.statistics,
        quiet=args.quiet,
        style=Style(_colored(args, out) and output_format in TEXT_FORMATS),
        cwd=Path.cwd(),
        file_errors=len(problems),
        fix_mode=fix.mode,
        show_violations=not fix.only,
        unsafe_fixes=fix.unsafe,
        hint_unsafe=fix.hint_unsafe,
        show_fixes=bool(getattr(args, "show_fixes", False)),
    )
    if not args.silent:
        write_out(render(shown, options), out)
    return exit_code(args, run, shown, problems, fix, nothing_to_check)


def _colored(args: argparse.Namespace, out: IO[str]) -> bool:
    if getattr(args, "output_file", None) is not None:
        return False  # ruff turns colour off for the whole run when writing to a file
    return color_enabled(out, choice=getattr(args, "color", None) or "auto")


def exit_code(
    args: argparse.Namespace,
    run: Run,
    shown: list[FileResult],
    problems: list,
    fix: FixOptions,
    nothing_to_check: bool,
) -> int:
    if run.write_failed or any(r.internal_error for r in run.results):
        return EXIT_ERROR
    if problems and not shown:
        return EXIT_ERROR  # nothing at all could be checked
    if nothing_to_check or args.exit_zero:
        return EXIT_OK
    fixed = any(r.fixed for r in shown)
    if fix.mode == DIFF:
        failed = fixed or bool(problems)
    elif fix.only:
        failed = (fixed and args.exit_non_zero_on_fix) or bool(problems)
    else:
        remaining = bool(problems) or any(r.messages for r in shown)
        failed = remaining or (fixed and args.exit_non_zero_on_fix)
    return EXIT_FINDINGS if failed else EXIT_OK


def write_diffs(fixed: list[tuple[CheckTask, str]], stream: IO[str]) -> None:
    from keras_loss_lint.faces.notebook import parse_notebook
    from keras_loss_lint.faces.cli.output.diff import file_diff, notebook_diff

    for task, text in sorted(fixed, key=lambda item: item[0].display_path):
        if task.notebook:
            old = parse_notebook(task.text).raw_cell_sources
            new = parse_notebook(text).raw_cell_sources
            stream.write(notebook_diff(old, new, task.display_path))
        else:
            stream.write(file_diff(task.text, text, task.display_path))
    stream.flush()


def display_path(path: Path, cwd: Path) -> str:
    """The path as text formats print it: relative to the working directory when inside it, and with
    control characters (a newline in a file name) made visible, so no name can forge output lines."""
    try:
        return printable(str(path.relative_to(cwd)))
    except ValueError:
        return printable(str(path))


def describe_error(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    if isinstance(error, UnicodeDecodeError):
        data = error.object if isinstance(error.object, bytes) else b""
        line = data[: error.start].count(b"\n") + 1
        byte = data[error.start : error.start + 1].hex() or "??"
        return f"cannot decode as {error.encoding}: invalid byte 0x{byte} on line {line}"
    if isinstance(error, SyntaxError):  # an invalid PEP 263 coding cookie
        return f"cannot decode: {error.msg}"
    return str(error)


def warn(message: str, args: argparse.Namespace) -> None:
    if not (args.silent or args.quiet):
        print(f"{PROG}: warning: {message}", file=sys.stderr)


def write_out(text: str, stream: IO[str] | None = None) -> None:
    if text:
        out = stream or sys.stdout
        out.write(text)
        out.flush()


def write_bytes(data: bytes) -> None:
    """Source for stdout, in its own encoding (it may not be the terminal's)."""
    buffer = getattr(sys.stdout, "buffer", None)
    sys.stdout.flush()
    if buffer is not None:
        buffer.write(data)
        buffer.flush()
    else:
        sys.stdout.write(data.decode("utf-8", "replace"))
        sys.stdout.flush()
