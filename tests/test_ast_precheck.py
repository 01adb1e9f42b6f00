"""The syntactic pre-check never hides a finding: linting with it equals linting without any pre-check.

"Without any pre-check" parses with LibCST and runs the analysis directly (`lint_module`), so a file
the pre-check wrongly skipped shows up as a difference. Fixtures (every file under fixtures/, the
projects' modules with their project index, and notebooks built from the fixtures) and generated
Keras programs, some rewritten into the call forms the check must (or may) let pass.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Optional

import libcst as cst
import pytest
from hypothesis import given
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent / "robustness"))
from fixture_expectations import FIXTURES, expected_diagnostics, fixture_files  # noqa: E402
from keras_programs import programs, render, styles  # noqa: E402
from robust_helpers import robust_settings  # noqa: E402

from keras_loss_lint.core.ast_precheck import holds_candidate_call  # noqa: E402
from keras_loss_lint.core.diagnostics import LintResult  # noqa: E402
from keras_loss_lint.core.lint import lint_module, lint_source  # noqa: E402
from keras_loss_lint.core.precheck import has_candidate, needs_analysis  # noqa: E402
from keras_loss_lint.faces.notebook import parse_notebook  # noqa: E402
from keras_loss_lint.project.index import index_for  # noqa: E402
from keras_loss_lint.project.settings import DEFAULT_SETTINGS, Settings  # noqa: E402

RAW = Settings(honour_noqa=False)
pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")


def without_precheck(source: str, path: Optional[str] = None, settings: Settings = RAW) -> LintResult:
    """What `lint_source` would answer if no pre-check ever skipped a file."""
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError:
        return LintResult(error="syntax error")
    index = index_for(path) if path is not None else None
    return lint_module(module, source, settings, path=path, project=index)


def assert_same_as_without_precheck(source: str, path: Optional[str] = None, settings: Settings = RAW) -> None:
    full = without_precheck(source, path, settings)
    checked = lint_source(source, path, settings)
    if full.error is not None:
        assert checked.error is not None or not has_candidate(source), (path, source)
        return
    index = index_for(path) if path is not None else None
    if not needs_analysis(source, path, index):
        # The textual pre-check alone skips the file: KLO900 judges comments of analysed files only.
        assert [d for d in full.diagnostics if d.code != "KLO900"] == [], (path, source)
        return
    assert checked.diagnostics == full.diagnostics, (path, source)
    assert checked.error is None


def notebook_text(source: str) -> str:
    """`source` as a two-cell notebook, the second cell starting with an IPython magic."""
    lines = source.splitlines(keepends=True)
    half = len(lines) // 2
    cells = [lines[:half], ["%matplotlib inline\n", *lines[half:]]]
    return json.dumps({
        "cells": [{"cell_type": "code", "metadata": {}, "source": cell, "outputs": [], "execution_count": None}
                  for cell in cells],
        "metadata": {"language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    })


# ------------------------------------------------------------------------------------- fixtures


def fixture_ids() -> list[Path]:
    return fixture_files()


@pytest.mark.parametrize("path", fixture_ids(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture_lints_alike_with_and_without_precheck(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert_same_as_without_precheck(source, str(path))
    assert_same_as_without_precheck(source)  # alone, without its project's other modules
    if expected_diagnostics(path):
        assert needs_analysis(source, str(path), index_for(str(path)), syntactic=True), path


def test_every_fixture_with_findings_reaches_the_analysis() -> None:
    fixtures = fixture_files()
    assert len(fixtures) > 50 and any("projects" in p.parts for p in fixtures)
    with_findings = [p for p in fixtures if without_precheck(p.read_text("utf-8"), str(p)).diagnostics]
    assert with_findings
    for path in with_findings:
        text = path.read_text("utf-8")
        index = index_for(str(path))
        assert holds_candidate_call(text) or (index is not None and index.calls_recording_code(text, str(path))), path


# --------------------------------------------------- a call of a recorded method in another module

HELPER_MODELS = """\
import keras
from keras import layers


def build():
    inputs = keras.Input(shape=(8,))
    return keras.Model(inputs, [layers.Dense(1, name="severity")(inputs), layers.Dense(3, name="category")(inputs)])
"""
HELPER_MODULE = """\
from models import build


def compile_fixed(model):
    model.compile(optimizer="adam", loss={"category": "mse", "severity": "mae"})
    return model


def fit_labelled(model, x, a, b):
    model.fit(x, {"category": b, "severity": a})


class Trainer:
    def __init__(self, model):
        self.model = model

    def prepare(self):
        return compile_fixed(self.model)


def train_own():
    model = build()
    model.compile(loss={"category": "mse", "severity": "mae"})


RUNNERS = {"fixed": compile_fixed}
"""
HELPER_CALLS = [
    "from models import build\nfrom helpers import compile_fixed\n\ncompile_fixed(build())\n",
    "import models\nimport helpers as h\n\nm = models.build()\nh.compile_fixed(m)\nh.fit_labelled(m, 1, 2, 3)\n",
    "from models import build\nfrom helpers import Trainer\n\nTrainer(build()).prepare()\n",
    "from models import build\nfrom helpers import RUNNERS\n\nRUNNERS['fixed'](build())\n",
    "from models import build\nfrom helpers import *\n\n\ndef main():\n    compile_fixed(build())\n\n\nmain()\n",
    "from helpers import train_own\n\ntrain_own()\n",  # helpers.py's own finding, silent here
    "import keras\nfrom helpers import compile_fixed\n\ncompile_fixed(keras.Sequential())\n",
]


@pytest.mark.parametrize("source", HELPER_CALLS)
def test_calls_of_another_modules_recorded_calls_lint_alike(tmp_path: Path, source: str) -> None:
    """No `.compile(` in the file's own text: the pre-check lets it through all the same."""
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    (tmp_path / "models.py").write_text(HELPER_MODELS, encoding="utf-8")
    (tmp_path / "helpers.py").write_text(HELPER_MODULE, encoding="utf-8")
    path = tmp_path / "train.py"
    path.write_text(source, encoding="utf-8")
    assert not holds_candidate_call(source)
    assert_same_as_without_precheck(source, str(path))
    if "train_own" not in source and "Sequential" not in source:
        assert lint_source(source, str(path)).diagnostics
        assert needs_analysis(source, str(path), index_for(str(path)), syntactic=True)


@pytest.mark.parametrize(
    "path", [p for p in fixture_ids() if expected_diagnostics(p)][::4], ids=lambda p: str(p.relative_to(FIXTURES))
)
def test_fixture_as_a_notebook_lints_alike(path: Path) -> None:
    notebook = parse_notebook(notebook_text(path.read_text(encoding="utf-8")))
    assert_same_as_without_precheck(notebook.source, settings=DEFAULT_SETTINGS)


# ------------------------------------------------------------------------------ the criterion


KERAS_MODEL = """\
import keras
inp = keras.Input(shape=(4,))
a = keras.layers.Dense(1, name="b_out")(inp)
b = keras.layers.Dense(1, name="a_out")(inp)
model = keras.Model(inp, [a, b])
"""
FINDING_CALL = 'model.compile(optimizer="adam", loss={"b_out": "mse", "a_oot": "mae"})\n'


@pytest.mark.parametrize("call", [
    FINDING_CALL,
    '(model).compile(optimizer="adam", loss={"b_out": "mse", "a_oot": "mae"})\n',
    '(model.\n  compile)(optimizer="adam", loss={"b_out": "mse", "a_oot": "mae"})\n',
    'kw = {"loss": {"b_out": "mse", "a_oot": "mae"}}\nmodel.compile(**kw)\n',
    'def train(m):\n    m.compile(loss={"b_out": "mse", "a_oot": "mae"})\ntrain(model)\n',
    'model.fit(x, {"b_out": 1, "a_oot": 2})\n',
])
def test_a_call_with_arguments_is_analysed(call: str) -> None:
    source = KERAS_MODEL + call
    assert holds_candidate_call(source)
    assert lint_source(source).diagnostics
    assert_same_as_without_precheck(source)


@pytest.mark.parametrize("text", [
    '"""Usage: model.compile(loss={"b_out": "mse"}) then model.fit(x, y)."""\n',
    '# model.compile(loss={"b_out": "mse"})\n',
    'model.compile()\nmodel.fit()\n',
    'c = model.compile\nc(loss={"b_out": "mse", "a_oot": "mae"})\n',
    'getattr(model, "compile")(loss={"b_out": "mse", "a_oot": "mae"})\n',
    'import functools\nfunctools.partial(model.compile, loss={"b_out": "mse", "a_oot": "mae"})()\n',
    'def fit(x):\n    return x\nfit(model)\n',
])
def test_forms_the_analysis_does_not_record_are_skipped(text: str) -> None:
    source = KERAS_MODEL + text
    assert has_candidate(source)
    assert not holds_candidate_call(source)
    assert without_precheck(source).diagnostics == ()
    assert lint_source(source) == LintResult()


@pytest.mark.parametrize("text", [
    "@model.fit(x, y)\ndef train():\n    pass\n",  # ast places the def after its decorators
    "class Trainer:\n    @staticmethod\n    @model.fit(x, y)\n    def step():\n        pass\n",
    'report = f"""\n{model.fit(x, y)}\n"""\n',  # positions inside f-strings are not trusted
    "(model\n  .  # the dot on its own line\n  compile)(loss={})\n",
    "model.\\\ncompile(loss={})\n",
])
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_calls_are_found_on_whatever_line_their_attribute_starts(text: str, newline: str) -> None:
    source = (KERAS_MODEL + "x = y = None\n" + text).replace("\n", newline)
    assert holds_candidate_call(source)
    assert not holds_candidate_call(source.replace("fit", "fix").replace("compile", "compose"))


def test_a_klo_noqa_comment_keeps_the_file_analysed() -> None:
    source = KERAS_MODEL + "model.compile()  # noqa: KLO101\n"
    assert holds_candidate_call(source)
    assert [d.code for d in lint_source(source).diagnostics] == ["KLO900"]


def test_flakes8s_tree_is_used_instead_of_parsing_again() -> None:
    source = KERAS_MODEL + FINDING_CALL
    assert not holds_candidate_call(source, ast.parse(KERAS_MODEL))  # the tree decides, not the text
    assert holds_candidate_call(source, ast.parse(source))
    assert lint_source(source, tree=ast.parse(KERAS_MODEL)) == LintResult()


@pytest.mark.parametrize("broken", [
    "model.compile(loss={\n",
    "model.fit(x)\n\0\n",
    "x = (" * 300 + ")" * 300 + "  # then fit\n",
    "# no call of a recorded method anywhere, the word fit only\nx = (\n",
])
def test_a_file_ast_rejects_still_gets_its_error(broken: str) -> None:
    """As before the syntactic check: the words let it through, and LibCST's parser reports."""
    source = "import keras\n" + broken
    assert has_candidate(source) and holds_candidate_call(source)
    assert lint_source(source).error is not None


def test_cli_reports_a_syntax_error_as_before(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("import keras\nmodel.compile(loss={\n")
    (tmp_path / "docs.py").write_text('import keras\n"""model.compile(loss={"a": 1})"""\n')
    result = subprocess.run(
        [sys.executable, "-m", "keras_loss_lint.faces.cli", "check", "--no-cache", "."],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )
    output = result.stdout + result.stderr
    assert "broken.py:2:20: SyntaxError: '{' was never closed" in output
    assert "docs.py" not in output
    assert result.returncode != 0 and "Traceback" not in result.stderr


# ------------------------------------------------------------------------ generated programs

RECEIVER = re.compile(r"\b(\w+)\.(compile|fit|evaluate|train_on_batch|test_on_batch|predict)\(")
COMPILE = re.compile(r"\b(\w+)\.compile\(")
REWRITES = {
    "as written": lambda text: text,
    "no arguments": lambda text: RECEIVER.sub(r"\1.\2(); _unused = dict(", text),
    "getattr": lambda text: RECEIVER.sub(r'getattr(\1, "\2")(', text),
    "alias": lambda text: RECEIVER.sub(r"(lambda method: method)(\1.\2)(", text),
    "parenthesised": lambda text: RECEIVER.sub(r"(\1).\2(", text),
    "in a function": lambda text: "def run():\n" + "".join("    " + line for line in text.splitlines(True)) + "run()\n",
    "unrelated receiver": lambda text: RECEIVER.sub(r"re_module.\2(", text),
    "a noqa comment": lambda text: text + "x = 1  # noqa: KLO101\n",
    # Only the label calls are left for the check to find (compile goes unrecorded through getattr).
    "compile unrecorded": lambda text: COMPILE.sub(r'getattr(\1, "compile")(', text),
    "compile unrecorded, positional labels": lambda text: COMPILE.sub(r'getattr(\1, "compile")(', text)
    .replace("y=", "").replace("sample_weight=", "None, None, None, "),
}


@robust_settings()
@given(programs(), styles, st.sampled_from(sorted(REWRITES)))
def test_generated_programs_lint_alike_with_and_without_precheck(program, style, rewrite: str) -> None:
    source = REWRITES[rewrite](render(program, style))
    assert_same_as_without_precheck(source)
    if rewrite == "as written":
        assert holds_candidate_call(source)


@robust_settings(scale=2)
@given(programs().filter(lambda program: program.fits), styles, st.booleans())
def test_programs_whose_only_recorded_calls_pass_labels_lint_alike(program, style, positional: bool) -> None:
    """The compile calls go unrecorded: what is found comes from fit/evaluate/*_on_batch alone."""
    source = REWRITES["compile unrecorded, positional labels" if positional else "compile unrecorded"](
        render(program, style)
    )
    assert_same_as_without_precheck(source)


def test_a_comment_full_of_hashes_after_a_dot_is_read_in_linear_time() -> None:
    # A pattern that matched the dot, then blanks and comments, then the name backtracked
    # exponentially on this line (the standard library's datetime.py has such lines); in a child
    # process, so that a regression fails instead of hanging the suite.
    import subprocess
    import sys

    source = "import keras\nx = 1.  # " + "#" * 40 + "\nmodel.fit(x)\n"
    script = "import sys; from keras_loss_lint.core.ast_precheck import holds_candidate_call as h; " \
        "print(h(sys.stdin.read()))"
    run = subprocess.run([sys.executable, "-c", script], input=source, capture_output=True, text=True, timeout=60)
    assert run.stdout.strip() == "True", run.stderr
