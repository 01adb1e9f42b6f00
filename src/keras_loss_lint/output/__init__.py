"""Formatters: turn `FileResult`s into ruff-style output. One entry point, `render`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from keras_loss_lint.output import machine, text
from keras_loss_lint.output.model import EditView, FileResult, FixView, Location, Message
from keras_loss_lint.output.style import PLAIN, Style, color_enabled

FORMATS = ("full", "concise", "json", "json-lines", "sarif", "github")
TEXT_FORMATS = ("full", "concise")
STATISTICS_FORMATS = ("full", "concise", "json")

__all__ = [
    "FORMATS",
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


@dataclass(frozen=True)
class ReportOptions:
    output_format: str = "full"
    statistics: bool = False
    quiet: bool = False  # findings only: no summary line
    style: Style = PLAIN
    cwd: Path = Path(".")
    file_errors: int = 0  # files that could not be checked (reported on stderr, counted in the summary)


def render(results: Sequence[FileResult], options: ReportOptions) -> str:
    """The whole report as text (empty when there is nothing to print)."""
    lines = _render_lines(results, options)
    return "".join(line + "\n" for line in lines)


def _render_lines(results: Sequence[FileResult], options: ReportOptions) -> list[str]:
    fmt = options.output_format
    if options.statistics:
        if fmt == "json":
            return [machine.render_statistics_json(results)]
        return text.render_statistics(results, options.style) + _summary(results, options)
    if fmt == "json":
        return [machine.render_json(results)]
    if fmt == "json-lines":
        return machine.render_json_lines(results)
    if fmt == "sarif":
        return [machine.render_sarif(results, options.cwd)]
    if fmt == "github":
        return machine.render_github(results)
    if fmt == "concise":
        return text.render_concise(results, options.style) + _summary(results, options)
    return text.render_full(results, options.style) + _summary(results, options)


def _summary(results: Sequence[FileResult], options: ReportOptions) -> list[str]:
    if options.quiet:
        return []
    count = sum(len(result.messages) for result in results) + options.file_errors
    return [text.summary(count, options.style)]
