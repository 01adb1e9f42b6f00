"""## What it does
Checks that every key of a dict `metrics` or `weighted_metrics` names one of the model's outputs.

## Why is this bad?
Keras raises `ValueError: In the dict argument metrics, key ... does not correspond to any model output`
at the first `fit()`; Keras 3.14.0 and later single-output models silently ignore the key instead. The
usual cause is a key spelled after the Python variable rather than the output layer's `name=`.

## Example
```python
model.compile(loss=["mse", "bce"], metrics={"score_out": ["mae"], "label": ["accuracy"]})
```

## Use instead
```python
model.compile(loss=["mse", "bce"], metrics={"score": ["mae"], "label": ["accuracy"]})
```

## Fix safety
Renaming the key to the single close output name is unsafe. It is offered only when the dict with the
key renamed does what it says on every targeted release, as the semantics model judges it: not where the
renamed dict would still be matched in sorted key order, or would still leave an output out on a release
that raises for that.
"""

from __future__ import annotations

from typing import Iterator

from keras_loss_lint.core.diagnostics import Applicability
from keras_loss_lint.rules.base import Report, RuleContext, define_rule
from keras_loss_lint.rules.keys import report_wrong_keys


def check(context: RuleContext) -> Iterator[Report]:
    yield from report_wrong_keys(context, RULE, context.facts.compiles(), ("metrics", "weighted_metrics"))


RULE = define_rule(
    "KLO103", "metrics-key-not-an-output", "A `metrics` dict key is not an output name", "", check,
    Applicability.UNSAFE,
)
