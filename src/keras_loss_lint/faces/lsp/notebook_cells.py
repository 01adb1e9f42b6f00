"""A notebook the editor sends cell by cell, as the one module the linter sees, and the way back
from module positions to positions in each cell's own text document.

The module is made exactly as `keras-loss-lint check` makes it from an `.ipynb` file: the cells are
handed to `keras_loss_lint.faces.notebook.parse_notebook` in their order, so the joining, the
masking of IPython syntax (`!pip`, `%time`, cell magics) and the line map are the CLI's own. Markdown
cells, and code cells in another language than Python, are not code. Cell numbers ("cell 3" in a pin's
description) count every cell the editor sent, as in the CLI.

Nothing here imports pygls or lsprotocol, so the mapping is tested on its own.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from typing import Any, Sequence

from keras_loss_lint.core.diagnostics import Diagnostic, Edit, Fix, Position, Span
from keras_loss_lint.faces.notebook import Notebook, parse_notebook

PYTHON_CELL_LANGUAGES = frozenset({"python", "python3", "ipython"})


@dataclass(frozen=True)
class CellText:
    """One cell as the editor has it, in notebook order."""

    uri: str
    is_code: bool
    text: str


@dataclass(frozen=True)
class CellDiagnostic:
    """A module diagnostic moved into one cell: its span, and its fix's edits, in cell coordinates
    (1-based lines of the cell's text). A fix that would edit another cell too is withheld."""

    uri: str
    diagnostic: Diagnostic


class NotebookModule:
    """The module text of a notebook's cells, with positions mapped both ways."""

    def __init__(self, cells: Sequence[CellText]) -> None:
        self.cell_uris = tuple(cell.uri for cell in cells)
        self.notebook: Notebook = parse_notebook(_as_json(cells))

    @property
    def source(self) -> str:
        return self.notebook.source

    @property
    def raw_cells(self) -> tuple[str, ...]:
        """Every cell's text as written ("" for non-code cells): where `!pip install` pins are read."""
        return self.notebook.raw_cell_sources

    @property
    def code_cell_uris(self) -> tuple[str, ...]:
        return tuple(self.cell_uris[cell.index] for cell in self.notebook.cells)

    def to_cell(self, position: Position) -> tuple[str, Position] | None:
        """(cell URI, position in that cell's text) of a module position; lines stay 1-based."""
        found = self.notebook.to_cell(position)
        if found is None:
            return None
        number, in_cell = found
        return self.cell_uris[number - 1], in_cell

    def to_module(self, uri: str, position: Position) -> Position | None:
        """The module position of `position` (1-based line) in the cell with URI `uri`."""
        if uri not in self.cell_uris:
            return None
        return self.notebook.to_module(self.cell_uris.index(uri) + 1, position)

    def span_in_cell(self, span: Span) -> tuple[str, Span] | None:
        """The cell holding `span`'s start and the span in it; a span running into a later cell
        (which no rule reports) is cut to its start."""
        start = self.to_cell(span.start)
        if start is None:
            return None
        end = self.to_cell(span.end)
        uri, in_cell = start
        if end is None or end[0] != uri:
            return uri, Span(in_cell, in_cell)
        return uri, Span(in_cell, end[1])

    def in_cells(self, diagnostics: Sequence[Diagnostic]) -> list[CellDiagnostic]:
        """The diagnostics, each moved into the cell it starts in."""
        moved = []
        for diagnostic in diagnostics:
            placed = self.span_in_cell(diagnostic.span)
            if placed is None:
                continue
            uri, span = placed
            fix = self._fix_in(uri, diagnostic.fix)
            moved.append(CellDiagnostic(uri, Diagnostic(diagnostic.code, diagnostic.message, span, fix)))
        return moved

    def _fix_in(self, uri: str, fix: Fix | None) -> Fix | None:
        if fix is None:
            return None
        edits = []
        for edit in fix.edits:
            start, end = self.to_cell(edit.span.start), self.to_cell(edit.span.end)
            if start is None or end is None or start[0] != uri or end[0] != uri:
                return None  # it edits another cell as well: a one-cell edit would break the code
            edits.append(Edit(Span(start[1], end[1]), edit.content))
        return Fix(fix.message, fix.applicability, tuple(edits))

    def broken_cells(self) -> list[int]:
        """Numbers of the code cells that are not valid Python on their own (a kernel compiles each
        cell by itself), so the others can still be linted, as the CLI does."""
        broken = []
        for cell in self.notebook.cells:
            try:
                ast.parse(cell.code)
            except SyntaxError:
                broken.append(cell.number)
            except (ValueError, RecursionError, MemoryError):
                continue  # not a verdict on the cell's syntax
        return broken

    def blanked(self, cell_numbers: Sequence[int]) -> str:
        """The module text with those cells as empty lines: every other position stays where it was."""
        return self.notebook.module_source(blank_cells=cell_numbers)


def is_code_cell(is_code_kind: bool, language_id: str | None) -> bool:
    """Whether a cell is Python code: a code cell whose text document is Python (or says nothing)."""
    return is_code_kind and (not language_id or language_id.lower() in PYTHON_CELL_LANGUAGES)


def _as_json(cells: Sequence[CellText]) -> str:
    """The cells as an nbformat 4 notebook, the form `parse_notebook` reads."""
    entries: list[dict[str, Any]] = [
        {"cell_type": "code" if cell.is_code else "markdown", "metadata": {}, "source": cell.text}
        for cell in cells
    ]
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": entries})
