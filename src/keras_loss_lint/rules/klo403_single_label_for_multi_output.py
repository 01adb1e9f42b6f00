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

from typing import Iterator, Optional

from keras_loss_lint.analysis.facts import Array, ModelFacts
from keras_loss_lint.keras.judgement import KERAS_2_NAME, Aspect, judge
from keras_loss_lint.keras.scenario import ArgSpec, OutputsSpec, Scenario
from keras_loss_lint.rules.base import Affects, Report, RuleContext, define_rule
from keras_loss_lint.rules.common import arg_spec, model_label
from keras_loss_lint.rules.phrasing import effects, outputs_spec

ASPECTS: tuple[Aspect, ...] = ("loss",)


def check(context: RuleContext) -> Iterator[Report]:
    versions = context.affected(RULE)
    for call in context.facts.label_calls():
        model = call.model
        argument = call.argument("y")
        if model is None or argument is None or not isinstance(argument.value, Array):
            continue
        if model.kind != "functional" or model.outputs.count < 2:
            continue
        outputs = outputs_spec(model)
        if outputs is None:
            continue
        # Which outputs have a loss decides where one label array goes (keras-team/keras#20477).
        scenario = Scenario(outputs, loss=_compiled_loss(context, model) or ArgSpec.single(), y=ArgSpec.single())
        judged = judge(versions, scenario, ASPECTS)
        if not judged.misbehaving():
            continue
        message = (
            f"one label array for {model_label(call)} with {model.outputs.count} outputs: {KERAS_2_NAME} "
            f"broadcast it, but {'; '.join(effects(judged, ASPECTS))}; pass one label array per output"
        )
        yield Report(RULE.code, argument.node, message, None, judged.misbehaving(), judged)


def _compiled_loss(context: RuleContext, model: ModelFacts) -> Optional[ArgSpec]:
    for compile_call in context.facts.calls_on(model, "compile"):
        loss = compile_call.argument("loss")
        if loss is not None:
            return arg_spec(loss.value)
    return None


_OUTPUTS = OutputsSpec("list", ("a", "b"))
AFFECTS = Affects.from_model((Scenario(_OUTPUTS, loss=ArgSpec.single(), y=ArgSpec.single()),), ASPECTS)
RULE = define_rule(
    "KLO403", "single-label-for-multi-output", "One label array for a multi-output model", AFFECTS, check,
)
