"""A file whose analysis reaches a limit is reported as not fully analysed (KLO902) by every face, with
what was found before the limit; never silently clean, and never at the cost of the other files.

The limits are the step budget, the per-file CPU-time and memory ceiling, and the size limit. The CLI
and flake8 run as the user runs them (subprocesses); the ceiling's time and memory checks are driven
in process with limits small enough to be reached at once.
"""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest
from robust_helpers import KLO201_SOURCE, assert_no_traceback, run_cli, run_flake8

from keras_loss_lint.analysis import base
from keras_loss_lint.core.lint import MAX_ANALYSED_CHARACTERS, lint_source
from keras_loss_lint.project.settings import Limits, Settings

QUICK = 120  # seconds: far above what these take, far below a hang
# Two million layer calls in nested loops over known ranges: far past the step budget (and two seconds).
ENDLESS = textwrap.dedent("""\
    for a in range(128):
        for b in range(128):
            for c in range(128):
                head = layers.Dense(1, name="x")(inp)
    """)
CUT_SHORT = KLO201_SOURCE + ENDLESS
UNLIMITED = Limits(seconds=None, memory_mb=None)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "train.py").write_text(CUT_SHORT, encoding="utf-8")
    (tmp_path / "clean.py").write_text(KLO201_SOURCE, encoding="utf-8")
    return tmp_path


def test_the_cli_reports_a_file_cut_short_with_what_it_found_before(project: Path) -> None:
    arguments = ("check", "--no-cache", "--output-format", "concise", "train.py", "clean.py")
    result = run_cli(project, *arguments, timeout=QUICK)
    assert_no_traceback(result)
    assert result.code == 1, result.output
    lines = result.out.splitlines()
    assert any(line.startswith("train.py:1:1: KLO902 not fully analysed:") for line in lines), result.output
    assert any(line.startswith("train.py:7:38: KLO201") for line in lines), result.output
    assert any(line.startswith("clean.py:7:38: KLO201") for line in lines), result.output
    assert not any(line.startswith("clean.py:1:1: KLO902") for line in lines), result.output


def test_the_json_output_carries_it_as_a_diagnostic(project: Path) -> None:
    result = run_cli(project, "check", "--no-cache", "--output-format", "json", "train.py", timeout=QUICK)
    assert_no_traceback(result)
    codes = [(item["code"], item["location"]["row"]) for item in json.loads(result.out)]
    assert ("KLO902", 1) in codes and ("KLO201", 7) in codes, codes


def test_it_can_be_ignored_like_any_code(project: Path) -> None:
    result = run_cli(project, "check", "--no-cache", "--output-format", "concise", "--ignore", "KLO902", "train.py")
    assert_no_traceback(result)
    assert "KLO902" not in result.out and "train.py:7:38: KLO201" in result.out, result.output


def test_flake8_reports_a_file_cut_short(project: Path) -> None:
    result = run_flake8(project, "--select", "KLO", "train.py", timeout=QUICK)
    assert_no_traceback(result)
    assert "train.py:1:1: KLO902 not fully analysed:" in result.out, result.output
    assert "train.py:7:38: KLO201" in result.out, result.output


def test_flake8_reports_a_file_too_large_to_analyse(tmp_path: Path) -> None:
    filler = "value = 1\n" * (MAX_ANALYSED_CHARACTERS // 10 + 1)
    (tmp_path / "big.py").write_text(KLO201_SOURCE + filler, encoding="utf-8")
    result = run_flake8(tmp_path, "--select", "KLO", "big.py", timeout=QUICK)
    assert_no_traceback(result)
    assert "big.py:1:1: KLO902 not analysed: too large to analyse" in result.out, result.output


def test_a_file_level_directive_silences_it_on_a_file_too_large_to_parse() -> None:
    filler = "value = 1\n" * (MAX_ANALYSED_CHARACTERS // 10 + 1)
    result = lint_source("# ruff: noqa: KLO902\n" + KLO201_SOURCE + filler, project=False)
    assert result.partial is not None and not result.diagnostics


def test_the_step_budget_alone_cuts_the_analysis_short() -> None:
    result = lint_source(CUT_SHORT, settings=Settings(limits=UNLIMITED), project=False)
    assert [(d.code, d.line) for d in result.diagnostics] == [("KLO902", 1), ("KLO201", 7)]
    assert result.partial == base.ANALYSIS_CUT_SHORT


def test_the_time_limit_cuts_the_analysis_short() -> None:
    result = lint_source(CUT_SHORT, settings=Settings(limits=Limits(seconds=0.05, memory_mb=None)), project=False)
    assert result.partial is not None and "time limit (0.05 s of CPU time)" in result.partial
    assert [d.code for d in result.diagnostics] == ["KLO902", "KLO201"]


def test_the_memory_limit_cuts_the_analysis_short(monkeypatch: pytest.MonkeyPatch) -> None:
    grown = iter(range(0, 10**12, 10 * base.MB))  # the resident set grows 10 MB between two looks
    monkeypatch.setattr(base, "resident_bytes", lambda: next(grown))
    result = lint_source(CUT_SHORT, settings=Settings(limits=Limits(seconds=None, memory_mb=50)), project=False)
    assert result.partial is not None and "memory limit of 50 MB" in result.partial
    assert [d.code for d in result.diagnostics] == ["KLO902", "KLO201"]


def test_a_file_within_every_limit_is_not_reported() -> None:
    result = lint_source(KLO201_SOURCE, project=False)
    assert [d.code for d in result.diagnostics] == ["KLO201"] and result.partial is None


def test_a_ceiling_once_passed_stops_every_later_interpreter() -> None:
    """Imported project modules are run by interpreters of their own: they share the file's ceiling."""
    ceiling = base.Ceiling(seconds=0.0, memory_mb=None)
    assert ceiling.passed() and ceiling.passed()  # sticky, with the first reason
    with base.ceiling_applied(ceiling):
        evaluator = base.EvaluatorBase()
        evaluator.budget = 10**9
        with pytest.raises(base.BudgetExceeded):
            evaluator.tick()


def test_the_language_server_publishes_it_with_the_findings_before(tmp_path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lsp"))
    from raw_client import RawClient

    client = RawClient(tmp_path)
    try:
        client.initialize({"timeLimitMs": 60_000})  # the worker's own wall-clock limit is not what is tested
        uri = (tmp_path / "train.py").as_uri()
        client.open(uri, CUT_SHORT)
        published = client.diagnostics(uri)
    finally:
        client.close()
    found = [(item.get("code"), item["range"]["start"]["line"]) for item in published]
    assert ("KLO902", 0) in found and ("KLO201", 6) in found, published
