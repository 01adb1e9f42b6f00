"""## What it does
Finds a dict `y` (labels) or `sample_weight` passed to `fit()`, `evaluate()`, `train_on_batch()` or
`test_on_batch()` for a Functional model whose list or tuple outputs have unsorted names.

## Why is this bad?
Keras 3.5.0 and 3.6.0 flatten a label dict in sorted key order and pair it with the predictions in
output order, with any form of `loss`: each output is scored against another output's labels
(keras-team/keras#20346). It trains silently when the shapes agree.

## Example
```python
model = keras.Model(inputs, [out_d, out_c])  # named "output_d", "output_c"
model.fit(x, {"output_d": y_d, "output_c": y_c})
```

## Use instead
```python
model.fit(x, [y_d, y_c])  # labels in output order
```
"""

from __future__ import annotations

from typing import Iterator

from keras_loss_lint.analysis.facts import Mapping
from keras_loss_lint.rules.base import Report, RuleContext, define_rule
from keras_loss_lint.rules.common import LABEL_LIKE, describe_pairings, named_flat_outputs, on_versions, unsorted_names


def check(context: RuleContext) -> Iterator[Report]:
    versions = context.affected(RULE)
    for call in context.facts.label_calls():
        found = named_flat_outputs(call)
        if found is None or not unsorted_names(found[2]):
            continue
        names = found[2]
        for argument_name in LABEL_LIKE:
            argument = call.argument(argument_name)
            if argument is None or not isinstance(argument.value, Mapping):
                continue
            keys = argument.value.keys()
            if set(keys) != set(names) or len(keys) != len(names):
                continue
            pairings = describe_pairings(names, sorted(names), names, f"`{argument_name}` entry")
            message = (
                f"on {on_versions(versions)} {pairings}: a dict `{argument_name}` is paired with list "
                "outputs in sorted key order; pass a list in output order"
            )
            yield Report(RULE.code, argument.node, message)


RULE = define_rule(
    "KLO203", "dict-labels-sorted-order",
    "A dict `y`/`sample_weight` on list outputs is mis-paired on Keras 3.5.0-3.6.0", ">=3.5,<3.7", check,
)
