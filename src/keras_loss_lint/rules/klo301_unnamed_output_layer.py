"""## What it does
Finds a dict `loss`, `loss_weights`, `metrics`, `y` or `sample_weight` for a Functional model with an
output whose producing layer has no explicit `name=`.

## Why is this bad?
A dict addresses outputs by layer name. An unnamed layer gets an auto-generated name (`dense_3`) from a
per-process counter, so the name changes with every layer created before it, in another script, or on
every re-run of a notebook cell. A dict that works today breaks (or, on 3.5-3.6, trains the wrong head)
tomorrow.

## Example
```python
score = layers.Dense(1)(x)  # auto-named "dense_7", or "dense_12" after a re-run
model = keras.Model(inputs, [score, label])
model.compile(loss={"dense_7": "mse", "label": "bce"})
```

## Use instead
```python
score = layers.Dense(1, name="score")(x)
model.compile(loss={"score": "mse", "label": "bce"})
```
"""

from __future__ import annotations

from typing import Iterator

from keras_loss_lint.rules.base import Report, RuleContext, define_rule
from keras_loss_lint.rules.common import dict_arguments, flat_outputs


def check(context: RuleContext) -> Iterator[Report]:
    for call in context.facts.calls:
        found = flat_outputs(call)
        if found is None:
            continue
        unnamed = [(i, leaf) for i, leaf in enumerate(found[1].leaves) if leaf.is_unnamed]
        if not unnamed:
            continue
        for name, argument in dict_arguments(call):
            yield Report(RULE.code, argument.node, _message(name, unnamed))


def _message(argument_name: str, unnamed) -> str:
    described = ", ".join(
        f"output {index} ({leaf.producer.class_name}(...) without name=, auto-named "
        f"'{leaf.producer.auto_prefix}_N')"
        for index, leaf in unnamed
    )
    return (
        f"dict `{argument_name}` addresses outputs by name, but {described} has a name that changes with "
        "every layer created before it; give the output layer an explicit name="
    )


RULE = define_rule("KLO301", "unnamed-output-layer", "A dict addresses an output whose layer has no name=", "", check)
