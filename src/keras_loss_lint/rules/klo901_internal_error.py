"""## What it does
Reports that keras-loss-lint itself failed while checking this file: one rule, or the fix one rule
offers, raised an exception. The message names the rule and the exception.

## Why is this bad?
The failing rule (or fix) could not say whether this file has the problem it looks for. Every other
rule still ran and its findings are reported as usual: one broken rule never costs a file's other
findings. The diagnostic sits on the first line of the file.

## Example
```text
train.py:1:1: KLO901 internal error: rule KLO201 (dict-loss-sorted-order) failed: TypeError: ...
```

## Use instead
Nothing in the code needs to change. Please report the message with the smallest file that
reproduces it; until it is fixed, `ignore = ["KLO901"]` (or `--ignore KLO901`) hides it.
"""

from __future__ import annotations

from typing import Iterator

from keras_loss_lint.rules.base import Report, RuleContext, define_rule

CODE = "KLO901"


def check(context: RuleContext) -> Iterator[Report]:
    """The core reports internal errors itself; this rule only carries the code and its documentation."""
    return iter(())


RULE = define_rule(
    CODE,
    "internal-error",
    "keras-loss-lint failed on one rule or fix; the other findings are unaffected",
    "",
    check,
)
