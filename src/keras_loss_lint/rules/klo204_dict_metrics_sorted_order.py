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
from keras_loss_lint.keras.judgement import Aspect, judge
from keras_loss_lint.keras.scenario import ArgSpec, OutputsSpec, Scenario
from keras_loss_lint.rules.base import Affects, Report, RuleContext, define_rule
from keras_loss_lint.rules.common import arg_spec, model_label, named_flat_outputs, on_versions

ASPECTS: tuple[Aspect, ...] = ("metric_labels",)


def check(context: RuleContext) -> Iterator[Report]:
    versions = context.affected(RULE)
    for call in context.facts.compiles():
        found = named_flat_outputs(call)
        if found is None or len(set(found[2])) != len(found[2]):
            continue
        label_calls = [
            other for other in context.facts.calls_on(found[0])
            if other.method != "compile" and isinstance(getattr(other.argument("y"), "value", None), Mapping)
        ]
        if not label_calls:
            continue
        labels = label_calls[0].arguments["y"].value
        assert isinstance(labels, Mapping)
        for name in ("metrics", "weighted_metrics"):
            argument = call.argument(name)
            if argument is None or not isinstance(argument.value, Mapping):
                continue
            outputs = OutputsSpec(found[1].kind, found[2])  # type: ignore[arg-type]
            scenario = Scenario(outputs, loss=ArgSpec.single(), metrics=arg_spec(argument.value), y=arg_spec(labels))
            judged = judge(versions, scenario, ASPECTS)
            wrong = judged.misbehaving()
            if not wrong:
                continue
            message = (
                f"on {on_versions(wrong)} dict `{name}` of {model_label(call)} are computed against "
                f"the wrong labels because `{label_calls[0].method}()` gets a dict `y`; pass `y` as a list "
                "in output order"
            )
            yield Report(RULE.code, argument.node, message, None, wrong, judged)


_OUTPUTS = OutputsSpec("list", ("regression", "direction"))
_BY_NAME = ArgSpec.dict_of(*_OUTPUTS.names)
AFFECTS = Affects.from_model(
    (Scenario(_OUTPUTS, ArgSpec.single(), metrics=_BY_NAME, y=_BY_NAME),),
    ASPECTS,
)
RULE = define_rule(
    "KLO204", "dict-metrics-sorted-order", "Dict metrics with a dict `y` are routed to the wrong head", AFFECTS,
    check,
)
