"""Fixing notebooks cell by cell (keras_loss_lint.faces.cli.fixer.fix_cells), with a scripted linter, so that
the cell bookkeeping is tested on edits no real rule makes: across cells, on IPython lines, adding lines."""

from __future__ import annotations

import json
import re
from typing import Callable

import pytest

import keras_loss_lint.core.lint as core
from keras_loss_lint.faces.cli.fixer import fix_cells
from keras_loss_lint.core.diagnostics import (
    Applicability,
    Diagnostic,
    Edit,
    Fix,
    LintResult,
    Position,
    Span,
    SyntaxProblem,
)
from keras_loss_lint.faces.notebook import parse_notebook
from keras_loss_lint.project.settings import Settings
from cli_helpers import notebook


def edit_diagnostic(start: Position, end: Position, content: str) -> Diagnostic:
    fix = Fix("scripted", Applicability.SAFE, (Edit(Span(start, end), content),))
    return Diagnostic("KLO999", "scripted", Span(start, start), fix)


@pytest.fixture
def linter(monkeypatch: pytest.MonkeyPatch) -> Callable[[Callable[[str], list[Diagnostic]]], None]:
    """Replace the core's lint with `script(module_text) -> diagnostics`."""

    def install(script: Callable[[str], list[Diagnostic]]) -> None:
        def lint(source: str, path: object = None, settings: object = None) -> LintResult:
            return LintResult(tuple(script(source)))

        monkeypatch.setattr(core, "lint_source", lint)

    return install


def occurrences(word: str, content: str) -> Callable[[str], list[Diagnostic]]:
    """A rule that rewrites every `word` in the module as `content`."""

    def script(source: str) -> list[Diagnostic]:
        found = []
        for number, line in enumerate(source.split("\n"), 1):
            for match in re.finditer(word, line):
                found.append(
                    edit_diagnostic(Position(number, match.start()), Position(number, match.end()), content)
                )
        return found

    return script


def fix(text: str) -> tuple[dict[int, str], list[Diagnostic]]:
    return fix_cells(parse_notebook(text), "nb.ipynb", Settings(), unsafe=False)


def test_an_edit_that_adds_lines_moves_the_later_cells(linter):
    linter(occurrences("OLD", "(\n    NEW\n)"))
    text = notebook(("code", "a = OLD\nb = 1"), ("markdown", "# x"), ("code", "c = OLD\nd = 2"))
    sources, applied = fix(text)
    assert sources == {1: "a = (\n    NEW\n)\nb = 1", 3: "c = (\n    NEW\n)\nd = 2"}
    assert len(applied) == 2
    rewritten = json.loads(parse_notebook(text).with_cell_sources(sources))
    assert rewritten["cells"][2]["source"] == ["c = (\n", "    NEW\n", ")\n", "d = 2"]


def test_later_passes_see_the_new_cell_boundaries(linter):
    # First pass: cell 1 grows by two lines; second pass rewrites NEW in cell 2, now lower in the module.
    def script(source: str) -> list[Diagnostic]:
        if "OLD" in source:
            return occurrences("OLD", "x\ny\nz")(source)
        return occurrences("NEW", "DONE")(source)

    linter(script)
    sources, applied = fix(notebook(("code", "a = OLD"), ("code", "b = NEW\nc = NEW")))
    assert sources == {1: "a = x\ny\nz", 2: "b = DONE\nc = DONE"}
    assert len(applied) == 3


def test_an_edit_across_two_cells_is_refused(linter):
    text = notebook(("code", "a = 1\nb = 2"), ("code", "c = 3"))
    # From line 2 (cell 1) to line 3 (cell 2) of the module.
    across = edit_diagnostic(Position(2, 0), Position(3, 5), "b = c = 3")
    linter(lambda source: [across] if "c = 3" in source else [])
    assert fix(text) == ({}, [])


def test_an_edit_on_a_masked_ipython_line_is_refused_and_magics_come_back(linter):
    text = notebook(("code", "x = OLD\n%time y = OLD\n!echo OLD\nz = OLD"))
    # The linter sees `pass` on lines 2 and 3; a fix aimed there must not replace the magic.
    masked = edit_diagnostic(Position(2, 0), Position(2, 4), "y = NEW")

    def script(source: str) -> list[Diagnostic]:
        return occurrences("OLD", "NEW")(source) + ([masked] if "OLD" in source else [])

    linter(script)
    sources, applied = fix(text)
    assert sources == {1: "x = NEW\n%time y = OLD\n!echo OLD\nz = NEW"}
    assert masked not in applied


def test_a_fix_that_breaks_a_cell_on_its_own_is_not_applied(linter):
    # `(` alone is valid in the joined module only if a later cell closes it: a kernel would fail.
    text = notebook(("code", "a = OLD"), ("code", "b = 1)"))
    linter(lambda source: occurrences("OLD", "(")(source) if "OLD" in source else [])
    assert fix(text) == ({}, [])


def test_a_fix_that_changes_nothing_stops_the_loop(linter):
    linter(occurrences("SAME", "SAME"))
    assert fix(notebook(("code", "a = SAME"))) == ({}, [])


def test_blank_broken_cells_are_never_edited(monkeypatch):
    # The module does not parse (cell 2): fixing goes on with cell 2 blanked, and leaves it alone.
    def lint(source, path=None, settings=None):
        if "b = (" in source:
            return LintResult(error="syntax error at 2:5: bad", syntax_error=SyntaxProblem(Position(2, 5), "bad"))
        return LintResult(tuple(occurrences("OLD", "NEW")(source)))

    monkeypatch.setattr(core, "lint_source", lint)
    sources, applied = fix(notebook(("code", "a = OLD"), ("code", "b = (OLD"), ("code", "c = OLD")))
    assert sources == {1: "a = NEW", 3: "c = NEW"}
    assert len(applied) == 2
