"""## What it does
Finds a dict `y` (labels) or `sample_weight` passed to `fit()`, `evaluate()`, `train_on_batch()` or
`test_on_batch()` for a Functional model whose list or tuple outputs have unsorted names.

## Why is this bad?
Keras 3.5.0 and 3.6.0 flatten a label dict in sorted key order and pair it with the predictions in
output order, with any form of `loss`: each output is scored against another output's labels
(keras-team/keras#20346). It trains silently when the shapes agree.

## Example
```python
model = keras.Model(inputs, [out_d, out_c])  # named "output_d", "output_c"
model.fit(x, {"output_d": y_d, "output_c": y_c})
```

## Use instead
```python
model.fit(x, [y_d, y_c])  # labels in output order
```
"""

from __future__ import annotations

from typing import Iterator

from keras_loss_lint.analysis.facts import Mapping
from keras_loss_lint.keras.judgement import Aspect, Verdict, judge
from keras_loss_lint.keras.scenario import ArgSpec, Outcome, OutputsSpec, Scenario
from keras_loss_lint.rules.base import Affects, Report, RuleContext, define_rule
from keras_loss_lint.rules.common import LABEL_LIKE, named_flat_outputs, on_versions
from keras_loss_lint.rules.phrasing import pairings

ASPECTS: tuple[Aspect, ...] = ("labels",)


def check(context: RuleContext) -> Iterator[Report]:
    versions = context.affected(RULE)
    for call in context.facts.label_calls():
        found = named_flat_outputs(call)
        if found is None or len(set(found[2])) != len(found[2]):
            continue
        names = found[2]
        for argument_name in LABEL_LIKE:
            argument = call.argument(argument_name)
            if argument is None or not isinstance(argument.value, Mapping):
                continue
            keys = argument.value.keys()
            if set(keys) != set(names) or len(keys) != len(names):
                continue
            # `sample_weight` and validation labels are paired with the outputs as `y` is.
            outputs = OutputsSpec(found[1].kind, names)  # type: ignore[arg-type]
            scenario = Scenario(outputs, loss=ArgSpec.single(), y=ArgSpec.dict_of(*keys))
            judged = judge(versions, scenario, ASPECTS)
            meant = judged.meant
            assert isinstance(meant, Outcome)
            what = f"`{argument_name}` entry"
            wrong = [
                (o, on) for o, verdict, on in judged.groups() if verdict is Verdict.WRONG and isinstance(o, Outcome)
            ]
            if not wrong:
                continue
            phrases = [
                f"on {on_versions(on)} {pairings(names, o.label_from, meant.label_from, what)}"
                for o, on in wrong
            ]
            message = (
                f"{'; '.join(phrases)}: a dict `{argument_name}` is paired with list outputs in sorted key "
                "order; pass a list in output order"
            )
            on = tuple(version for _, group in wrong for version in group)
            yield Report(RULE.code, argument.node, message, None, on, judged)


AFFECTS = Affects.from_model(
    (Scenario(OutputsSpec("list", ("d", "c")), loss=ArgSpec.single(), y=ArgSpec.dict_of("d", "c")),), ASPECTS
)
RULE = define_rule(
    "KLO203", "dict-labels-sorted-order", "A dict `y`/`sample_weight` on list outputs is mis-paired", AFFECTS,
    check,
)
