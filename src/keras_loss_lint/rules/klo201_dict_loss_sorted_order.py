"""## What it does
Finds a dict `loss` for a Functional model whose outputs are a list or tuple with names that are not in
sorted order: the combination Keras 3.5.0 and 3.6.0 get wrong.

## Why is this bad?
Keras 3.5.0 and 3.6.0 flatten a loss dict in sorted key order and apply the values to the outputs in
list order, so each loss trains another head. Nothing is raised when the output shapes agree: the model
trains, the per-output log entries carry the right names, and the results are quietly wrong
(keras-team/keras#20596; Colab shipped 3.5.0 for months). A dict `loss_weights` moves with the losses.

## Example
```python
model = keras.Model(inputs, [small, big])  # layers named "output_small", "output_big"
model.compile(loss={"output_small": "mse", "output_big": "mae"})
# on 3.5.0/3.6.0 'output_small' is trained with "mae" and 'output_big' with "mse"
```

## Use instead
```python
model.compile(loss=["mse", "mae"])  # a list in output order means the same on every release
```

## Fix safety
The fix rewrites the dict (and a dict `loss_weights` beside it) as lists in output order. It is safe
when every output is named, the names are distinct and no value is `None` (a `None` in a list
misbehaves on 3.0-3.6, see KLO205); otherwise no fix is offered. It applies to a dict written in the
`compile()` call itself: a dict held in a variable may be used elsewhere, and a dict with comments
inside would lose them, so those are reported without a fix. Moving values also changes the order in
which they are evaluated: the fix stays safe only when every value is free of side effects (names,
literals, attribute chains, Keras loss constructors with literal arguments); with a value that may
have one (`next(it)`) it is unsafe, and with a `:=` that another value reads it is not offered.
"""

from __future__ import annotations

from typing import Iterator, Optional

from keras_loss_lint.core.diagnostics import Applicability
from keras_loss_lint.analysis.facts import CallFacts, Mapping
from keras_loss_lint.rules.base import Report, RuleContext, define_rule
from keras_loss_lint.rules.common import (
    arg_spec,
    describe_pairings,
    expected,
    group_by,
    mapping,
    named_flat_outputs,
    on_versions,
    outcomes,
    unsorted_names,
)
from keras_loss_lint.rules.fixes import dict_to_list_fix
from keras_loss_lint.keras.semantics import OutputsSpec, Scenario


def check(context: RuleContext) -> Iterator[Report]:
    versions = context.affected(RULE)
    for call in context.facts.compiles():
        found = named_flat_outputs(call)
        loss = mapping(call.argument("loss"))
        if found is None or loss is None or not unsorted_names(found[2]):
            continue
        names = found[2]
        if set(loss.keys()) != set(names) or len(loss.keys()) != len(names):
            continue
        report = _report(call, loss, names, versions)
        if report is not None:
            yield report


def _report(call: CallFacts, loss: Mapping, names: tuple[str, ...], versions) -> Optional[Report]:
    weights = call.argument("loss_weights")
    weight_spec = arg_spec(weights.value) if weights is not None else None
    scenario = Scenario(OutputsSpec("list", names), loss=arg_spec(loss), loss_weights=weight_spec)
    meant = expected(scenario)
    for outcome, on in group_by(outcomes(versions, scenario)).items():
        if outcome.trains and outcome.loss_from != meant.loss_from:
            pairings = describe_pairings(names, outcome.loss_from, meant.loss_from, "loss")
            moved = " (and the loss_weights move with them)" if isinstance(weights and weights.value, Mapping) else ""
            message = f"on {on_versions(on)} {pairings}{moved}: a loss dict is applied in sorted key order"
            return Report(RULE.code, call.arguments["loss"].node, message, dict_to_list_fix(call, loss, names))
    return None


RULE = define_rule(
    "KLO201", "dict-loss-sorted-order",
    "A dict loss on list outputs trains the wrong heads on Keras 3.5.0-3.6.0", ">=3.5,<3.7", check,
    Applicability.SAFE,
)
