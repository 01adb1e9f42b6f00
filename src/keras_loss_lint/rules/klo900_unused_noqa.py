"""## What it does
Finds `# noqa` comments that name a keras-loss-lint code (`KLO...`) which reports nothing on that
line, like ruff's RUF100 does for ruff's own codes. Codes of other tools (`E501`, `F401`) are left
alone, and so is a bare `# noqa`, which may be there for another tool.

## Why is this bad?
A stale `# noqa: KLO201` hides the next real finding on that line: after the model is fixed, a later
edit that reintroduces the mis-wired loss goes unreported.

## Example
```python
model.compile(loss=["mse", "mae"])  # noqa: KLO201
```

## Use instead
```python
model.compile(loss=["mse", "mae"])
```

## Fix safety
Safe: the fix removes the unused codes from the comment, or the whole directive when none is left;
other codes and any text after the directive stay.
"""

from __future__ import annotations

from typing import Iterator

from keras_loss_lint.core.diagnostics import Applicability
from keras_loss_lint.rules.base import Report, RuleContext, define_rule

CODE = "KLO900"


def check(context: RuleContext) -> Iterator[Report]:
    """The core reads `# noqa` comments itself (rules never parse source); this carries code and docs."""
    return iter(())


RULE = define_rule(
    CODE,
    "unused-noqa",
    "A `# noqa` comment names a KLO code that reports nothing on its line",
    "",
    check,
    Applicability.SAFE,
)
