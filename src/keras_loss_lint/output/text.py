"""ruff's text formats: `concise` (one line per finding) and `full` (plus the source and a help line).

    model.py:7:38: KLO201 'output_small' would get the loss for 'output_big' ...
      |
    6 | model = keras.Model(inp, [small, big])
    7 | model.compile(optimizer="adam", loss={"output_small": "mse", "output_big": "mae"})
      |                                      ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ KLO201
      |
      = help: Rewrite the loss dict as a list in output order

Notebook findings read `nb.ipynb:cell 3:2:5: ...` and their source lines are numbered within the cell.
Like ruff, two lines of context are shown around the span (never crossing into another cell), blank
context lines at the edges are dropped, tabs are expanded to 4-column stops, and a span over several
lines is drawn with annotate-snippets' `_`/`|` connectors.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from typing import Iterable, Sequence

from keras_loss_lint.output.model import FileResult, Message, SYNTAX_ERROR
from keras_loss_lint.output.style import Style

CONTEXT_LINES = 2
TAB_WIDTH = 4
LINE_BREAK = re.compile(r"\r\n|\r|\n")


def header(result: FileResult, message: Message, style: Style) -> str:
    """`path:row:col: CODE message` (or `path:cell N:row:col: ...` in a notebook)."""
    colon = style.separator(":")
    where = style.path(result.display_path) + colon
    if message.cell is not None:
        where += f"cell {message.cell}" + colon
    where += f"{message.location.row}{colon}{message.location.column}{colon}"
    if message.is_syntax_error:
        return f"{where} SyntaxError: {message.message}"
    return f"{where} {style.code(message.code or '')} {message.message}"


def render_concise(results: Sequence[FileResult], style: Style) -> list[str]:
    return [header(result, message, style) for result, message in iter_messages(results)]


def render_full(results: Sequence[FileResult], style: Style) -> list[str]:
    lines: list[str] = []
    for result, message in iter_messages(results):
        lines.append(header(result, message, style))
        lines.extend(code_frame(result, message, style))
        lines.append("")
    return lines


def iter_messages(results: Iterable[FileResult]) -> Iterable[tuple[FileResult, Message]]:
    for result in results:
        for message in result.messages:
            yield result, message


def summary(count: int, style: Style) -> str:
    if count == 0:
        return style.success("All checks passed!")
    return f"Found {count} error{'s' if count != 1 else ''}."


def statistics_rows(results: Sequence[FileResult]) -> list[tuple[int, str, str]]:
    """(count, code, name) per code, most frequent first, then by code (ruff's order)."""
    from keras_loss_lint.rules.registry import rule_by_code

    counts = Counter(message.output_code for _, message in iter_messages(results))
    rows = []
    for code, count in counts.items():
        rule = rule_by_code(code) if code != SYNTAX_ERROR else None
        name = rule.name if rule is not None else ("syntax-error" if code == SYNTAX_ERROR else code)
        rows.append((count, code, name))
    return sorted(rows, key=lambda row: (-row[0], row[1]))


def render_statistics(results: Sequence[FileResult], style: Style) -> list[str]:
    rows = statistics_rows(results)
    if not rows:
        return []
    count_width = max(len(str(count)) for count, _, _ in rows)
    code_width = max(len(code) for _, code, _ in rows)
    return [
        f"{style.paint(str(count).rjust(count_width), 'bold')}\t{style.code(code.ljust(code_width))}\t{name}"
        for count, code, name in rows
    ]


# ---------------------------------------------------------------------------------------------------
# Code frames


def code_frame(result: FileResult, message: Message, style: Style) -> list[str]:
    if result.source is None:
        return []
    source_lines = LINE_BREAK.split(result.source)
    start, end = _span_lines(message, len(source_lines))
    first, last = _context(result, source_lines, start, end)
    numbers = {line: _display_number(result, line) for line in range(first, last + 1)}
    width = max(len(str(number)) for number in numbers.values())
    pad = " " * (width + 1)
    bar = style.gutter("|")
    out = [f"{pad}{bar}"]
    label = "" if message.is_syntax_error else f" {message.code}"
    if start == end:
        out.extend(_single_line(source_lines, numbers, width, message, label, style))
    else:
        out.extend(_multi_line(source_lines, numbers, width, message, start, end, label, style))
    out.append(f"{pad}{bar}")
    if message.fix is not None:
        note = " (unsafe fix)" if message.fix.applicability == "unsafe" else ""
        out.append(f"{pad}{style.help('= help')}: {message.fix.message}{note}")
    return out


def _span_lines(message: Message, line_count: int) -> tuple[int, int]:
    start = min(max(message.span.start.line, 1), line_count)
    end = min(max(message.span.end.line, start), line_count)
    # A span ending at column 0 ends with the previous line's line break.
    if end > start and message.span.end.column == 0:
        end -= 1
    return start, end


def _context(result: FileResult, lines: list[str], start: int, end: int) -> tuple[int, int]:
    first = max(1, start - CONTEXT_LINES)
    last = min(len(lines), end + CONTEXT_LINES)
    if result.cell_lines is not None:
        first = next(line for line in range(first, start + 1) if _cell(result, line) == _cell(result, start))
        last = next(line for line in range(last, end - 1, -1) if _cell(result, line) == _cell(result, end))
    while first < start and not lines[first - 1].strip():
        first += 1
    while last > end and not lines[last - 1].strip():
        last -= 1
    return first, last


def _cell(result: FileResult, line: int) -> int | None:
    cells = result.cell_lines or ()
    return cells[line - 1][0] if 1 <= line <= len(cells) else None


def _display_number(result: FileResult, line: int) -> int:
    if result.cell_lines is not None and 1 <= line <= len(result.cell_lines):
        return result.cell_lines[line - 1][1]
    return line


def _source_row(number: int, width: int, text: str, style: Style, gutter: str = "") -> str:
    body = f"{gutter}{_expand(text)}".rstrip()
    return f"{style.gutter(str(number).rjust(width) + ' |')}{(' ' + body) if body else ''}"


def _marker_row(width: int, text: str, style: Style) -> str:
    return f"{' ' * (width + 1)}{style.gutter('|')} {text}"


def _single_line(
    lines: list[str], numbers: dict[int, int], width: int, message: Message, label: str, style: Style
) -> list[str]:
    out = []
    line_no = min(max(message.span.start.line, 1), len(lines))
    for line in sorted(numbers):
        out.append(_source_row(numbers[line], width, lines[line - 1], style))
        if line == line_no:
            text = lines[line - 1]
            start = _display_width(text[: message.span.start.column])
            stop = _display_width(text[: max(message.span.end.column, message.span.start.column)])
            carets = "^" * max(1, stop - start)
            out.append(_marker_row(width, " " * start + style.marker(carets + label), style))
    return out


def _multi_line(
    lines: list[str],
    numbers: dict[int, int],
    width: int,
    message: Message,
    start: int,
    end: int,
    label: str,
    style: Style,
) -> list[str]:
    out = []
    start_text = lines[start - 1]
    start_col = _display_width(start_text[: message.span.start.column])
    opens_line = not start_text[: message.span.start.column].strip()
    end_text = lines[end - 1]
    end_column = message.span.end.column if message.span.end.line == end else len(end_text)
    end_col = max(_display_width(end_text[:end_column]) - 1, 0)
    for line in sorted(numbers):
        text = lines[line - 1]
        if line == start:
            gutter = style.marker("/") + " " if opens_line else "  "
            out.append(_source_row(numbers[line], width, text, style, gutter))
            if not opens_line:
                out.append(_marker_row(width, " " + style.marker("_" * (start_col + 1) + "^"), style))
        elif start < line <= end:
            out.append(_source_row(numbers[line], width, text, style, style.marker("|") + " "))
        else:
            out.append(_source_row(numbers[line], width, text, style, "  "))
        if line == end:
            out.append(_marker_row(width, style.marker("|" + "_" * (end_col + 1) + "^" + label), style))
    return out


def _expand(text: str) -> str:
    return text.expandtabs(TAB_WIDTH)


def _display_width(text: str) -> int:
    """Columns `text` takes on a terminal: tabs expanded, wide characters count two."""
    width = 0
    for char in _expand(text):
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width
