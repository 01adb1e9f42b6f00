"""Jupyter notebooks as one Python module, and the way back from module positions to cells.

A kernel runs code cells one after another in one namespace, so the linter sees a notebook as its code
cells joined in cell order, like ruff: each cell's text, a newline between cells and one at the end.
Cells are numbered like ruff numbers them: "cell N" is the 1-based position among *all* cells,
markdown and raw cells included, so the number matches what an editor shows when it counts cells.

IPython syntax that is not Python is replaced line by line without changing the number of lines, so
every position in the module maps back to a line of a cell:

- a cell magic (`%%time`, `%%bash` on the first non-blank line) keeps the whole cell out of the module;
- line magics (`%pip ...`), shell escapes (`!ls`), help (`?obj`, `obj?`, `obj??`), assignments from them
  (`files = !ls`, `t = %time f()`) and automagic lines (`pip install keras`) become `pass` at the same
  indentation, so an escape inside a block leaves the block valid; a magic continued with `\\` turns
  its continuation lines into `pass` too.

Only lines that start a statement are looked at (not lines inside a triple-quoted string or inside
brackets), so a docstring that says "why?" is left alone.

A cell whose lines all share a leading indent (code pasted from inside a function) is dedented first,
as IPython does before running it; `to_cell` and `to_module` add and remove that indent, so columns
are those of the cell as written, and a fix is applied to the cell's text without its indent and
indented back (`CodeCell.unindented_source`, `CodeCell.indented`).

Each cell also has the numbers users find it by: `code_number` (1-based among code cells, what
`jupyter nbconvert` and nbqa count) and `execution_count` (the `[12]` a notebook shows, when saved).

The LSP server and `--fix` reuse this module: `Notebook.source` is the module text, `to_cell` and
`to_module` translate positions both ways, and `with_cell_sources` writes new cell text back into the
original JSON, keeping its key order, indentation, trailing newline and outputs (the CLI's writer keeps
the file's encoding and line breaks; see keras_loss_lint.core.writing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from keras_loss_lint.faces.notebook_json import (
    NotebookError,
    cell_source,
    cells_of,
    check_rewritten,
    is_code,
    load_json,
    source_spans,
)
from keras_loss_lint.faces.notebook_magics import (
    NEWLINES,
    cell_indent,
    dedented,
    indented_lines,
    reindented,
    transform_cell,
)

if TYPE_CHECKING:
    from keras_loss_lint.core.diagnostics import Position
    from keras_loss_lint.project.settings import Limits

__all__ = [
    "CodeCell",
    "Notebook",
    "NotebookError",
    "NotebookTooLarge",
    "parse_notebook",
    "script_as_notebook",
    "transform_cell",
]


@dataclass(frozen=True)
class CodeCell:
    """One code cell that is part of the module."""

    index: int  # 0-based position among all cells of the notebook
    source: str  # the cell's text as stored (newlines normalised to "\n")
    code: str  # the Python the linter sees: `source` with IPython syntax replaced, same lines
    first_line: int  # 1-based module line of the cell's first line
    indent: str = ""  # the common indent IPython strips from the cell's lines (see `cell_indent`)
    code_number: int | None = None  # 1-based position among the notebook's code cells
    execution_count: int | None = None  # the `[N]` of the cell's last run, as saved

    @property
    def number(self) -> int:
        """1-based position among all cells: what `cell N` in messages means."""
        return self.index + 1

    @property
    def line_count(self) -> int:
        return self.code.count("\n") + 1

    @property
    def last_line(self) -> int:
        return self.first_line + self.line_count - 1

    @property
    def unindented_source(self) -> str:
        """`source` without the common indent: what `code` is, IPython syntax unmasked."""
        return dedented(self.source, self.indent)

    def indented(self, text: str) -> str:
        """Text in the coordinates of `unindented_source` (a fixed cell) with the indent put back."""
        return reindented(text, self.indent)

    def column_shift(self, line: int) -> int:
        """How many columns the cell's 1-based line `line` lost to the common indent."""
        if not self.indent:
            return 0
        shifted = indented_lines(self.source, self.indent)
        return len(self.indent) if 1 <= line <= len(shifted) and shifted[line - 1] else 0


@dataclass(frozen=True)
class Notebook:
    """A parsed notebook: the module the linter sees and the map back to cells."""

    text: str  # the original JSON text, untouched
    cells: tuple[CodeCell, ...]  # code cells in the module, in order
    cell_count: int  # all cells, of every type
    raw_cell_sources: tuple[str, ...]  # every cell's original code ("" for non-code cells)
    language: str | None = None
    _line_to_cell: tuple[int, ...] = field(default=(), repr=False, compare=False)

    @property
    def source(self) -> str:
        """The module text: every code cell joined with "\\n", plus a final "\\n" (like ruff)."""
        return self.module_source()

    @property
    def display_source(self) -> str:
        """The module's lines as the cells write them (IPython lines and common indents kept): what
        code frames show. Line for line the module; columns as `display_position` maps them."""
        return "\n".join(cell.source for cell in self.cells) + "\n" if self.cells else ""

    def display_position(self, position: Position) -> Position:
        """A module position in `display_source` (the same line; the column of the cell's text)."""
        mapped = self.to_cell(position)
        if mapped is None:
            return position
        return type(position)(position.line, mapped[1].column)

    @property
    def is_python(self) -> bool:
        return self.language is None or self.language.lower() in ("python", "python3", "ipython")

    def module_source(self, blank_cells: Sequence[int] = ()) -> str:
        """The module text with the cells numbered in `blank_cells` replaced by empty lines."""
        blank = set(blank_cells)
        parts = ["\n" * (cell.line_count - 1) if cell.number in blank else cell.code for cell in self.cells]
        return "\n".join(parts) + "\n" if parts else ""

    def cell(self, number: int) -> CodeCell | None:
        """The code cell with 1-based number `number`, if it is part of the module."""
        for cell in self.cells:
            if cell.number == number:
                return cell
        return None

    def cell_at(self, line: int) -> CodeCell | None:
        """The code cell holding 1-based module line `line` (None past the end)."""
        if 1 <= line <= len(self._line_to_cell):
            return self.cells[self._line_to_cell[line - 1]]
        return None

    def to_cell(self, position: Position) -> tuple[int, Position] | None:
        """(cell number, position in that cell) for a module position; lines stay 1-based."""
        from keras_loss_lint.core.diagnostics import Position

        cell = self.cell_at(position.line)
        if cell is None:
            # The final "\n" the join adds makes one more line; it belongs to the last cell's end.
            if self.cells and position.line == len(self._line_to_cell) + 1:
                last = self.cells[-1]
                return last.number, Position(last.line_count, 0)
            return None
        line = position.line - cell.first_line + 1
        return cell.number, Position(line, position.column + cell.column_shift(line))

    def to_module(self, cell_number: int, position: Position) -> Position | None:
        """The module position of `position` (1-based line) in the cell numbered `cell_number` (a column
    inside the cell's common indent maps to the start of the module's line)."""
        from keras_loss_lint.core.diagnostics import Position

        cell = self.cell(cell_number)
        if cell is None or not 1 <= position.line <= cell.line_count:
            return None
        column = max(0, position.column - cell.column_shift(position.line))
        return Position(cell.first_line + position.line - 1, column)

    def with_cell_sources(self, sources: Mapping[int, str]) -> str:
        """The notebook JSON with new text for the cells numbered in `sources`.

        Only the `source` values of those cells are rewritten, in place in the original text; every
        other character stays as written: numbers (`1e400`, `1.0e5`), key order, duplicate keys,
        layout, outputs. A cell stored as a list of lines stays a list of lines, laid out like the
        original list. Raises `NotebookError` when a cell's `source` cannot be located unambiguously.
        """
        if not sources:
            return self.text
        spans = source_spans(self.text, set(sources))
        escaped = self.text.isascii() and "\\u" in self.text  # a file that escapes non-ASCII keeps doing so
        pieces, position = [], 0
        for number in sorted(sources):
            span = spans[number]
            pieces += [self.text[position : span.start], span.render(self.text, sources[number], escaped)]
            position = span.end
        text = "".join(pieces) + self.text[position:]
        check_rewritten(text, self.raw_cell_sources, sources)
        return text


class NotebookTooLarge(NotebookError):
    """The notebook's code is above the size limit: it is not prepared for the analysis at all."""


def parse_notebook(text: str, limits: Limits | None = None) -> Notebook:
    """Read a notebook's JSON text; raise `NotebookError` with a one-line reason if it is not one.

    With `limits`, code cells above its size limit together raise `NotebookTooLarge` before any cell
    is prepared (IPython syntax masking costs time per cell and per character: a notebook of 100,000
    cells took seconds before the joined module was refused). The limit is measured on the cells as
    written; the joined module is measured again when it is linted."""
    data = load_json(text)
    cells = cells_of(data)
    raw_sources = tuple(
        cell_source(cell, position) if is_code(cell) else "" for position, cell in enumerate(cells)
    )
    if limits is not None:
        refusal = limits.cells_too_large([raw_sources[i] for i, cell in enumerate(cells) if is_code(cell)])
        if refusal is not None:
            raise NotebookTooLarge(refusal)
    code_cells: list[CodeCell] = []
    line_to_cell: list[int] = []
    next_line = 1
    code_number = 0
    for index, cell in enumerate(cells):
        if not is_code(cell):
            continue
        code_number += 1
        source = NEWLINES.sub("\n", raw_sources[index])
        code = transform_cell(source)
        if code is None:
            continue  # a cell magic: the whole cell is not Python
        count = cell.get("execution_count")
        code_cell = CodeCell(
            index,
            source,
            code,
            next_line,
            cell_indent(source),
            code_number,
            count if isinstance(count, int) and not isinstance(count, bool) else None,
        )
        line_to_cell.extend([len(code_cells)] * code_cell.line_count)
        code_cells.append(code_cell)
        next_line += code_cell.line_count
    return Notebook(text, tuple(code_cells), len(cells), raw_sources, _language(data), tuple(line_to_cell))


def script_as_notebook(text: str, code: str) -> Notebook:
    """A `.py` text read as one code cell whose Python is `code` (its IPython lines masked, same
    lines), so that fixes can be placed on the real text the way a notebook cell's are."""
    cell = CodeCell(0, text, code, 1)
    return Notebook(text, (cell,), 1, (text,), None, (0,) * cell.line_count)


def _language(data: dict[str, Any]) -> str | None:
    metadata = data.get("metadata")
    if not isinstance(metadata, dict):
        return None
    for key in ("language_info", "kernelspec"):
        entry = metadata.get(key)
        if isinstance(entry, dict):
            name = entry.get("name") if key == "language_info" else entry.get("language")
            if isinstance(name, str) and name:
                return name
    return None
