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
from keras_loss_lint.keras.judgement import judge
from keras_loss_lint.keras.scenario import ArgSpec, Outcome, OutputsSpec, Scenario
from keras_loss_lint.rules.base import Affects, Report, RuleContext, define_rule
from keras_loss_lint.rules.common import is_single_value
from keras_loss_lint.rules.phrasing import raised

# Whether one metric raises does not depend on the model's outputs.
_SCENARIO = Scenario(OutputsSpec("single", ("output",)), loss=ArgSpec.single(), metrics=ArgSpec.single())


def check(context: RuleContext) -> Iterator[Report]:
    versions = context.affected(RULE)
    judged = judge(versions, _SCENARIO, ())
    raising = [(outcome, on) for outcome, _, on in judged.groups() if isinstance(outcome, Outcome)]
    if not raising:
        return
    said = "; ".join(raised(outcome, on) for outcome, on in raising)
    for call in context.facts.compiles():
        if not _is_keras_compile(call, context.facts.imports_keras):
            continue
        for name in ("metrics", "weighted_metrics"):
            argument = call.argument(name)
            if argument is not None and is_single_value(argument.value):
                message = f"`{name}` is a single value, not a list or dict: {said}; write `{name}=[...]`"
                yield Report(RULE.code, argument.node, message, None, judged.misbehaving(), judged)


def _is_keras_compile(call: CallFacts, imports_keras: bool) -> bool:
    """A compile() on a known model, or one that looks like Keras's in a module importing Keras."""
    return call.model is not None or (imports_keras and "loss" in call.arguments and "optimizer" in call.arguments)


RULE = define_rule(
    "KLO402", "metrics-not-a-container", "`metrics` is a bare string or metric object",
    Affects.from_model((_SCENARIO,), ()), check,
)
