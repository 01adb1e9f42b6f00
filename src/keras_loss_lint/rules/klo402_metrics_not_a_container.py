"""## What it does
Finds `metrics` or `weighted_metrics` given as a bare string or metric object.

## Why is this bad?
Keras 2 accepted `metrics="accuracy"`. Keras 3 raises at `compile()`: "Expected `metrics` argument to
be a list, tuple, or dict".

## Example
```python
model.compile(optimizer="adam", loss="mse", metrics="mae")
```

## Use instead
```python
model.compile(optimizer="adam", loss="mse", metrics=["mae"])
```
"""

from __future__ import annotations

from typing import Iterator

from keras_loss_lint.analysis.facts import CallFacts
from keras_loss_lint.rules.base import Report, RuleContext, define_rule
from keras_loss_lint.rules.common import is_single_value, raise_on


def check(context: RuleContext) -> Iterator[Report]:
    versions = context.affected(RULE)
    for call in context.facts.compiles():
        if not _is_keras_compile(call, context.facts.imports_keras):
            continue
        for name in ("metrics", "weighted_metrics"):
            argument = call.argument(name)
            if argument is not None and is_single_value(argument.value):
                message = (
                    f"`{name}` is a single value, not a list or dict: {raise_on(versions)} at "
                    f"compile(); write `{name}=[...]`"
                )
                yield Report(RULE.code, argument.node, message)


def _is_keras_compile(call: CallFacts, imports_keras: bool) -> bool:
    """A compile() on a known model, or one that looks like Keras's in a module importing Keras."""
    return call.model is not None or (imports_keras and "loss" in call.arguments and "optimizer" in call.arguments)


RULE = define_rule(
    "KLO402", "metrics-not-a-container", "`metrics` is a bare string or metric object", ">=3", check,
)
