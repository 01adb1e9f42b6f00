"""Formatters: turn `FileResult`s into ruff-style output. One entry point, `render`."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from keras_loss_lint.faces.cli.output import text
from keras_loss_lint.faces.cli.results import EditView, FileResult, FixView, Location, Message
from keras_loss_lint.faces.cli.output.style import PLAIN, Style, color_enabled
from keras_loss_lint.project.config_options import OUTPUT_FORMATS

FORMATS = OUTPUT_FORMATS  # the configuration validates the same names
TEXT_FORMATS = ("full", "concise", "grouped")  # for people: colour, the summary, --show-fixes
STATISTICS_FORMATS = ("full", "concise", "json")
# The formats other programs read, each rendered by a module imported only when it is asked for.
_MACHINE = {"json", "json-lines", "sarif", "github"}
_CI = {"junit", "gitlab", "pylint", "rdjson", "azure"}
# ruff's fix modes: report (and mark what --fix would fix), apply the fixes, or print their diff.
GENERATE, APPLY, DIFF = "generate", "apply", "diff"

__all__ = [
    "APPLY",
    "DIFF",
    "FORMATS",
    "GENERATE",
    "EditView",
    "FileResult",
    "FixView",
    "Location",
    "Message",
    "ReportOptions",
    "Style",
    "color_enabled",
    "render",
]


class ReportOptions:
    """How to report. A plain class: a dataclass would cost every run, a warm one too, about 1 ms."""

    def __init__(
        self,
        output_format: str = "full",
        statistics: bool = False,
        quiet: bool = False,  # findings only: no summary line
        style: Style = PLAIN,
        cwd: Path | None = None,
        file_errors: int = 0,  # files that could not be checked (on stderr, counted in the summary)
        fix_mode: str = GENERATE,
        show_violations: bool = True,  # False for --fix-only and --diff: only what was (would be) fixed
        unsafe_fixes: bool = False,  # --unsafe-fixes: unsafe fixes count as fixable
        hint_unsafe: bool = True,  # neither --unsafe-fixes nor --no-unsafe-fixes: mention hidden ones
        show_fixes: bool = False,  # --show-fixes: list what was fixed before the summary
    ) -> None:
        self.output_format = output_format
        self.statistics = statistics
        self.quiet = quiet
        self.style = style
        self.cwd = cwd if cwd is not None else Path(".")
        self.file_errors = file_errors
        self.fix_mode = fix_mode
        self.show_violations = show_violations
        self.unsafe_fixes = unsafe_fixes
        self.hint_unsafe = hint_unsafe
        self.show_fixes = show_fixes


def render(results: Sequence[FileResult], options: ReportOptions) -> str:
    """The whole report as text (empty when there is nothing to print)."""
    lines = _render_lines(results, options)
    return "".join(line + "\n" for line in lines)


def _render_lines(results: Sequence[FileResult], options: ReportOptions) -> list[str]:
    fmt = options.output_format
    if not options.show_violations:
        return _fixes_shown(results, options) + _summary(results, options) if fmt in TEXT_FORMATS else []
    if options.statistics:
        if fmt == "json":
            from keras_loss_lint.faces.cli.output import machine

            return [machine.render_statistics_json(results, options.unsafe_fixes)]
        return text.render_statistics(results, options.style, options.unsafe_fixes) + _summary(results, options)
    if fmt in _MACHINE:
        return _machine(results, options)
    if fmt in _CI:
        return _ci(results, fmt)
    marks = _show_fix_status(results, options)
    if fmt == "concise":
        findings = text.render_concise(results, options.style, marks)
    elif fmt == "grouped":
        from keras_loss_lint.faces.cli.output.grouped import render_grouped

        findings = render_grouped(results, options.style, marks)
    else:
        findings = text.render_full(results, options.style, marks)
    return findings + _fixes_shown(results, options) + _summary(results, options)


def _machine(results: Sequence[FileResult], options: ReportOptions) -> list[str]:
    from keras_loss_lint.faces.cli.output import machine

    fmt = options.output_format
    if fmt == "json":
        return [machine.render_json(results)]
    if fmt == "json-lines":
        return machine.render_json_lines(results)
    if fmt == "sarif":
        return [machine.render_sarif(results, options.cwd)]
    return machine.render_github(results)


def _ci(results: Sequence[FileResult], fmt: str) -> list[str]:
    from keras_loss_lint.faces.cli.output import ci

    if fmt == "junit":
        return [ci.render_junit(results)]
    if fmt == "gitlab":
        return [ci.render_gitlab(results)]
    if fmt == "rdjson":
        return [ci.render_rdjson(results)]
    if fmt == "pylint":
        return ci.render_pylint(results)
    return ci.render_azure(results)


def _fixes_shown(results: Sequence[FileResult], options: ReportOptions) -> list[str]:
    """`--show-fixes`: ruff's table of what was fixed, between blank lines, before the summary."""
    if not options.show_fixes:
        return []
    table = text.fix_summary(results, options.style)
    return ["", *table, ""] if table else []


def _show_fix_status(results: Sequence[FileResult], options: ReportOptions) -> bool | None:
    """Whether to mark fixable findings with `[*]` (as ruff: not when fixing, and only if any is);
    None for no marks, else the `unsafe` flag the marks are computed with."""
    if options.fix_mode != GENERATE:
        return None
    unsafe = options.unsafe_fixes
    if not any(message.fixable(unsafe) for _, message in text.iter_messages(results)):
        return None
    return unsafe


def _summary(results: Sequence[FileResult], options: ReportOptions) -> list[str]:
    if options.quiet:
        return []
    counts = text.FixCounts.of(results, options.unsafe_fixes, options.file_errors)
    if options.show_violations:
        return text.summary_lines(counts, options.style, options.hint_unsafe)
    return text.fix_only_summary(counts, options.fix_mode == APPLY)
