"""## What it does
Checks that every key of a dict `loss_weights` passed to `compile()` names one of the model's outputs.

## Why is this bad?
Keras 3.0-3.4 raise for an unknown key; 3.5 and later do not check the keys at all and pair the weights
with the losses by position or by the names they do find, so a misspelt key silently gives some output
the default weight (or another output's weight). Either way the weight you wrote is not the one used.

## Example
```python
model.compile(loss={"score": "mse", "label": "bce"}, loss_weights={"scores": 1.0, "label": 0.2})
```

## Use instead
```python
model.compile(loss={"score": "mse", "label": "bce"}, loss_weights={"score": 1.0, "label": 0.2})
```

## Fix safety
Renaming the key to the single close output name is unsafe: it states which output the weight is for. It
is offered only when the dict with the key renamed does what it says on every targeted release, as the
semantics model judges it: not where the renamed dict would still be matched in sorted key order, or
would still leave an output out on a release that raises for that.
"""

from __future__ import annotations

from typing import Iterator

from keras_loss_lint.core.diagnostics import Applicability
from keras_loss_lint.rules.base import Report, RuleContext, define_rule
from keras_loss_lint.rules.keys import report_wrong_keys


def check(context: RuleContext) -> Iterator[Report]:
    yield from report_wrong_keys(context, RULE, context.facts.compiles(), ("loss_weights",))


RULE = define_rule(
    "KLO102", "loss-weights-key-not-an-output", "A `loss_weights` dict key is not an output name", "",
    check, Applicability.UNSAFE,
)
