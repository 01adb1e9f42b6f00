"""## What it does
Checks the keys of a dict `y` (labels) or `sample_weight` given to `fit()`, `evaluate()`,
`train_on_batch()` or `test_on_batch()` against the model's output names.

## Why is this bad?
Labels are matched to outputs by name. A key that names no output is dropped or makes Keras fail with a
confusing error (`KeyError`, `TypeError: Expected float32, but got <key> of type 'str'`, or
`No loss to compute`), depending on the release.

## Example
```python
model = keras.Model(inputs, [layers.Dense(1, name="price")(x), layers.Dense(3, name="kind")(x)])
model.fit(x_train, {"price_out": y_price, "kind": y_kind})
```

## Use instead
```python
model.fit(x_train, {"price": y_price, "kind": y_kind})
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
from keras_loss_lint.rules.common import LABEL_LIKE
from keras_loss_lint.rules.keys import report_wrong_keys


def check(context: RuleContext) -> Iterator[Report]:
    yield from report_wrong_keys(context, RULE, context.facts.label_calls(), LABEL_LIKE)


RULE = define_rule(
    "KLO109", "label-key-not-an-output", "A dict `y` or `sample_weight` key is not an output name", "",
    check, Applicability.UNSAFE,
)
