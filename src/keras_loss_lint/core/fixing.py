"""Applying fixes to source text, shared by `check --fix`, `--diff` and the language server.

Fixes are applied like ruff applies them: in source order, skipping a fix whose edits overlap one
already taken, then the file is linted again and the loop repeats until nothing changes (a bounded
number of passes). That loop (`fix_until_stable`) is the only one: `check --fix` and the language
server fix a module's text through it, and notebooks through a target that maps edits to cells. A
pass whose result does not parse is thrown away, so a fix can never leave a file that Python cannot
read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Protocol, TypeVar

import libcst as cst

from keras_loss_lint.core.lint import lint_source
from keras_loss_lint.core.diagnostics import Applicability, Diagnostic, Edit, Fix, LintResult, Position
from keras_loss_lint.core.text import line_starts
from keras_loss_lint.project.settings import Settings

MAX_PASSES = 10


@dataclass
class FixReport:
    """The fixed text, the diagnostics whose fixes were applied, and what is left after fixing."""

    source: str
    applied: list[Diagnostic] = field(default_factory=list)
    remaining: LintResult = field(default_factory=LintResult)

    @property
    def changed(self) -> bool:
        return bool(self.applied)


def is_applicable(fix: Fix | None, unsafe: bool) -> bool:
    return fix is not None and (fix.applicability is Applicability.SAFE or unsafe)


class FixTarget(Protocol):
    """What the fix loop fixes: a module's text, or a notebook whose cells make up a module."""

    def module(self) -> str:
        """The module text to lint."""
        ...

    def applying(self, fixable: list[Diagnostic]) -> "tuple[FixTarget, list[Diagnostic]] | None":
        """The target with some of `fixable` applied, and those; None when no fix makes progress or
        the result would not parse."""
        ...


T = TypeVar("T", bound=FixTarget)


def fix_until_stable(
    target: T,
    lint: Callable[[str], LintResult],
    chosen: Callable[[Diagnostic], bool],
    result: LintResult | None = None,
) -> tuple[T, list[Diagnostic], LintResult]:
    """The one fix loop of every face: lint, apply the chosen fixes, repeat until nothing changes (at
    most `MAX_PASSES` times). Returns the fixed target, the fixes applied and what is left."""
    applied: list[Diagnostic] = []
    result = lint(target.module()) if result is None else result
    for _ in range(MAX_PASSES):
        fixable = [d for d in result.diagnostics if chosen(d)]
        if not fixable or result.error is not None:
            break
        step = target.applying(fixable)
        if step is None:
            break
        target, taken = step  # type: ignore[assignment]
        applied.extend(taken)
        result = lint(target.module())
    return target, applied, result


class TextTarget:
    """A module's text, fixed as a whole."""

    def __init__(self, source: str) -> None:
        self.source = source

    def module(self) -> str:
        return self.source

    def applying(self, fixable: list[Diagnostic]) -> "tuple[TextTarget, list[Diagnostic]] | None":
        candidate, taken = apply_diagnostic_fixes(self.source, fixable)
        if not taken or candidate == self.source or not parses(candidate):
            return None
        return TextTarget(candidate), taken


def fix_source(
    source: str,
    path: str | None,
    settings: Settings,
    unsafe: bool = False,
    wanted: Callable[[Diagnostic], bool] = lambda diagnostic: True,
) -> FixReport:
    """Fix `source` until stable; `wanted` leaves out diagnostics (e.g. per-file ignores)."""
    fixed, applied, remaining = fix_until_stable(
        TextTarget(source),
        lambda text: lint_source(text, path, settings),
        lambda diagnostic: wanted(diagnostic) and is_applicable(diagnostic.fix, unsafe),
    )
    return FixReport(fixed.source, applied, remaining)


def apply_diagnostic_fixes(source: str, diagnostics: list[Diagnostic]) -> tuple[str, list[Diagnostic]]:
    """Apply the non-overlapping fixes of `diagnostics`, earliest first."""
    offsets = _line_offsets(source)
    chosen: list[tuple[int, int, str]] = []
    taken: list[Diagnostic] = []
    for diagnostic in sorted(diagnostics, key=_first_edit_start):
        assert diagnostic.fix is not None
        edits = [_to_offsets(edit, offsets) for edit in diagnostic.fix.edits]
        if any(_overlaps(edit, other) for edit in edits for other in chosen):
            continue
        chosen.extend(edits)
        taken.append(diagnostic)
    return apply_edits(source, chosen), taken


def apply_edits(source: str, edits: list[tuple[int, int, str]]) -> str:
    pieces: list[str] = []
    cursor = 0
    for start, end, content in sorted(edits):
        pieces.append(source[cursor:start])
        pieces.append(content)
        cursor = end
    pieces.append(source[cursor:])
    return "".join(pieces)


def offset_of(source: str, position: Position) -> int:
    return _line_offsets(source)[position.line - 1] + position.column


def parses(source: str) -> bool:
    try:
        cst.parse_module(source)
    except (cst.ParserSyntaxError, RecursionError, ValueError):
        return False
    return True


def _first_edit_start(diagnostic: Diagnostic) -> tuple[int, int]:
    assert diagnostic.fix is not None
    first = min(edit.span.start for edit in diagnostic.fix.edits)
    return (first.line, first.column)


def _line_offsets(source: str) -> list[int]:
    return line_starts(source)


def _to_offsets(edit: Edit, offsets: list[int]) -> tuple[int, int, str]:
    start = offsets[edit.span.start.line - 1] + edit.span.start.column
    end = offsets[edit.span.end.line - 1] + edit.span.end.column
    return start, end, edit.content


def _overlaps(first: tuple[int, int, str], second: tuple[int, int, str]) -> bool:
    return first[0] < second[1] and second[0] < first[1]
