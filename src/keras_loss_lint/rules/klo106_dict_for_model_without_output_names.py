"""## What it does
Finds a dict `loss`, `loss_weights` or `metrics` given to a `Sequential` model, or to a subclassed
model whose `call` does not return a dict.

## Why is this bad?
Only Functional models (and subclassed models returning a dict) have output names. For the others
`model.output_names` is `None`, and every Keras 3 release fails at the first `fit()`, even when the
key is the name of the last layer (`TypeError: argument of type 'NoneType' is not iterable` on 3.0-3.4
and 3.7+, "can only be provided as a dict when the model also returns a dict of outputs" on 3.5-3.6).
A dict of `loss_weights` fails on 3.0-3.4 only and a dict of `metrics` on 3.0-3.13 (measured); the
message names the releases that fail.

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

from packaging.version import Version

from keras_loss_lint.analysis.facts import Mapping
from keras_loss_lint.rules.base import Report, RuleContext, define_rule
from keras_loss_lint.rules.common import model_label, on_versions
from keras_loss_lint.keras.semantics import ArgSpec, OutputsSpec, Scenario, predict


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
            if argument is None or not isinstance(argument.value, Mapping):
                continue
            failing = _failing_versions(versions, model.kind, name, argument.value.keys())
            if failing:
                message = (
                    f"dict `{name}` given to {model_label(call)}, {kind}: it has no output names, so "
                    f"{on_versions(failing)} fail at the first fit(); pass a single value or a list"
                )
                yield Report(RULE.code, argument.node, message)


def _failing_versions(versions: tuple[Version, ...], kind: str, name: str, keys: tuple[str, ...]) -> list[Version]:
    """Ask the semantics which releases refuse the dict (a dict of weights works from 3.5, of metrics
    from 3.14)."""
    outputs = OutputsSpec("single", ("output",), model_kind=kind)  # type: ignore[arg-type]
    argument = ArgSpec.dict_of(*keys)
    if name == "loss":
        scenario = Scenario(outputs, loss=argument)
    elif name == "loss_weights":
        scenario = Scenario(outputs, loss=ArgSpec.single(), loss_weights=argument)
    else:
        scenario = Scenario(outputs, loss=ArgSpec.single(), metrics=argument)
    return [v for v in versions if predict(v, scenario).raises is not None]


RULE = define_rule(
    "KLO106", "dict-for-model-without-output-names",
    "A dict loss/metrics for a Sequential or subclassed model without output names", ">=3", check,
)
