"""What the lint core hands back to every front end.

Positions follow one convention inside the package: 1-based lines, 0-based columns (in characters).
Front ends convert at the edge (flake8 wants 0-based columns, ruff-style output shows 1-based).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Position:
    line: int
    column: int


@dataclass(frozen=True)
class Span:
    start: Position
    end: Position


class Applicability(enum.Enum):
    """ruff's vocabulary: a safe fix keeps the program's meaning as intended; an unsafe one may not."""

    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True)
class Edit:
    """Replace the text between `span.start` and `span.end` with `content`."""

    span: Span
    content: str


@dataclass(frozen=True)
class Fix:
    message: str
    applicability: Applicability
    edits: tuple[Edit, ...]


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str
    span: Span
    fix: Fix | None = None

    @property
    def line(self) -> int:
        return self.span.start.line

    @property
    def column(self) -> int:
        return self.span.start.column

    def sort_key(self) -> tuple[int, int, str, str]:
        return (self.span.start.line, self.span.start.column, self.code, self.message)


@dataclass(frozen=True)
class LintResult:
    """Diagnostics for one source text, plus a message when the text could not be analysed."""

    diagnostics: tuple[Diagnostic, ...] = ()
    error: str | None = None
    noqa_suppressed: tuple[Diagnostic, ...] = field(default=(), repr=False)
