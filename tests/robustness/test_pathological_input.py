"""Pathological sources through the core, each batch in a child process with a time limit.

Deep nesting and long chains are where a recursive parser, interpreter or code generator gives up.
The contract: `lint_source` returns (never raises, never hangs); and where Python itself accepts the
text, the deep expression must not stop the analysis of the rest of the module: the README's KLO201
example sits in the same file and must still be found.
"""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from typing import Callable

import pytest
from robust_helpers import KLO201_SOURCE

DEPTHS = (150, 199, 250, 400, 1000)
CHILD_TIMEOUT = 240  # for a whole batch of depths; a hang shows as subprocess.TimeoutExpired

SHAPES: dict[str, Callable[[int], str]] = {
    "parentheses": lambda n: "x = " + "(" * n + "1" + ")" * n,
    "nested_lists": lambda n: "x = " + "[" * n + "1" + "]" * n,
    "nested_dicts": lambda n: "x = " + "{'k': " * n + "1" + "}" * n,
    "nested_calls": lambda n: "x = " + "f(" * n + ")" * n,
    "nested_list_in_function": lambda n: "def f():\n    return " + "[" * n + "1" + "]" * n,
    "loss_dict_nested": lambda n: "model.compile(loss=" + "{'a': " * n + "1" + "}" * n + ")",
    "plus_chain": lambda n: "x = " + " + ".join(["a"] * n),
    "loss_list_sum": lambda n: "model.compile(loss=" + " + ".join(["['mse']"] * n) + ")",
    "attribute_chain": lambda n: "x = a" + ".b" * n,
    "call_chain": lambda n: "x = a" + "()" * n,
    "subscript_chain": lambda n: "x = a" + "[0]" * n,
    "not_chain": lambda n: "x = " + "not " * n + "a",
    "unary_minus_chain": lambda n: "x = " + "-" * n + "a",
    "lambda_chain": lambda n: "x = " + "lambda: " * n + "a",
    "conditional_chain": lambda n: "x = " + "a if b else " * n + "c",
    "implicit_string_concatenation": lambda n: "x = " + " ".join(["'a'"] * n),
    "comparison_chain": lambda n: "x = " + " < ".join(["a"] * n),
    "boolean_chain": lambda n: "x = " + " and ".join(["a"] * n),
}

# Known bugs when these tests were written; each marker goes when its bug is fixed (strict xfail).
# A text Python accepts, and a deep expression in it ends the analysis of the whole module (an error
# "too deeply nested to analyse" from facts/, or a RecursionError from positions.locate):
KNOWN_ANALYSIS_LOSS = {
    "plus_chain", "loss_list_sum", "attribute_chain", "call_chain", "subscript_chain", "not_chain",
    "unary_minus_chain", "conditional_chain", "implicit_string_concatenation",
    "boolean_chain",
}
# RecursionError escapes lint_source, from positions.locate (LibCST's recursive code generation), when a
# deep expression comes before a reported node (250 levels: beyond CPython's limit of 200 nested
# brackets, but LibCST parses it; `lambda: ` x 1000 is valid Python).
KNOWN_RAISES: set[str] = set()  # fixed: lint_source turns a RecursionError anywhere into an error result


def _known(shapes: set[str], reason: str) -> list[object]:
    return [
        pytest.param(shape, marks=pytest.mark.xfail(strict=True, reason=reason)) if shape in shapes else shape
        for shape in sorted(SHAPES)
    ]


CHILD = r"""
import json, sys
from keras_loss_lint.core.lint import lint_source
for source in json.load(sys.stdin):
    try:
        result = lint_source(source)
    except BaseException as error:  # report and go on with the next depth
        print(json.dumps({"raised": f"{type(error).__name__}: {error}"[:300]}), flush=True)
        continue
    print(json.dumps({"error": result.error, "codes": [d.code for d in result.diagnostics]}), flush=True)
"""


def lint_in_child(sources: list[str]) -> list[dict]:
    completed = subprocess.run(
        [sys.executable, "-c", CHILD],
        input=json.dumps(sources),
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    results = [json.loads(line) for line in completed.stdout.splitlines()]
    assert len(results) == len(sources), completed.stderr[-3000:]
    return results


def python_accepts(source: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(source, "<deep>", "exec")
        except (SyntaxError, RecursionError, MemoryError, ValueError):
            return False
    return True


CASES = [(depth, placement) for depth in DEPTHS for placement in ("before", "after")]


def _sources(shape: str) -> list[str]:
    """The deep expression before and after the finding: code generation for positions walks the
    module in order, so a deep expression before a reported node is the harder case."""
    sources = []
    for depth, placement in CASES:
        deep = SHAPES[shape](depth) + "\n"
        sources.append(deep + KLO201_SOURCE if placement == "before" else KLO201_SOURCE + deep)
    return sources


@pytest.mark.slow
@pytest.mark.parametrize(
    "shape", _known(KNOWN_RAISES, "RecursionError escapes lint_source from positions.locate")
)
def test_lint_source_returns_on_deep_input(shape: str) -> None:
    sources = _sources(shape)
    results = lint_in_child(sources)
    raised = [(case, r["raised"]) for case, r in zip(CASES, results) if "raised" in r]
    assert not raised, f"lint_source raised at depth(s): {raised}"


@pytest.mark.slow
@pytest.mark.parametrize(
    "shape", _known(KNOWN_ANALYSIS_LOSS, "a deep expression Python accepts leaves the whole module unanalysed")
)
def test_deep_valid_expression_does_not_hide_other_findings(shape: str) -> None:
    sources = _sources(shape)
    results = lint_in_child(sources)
    lost = [
        (case, result.get("error") or result.get("raised"))
        for case, source, result in zip(CASES, sources, results)
        if python_accepts(source) and "KLO201" not in result.get("codes", [])
    ]
    assert not lost, f"KLO201 not found next to a deep expression Python accepts: {lost}"
