"""## What it does
Checks that a list `loss`, `loss_weights` or per-output `metrics` has one entry per output of a
multi-output model.

## Why is this bad?
Keras 3.0-3.6 raise at the first `fit()`. From 3.7 a *shorter* loss list is accepted and the outputs
after its end silently get no loss, so part of the model never trains.

## Example
```python
model = keras.Model(inputs, [head_a, head_b, head_c])
model.compile(loss=["mse", "mse"])
```

## Use instead
```python
model.compile(loss=["mse", "mse", None])  # say explicitly that head_c has no loss
```
"""

from __future__ import annotations

from typing import Iterator

from keras_loss_lint.analysis.facts import CallFacts, Mapping, Seq
from keras_loss_lint.rules.base import Report, RuleContext, define_rule
from keras_loss_lint.rules.common import (
    KERAS_3_0_TO_3_6,
    KERAS_3_7_ON,
    counted,
    effects_by_era,
    expected_names,
    model_label,
)


def check(context: RuleContext) -> Iterator[Report]:
    versions = context.affected(RULE)
    for call in context.facts.compiles():
        count = _output_count(call)
        if count is None or count < 2:
            continue
        for name in ("loss", "loss_weights", "metrics", "weighted_metrics"):
            argument = call.argument(name)
            if argument is None or not isinstance(argument.value, Seq):
                continue
            length = len(argument.value.items)
            if length == count or (name.endswith("metrics") and not _per_output(argument.value)):
                continue
            yield Report(RULE.code, argument.node, _message(call, name, length, count, versions))


def _output_count(call: CallFacts) -> int | None:
    model = call.model
    if model is None or model.kind != "functional":
        return None
    outputs = model.outputs
    if outputs.kind not in ("list", "tuple", "dict") or not outputs.all_known():
        return None
    return outputs.count


def _per_output(metrics: Seq) -> bool:
    """A list of lists/dicts/None is meant per output; a flat list of metrics is KLO401's case."""
    return any(isinstance(item, (Seq, Mapping)) or item == Seq(()) for item in metrics.items) or any(
        getattr(item, "value", 0) is None for item in metrics.items
    )


def _message(call: CallFacts, name: str, length: int, count: int, versions) -> str:
    assert call.model is not None
    outputs = expected_names(call.model)
    entries = counted(length, "entry", "entries")
    base = f"`{name}` list has {entries} but {model_label(call)} has {count} outputs ({outputs})"
    if name == "loss" and length < count:
        effects = effects_by_era(
            versions,
            [
                (KERAS_3_0_TO_3_6, "{versions_raise} at the first fit()"),
                (KERAS_3_7_ON, f"on {{versions}} the last {_untrained(count - length)} no loss"),
            ],
        )
        return f"{base}: {effects}; give one entry per output (None for no loss)"
    return f"{base}: Keras raises at the first fit(); give one entry per output"


def _untrained(missing: int) -> str:
    return f"{counted(missing, 'output')} silently {'gets' if missing == 1 else 'get'}"


RULE = define_rule(
    "KLO105", "list-length-mismatch", "A list `loss`/`loss_weights`/`metrics` does not match the outputs",
    ">=3", check,
)
