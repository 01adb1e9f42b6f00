"""## What it does
Finds a dict `metrics` or `weighted_metrics` for a Functional model with unsorted list outputs that is
also trained or evaluated with a dict `y`.

## Why is this bad?
Keras 3.14.0 flattens the label dict in sorted key order while the metrics follow the outputs, so each
metric is computed against another output's labels (keras-team/keras#22625, fixed in 3.14.1). The
losses are right; only the reported metrics are wrong, which makes it easy to miss.

## Example
```python
model = keras.Model(inputs, [regression_head, direction_head])
model.compile(loss=["mse", "bce"], metrics={"regression_head": ["mae"], "direction_head": ["accuracy"]})
model.fit(x, {"regression_head": y_reg, "direction_head": y_dir})
```

## Use instead
Pass `y` as a list in output order, or avoid Keras 3.14.0.
"""

from __future__ import annotations

from typing import Iterator

from keras_loss_lint.analysis.facts import Mapping
from keras_loss_lint.rules.base import Report, RuleContext, define_rule
from keras_loss_lint.rules.common import model_label, named_flat_outputs, on_versions, unsorted_names


def check(context: RuleContext) -> Iterator[Report]:
    versions = context.affected(RULE)
    for call in context.facts.compiles():
        found = named_flat_outputs(call)
        if found is None or not unsorted_names(found[2]):
            continue
        label_calls = [
            other for other in context.facts.calls_on(found[0])
            if other.method != "compile" and isinstance(getattr(other.argument("y"), "value", None), Mapping)
        ]
        if not label_calls:
            continue
        for name in ("metrics", "weighted_metrics"):
            argument = call.argument(name)
            if argument is not None and isinstance(argument.value, Mapping):
                message = (
                    f"on {on_versions(versions)} dict `{name}` of {model_label(call)} are computed against "
                    f"the wrong labels because `{label_calls[0].method}()` gets a dict `y`; pass `y` as a list "
                    "in output order"
                )
                yield Report(RULE.code, argument.node, message)


RULE = define_rule(
    "KLO204", "dict-metrics-sorted-order",
    "Dict metrics with a dict `y` are routed to the wrong head on Keras 3.14.0", "==3.14.0", check,
)
