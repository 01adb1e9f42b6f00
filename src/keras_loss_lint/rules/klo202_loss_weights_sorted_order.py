"""## What it does
Finds `loss_weights` written in another form than `loss` for a Functional model with list or tuple
outputs whose names are not sorted: a dict `loss` with a list `loss_weights`, a list `loss` with a
dict `loss_weights`, or one loss for every output with a dict `loss_weights`.

## Why is this bad?
Keras 3.0-3.4 refuse the mix. A dict loss with list weights is misaligned on 3.5.0-3.6.0 (the losses
are sorted by key, the weights are not). A list loss with dict weights is applied in sorted key order
by **every release since 3.5.0, including the newest**: each output silently gets another output's
weight. The 3.7.0 fix did not cover this case. One loss for all outputs with dict weights is refused
by 3.0-3.4 and 3.7+, and silently weighted in sorted key order by 3.5.0-3.6.0 (measured).

## Example
```python
model = keras.Model(inputs, [b, a])  # outputs named "b" and "a"
model.compile(loss=["mse", "mse"], loss_weights={"b": 2.0, "a": 30.0})
# from 3.5.0 on, 'b' is weighted 30.0 and 'a' 2.0
```

## Use instead
```python
model.compile(loss=["mse", "mse"], loss_weights=[2.0, 30.0])
```

## Fix safety
The fix rewrites `loss_weights` in the form of `loss`, in output order: a dict loss gets a dict of
weights keyed by output name, a list loss a list of weights. It is safe (it states what the code
says) when every moved weight is free of side effects; a weight that may have one (`next(it)`) makes
it unsafe, and a `:=` that another weight reads withholds it.
No fix is offered for a single loss with dict weights (write one loss per output, then list weights).
"""

from __future__ import annotations

from typing import Iterator, Optional

from keras_loss_lint.core.diagnostics import Applicability
from keras_loss_lint.analysis.facts import CallFacts, Mapping, Seq
from keras_loss_lint.rules.base import FixProposal, NodeEdit, Report, RuleContext, define_rule
from keras_loss_lint.rules.common import (
    arg_spec,
    expected,
    is_single_value,
    group_by,
    named_flat_outputs,
    on_versions,
    raise_on,
    outcomes,
    unsorted_names,
)
from keras_loss_lint.rules.fixes import FixBuilder, dict_as_list, dict_literal, has_comment, written_items
from keras_loss_lint.keras.semantics import OutputsSpec, Scenario


def check(context: RuleContext) -> Iterator[Report]:
    versions = context.affected(RULE)
    for call in context.facts.compiles():
        found = named_flat_outputs(call)
        loss, weights = call.argument("loss"), call.argument("loss_weights")
        if found is None or loss is None or weights is None or not unsorted_names(found[2]):
            continue
        mixed = (isinstance(loss.value, Mapping) and isinstance(weights.value, Seq)) or (
            (isinstance(loss.value, Seq) or is_single_value(loss.value)) and isinstance(weights.value, Mapping)
        )
        if not mixed:
            continue
        message = _message(found[2], call, versions)
        if message is not None:
            yield Report(RULE.code, weights.node, message, _fix(call, found[2]))


def _message(names: tuple[str, ...], call: CallFacts, versions) -> Optional[str]:
    loss_spec = arg_spec(call.arguments["loss"].value)
    weight_spec = arg_spec(call.arguments["loss_weights"].value)
    if loss_spec is None or weight_spec is None:
        return None
    scenario = Scenario(OutputsSpec("list", names), loss=loss_spec, loss_weights=weight_spec)
    meant = expected(scenario)
    effects = []
    for outcome, on in group_by(outcomes(versions, scenario)).items():
        if not outcome.trains:
            effects.append(f"{raise_on(on)} at the first fit()")
        else:
            pairings = _weight_pairings(names, outcome, meant)
            if pairings:
                effects.append(f"on {on_versions(on)} {pairings}")
    if not effects:
        return None
    return f"`loss_weights` in another form than `loss`: {'; '.join(effects)}; write both in the same form"


def _weight_pairings(names: tuple[str, ...], outcome, meant) -> str:
    """Which loss ends up multiplied by which weight, where that differs from what the code says."""
    meant_weight = dict(zip(meant.loss_from, meant.weight_from))
    parts = []
    for index, (name, loss, weight) in enumerate(zip(names, outcome.loss_from, outcome.weight_from)):
        if loss is None:
            continue
        if loss == meant.loss_from[index]:
            if weight != meant.weight_from[index]:
                parts.append(f"{name!r} would get the weight for {_label(weight, names)}")
        elif meant_weight.get(loss) != weight:
            parts.append(f"the loss for {_label(loss, names)} would get the weight for {_label(weight, names)}")
    return ", ".join(parts)


def _label(entry: str | None, names: tuple[str, ...]) -> str:
    if entry is None:
        return "no output"
    return repr(names[int(entry)]) if entry.isdigit() and int(entry) < len(names) else repr(entry)


def _fix(call: CallFacts, names: tuple[str, ...]) -> Optional[FixBuilder]:
    weights = call.arguments["loss_weights"]
    loss = call.arguments["loss"].value
    if has_comment(weights.node):
        return None
    value = weights.value
    applicability = Applicability.SAFE
    if isinstance(value, Seq) and len(value.items) == len(names):
        items = written_items(value, weights.node)
        if items is None:
            return None
        content = dict_literal(names, items)  # written order kept: the items are evaluated as before
    elif isinstance(value, Mapping) and value.node is weights.node and set(value.keys()) == set(names):
        if not isinstance(loss, Seq) or len(loss.items) != len(names):
            return None
        rewritten = dict_as_list(value, names, allow_none=True)
        if rewritten is None:
            return None
        content, applicability = rewritten
    else:
        return None

    def build() -> FixProposal:
        edit = NodeEdit(weights.node, content)
        return FixProposal("Write loss_weights in the form of loss, in output order", applicability, (edit,))

    return build


RULE = define_rule(
    "KLO202", "loss-weights-sorted-order",
    "`loss_weights` in another form than `loss` pair weights with the wrong outputs", ">=3", check,
    Applicability.SAFE,
)
