"""## What it does
Finds a flat list of metrics (`metrics=["accuracy", "mae"]`) given to a model with several outputs.

## Why is this bad?
Keras 2 computed every metric of a flat list on every output. Keras 3 pairs entry *i* with output *i*:
when the lengths differ it raises at the first `fit()`, and when they match each output silently gets
only its one metric.

## Example
```python
model = keras.Model(inputs, [price, kind])
model.compile(loss=["mse", "categorical_crossentropy"], metrics=["mae", "accuracy"])
# Keras 3: price gets only mae, kind only accuracy
```

## Use instead
```python
model.compile(..., metrics={"price": ["mae"], "kind": ["accuracy"]})
```
"""

from __future__ import annotations

from typing import Iterator

from keras_loss_lint.analysis.facts import Seq
from keras_loss_lint.keras.judgement import KERAS_2_NAME, Aspect, Verdict, judge
from keras_loss_lint.keras.scenario import ArgSpec, Outcome, OutputsSpec, Scenario
from keras_loss_lint.rules.base import Affects, Report, RuleContext, define_rule
from keras_loss_lint.rules.common import counted, is_single_value, model_label, on_versions
from keras_loss_lint.rules.phrasing import outputs_spec, raised

ASPECTS: tuple[Aspect, ...] = ("metrics",)


def check(context: RuleContext) -> Iterator[Report]:
    versions = context.affected(RULE)
    for call in context.facts.compiles():
        model = call.model
        if model is None or model.kind != "functional" or model.outputs.kind not in ("list", "tuple", "dict"):
            continue
        outputs = outputs_spec(model)
        count = model.outputs.count
        if outputs is None or count < 2:
            continue
        for name in ("metrics", "weighted_metrics"):
            argument = call.argument(name)
            if argument is None or not isinstance(argument.value, Seq) or not argument.value.items:
                continue
            if not all(is_single_value(item) for item in argument.value.items):
                continue
            length = len(argument.value.items)
            if length == count and len(set(argument.value.items)) == 1:
                continue  # the same metric for every output means the same everywhere
            # Code written for Keras 2 means every metric on every output.
            scenario = Scenario(outputs, loss=ArgSpec.single(), metrics=ArgSpec.list_of(length))
            judged = judge(versions, scenario, ASPECTS, against_keras_2=True)
            if not judged.misbehaving():
                continue
            effects = []
            for outcome, verdict, on in judged.groups():
                assert isinstance(outcome, Outcome)
                if verdict is Verdict.RAISES:
                    counts = f"{counted(length, 'metric')} for {counted(count, 'output')}"
                    effects.append(f"{raised(outcome, on)} ({counts})")
                else:
                    effects.append(f"on {on_versions(on)} output i gets only metric i, not all of them")
            message = (
                f"flat `{name}` list for {model_label(call)} with {count} outputs: {KERAS_2_NAME} applied every "
                f"metric to every output, but {'; '.join(effects)}; use a dict keyed by output or a list of lists"
            )
            yield Report(RULE.code, argument.node, message, None, judged.misbehaving(), judged)


_OUTPUTS = OutputsSpec("list", ("price", "kind"))
AFFECTS = Affects.from_model(
    (
        Scenario(_OUTPUTS, loss=ArgSpec.single(), metrics=ArgSpec.list_of(2)),
        Scenario(_OUTPUTS, loss=ArgSpec.single(), metrics=ArgSpec.list_of(1)),
    ),
    ASPECTS,
    against_keras_2=True,
)
RULE = define_rule(
    "KLO401", "flat-metrics-list-per-output", "A flat metrics list on a multi-output model", AFFECTS, check,
)
