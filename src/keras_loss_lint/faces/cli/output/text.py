"""ruff's text formats: `concise` (one line per finding) and `full` (plus the source and a help line).

    model.py:7:38: KLO201 'output_small' would get the loss for 'output_big' ...
      |
    6 | model = keras.Model(inp, [small, big])
    7 | model.compile(optimizer="adam", loss={"output_small": "mse", "output_big": "mae"})
      |                                      ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ KLO201
      |
      = help: Rewrite the loss dict as a list in output order

Notebook findings read `nb.ipynb:cell 3:2:5: ...` and their source lines are numbered within the cell;
when it tells more, the cell's number among code cells and its saved execution count follow the cell:
`nb.ipynb:cell 54 (code cell 30, [12]):2:5: ...`.
Like ruff, two lines of context are shown around the span (never crossing into another cell), blank
context lines at the edges are dropped, tabs are expanded to 4-column stops, and a span over several
lines is drawn with annotate-snippets' `_`/`|` connectors.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from typing import Iterable, Sequence

from keras_loss_lint.faces.cli.results import FileResult, Message
from keras_loss_lint.faces.cli.output.style import Style
from keras_loss_lint.core.text import LINE_BREAK, printable

CONTEXT_LINES = 2
TAB_WIDTH = 4


def header(result: FileResult, message: Message, style: Style, marks: bool | None = None) -> str:
    """`path:row:col: CODE message` (or `path:cell N:row:col: ...` in a notebook).

    `marks` is None for no fix marks, else the `--unsafe-fixes` flag: a message whose fix `--fix`
    would apply then reads `CODE [*] message`, as in ruff."""
    colon = style.separator(":")
    where = style.path(result.display_path) + colon
    if message.cell is not None:
        where += result.cell_label(message.cell).describe() + colon
    where += f"{message.location.row}{colon}{message.location.column}{colon}"
    if message.is_syntax_error:
        return f"{where} SyntaxError: {message.message}"
    mark = f"[{style.fix_marker('*')}] " if marks is not None and message.fixable(marks) else ""
    return f"{where} {style.code(message.code or '')} {mark}{message.message}"


def render_concise(results: Sequence[FileResult], style: Style, marks: bool | None = None) -> list[str]:
    return [header(result, message, style, marks) for result, message in iter_messages(results)]


def render_full(results: Sequence[FileResult], style: Style, marks: bool | None = None) -> list[str]:
    lines: list[str] = []
    for result, message in iter_messages(results):
        lines.append(header(result, message, style, marks))
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
    return f"Found {count} error{_s(count)}."


class FixCounts:
    __slots__ = ("fixed", "remaining", "applicable", "hidden")

    def __init__(self, fixed: int, remaining: int, applicable: int, hidden: int) -> None:
        self.fixed = fixed  # findings whose fixes were applied (or, with --diff, would be)
        self.remaining = remaining  # findings left, files that could not be checked included
        self.applicable = applicable  # remaining findings --fix would fix (--unsafe-fixes: unsafe ones too)
        self.hidden = hidden  # remaining findings with an unsafe fix that --unsafe-fixes would enable

    @classmethod
    def of(cls, results: Sequence[FileResult], unsafe: bool, file_errors: int = 0) -> "FixCounts":
        messages = [message for _, message in iter_messages(results)]
        return cls(
            fixed=sum(len(result.fixed) for result in results),
            remaining=len(messages) + file_errors,
            applicable=sum(1 for message in messages if message.fixable(unsafe)),
            hidden=sum(
                1
                for message in messages
                if message.fix is not None and message.fix.applicability == "unsafe" and not unsafe
            ),
        )


def summary_lines(counts: FixCounts, style: Style, hint_unsafe: bool = True) -> list[str]:
    """ruff's closing lines: the count (with what was fixed), then what `--fix` could still do."""
    total = counts.fixed + counts.remaining
    if counts.fixed:
        lines = [f"Found {total} error{_s(total)} ({counts.fixed} fixed, {counts.remaining} remaining)."]
    else:
        lines = [summary(counts.remaining, style)]
    mark = f"[{style.fix_marker('*')}]"
    hidden = f"{counts.hidden} hidden fix{_es(counts.hidden)} can be enabled with the --unsafe-fixes option"
    if counts.applicable and counts.hidden and hint_unsafe:
        lines.append(f"{mark} {counts.applicable} fixable with the --fix option ({hidden}).")
    elif counts.applicable:
        lines.append(f"{mark} {counts.applicable} fixable with the --fix option.")
    elif counts.hidden and hint_unsafe:
        lines.append(f"No fixes available ({hidden}).")
    return lines


def fix_only_summary(counts: FixCounts, applied: bool) -> list[str]:
    """`--fix-only` ("Fixed N errors.") and `--diff` ("Would fix N errors."), as ruff words them."""
    fixed, hidden = counts.fixed, counts.hidden
    if hidden:
        more = f"{hidden} additional fix{_es(hidden)} available with --unsafe-fixes"
        if fixed:
            verb = "Fixed" if applied else "Would fix"
            return [f"{verb} {fixed} error{_s(fixed)} ({more})."]
        none = "No errors fixed" if applied else "No errors would be fixed"
        return [f"{none} ({hidden} fix{_es(hidden)} available with --unsafe-fixes)."]
    if fixed:
        return [f"{'Fixed' if applied else 'Would fix'} {fixed} error{_s(fixed)}."]
    return []


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def _es(count: int) -> str:
    return "" if count == 1 else "es"


def statistics_rows(results: Sequence[FileResult], unsafe: bool = False) -> list[tuple[int, str, str, bool]]:
    """(count, code, name, fixable) per code, most frequent first, then by code (ruff's order)."""
    counts: Counter[str] = Counter()
    names: dict[str, str] = {}
    fixable: set[str] = set()
    for _, message in iter_messages(results):
        code = message.output_code
        counts[code] += 1
        names.setdefault(code, _rule_name(message))
        if message.fixable(unsafe):
            fixable.add(code)
    rows = [(count, code, names[code], code in fixable) for code, count in counts.items()]
    return sorted(rows, key=lambda row: (-row[0], row[1]))


def _rule_name(message: Message) -> str:
    if message.code is None:
        return "syntax-error"
    if message.name is not None:
        return message.name
    from keras_loss_lint.core.catalogue import rule_by_code  # only for messages made without a name

    rule = rule_by_code(message.code)
    return rule.name if rule is not None else message.code


def render_statistics(results: Sequence[FileResult], style: Style, unsafe: bool = False) -> list[str]:
    rows = statistics_rows(results, unsafe)
    if not rows:
        return []
    count_width = max(len(str(count)) for count, _, _, _ in rows)
    code_width = max(len(code) for _, code, _, _ in rows)
    any_fixable = any(fixable for _, _, _, fixable in rows)
    lines = []
    for count, code, name, fixable in rows:
        mark = (f"[{style.fix_marker('*')}] " if fixable else "[ ] ") if any_fixable else ""
        lines.append(
            f"{style.paint(str(count).rjust(count_width), 'bold')}\t{style.code(code.ljust(code_width))}\t{mark}{name}"
        )
    return lines


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
    return printable(text.expandtabs(TAB_WIDTH))  # never send the source's escape sequences to a terminal


def _display_width(text: str) -> int:
    """Columns `text` takes on a terminal: tabs expanded, wide characters count two."""
    width = 0
    for char in _expand(text):
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


# ---------------------------------------------------------------------------------------------------
# --show-fixes


def fix_summary(results: Sequence[FileResult], style: Style) -> list[str]:
    """ruff's table of what was fixed, per file and code, most fixed first (empty if nothing was):

        Fixed 2 errors:
        - model.py:
            2 × KLO201 (dict-loss-sorted-order)
    """
    fixed = [result for result in results if result.fixed]
    if not fixed:
        return []
    total = sum(len(result.fixed) for result in fixed)
    width = max(count for result in fixed for count in Counter(result.fixed).values())
    lines = [style.paint(f"Fixed {total} error{_s(total)}:", "bold", "green")]
    for result in sorted(fixed, key=lambda r: r.display_path):
        lines.append(f"{style.separator('-')} {style.path(result.display_path)}{style.separator(':')}")
        rows = sorted(Counter(result.fixed).items(), key=lambda item: (-item[1], item[0]))
        for code, count in rows:
            lines.append(f"    {str(count).rjust(len(str(width)))} × {style.code(code)} ({_name_of(code)})")
    return lines


def _name_of(code: str) -> str:
    from keras_loss_lint.core.catalogue import rule_by_code  # loaded already: fixing needed the rules

    rule = rule_by_code(code)
    return rule.name if rule is not None else code
