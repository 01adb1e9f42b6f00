"""What the formatters print: one `FileResult` per checked file, holding display-ready `Message`s.

Positions here are what users see: 1-based rows and 1-based columns (ruff's convention), relative to
the cell for notebooks. The module span is kept beside them so the `full` format can show source.

These are plain classes rather than dataclasses, and the module span is this module's own type
rather than the core's `Span`: a run answered by the cache builds its results from here alone, and
importing `dataclasses` (which imports `inspect`, `ast`, `dis`, ...) and generating each class's
methods costs more than the rest of such a run.
"""

from __future__ import annotations

from typing import Any

SYNTAX_ERROR = "invalid-syntax"  # the code ruff's JSON gives syntax errors


class _Value:
    """Value semantics for the small classes below: equal when their fields are, readable repr."""

    __slots__: tuple[str, ...] = ()

    def _fields(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other._fields() == self._fields()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"


class Location(_Value):
    __slots__ = ("row", "column")

    def __init__(self, row: int, column: int) -> None:
        self.row = row  # 1-based
        self.column = column  # 1-based


class ModulePosition(_Value):
    """A position in the linted module: 1-based line, 0-based column (the core's convention)."""

    __slots__ = ("line", "column")

    def __init__(self, line: int, column: int) -> None:
        self.line = line
        self.column = column


class ModuleSpan(_Value):
    __slots__ = ("start", "end")

    def __init__(self, start: ModulePosition, end: ModulePosition) -> None:
        self.start = start
        self.end = end

    @classmethod
    def of(cls, span: Any) -> "ModuleSpan":
        """From the core's `diagnostics.Span` (or anything with `start`/`end` lines and columns)."""
        return cls(ModulePosition(span.start.line, span.start.column), ModulePosition(span.end.line, span.end.column))

    @classmethod
    def at(cls, line: int, column: int) -> "ModuleSpan":
        return cls(ModulePosition(line, column), ModulePosition(line, column))


class EditView(_Value):
    __slots__ = ("content", "location", "end_location")

    def __init__(self, content: str, location: Location, end_location: Location) -> None:
        self.content = content
        self.location = location
        self.end_location = end_location


class FixView(_Value):
    __slots__ = ("message", "applicability", "edits")

    def __init__(self, message: str, applicability: str, edits: tuple[EditView, ...]) -> None:
        self.message = message
        self.applicability = applicability  # "safe" | "unsafe"
        self.edits = edits


class Message(_Value):
    __slots__ = ("code", "message", "location", "end_location", "span", "cell", "fix", "noqa_row", "url", "name")

    def __init__(
        self,
        code: str | None,  # None for a syntax error
        message: str,
        location: Location,
        end_location: Location,
        span: ModuleSpan,  # in module coordinates (0-based columns), for code frames
        cell: int | None = None,  # notebooks: the 1-based cell number
        fix: FixView | None = None,
        noqa_row: int | None = None,
        # The rule's documentation URL and name, filled in when the message is made, so that printing a
        # cached result never needs the rule registry (and LibCST, which it imports).
        url: str | None = None,
        name: str | None = None,
    ) -> None:
        self.code = code
        self.message = message
        self.location = location
        self.end_location = end_location
        self.span = span
        self.cell = cell
        self.fix = fix
        self.noqa_row = noqa_row
        self.url = url
        self.name = name

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


class FileResult(_Value):
    """The outcome for one file. `error` is set when it could not be read or analysed at all."""

    __slots__ = ("path", "display_path", "messages", "source", "cell_lines", "error", "internal_error", "fixed")

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
    ) -> None:
        self.path = path
        self.display_path = display_path
        self.messages = messages
        self.source = source
        self.cell_lines = cell_lines
        self.error = error
        self.internal_error = internal_error
        self.fixed = fixed

    @property
    def checked(self) -> bool:
        return self.error is None

    @property
    def is_notebook(self) -> bool:
        return self.cell_lines is not None

    def with_fixed(self, codes: tuple[str, ...]) -> "FileResult":
        result = FileResult(*self._fields())
        result.fixed = codes
        return result
