"""## What it does
Finds a dict key that looks like an auto-generated Keras name (`dense`, `dense_1`, `conv2d_4`,
`input_layer_2`, `functional_3`, `output_1` ...) while no output of the model is explicitly named so.

## Why is this bad?
The key only works while the per-process layer counter happens to produce that name: one more layer
created earlier (another model, a re-run notebook cell) renumbers everything. Keras 2 subclassed models
used `output_1`, `output_2`; Keras 3 never does.

## Example
```python
model.compile(loss={"dense_1": "mse", "dense_2": "mae"})
```

## Use instead
Name the output layers (`layers.Dense(1, name="price")`) and use those names as keys.
"""

from __future__ import annotations

from typing import Iterator

from keras_loss_lint.analysis.facts import Mapping
from keras_loss_lint.rules.base import Report, RuleContext, define_rule
from keras_loss_lint.rules.common import dict_arguments, looks_auto_generated, model_label


def check(context: RuleContext) -> Iterator[Report]:
    for call in context.facts.calls:
        model = call.model
        if model is None or model.kind != "functional" or not model.outputs.all_known():
            continue
        explicit = {leaf.name for leaf in model.outputs.leaves if leaf.name is not None}
        keys = set(model.outputs.keys()) if model.outputs.kind == "dict" else set()
        if not any(leaf.is_unnamed for leaf in model.outputs.leaves):
            continue
        for name, argument in dict_arguments(call):
            assert isinstance(argument.value, Mapping)
            for entry in argument.value.entries:
                if entry.key in explicit or entry.key in keys or not looks_auto_generated(entry.key):
                    continue
                message = (
                    f"`{name}` key {entry.key!r} looks like an auto-generated layer name, which changes "
                    f"with every layer created before it; name the output layers of {model_label(call)} "
                    "explicitly and use those names"
                )
                yield Report(RULE.code, entry.key_node or argument.node, message)


RULE = define_rule(
    "KLO302", "auto-generated-name-key", "A dict key looks like an auto-generated layer name", "", check,
)
