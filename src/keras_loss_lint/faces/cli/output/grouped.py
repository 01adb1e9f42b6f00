"""ruff's `grouped` format: a heading per file, then one aligned line per finding.

    model.py:
      7:38 KLO201 [*] 'output_small' would get the loss for 'output_big' ...
     12:5  KLO105 ...

    train.ipynb:
      cell 3:5:62 KLO101 `loss` key 'outptu_big' ...

Rows are right-aligned and columns left-aligned within a file; a syntax error reads
`invalid-syntax: message`, as in ruff. Each file's block ends with a blank line.
"""

from __future__ import annotations

from typing import Sequence

from keras_loss_lint.faces.cli.output.style import Style
from keras_loss_lint.faces.cli.results import SYNTAX_ERROR, FileResult, Message


def render_grouped(results: Sequence[FileResult], style: Style, marks: bool | None = None) -> list[str]:
    lines: list[str] = []
    for result in results:
        if not result.messages:
            continue
        row_width = max(len(str(m.location.row)) for m in result.messages)
        column_width = max(len(str(m.location.column)) for m in result.messages)
        lines.append(style.underline(result.display_path) + ":")
        for message in result.messages:
            lines.append(_line(result, message, row_width, column_width, style, marks))
        lines.append("")
    return lines


def _line(
    result: FileResult, message: Message, row_width: int, column_width: int, style: Style, marks: bool | None
) -> str:
    colon = style.separator(":")
    cell = result.cell_label(message.cell).describe() + colon if message.cell is not None else ""
    row = str(message.location.row)
    padding = " " * (row_width - len(row))  # before the cell, as ruff pads
    column = str(message.location.column).ljust(column_width)
    return f"  {padding}{cell}{row}{colon}{column} {_code_and_body(message, style, marks)}"


def _code_and_body(message: Message, style: Style, marks: bool | None) -> str:
    if message.is_syntax_error:
        return f"{style.code(SYNTAX_ERROR)}: {message.message}"
    mark = f"[{style.fix_marker('*')}] " if marks is not None and message.fixable(marks) else ""
    return f"{style.code(message.code or '')} {mark}{message.message}"
