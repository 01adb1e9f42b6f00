"""The small hostile inputs of benchmarks/worst_case.py, and others like them, through the core: each
is analysed within seconds of CPU time, and the README's miswired compile after it is still found
(or, past a limit, the file says it was not fully analysed and keeps what came before).

The large inputs are bounded by the size limit, which must turn them away before anything costly:
LibCST's parse cannot be interrupted, and a notebook's cells cost time to prepare. Those tests make
the parse (or the preparation) fail loudly, so they prove it never runs, whatever the machine's speed."""

from __future__ import annotations

import ast
import sys
import time
from pathlib import Path
from typing import Callable, NoReturn

import pytest
from robust_helpers import KLO201_SOURCE, assert_no_traceback, run_flake8

from keras_loss_lint.core import lint
from keras_loss_lint.core.lint import lint_source
from keras_loss_lint.faces import notebook as notebook_module
from keras_loss_lint.faces.notebook import NotebookError, parse_notebook
from keras_loss_lint.project import settings as settings_module
from keras_loss_lint.project.settings import Limits, Settings

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import worst_case  # noqa: E402 - benchmarks/ is not a package

# Far above what each takes (a fraction of a second), far below what they took unbounded (tens of
# seconds, gigabytes): the ceiling itself is 2 s of CPU time.
CPU_SECONDS = 6.0
# The large ones are bounded by their parse, not by the analysis: the benchmark measures them.
LARGE = ("many-compiles", "quarter-megabyte", "large-file", "large-notebook")
LARGE += ("compiles-at-limit", "builders-at-limit", "dense-at-limit", "cells-at-limit")
SMALL_CASES = [case for case in worst_case.CASES if case.name not in LARGE]


def _around(body: str) -> str:
    return KLO201_SOURCE + body + KLO201_SOURCE.replace("model", "second_model")


MORE: dict[str, str] = {
    # A mutation walked every copy the list held: minutes of uncharged work (now bounded, and charged).
    "self-copying list": "l = []\nfor i in range(128):\n    for j in range(128):\n        l.append(l[:])\n",
    # Python refuses to convert the literal: the file's findings were lost to an exception.
    "integer beyond the int-string limit": "x = 1" + "0" * 5000 + "\ny = str(x)\n",
    "inf to int, zero step, huge zfill": "x = int(float('inf'))\ny = 'abc'[::0]\nz = 'x'.zfill(10**11)\n",
    "list holding itself": "a = []\nfor i in range(128):\n    a.append(a)\n    a.append([a, a])\n",
}


def _checked(source: str) -> tuple[float, list[tuple[str, int]]]:
    start = time.process_time()
    result = lint_source(source, project=False)
    return time.process_time() - start, [(d.code, d.line) for d in result.diagnostics]


def _assert_bounded_and_found(spent: float, found: list[tuple[str, int]]) -> None:
    assert spent < CPU_SECONDS, f"{spent:.1f} s of CPU time"
    assert ("KLO201", 7) in found, found  # before the hostile code: found whatever the limits
    cut_short = ("KLO902", 1) in found
    assert cut_short or len([code for code, _ in found if code == "KLO201"]) == 2, found


@pytest.mark.parametrize("case", SMALL_CASES, ids=lambda case: case.name)
def test_benchmark_input_is_bounded(case: worst_case.Case) -> None:
    spent, found = _checked(case.build())
    assert spent < CPU_SECONDS, f"{spent:.1f} s of CPU time"
    assert "KLO201" in [code for code, _ in found], found  # the miswired compile after the hostile code


@pytest.mark.parametrize("name", sorted(MORE))
def test_hostile_values_are_bounded(name: str) -> None:
    _assert_bounded_and_found(*_checked(_around(MORE[name])))


def test_the_benchmark_builders_make_what_they_say() -> None:
    builders: dict[str, Callable[[], str]] = {case.name: case.build for case in worst_case.CASES}
    assert builders["dict-doubling"]().count("d = {**d, **d}") == 2000
    assert builders["many-compiles"]().count(".compile(") == 10_001
    assert 1_850_000 < len(builders["large-file"]()) < 1_950_000
    limit = settings_module.DEFAULT_MAX_FILE_SIZE
    for name in ("compiles-at-limit", "builders-at-limit", "dense-at-limit"):
        assert limit - 1_000 < len(builders[name]()) <= limit, name
    cells = parse_notebook(builders["cells-at-limit"](), Limits())
    assert limit - 1_000 < len(cells.source) <= limit and len(cells.cells) > 60_000


class Parsed(Exception):
    """Raised by a parse (or a preparation) that the size limit should have kept from running."""


def _never(*args: object, **kwargs: object) -> NoReturn:
    raise Parsed("the size limit let this through to a costly step")


@pytest.fixture
def no_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lint.cst, "parse_module", _never)


@pytest.mark.parametrize("name", ["many-compiles", "quarter-megabyte", "large-file"])
def test_the_large_benchmark_inputs_are_refused_unparsed(no_parse: None, name: str) -> None:
    source = next(case for case in worst_case.CASES if case.name == name).build()
    assert len(source) > settings_module.DEFAULT_MAX_FILE_SIZE
    result = lint_source(source, "large.py", project=False)
    assert result.error is None and result.partial is not None and result.partial.startswith("too large")
    assert [(d.code, d.line) for d in result.diagnostics] == [("KLO902", 1)]


def test_a_file_just_above_the_configured_limit_is_refused_unparsed(no_parse: None) -> None:
    source = KLO201_SOURCE + "#" * (1024 - len(KLO201_SOURCE) - 1) + "\n"
    assert len(source) == 1024
    fits = Settings(limits=Limits(max_file_size=1024))
    with pytest.raises(Parsed):  # at the limit it is parsed
        lint_source(source, "train.py", fits, project=False)
    result = lint_source(source + "\n", "train.py", Settings(limits=Limits(max_file_size=1024)), project=False)
    assert result.partial == "too large to analyse (1,025 bytes; max-file-size is 1,024 bytes)"
    assert [(d.code, d.message) for d in result.diagnostics] == [("KLO902", f"not analysed: {result.partial}")]


def test_the_limit_counts_bytes_not_characters(no_parse: None) -> None:
    source = KLO201_SOURCE + "# " + "\u00e9" * 600 + "\n"  # fewer characters than the limit, more bytes
    assert len(source) < 1024 < len(source.encode("utf-8"))
    result = lint_source(source, "train.py", Settings(limits=Limits(max_file_size=1024)), project=False)
    assert result.partial == "too large to analyse (1.5 KB; max-file-size is 1 KB)"


def test_a_raised_limit_lets_a_large_file_be_analysed() -> None:
    source = KLO201_SOURCE + "value = 1\n" * (settings_module.DEFAULT_MAX_FILE_SIZE // 10)
    assert lint_source(source, "train.py", project=False).partial is not None
    raised = Settings(limits=Limits(max_file_size=2 * settings_module.DEFAULT_MAX_FILE_SIZE))
    result = lint_source(source, "train.py", raised, project=False)
    assert result.error is None and ("KLO201", 7) in [(d.code, d.line) for d in result.diagnostics]


def test_a_notebook_too_large_is_refused_before_its_cells_are_prepared(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(notebook_module, "transform_cell", _never)
    text = worst_case.large_notebook()  # 100,000 cells: preparing them took seconds before the refusal
    with pytest.raises(NotebookError, match=r"^too large to analyse \(2 MB; max-file-size is 64 KB\)$"):
        parse_notebook(text, Limits())


def test_a_notebook_counts_its_cells_as_the_module_joins_them(monkeypatch: pytest.MonkeyPatch) -> None:
    # Empty cells: each costs a line of the module, and time to prepare.
    text = worst_case.empty_cells(2_048)
    notebook = parse_notebook(text)
    limit = len(notebook.source.encode("utf-8"))
    assert parse_notebook(text, Limits(max_file_size=limit)).source == notebook.source
    monkeypatch.setattr(notebook_module, "transform_cell", _never)
    with pytest.raises(NotebookError, match="^too large to analyse"):
        parse_notebook(text, Limits(max_file_size=limit - 1))


def test_flake8_does_not_walk_or_parse_a_file_above_its_limit(no_parse: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from keras_loss_lint.core import precheck
    from keras_loss_lint.faces import flake8_plugin

    # More than PRECHECK_FACTOR times the limit: flake8's tree is not even walked.
    monkeypatch.setattr(precheck, "holds_candidate_call", _never)
    monkeypatch.setattr(flake8_plugin.KerasLossLintPlugin, "limits", {"max_file_size": 16})
    assert len(KLO201_SOURCE) > lint.PRECHECK_FACTOR * 16
    lines = KLO201_SOURCE.splitlines(keepends=True)
    plugin = flake8_plugin.KerasLossLintPlugin(ast.parse(KLO201_SOURCE), lines, "-")
    found = [message for _, _, message, _ in plugin.run()]
    size = len(KLO201_SOURCE)
    assert found == [f"KLO902 not analysed: too large to analyse ({size} bytes; max-file-size is 16 bytes)"]


def test_a_large_file_without_a_candidate_call_is_passed_over_not_refused(no_parse: None) -> None:
    """Above the limit, up to PRECHECK_FACTOR times it, the `ast` pre-check still runs: a large
    module that only mentions Keras and `.fit` words is passed over like a small one."""
    source = "import keras\n# model.fit is documented elsewhere\n" + "value = 1\n" * 200
    limits = Limits(max_file_size=1024)
    assert len(source) > 1024
    assert lint_source(source, "utils.py", Settings(limits=limits), project=False) == lint_source(
        "import keras\n", "utils.py", project=False
    )
    huge = Limits(max_file_size=len(source) // (lint.PRECHECK_FACTOR + 1))
    assert [d.code for d in lint_source(source, "utils.py", Settings(limits=huge), project=False).diagnostics] == [
        "KLO902"
    ]


def test_flake8_takes_the_limits_as_its_options_and_refuses_bad_values(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(KLO201_SOURCE, encoding="utf-8")
    size = len(KLO201_SOURCE.encode())
    limited = run_flake8(tmp_path, "--select", "KLO", "--keras-max-file-size", "256B", "train.py")
    assert_no_traceback(limited)
    expected = f"train.py:1:1: KLO902 not analysed: too large to analyse ({size} bytes; max-file-size is 256 bytes)"
    assert limited.out == expected + "\n", limited.output
    bad = run_flake8(tmp_path, "--select", "KLO", "--keras-analysis-time-limit=-3", "train.py")
    assert bad.code == 2 and "Traceback" not in bad.err
    assert bad.err.endswith(
        "flake8: error: --keras-analysis-time-limit: expected a positive number of seconds (e.g. 2 or 0.5), got '-3'\n"
    ), bad.err
