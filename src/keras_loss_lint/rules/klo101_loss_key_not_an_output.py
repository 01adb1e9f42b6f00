"""## What it does
Checks that every key of a dict `loss` passed to `compile()` is the name of one of the model's outputs.

## Why is this bad?
Keras matches a loss dict to outputs by the *name of the layer* that produces each output, not by the
Python variable that holds the tensor. A key that names no output makes Keras raise at the first
`fit()` (`ValueError` on 3.0-3.4 and 3.7+, `KeyError` on 3.5-3.6), long after `compile()` succeeded.

## Example
```python
priority = layers.Dense(1, name="priority_head")(x)
model = keras.Model(inputs, [priority, department])
model.compile(loss={"priority": "mse", "department_head": "categorical_crossentropy"})
```

## Use instead
```python
model.compile(loss={"priority_head": "mse", "department_head": "categorical_crossentropy"})
```

## Fix safety
When exactly one output name is close to the key, the key can be renamed to it. The fix is unsafe: the
close name may not be the output the loss was meant for. It is offered only when the dict with the key
renamed does what it says on every targeted release, as the semantics model judges it: not where the
renamed dict would still be matched in sorted key order, or would still leave an output out on a release
that raises for that.
"""

from __future__ import annotations

from typing import Iterator

from keras_loss_lint.core.diagnostics import Applicability
from keras_loss_lint.rules.base import Report, RuleContext, define_rule
from keras_loss_lint.rules.keys import report_wrong_keys


def check(context: RuleContext) -> Iterator[Report]:
    yield from report_wrong_keys(context, RULE, context.facts.compiles(), ("loss",))


RULE = define_rule(
    "KLO101", "loss-key-not-an-output", "A `loss` dict key is not an output name", "", check,
    Applicability.UNSAFE,
)
