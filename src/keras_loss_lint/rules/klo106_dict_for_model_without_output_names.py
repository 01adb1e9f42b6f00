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
from keras_loss_lint.keras.judgement import Judgement, judge
from keras_loss_lint.keras.scenario import UNKNOWN_NAME, ArgSpec, ModelKind, OutputsSpec, Scenario
from keras_loss_lint.rules.base import Affects, Report, RuleContext, define_rule
from keras_loss_lint.rules.common import model_label, on_versions
from keras_loss_lint.rules.phrasing import stage


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
            judged = _judged(versions, model.kind, name, argument.value.keys())
            failing = judged.misbehaving()
            if failing:
                when = stage(judged.groups()[0][0])  # type: ignore[arg-type]
                message = (
                    f"dict `{name}` given to {model_label(call)}, {kind}: it has no output names, so "
                    f"{on_versions(failing)} fail {when}; pass a single value or a list"
                )
                yield Report(RULE.code, argument.node, message, None, failing, judged)


def _scenario(kind: ModelKind, name: str, keys: tuple[str, ...]) -> Scenario:
    # A Sequential's output is named after its last layer on Keras 2; which name that is is not read.
    outputs = OutputsSpec("single", (UNKNOWN_NAME if kind == "sequential" else "output",), model_kind=kind)
    argument = ArgSpec.dict_of(*keys)
    if name == "loss":
        return Scenario(outputs, loss=argument)
    if name == "loss_weights":
        return Scenario(outputs, loss=ArgSpec.single(), loss_weights=argument)
    return Scenario(outputs, loss=ArgSpec.single(), metrics=argument)


def _judged(versions: tuple[Version, ...], kind: ModelKind, name: str, keys: tuple[str, ...]) -> Judgement:
    """Which releases refuse the dict: only raising counts (a dict of weights works from 3.5, of
    metrics from 3.14)."""
    return judge(versions, _scenario(kind, name, keys), ())


AFFECTS = Affects.from_model(
    tuple(
        _scenario(kind, name, ("head",))
        for kind in ("sequential", "subclassed")
        for name in ("loss", "loss_weights", "metrics")
    ),
    (),
)
RULE = define_rule(
    "KLO106", "dict-for-model-without-output-names",
    "A dict loss/metrics for a Sequential or subclassed model without output names", AFFECTS, check,
)
