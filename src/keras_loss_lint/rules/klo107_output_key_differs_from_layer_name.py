"""## What it does
Finds a Functional model with dict `outputs` whose key differs from the `name=` of the layer that
produces that output, when the model is compiled on a Keras release that matches by layer name.

## Why is this bad?
Keras 3.0-3.4 match losses, and 3.0-3.11 match metrics, by the *layer name*, never by the dict key.
With `outputs={"score": layers.Dense(1, name="head_score")(x)}` a loss dict keyed `"score"` raises,
and any loss at all can end in `No loss to compute` or in training with a loss of zero (JAX).

## Example
```python
outputs = {"score": layers.Dense(1, name="head_score")(x)}
```

## Use instead
```python
outputs = {"score": layers.Dense(1, name="score")(x)}
```
"""

from __future__ import annotations

from typing import Iterator

from packaging.version import Version

from keras_loss_lint.analysis.facts import CallFacts, OutputLeaf
from keras_loss_lint.rules.base import Report, RuleContext, define_rule
from keras_loss_lint.rules.common import looks_auto_generated, on_versions
from keras_loss_lint.keras.versions import LossEra, loss_era


def check(context: RuleContext) -> Iterator[Report]:
    versions = context.affected(RULE)
    for call in context.facts.compiles():
        model = call.model
        if model is None or model.kind != "functional" or model.outputs.kind != "dict":
            continue
        broken = _broken_versions(call, versions)
        if not broken:
            continue
        for leaf in model.outputs.leaves:
            problem = _mismatch(leaf)
            if problem is not None and leaf.key_node is not None:
                yield Report(RULE.code, leaf.key_node, f"{problem}: on {on_versions(broken)} {_what(call)}")


def _broken_versions(call: CallFacts, versions: tuple[Version, ...]) -> list[Version]:
    has_loss = call.argument("loss") is not None
    has_metrics = call.argument("metrics") is not None or call.argument("weighted_metrics") is not None
    return [
        v for v in versions
        if (has_loss and loss_era(v) is LossEra.BY_NAME) or (has_metrics and v < Version("3.12"))
    ]


def _mismatch(leaf: OutputLeaf) -> str | None:
    producer = leaf.producer
    if producer is None or leaf.key is None:
        return None
    if producer.name_state == "explicit" and producer.name != leaf.key:
        return f"output key {leaf.key!r} differs from its layer's name {producer.name!r}"
    if producer.name_state == "auto" and not looks_auto_generated(leaf.key):
        return (
            f"output key {leaf.key!r} is produced by {producer.class_name}(...) without name=, "
            f"whose auto-generated name ('{producer.auto_prefix}_N') differs from the key"
        )
    return None


def _what(call: CallFacts) -> str:
    return (
        "Keras matches losses and metrics by layer name, so a dict keyed by the output keys fails "
        "(or no loss is computed); name the layer like the key"
    )


RULE = define_rule(
    "KLO107", "output-key-differs-from-layer-name",
    "A dict `outputs` key differs from its layer's name (3.0-3.11 match by layer name)", ">=3,<3.12", check,
)
