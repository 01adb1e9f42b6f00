"""What the lint core hands back to every face: the one vocabulary of positions, spans, fixes and
diagnostics, from the rules to the output formats.

Positions follow one convention inside the package: 1-based lines, 0-based columns (in characters).
Faces convert at the edge (flake8 wants 0-based columns, ruff-style output shows 1-based).

These are `Record`s, not dataclasses, so that a CLI run answered by the cache, which builds its output
from these types, never imports `dataclasses`. Like `core.records`, this module imports nothing of the
package but that, so every layer may use it.
"""

from __future__ import annotations

import enum

from keras_loss_lint.core.records import Record


class Position(Record):
    __slots__ = ("line", "column")
    line: int
    column: int

    def __init__(self, line: int, column: int) -> None:
        super().__init__(line, column)


class Span(Record):
    __slots__ = ("start", "end")
    start: Position
    end: Position

    def __init__(self, start: Position, end: Position) -> None:
        super().__init__(start, end)

    @classmethod
    def at(cls, line: int, column: int) -> "Span":
        """An empty span: a point."""
        point = Position(line, column)
        return cls(point, point)


class Applicability(enum.Enum):
    """ruff's vocabulary: a safe fix keeps the program's meaning as intended; an unsafe one may not."""

    SAFE = "safe"
    UNSAFE = "unsafe"


class Edit(Record):
    """Replace the text between `span.start` and `span.end` with `content`."""

    __slots__ = ("span", "content")
    span: Span
    content: str

    def __init__(self, span: Span, content: str) -> None:
        super().__init__(span, content)


class Fix(Record):
    __slots__ = ("message", "applicability", "edits")
    message: str
    applicability: Applicability
    edits: tuple[Edit, ...]

    def __init__(self, message: str, applicability: Applicability, edits: tuple[Edit, ...]) -> None:
        super().__init__(message, applicability, edits)


class Diagnostic(Record):
    __slots__ = ("code", "message", "span", "fix")
    code: str
    message: str
    span: Span
    fix: Fix | None

    def __init__(self, code: str, message: str, span: Span, fix: Fix | None = None) -> None:
        super().__init__(code, message, span, fix)

    @property
    def line(self) -> int:
        return self.span.start.line

    @property
    def column(self) -> int:
        return self.span.start.column

    def sort_key(self) -> tuple[int, int, str, str]:
        return (self.span.start.line, self.span.start.column, self.code, self.message)


class SyntaxProblem(Record):
    """Where the text stops being valid Python, and why."""

    __slots__ = ("position", "message")
    position: Position
    message: str

    def __init__(self, position: Position, message: str) -> None:
        super().__init__(position, message)


class LintResult(Record):
    """Diagnostics for one source text, plus a message when the text could not be analysed.

    `syntax_error` is set (with `error`) when the text is not valid Python; `noqa_suppressed` holds
    what `# noqa` comments and file-level directives silenced. `dependencies` are the other project
    files the result was computed from (absolute paths, sorted): the result holds while their texts do.
    `partial` says why the file was not fully analysed (None: it was): its analysis reached a limit
    (steps, time, memory; then the diagnostics hold one KLO902 unless it is deselected), or not every
    import of the project was followed.
    """

    __slots__ = ("diagnostics", "error", "syntax_error", "noqa_suppressed", "dependencies", "partial")
    diagnostics: tuple[Diagnostic, ...]
    error: str | None
    syntax_error: SyntaxProblem | None
    noqa_suppressed: tuple[Diagnostic, ...]
    dependencies: tuple[str, ...]
    partial: str | None

    def __init__(
        self,
        diagnostics: tuple[Diagnostic, ...] = (),
        error: str | None = None,
        syntax_error: SyntaxProblem | None = None,
        noqa_suppressed: tuple[Diagnostic, ...] = (),
        dependencies: tuple[str, ...] = (),
        partial: str | None = None,
    ) -> None:
        super().__init__(diagnostics, error, syntax_error, noqa_suppressed, dependencies, partial)
