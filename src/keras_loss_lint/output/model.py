"""What the formatters print: one `FileResult` per checked file, holding display-ready `Message`s.

Positions here are what users see: 1-based rows and 1-based columns (ruff's convention), relative to
the cell for notebooks. The module span is kept beside them so the `full` format can show source.
"""

from __future__ import annotations

from dataclasses import dataclass

from keras_loss_lint.diagnostics import Span

SYNTAX_ERROR = "invalid-syntax"  # the code ruff's JSON gives syntax errors


@dataclass(frozen=True, order=True)
class Location:
    row: int  # 1-based
    column: int  # 1-based


@dataclass(frozen=True)
class EditView:
    content: str
    location: Location
    end_location: Location


@dataclass(frozen=True)
class FixView:
    message: str
    applicability: str  # "safe" | "unsafe"
    edits: tuple[EditView, ...]


@dataclass(frozen=True)
class Message:
    code: str | None  # None for a syntax error
    message: str
    location: Location
    end_location: Location
    span: Span  # in module coordinates (0-based columns), for code frames
    cell: int | None = None  # notebooks: the 1-based cell number
    fix: FixView | None = None
    noqa_row: int | None = None

    @property
    def is_syntax_error(self) -> bool:
        return self.code is None

    @property
    def output_code(self) -> str:
        return self.code if self.code is not None else SYNTAX_ERROR

    def sort_key(self) -> tuple[int, int, int, str]:
        return (self.cell or 0, self.location.row, self.location.column, self.code or "")


@dataclass(frozen=True)
class FileResult:
    """The outcome for one file. `error` is set when it could not be read or analysed at all."""

    path: str  # absolute path ("-" for unnamed stdin): JSON `filename`
    display_path: str  # what text formats show: relative to the working directory when inside it
    messages: tuple[Message, ...] = ()
    source: str | None = None  # the module text, kept only when there is something to show
    cell_lines: tuple[tuple[int, int], ...] | None = None  # notebooks: module line -> (cell, row)
    error: str | None = None
    internal_error: bool = False

    @property
    def checked(self) -> bool:
        return self.error is None

    @property
    def is_notebook(self) -> bool:
        return self.cell_lines is not None
