"""## What it does
Finds `fit()` (or `evaluate()`, `train_on_batch()`, `test_on_batch()`) given one label array for a
model with several outputs.

## Why is this bad?
Keras 2 used the same labels for every output. Keras 3.0-3.6 score only the *first* output and leave
the others without a loss, silently; 3.7 and later raise. (A loss list with a single non-`None` entry,
`loss=["mse", None]`, is the supported way to train one output with one label array: not reported.)

## Example
```python
model = keras.Model(inputs, [head_a, head_b])
model.fit(x, np.zeros((n, 1)))
```

## Use instead
```python
model.fit(x, [y, y])  # one label array per output
```
"""

from __future__ import annotations

from typing import Iterator

from keras_loss_lint.analysis.facts import NONE, Array, Seq
from keras_loss_lint.rules.base import Report, RuleContext, define_rule
from keras_loss_lint.rules.common import KERAS_3_0_TO_3_6, KERAS_3_7_ON, effects_by_era, model_label


def check(context: RuleContext) -> Iterator[Report]:
    versions = context.affected(RULE)
    for call in context.facts.label_calls():
        model = call.model
        argument = call.argument("y")
        if model is None or argument is None or not isinstance(argument.value, Array):
            continue
        if model.kind != "functional" or not model.outputs.all_known() or model.outputs.count < 2:
            continue
        if _trains_one_output(context, model):
            continue
        effects = effects_by_era(
            versions,
            [(KERAS_3_0_TO_3_6, "on {versions} only the first output is trained"), (KERAS_3_7_ON, "{versions_raise}")],
        )
        message = (
            f"one label array for {model_label(call)} with {model.outputs.count} outputs: Keras 2 broadcast "
            f"it, but {effects}; pass one label array per output"
        )
        yield Report(RULE.code, argument.node, message)


def _trains_one_output(context: RuleContext, model) -> bool:
    """`loss=[x, None]`: one label array is meant for the one output with a loss, and every release
    pairs it so (keras-team/keras#20477)."""
    for compile_call in context.facts.calls_on(model, "compile"):
        loss = compile_call.argument("loss")
        if loss is not None and isinstance(loss.value, Seq):
            if sum(1 for item in loss.value.items if item != NONE) == 1:
                return True
    return False


RULE = define_rule(
    "KLO403", "single-label-for-multi-output", "One label array for a multi-output model", ">=3", check,
)
