"""Property-based tests of the core: it never raises, and layout never changes what it finds.

hypothesmith's programs almost never mention Keras, so each one gets a comment that lets it past the
pre-check (`has_candidate`): otherwise `lint_source` would return before parsing and the test could
not fail. The Keras-shaped programs come from keras_programs.py.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

import hypothesmith
import libcst as cst
import pytest
from hypothesis import given, settings
from keras_programs import Program, Style, programs, render, styles
from robust_helpers import KERAS_MARKER, robust_settings

from keras_loss_lint.core.lint import lint_source
from keras_loss_lint.core.diagnostics import LintResult
from keras_loss_lint.project.settings import Settings

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
# noqa comments disappear when code is re-rendered; compare what the rules find, not what is silenced.
RAW = Settings(honour_noqa=False)
PYTHON_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# Generated code may be odd (`1()`): Python warns while compiling it, which is not what is tested here.
pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")


def codes(source: str) -> Counter[str]:
    """The codes found, `# noqa` not applied. KLO900 is left out: it is about comments, which
    reformatting and `ast.unparse` change or drop."""
    result = lint_source(source, settings=RAW)
    assert result.error is None, f"{result.error}\n{source}"
    return Counter(d.code for d in result.diagnostics if d.code != "KLO900")


def assert_sane(result: LintResult, source: str) -> None:
    """Every diagnostic (and fix edit) points inside the text it was computed for."""
    # Python's line breaks only: str.splitlines() also breaks at form feeds, \x1c-\x1e, U+2028 ...
    lines = PYTHON_LINE_BREAK.split(source)
    for diagnostic in result.diagnostics:
        spans = [diagnostic.span] + ([e.span for e in diagnostic.fix.edits] if diagnostic.fix else [])
        for span in spans:
            for position in (span.start, span.end):
                assert 1 <= position.line <= len(lines), (diagnostic, source)
                assert 0 <= position.column <= len(lines[position.line - 1]), (diagnostic, source)
            assert span.start <= span.end, diagnostic


def libcst_cannot_parse(source: str) -> bool:
    try:
        cst.parse_module(source)
    except Exception:  # noqa: BLE001 - any failure of LibCST itself excuses a parse error result
        return True
    return False


# ------------------------------------------------------------------------------- never raises


@robust_settings()
@given(hypothesmith.from_grammar())
def test_grammar_generated_code_never_raises(source: str) -> None:
    text = source + KERAS_MARKER
    result = lint_source(text)
    # The text is valid Python (hypothesmith checks with compile()): an error is only acceptable when
    # LibCST itself cannot parse it, never from the analysis.
    assert result.error is None or libcst_cannot_parse(text), result.error
    assert_sane(result, text)


@robust_settings(scale=0.3)  # hypothesmith's CST strategy is slow to generate
@given(hypothesmith.from_node())
def test_cst_generated_code_never_raises(source: str) -> None:
    text = source + KERAS_MARKER
    result = lint_source(text)
    assert result.error is None or libcst_cannot_parse(text), result.error
    assert_sane(result, text)


@robust_settings(scale=0.5)
@given(hypothesmith.from_grammar(), programs())
def test_random_code_before_a_keras_program_never_raises(prefix: str, program: Program) -> None:
    """Random statements first can rebind `keras`, `model` or anything else the program uses."""
    text = prefix.rstrip("\\\n") + "\n" + render(program)
    try:
        compile(text, "<generated>", "exec")
    except (SyntaxError, ValueError):
        return  # e.g. the prefix ended inside an open construct; hypothesmith's part was checked above
    result = lint_source(text)
    assert result.error is None or libcst_cannot_parse(text), result.error
    assert_sane(result, text)


@robust_settings()
@given(programs(), styles)
def test_keras_programs_are_analysed(program: Program, style: Style) -> None:
    source = render(program, style)
    compile(source, "<generated>", "exec")  # the generator's own promise
    result = lint_source(source)
    assert result.error is None, result.error
    assert_sane(result, source)


# ----------------------------------------------------------------- formatting changes nothing


@robust_settings()
@given(programs(), styles, styles)
def test_layout_and_local_names_do_not_change_the_codes(program: Program, first: Style, second: Style) -> None:
    """Indentation, quotes, parentheses, line breaks, comments, blank lines and variable names."""
    assert codes(render(program, first)) == codes(render(program, second))


@robust_settings()
@given(programs(), styles)
def test_unparsed_code_gives_the_same_codes(program: Program, style: Style) -> None:
    """`ast.unparse` drops comments and redundant parentheses and joins every line of a call."""
    source = render(program, style)
    assert codes(ast.unparse(ast.parse(source))) == codes(source)


class _Reformat(cst.CSTTransformer):
    """Redundant parentheses around every argument, element and dict entry; a comment before every
    statement. Python reads the result exactly as the original."""

    def leave_Arg(self, original: cst.Arg, updated: cst.Arg) -> cst.Arg:
        return updated if updated.star else updated.with_changes(value=_parenthesize(updated.value))

    def leave_Element(self, original: cst.Element, updated: cst.Element) -> cst.Element:
        return updated.with_changes(value=_parenthesize(updated.value))

    def leave_DictElement(self, original: cst.DictElement, updated: cst.DictElement) -> cst.DictElement:
        return updated.with_changes(key=_parenthesize(updated.key), value=_parenthesize(updated.value))

    def leave_SimpleStatementLine(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine:
        return updated.with_changes(leading_lines=[*updated.leading_lines, _comment()])


def _parenthesize(expression: cst.BaseExpression) -> cst.BaseExpression:
    return expression.with_changes(
        lpar=[cst.LeftParen(), *expression.lpar], rpar=[*expression.rpar, cst.RightParen()]
    )


def _comment() -> cst.EmptyLine:
    return cst.EmptyLine(comment=cst.Comment("# reformatted: a comment line between statements"))


def reformat(source: str) -> str:
    text = cst.parse_module(source).visit(_Reformat()).code
    compile(text, "<reformatted>", "exec")  # the transformer's own promise
    return text


def fixture_files() -> list[Path]:
    return sorted(FIXTURES.rglob("*.py"))


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixtures_keep_their_codes_when_reformatted(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    expected = codes(source)
    assert codes(reformat(source)) == expected
    assert codes(ast.unparse(ast.parse(source))) == expected


def test_most_fixtures_have_findings() -> None:
    """Otherwise the fixture test above would compare empty sets."""
    with_findings = [path for path in fixture_files() if codes(path.read_text(encoding="utf-8"))]
    assert len(with_findings) >= 15, with_findings


@robust_settings()
@given(programs(), styles)
def test_reformatted_programs_keep_their_codes(program: Program, style: Style) -> None:
    source = render(program, style)
    assert codes(reformat(source)) == codes(source)


# ------------------------------------------------------------- the generator is not vacuous


# Codes the generator reaches within 300 examples (a fixed seed: this test is deterministic).
REACHED = {
    "KLO101", "KLO102", "KLO103", "KLO104", "KLO105", "KLO106", "KLO107", "KLO109", "KLO201",
    "KLO202", "KLO203", "KLO205", "KLO206", "KLO301", "KLO302", "KLO401", "KLO402", "KLO404",
}


@pytest.mark.slow
def test_generated_programs_reach_the_rules() -> None:
    """1,000 programs: the `tf_keras` import style is Keras 2 only, so the Keras 3 rules see fewer of them."""
    seen: Counter[str] = Counter()

    @settings(max_examples=1000, deadline=None, database=None, derandomize=True)
    @given(programs(), styles)
    def collect(program: Program, style: Style) -> None:
        seen.update(set(codes(render(program, style))))

    collect()
    missing = REACHED - set(seen)
    assert not missing, f"the Keras program generator no longer reaches {sorted(missing)}: {dict(seen)}"


@pytest.mark.slow
def test_some_generated_programs_are_clean() -> None:
    """Not every program may be a finding: clean code must be generated too."""
    clean = []

    @settings(max_examples=100, deadline=None, database=None, derandomize=True)
    @given(programs())
    def collect(program: Program) -> None:
        clean.append(not codes(render(program)))

    collect()
    assert any(clean) and not all(clean)
