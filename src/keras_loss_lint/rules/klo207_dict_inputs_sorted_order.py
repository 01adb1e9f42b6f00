"""## What it does
Finds a dict `x` given to `fit()`, `evaluate()`, `predict()`, `train_on_batch()`, `test_on_batch()` or
`predict_on_batch()`, or as the `x` of `fit(validation_data=(x, y))`, for a Functional model whose
inputs are a list or tuple of `keras.Input`s with names that are not in sorted order.

## Why is this bad?
Keras 3.4.0-3.6.0 flatten a dict `x` in sorted key order and feed the arrays to the inputs in list
order, so an input gets the array meant for another. When the shapes agree nothing is raised and the
model trains and predicts on swapped features; otherwise the call fails with a shape error that names
the wrong input. Measured on 3.4.0, 3.4.1, 3.5.0 and 3.6.0 with every one of these methods alike, and
with a validation `x`; 3.3.3 and earlier, 3.7.0 and later and Keras 2 feed each input the entry named
after it.

## Example
```python
b = keras.Input(shape=(4,), name="b")
a = keras.Input(shape=(4,), name="a")
model = keras.Model([b, a], outputs)
model.predict({"b": x_b, "a": x_a})  # on 3.4.0-3.6.0 'b' gets x_a and 'a' gets x_b
```

## Use instead
```python
model.predict([x_b, x_a])  # a list in input order means the same on every release
```

## Fix safety
The fix rewrites the dict as a list in input order. It is offered for a dict written in the call
itself whose keys are exactly the input names (a dict held in a variable may be used elsewhere, and a
dict with comments inside would lose them). Moving values also changes the order in which they are
evaluated: the fix is safe only when every value is free of side effects (names, literals, attribute
chains); with a value that may have one (`next(it)`) it is unsafe, and with a `:=` that another value
reads it is not offered.
"""

from __future__ import annotations

from typing import Iterator, Optional, Sequence

from packaging.version import Version

from keras_loss_lint.analysis.facts import Argument, Mapping
from keras_loss_lint.core.diagnostics import Applicability
from keras_loss_lint.keras.judgement import Verdict, judge
from keras_loss_lint.keras.mechanisms import dict_in_sorted_key_order
from keras_loss_lint.keras.scenario import ArgSpec, InputOutcome, InputScenario, InputsSpec
from keras_loss_lint.rules.base import Affects, FixProposal, NodeEdit, Report, RuleContext, define_rule
from keras_loss_lint.rules.fixes import FixBuilder, dict_as_list
from keras_loss_lint.rules.phrasing import comes_out_right
from keras_loss_lint.rules.inputs import DictX, KnownInputs, dict_xs, effects, known_inputs, scenario_of


def check(context: RuleContext) -> Iterator[Report]:
    versions = context.affected(RULE)
    for call in context.facts.x_calls():
        known = known_inputs(call)
        if known is None or known.inputs.kind not in ("list", "tuple") or not known.all_named:
            continue
        for x in dict_xs(call):
            report = _check_one(versions, known, x)
            if report is not None:
                yield report


def _check_one(versions: Sequence[Version], known: KnownInputs, x: DictX) -> Optional[Report]:
    names = known.labels()
    if len(set(names)) != len(names) or set(x.keys()) != set(names) or len(x.keys()) != len(names):
        return None
    scenario = scenario_of(known, x)
    judged = judge(versions, scenario)
    misfed_on = tuple(v for _, verdict, on in judged.groups() if verdict is Verdict.WRONG for v in on)
    if not misfed_on:
        return None
    # Where the call raises, KLO110 speaks (the keys do not cover the inputs).
    misfed = effects(misfed_on, scenario, include_ignored=False)
    sorted_feeding = all(
        isinstance(outcome, InputOutcome) and dict_in_sorted_key_order(outcome.fed_from, x.keys())
        for outcome, verdict, _ in judged.groups() if verdict is Verdict.WRONG
    )
    how = "in sorted key order" if sorted_feeding else "to other inputs than its keys say"
    message = (
        f"{'; '.join(misfed)}: {x.described} is fed to list inputs {how} (silently when the shapes "
        "agree); pass a list in input order"
    )
    fixed = InputScenario(scenario.inputs, ArgSpec.list_of(len(names)), scenario.method)
    fix = _fix(x.argument, x.mapping, names) if comes_out_right(versions, fixed) else None
    return Report(RULE.code, x.argument.node, message, fix, misfed_on, judged)


def _fix(argument: Argument, x: Mapping, names: tuple[str, ...]) -> Optional[FixBuilder]:
    if argument.node is not x.node or x.node is None:
        return None
    rewritten = dict_as_list(x, names)
    if rewritten is None:
        return None
    text, applicability = rewritten
    node = x.node

    def build() -> FixProposal:
        return FixProposal("Rewrite `x` as a list in input order", applicability, (NodeEdit(node, text),))

    return build


AFFECTS = Affects.from_model((InputScenario(InputsSpec("list", ("b", "a")), ArgSpec.dict_of("b", "a")),))
RULE = define_rule(
    "KLO207", "dict-inputs-sorted-order", "A dict `x` on list inputs feeds the wrong inputs", AFFECTS, check,
    Applicability.SAFE,
)
