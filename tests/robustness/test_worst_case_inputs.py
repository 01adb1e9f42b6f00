"""The small hostile inputs of benchmarks/worst_case.py, and others like them, through the core: each
is analysed within seconds of CPU time, and the README's miswired compile after it is still found
(or, past a limit, the file says it was not fully analysed and keeps what came before)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Callable

import pytest
from robust_helpers import KLO201_SOURCE

from keras_loss_lint.core.lint import lint_source

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import worst_case  # noqa: E402 - benchmarks/ is not a package

# Far above what each takes (a fraction of a second), far below what they took unbounded (tens of
# seconds, gigabytes): the ceiling itself is 2 s of CPU time.
CPU_SECONDS = 6.0
# The large ones are bounded by their parse, not by the analysis: the benchmark measures them.
LARGE = ("many-compiles", "quarter-megabyte", "large-file", "large-notebook")
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
