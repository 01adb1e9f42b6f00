"""## What it does
Finds a dict `loss`, `loss_weights` or `metrics` given to a `Sequential` model, or to a subclassed
model whose `call` does not return a dict.

## Why is this bad?
Only Functional models (and subclassed models returning a dict) have output names. For the others
`model.output_names` is `None`, and every Keras 3 release fails at the first `fit()`, even when the
key is the name of the last layer (`TypeError: argument of type 'NoneType' is not iterable` on 3.0-3.4
and 3.7+, "can only be provided as a dict when the model also returns a dict of outputs" on 3.5-3.6).

## Example
```python
model = keras.Sequential([layers.Dense(8), layers.Dense(1, name="price")])
model.compile(loss={"price": "mse"})
```

## Use instead
```python
model.compile(loss="mse")
```
"""

from __future__ import annotations

from typing import Iterator

from keras_loss_lint.facts.model import Mapping
from keras_loss_lint.rules.base import Report, RuleContext, define_rule
from keras_loss_lint.rules.common import model_label, on_versions


def check(context: RuleContext) -> Iterator[Report]:
    versions = context.affected(RULE)
    for call in context.facts.compiles():
        model = call.model
        if model is None:
            continue
        if model.kind == "sequential":
            kind = "a Sequential model"
        elif model.kind == "subclassed" and model.returns_dict is False:
            kind = "a subclassed model whose call() returns no dict"
        else:
            continue
        for name in ("loss", "loss_weights", "metrics", "weighted_metrics"):
            argument = call.argument(name)
            if argument is not None and isinstance(argument.value, Mapping):
                message = (
                    f"dict `{name}` given to {model_label(call)}, {kind}: it has no output names, so "
                    f"{on_versions(versions)} fail at the first fit(); pass a single value or a list"
                )
                yield Report(RULE.code, argument.node, message)


RULE = define_rule(
    "KLO106", "dict-for-model-without-output-names",
    "A dict loss/metrics for a Sequential or subclassed model without output names", ">=3", check,
)
