"""Editing a notebook's JSON in place: the `source` values of chosen cells are located in the original
text and replaced there, so every other character stays as written (numbers such as `1e400` or
`1.0e5`, key order, duplicate keys, layout, outputs), and the result is read back to check it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence


class NotebookError(ValueError):
    """The text is not a notebook this linter can read, or not one it can safely rewrite (the
    message says why, in one line)."""


def load_json(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise NotebookError(
            f"not a valid notebook: invalid JSON at line {error.lineno} column {error.colno}: {error.msg}"
        ) from None
    except RecursionError:
        raise NotebookError("not a valid notebook: JSON nested too deeply") from None
    if not isinstance(data, dict):
        raise NotebookError("not a valid notebook: the JSON is not an object")
    return data


def cells_of(data: dict[str, Any]) -> list[dict[str, Any]]:
    nbformat = data.get("nbformat")
    if "worksheets" in data or (isinstance(nbformat, int) and nbformat < 4):
        raise NotebookError(
            f"unsupported notebook format {nbformat} (expected 4; convert it with `jupyter nbconvert --to notebook`)"
        )
    cells = data.get("cells")
    if not isinstance(cells, list):
        raise NotebookError("not a valid notebook: no 'cells' list")
    for position, cell in enumerate(cells, 1):
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
            raise NotebookError(f"not a valid notebook: cell {position} has no 'cell_type'")
    return cells


def is_code(cell: dict[str, Any]) -> bool:
    return cell.get("cell_type") == "code"


def cell_source(cell: dict[str, Any], position: int) -> str:
    source = cell.get("source", "")
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        return "".join(source)
    raise NotebookError(f"not a valid notebook: cell {position + 1} has a 'source' that is not text")


def _source_lines(text: str) -> list[str]:
    """A cell's text as nbformat stores it: lines split after each "\\n" only (not at form feeds or
    Unicode line separators, which `str.splitlines` would split at), the last without a newline."""
    lines = [line + "\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    return lines if lines[-1] else lines[:-1]


def _indentation(text: str) -> int | None:
    """The indent width the JSON was written with (Jupyter writes 1), None for compact JSON."""
    match = re.search(r"\n( +)\S", text)
    return len(match.group(1)) if match else None


# ---------------------------------------------------------------------------------------------------
# Locating cell sources in the JSON text, to rewrite them and nothing else


_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


@dataclass(frozen=True)
class _SourceSpan:
    """Where one cell's `source` value is written: [start, end) of the text, and for a list of lines
    the offsets of each line's string, to lay new lines out the same way."""

    start: int
    end: int
    items: tuple[tuple[int, int], ...] | None  # None: the source is one string

    def render(self, text: str, source: str, escaped: bool) -> str:
        if self.items is None:
            return json.dumps(source, ensure_ascii=escaped)
        lines = [json.dumps(line, ensure_ascii=escaped) for line in _source_lines(source)]
        if not lines:
            return "[]"
        opening, separator, closing = self._layout(text)
        return "[" + opening + separator.join(lines) + closing + "]"

    def _layout(self, text: str) -> tuple[str, str, str]:
        """The whitespace after `[`, between items (with the comma) and before `]`, as written."""
        if not self.items:
            return _empty_list_layout(text, self.start)
        opening = text[self.start + 1 : self.items[0][0]]
        closing = text[self.items[-1][1] : self.end - 1]
        if len(self.items) > 1:
            return opening, text[self.items[0][1] : self.items[1][0]], closing
        return opening, "," + opening, closing


def _empty_list_layout(text: str, start: int) -> tuple[str, str, str]:
    """For a cell that was `"source": []`: one line per item, indented as Jupyter indents, or compact."""
    width = _indentation(text)
    if width is None:
        return "", ", " if '", "' in text else ",", ""
    line_start = text.rfind("\n", 0, start) + 1
    line = text[line_start:start]
    indent = line[: len(line) - len(line.lstrip(" "))]
    newline = "\r\n" if text[line_start - 2 : line_start] == "\r\n" else "\n"
    inner = newline + indent + " " * width
    return inner, "," + inner, newline + indent


class _Scanner:
    """Just enough of a JSON reader to find where values are written. Values it does not need are
    skipped with the C decoder, so a notebook's large outputs cost little."""

    def __init__(self, text: str) -> None:
        self.text = text

    def skip_space(self, index: int) -> int:
        match = _WHITESPACE.match(self.text, index)
        return match.end() if match else index

    def expect(self, index: int, char: str) -> int:
        index = self.skip_space(index)
        if not self.text.startswith(char, index):
            raise NotebookError(f"cannot fix: unexpected JSON at offset {index}")
        return index + 1

    def value_end(self, index: int) -> int:
        try:
            return _DECODER.raw_decode(self.text, index)[1]
        except json.JSONDecodeError as error:
            raise NotebookError(f"cannot fix: invalid JSON at offset {error.pos}") from None

    def members(self, index: int, where: str, needed: str) -> dict[str, int]:
        """{key: offset of its value} of the object at `index`. The key `needed` written twice is
        refused: which of the two a reader honours is not for a fixer to guess. Other repeated
        keys are left as they are written."""
        index = self.skip_space(self.expect(index, "{"))
        found: dict[str, int] = {}
        if self.text.startswith("}", index):
            return found
        while True:
            key_start = self.expect(index, '"')
            key, index = json.decoder.scanstring(self.text, key_start)  # type: ignore[attr-defined]
            if key == needed and key in found:
                raise NotebookError(f"cannot fix: {where} has the key {key!r} twice")
            found[key] = self.skip_space(self.expect(index, ":"))
            index = self.skip_space(self.value_end(found[key]))
            if self.text.startswith("}", index):
                return found
            index = self.expect(index, ",")

    def elements(self, index: int) -> tuple[list[tuple[int, int]], int]:
        """[(start, end)] of each element of the array at `index`, and the offset after it."""
        index = self.skip_space(self.expect(index, "["))
        found: list[tuple[int, int]] = []
        if self.text.startswith("]", index):
            return found, index + 1
        while True:
            start = self.skip_space(index)
            end = self.value_end(start)
            found.append((start, end))
            index = self.skip_space(end)
            if self.text.startswith("]", index):
                return found, index + 1
            index = self.expect(index, ",")


def source_spans(text: str, numbers: set[int]) -> dict[int, _SourceSpan]:
    """Where the `source` of each cell numbered in `numbers` is written in the notebook's text."""
    scanner = _Scanner(text)
    top = scanner.members(0, "the notebook", "cells")
    if "cells" not in top:
        raise NotebookError("cannot fix: no 'cells' list")
    cells, _ = scanner.elements(top["cells"])
    spans = {}
    for number in numbers:
        if not 1 <= number <= len(cells):
            raise NotebookError(f"cannot fix: there is no cell {number}")
        members = scanner.members(cells[number - 1][0], f"cell {number}", "source")
        if "source" not in members:
            raise NotebookError(f"cannot fix: cell {number} has no 'source'")
        start = members["source"]
        if text.startswith("[", start):
            items, end = scanner.elements(start)
            spans[number] = _SourceSpan(start, end, tuple(items))
        else:
            spans[number] = _SourceSpan(start, scanner.value_end(start), None)
    return spans


def check_rewritten(text: str, old_sources: Sequence[str], new_sources: Mapping[int, str]) -> None:
    """The rewritten JSON reads back as the same cells with the new sources (a guard: a text that
    would say anything else is never written)."""
    try:
        cells = cells_of(load_json(text))
        sources = [cell_source(cell, position) if is_code(cell) else None for position, cell in enumerate(cells)]
    except NotebookError:
        sources = []
    expected = [new_sources.get(n, old) for n, old in enumerate(old_sources, 1)]
    if len(sources) != len(expected) or any(
        found is not None and found != wanted for found, wanted in zip(sources, expected)
    ):
        raise NotebookError("cannot fix: the rewritten notebook would not read back as intended")


# ---------------------------------------------------------------------------------------------------
# IPython syntax -> Python, line for line
