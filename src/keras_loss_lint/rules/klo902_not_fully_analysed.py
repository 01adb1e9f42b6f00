"""## What it does
Reports that keras-loss-lint could not check the whole file: its analysis reached the file's limit
(a number of steps, `analysis-time-limit` = 1.5 s of CPU time, or `analysis-memory-limit` = 150 MB of
memory beyond the parsed file), or the file is larger than `max-file-size` (64 KB of UTF-8; a
notebook: its code cells), which the linter does not parse at all (one without any call a rule could
report on is passed over without it). The message says which limit; the
diagnostic sits on the first line of the file, at most once per file.

## Why is this bad?
What was found before the limit is reported as usual, but the code after it was not checked: a file
with this diagnostic and no other finding is not known to be clean. Real training scripts stay far
below every limit; generated code or code built to be slow to analyse (a list that contains itself
thirty times over, a dict doubled two thousand times) reaches them.

## Example
```text
train.py:1:1: KLO902 not fully analysed: the analysis used up its time limit (1.5 s of CPU time); what
comes after was not checked
```

## Use instead
Nothing in the code needs to change. Raising the limit in the configuration (`max-file-size = "256KB"`
under `[tool.keras-loss-lint]`, or `--max-file-size`) checks a larger file, at about 20 ms and 2 MB per
KB of the densest source. Splitting a very large module, or moving generated code out of the files that
build and compile models, lets the linter check all of it. For a file that is meant to stay as it is,
`per-file-ignores = {"generated/*.py" = ["KLO902"]}` or a `# ruff: noqa: KLO902` line at the top of the
file silences this notice (the findings before the limit are still reported).
"""

from __future__ import annotations

from typing import Iterator

from keras_loss_lint.rules.base import Report, RuleContext, define_rule

CODE = "KLO902"


def check(context: RuleContext) -> Iterator[Report]:
    """The core watches the limits itself; this rule only carries the code and its documentation."""
    return iter(())


RULE = define_rule(
    CODE,
    "not-fully-analysed",
    "The file reached an analysis limit (steps, time, memory or size); the code after it was not checked",
    "",
    check,
)
