"""## What it does
Finds outputs that share one name (the same layer or nested model used for two outputs) when a dict
`loss`, `loss_weights`, `metrics`, `y` or `sample_weight` addresses outputs by name.

## Why is this bad?
A dict key names a layer; when one layer produces two outputs the key cannot address them separately.
Most releases apply the entry to both outputs; 3.5-3.6 raise a misleading length error.

## Example
```python
shared = layers.Dense(1, name="head")
model = keras.Model(inputs, [shared(a), shared(b)])
model.compile(loss={"head": "mse"})
```

## Use instead
```python
out_a = layers.Identity(name="head_a")(shared(a))
out_b = layers.Identity(name="head_b")(shared(b))
model = keras.Model(inputs, [out_a, out_b])
model.compile(loss={"head_a": "mse", "head_b": "mae"})
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
        duplicates = _duplicates(found[1].leaves)
        if not duplicates:
            continue
        for name, argument in dict_arguments(call):
            yield Report(RULE.code, argument.node, _message(name, duplicates))


def _duplicates(leaves) -> list[tuple[str, list[int]]]:
    groups: dict[int, list[int]] = {}
    labels: dict[int, str] = {}
    for index, leaf in enumerate(leaves):
        producer = leaf.producer
        if producer is None:
            continue
        groups.setdefault(producer.identity, []).append(index)
        labels[producer.identity] = repr(producer.name) if producer.name else f"{producer.class_name}(...)"
    return [(labels[key], indexes) for key, indexes in groups.items() if len(indexes) > 1]


def _message(argument_name: str, duplicates: list[tuple[str, list[int]]]) -> str:
    described = "; ".join(
        f"outputs {', '.join(str(i) for i in indexes)} are all produced by {label}" for label, indexes in duplicates
    )
    return (
        f"dict `{argument_name}` cannot address these outputs separately: {described}; wrap each in "
        "layers.Identity(name=...) to give it its own name"
    )


RULE = define_rule("KLO108", "duplicate-output-name", "Two outputs share one name", "", check)
