"""What the formatters print: one `FileResult` per checked file, holding display-ready `Message`s.

Positions here are what users see: 1-based rows and 1-based columns (ruff's convention), relative to
the cell for notebooks. The module span is kept beside them so the `full` format can show source.

Like the core's diagnostics these are `Record`s, not dataclasses: a run answered by the cache builds
its results from here alone, and importing `dataclasses` (which imports `inspect`, `ast`, `dis`, ...)
and generating each class's methods costs more than the rest of such a run. The module span is the
core's `Span`.
"""

from __future__ import annotations

from keras_loss_lint.core.diagnostics import Span
from keras_loss_lint.core.records import Record

SYNTAX_ERROR = "invalid-syntax"  # the code ruff's JSON gives syntax errors


class Location(Record):
    __slots__ = ("row", "column")
    row: int
    column: int

    def __init__(self, row: int, column: int) -> None:  # both 1-based, as users see them
        super().__init__(row, column)


class EditView(Record):
    __slots__ = ("content", "location", "end_location")
    content: str
    location: Location
    end_location: Location

    def __init__(self, content: str, location: Location, end_location: Location) -> None:
        super().__init__(content, location, end_location)


class FixView(Record):
    __slots__ = ("message", "applicability", "edits")
    message: str
    applicability: str
    edits: tuple[EditView, ...]

    def __init__(self, message: str, applicability: str, edits: tuple[EditView, ...]) -> None:  # "safe" | "unsafe"
        super().__init__(message, applicability, edits)


class Message(Record):
    __slots__ = ("code", "message", "location", "end_location", "span", "cell", "fix", "noqa_row", "url", "name")
    code: str | None
    message: str
    location: Location
    end_location: Location
    span: Span
    cell: int | None
    fix: FixView | None
    noqa_row: int | None
    url: str | None
    name: str | None

    def __init__(
        self,
        code: str | None,  # None for a syntax error
        message: str,
        location: Location,
        end_location: Location,
        span: Span,  # in module coordinates (0-based columns), for code frames
        cell: int | None = None,  # notebooks: the 1-based cell number
        fix: FixView | None = None,
        noqa_row: int | None = None,
        # The rule's documentation URL and name, filled in when the message is made, so that printing a
        # cached result never needs the rule registry (and LibCST, which it imports).
        url: str | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(code, message, location, end_location, span, cell, fix, noqa_row, url, name)

    @property
    def is_syntax_error(self) -> bool:
        return self.code is None

    @property
    def output_code(self) -> str:
        return self.code if self.code is not None else SYNTAX_ERROR

    def fixable(self, unsafe: bool) -> bool:
        """Whether `--fix` applies this message's fix (an unsafe one only with `--unsafe-fixes`)."""
        return self.fix is not None and (self.fix.applicability == "safe" or unsafe)

    def sort_key(self) -> tuple[int, int, int, str]:
        return (self.cell or 0, self.location.row, self.location.column, self.code or "")


class CellLabel(Record):
    """The numbers a notebook cell is found by: its position among all cells (what `cell N` says, as in
    ruff), among code cells (what nbconvert and nbqa count), and its saved execution count (`[12]`)."""

    __slots__ = ("number", "code_number", "execution_count")
    number: int
    code_number: int | None
    execution_count: int | None

    def __init__(self, number: int, code_number: int | None, execution_count: int | None) -> None:
        super().__init__(number, code_number, execution_count)

    def describe(self) -> str:
        """`cell 54 (code cell 30, [12])`; a part that says nothing new is left out (`cell 3`)."""
        extra = []
        if self.code_number is not None and self.code_number != self.number:
            extra.append(f"code cell {self.code_number}")
        if self.execution_count is not None:
            extra.append(f"[{self.execution_count}]")
        return f"cell {self.number}" + (f" ({', '.join(extra)})" if extra else "")


class FileResult(Record):
    """The outcome for one file. `error` is set when it could not be read or analysed at all."""

    __slots__ = (
        "path", "display_path", "messages", "source", "cell_lines", "error", "internal_error", "fixed", "dependencies",
        "partial", "notes", "cell_labels",
    )
    path: str
    display_path: str
    messages: tuple[Message, ...]
    source: str | None
    cell_lines: tuple[tuple[int, int], ...] | None
    error: str | None
    internal_error: bool
    fixed: tuple[str, ...]
    dependencies: tuple[str, ...]
    partial: str | None
    notes: tuple[str, ...]
    cell_labels: tuple[CellLabel, ...]

    def __init__(
        self,
        path: str,  # absolute path ("-" for unnamed stdin): JSON `filename`
        display_path: str,  # what text formats show: relative to the working directory when inside it
        messages: tuple[Message, ...] = (),
        source: str | None = None,  # the module text, kept only when there is something to show
        cell_lines: tuple[tuple[int, int], ...] | None = None,  # notebooks: module line -> (cell, row)
        error: str | None = None,
        internal_error: bool = False,
        fixed: tuple[str, ...] = (),  # --fix / --diff: the codes of the findings whose fixes were applied
        dependencies: tuple[str, ...] = (),  # the project's other modules the findings were read from
        partial: str | None = None,  # why only part of the file was analysed (a budget ran out)
        notes: tuple[str, ...] = (),  # how the file was read, for `check -v` (a notebook export)
        cell_labels: tuple[CellLabel, ...] = (),  # notebooks: how each code cell is found
    ) -> None:
        super().__init__(
            path,
            display_path,
            messages,
            source,
            cell_lines,
            error,
            internal_error,
            fixed,
            dependencies,
            partial,
            notes,
            cell_labels,
        )

    @property
    def checked(self) -> bool:
        return self.error is None

    @property
    def is_notebook(self) -> bool:
        return self.cell_lines is not None

    def cell_label(self, number: int) -> CellLabel:
        for label in self.cell_labels:
            if label.number == number:
                return label
        return CellLabel(number, None, None)

    def with_fixed(self, codes: tuple[str, ...]) -> "FileResult":
        return self.replace(fixed=codes)
