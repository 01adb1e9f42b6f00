"""## What it does
Finds `loss_weights` written in another form than `loss` for a Functional model with list or tuple
outputs: a dict `loss` with a list `loss_weights`, a list `loss` with a dict `loss_weights`, or one
loss for every output with a dict `loss_weights`.

## Why is this bad?
Keras 3.0-3.4 refuse the mix, whatever the order of the names. A dict loss with list weights is
misaligned on 3.5.0-3.6.0 (the losses are sorted by key, the weights are not). A list loss with dict
weights is applied in sorted key order by **every release since 3.5.0, including the newest**: when
the names are not sorted, each output silently gets another output's weight. The 3.7.0 fix did not
cover this case. One loss for all outputs with dict weights is refused by 3.0-3.4 and 3.7+, and
silently weighted in sorted key order by 3.5.0-3.6.0 (measured).

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

from packaging.version import Version

from keras_loss_lint.core.diagnostics import Applicability
from keras_loss_lint.analysis.facts import CallFacts, Mapping, Seq
from keras_loss_lint.keras.judgement import Aspect, Verdict, judge
from keras_loss_lint.keras.scenario import ArgSpec, Outcome, OutputsSpec, Scenario
from keras_loss_lint.rules.base import Affects, FixProposal, NodeEdit, Report, RuleContext, define_rule
from keras_loss_lint.rules.common import arg_spec, is_single_value, named_flat_outputs, on_versions
from keras_loss_lint.rules.fixes import FixBuilder, dict_as_list, dict_literal, has_comment, written_items
from keras_loss_lint.rules.phrasing import raised

ASPECTS: tuple[Aspect, ...] = ("loss", "weights")


def check(context: RuleContext) -> Iterator[Report]:
    versions = context.affected(RULE)
    for call in context.facts.compiles():
        found = named_flat_outputs(call)
        loss, weights = call.argument("loss"), call.argument("loss_weights")
        if found is None or loss is None or weights is None or len(set(found[2])) != len(found[2]):
            continue
        mixed = (isinstance(loss.value, Mapping) and isinstance(weights.value, Seq)) or (
            (isinstance(loss.value, Seq) or is_single_value(loss.value)) and isinstance(weights.value, Mapping)
        )
        if not mixed:
            continue
        said = _message(found[2], call, versions)
        if said is not None:
            message, on, judged = said
            fix = _fix(call, found[2]) if _fixed_is_right(judged.scenario, versions) else None
            yield Report(RULE.code, weights.node, message, fix, on, judged)


def _message(names: tuple[str, ...], call: CallFacts, versions):
    loss_spec = arg_spec(call.arguments["loss"].value)
    weight_spec = arg_spec(call.arguments["loss_weights"].value)
    if loss_spec is None or weight_spec is None:
        return None
    scenario = Scenario(OutputsSpec("list", names), loss=loss_spec, loss_weights=weight_spec)
    judged = judge(versions, scenario, ASPECTS)
    meant = judged.meant
    assert isinstance(meant, Outcome)
    effects: list[str] = []
    on: list[Version] = []
    for outcome, verdict, group in judged.groups():
        assert isinstance(outcome, Outcome)
        phrase = raised(outcome, group) if verdict is Verdict.RAISES else ""
        if verdict is Verdict.WRONG:
            described = _weight_pairings(names, outcome, meant)
            phrase = f"on {on_versions(group)} {described}" if described else ""
        if phrase:
            effects.append(phrase)
            on.extend(group)
    if not effects:
        return None
    message = f"`loss_weights` in another form than `loss`: {'; '.join(effects)}; write both in the same form"
    return message, tuple(sorted(on)), judged


def _fixed_is_right(scenario, versions) -> bool:
    """With the weights rewritten in the form of the losses, every loss gets its own weight on every
    target and none raises (where a dict loss itself lands on the wrong output, KLO201 says so)."""
    loss = scenario.loss
    names = scenario.outputs.names
    weights = ArgSpec.dict_of(*names) if loss.kind == "dict" else ArgSpec.list_of(len(names))
    judged = judge(versions, Scenario(scenario.outputs, loss=loss, loss_weights=weights), ASPECTS)
    meant = judged.meant
    return all(
        isinstance(outcome, Outcome) and isinstance(meant, Outcome) and not outcome.raises
        and not _weight_pairings(names, outcome, meant)
        for outcome, _, _ in judged.groups()
    )


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


_OUTPUTS = OutputsSpec("list", ("b", "a"))
AFFECTS = Affects.from_model(
    (
        Scenario(_OUTPUTS, loss=ArgSpec.list_of(2), loss_weights=ArgSpec.dict_of("b", "a")),
        Scenario(_OUTPUTS, loss=ArgSpec.dict_of("b", "a"), loss_weights=ArgSpec.list_of(2)),
        Scenario(_OUTPUTS, loss=ArgSpec.single(), loss_weights=ArgSpec.dict_of("b", "a")),
    ),
    ASPECTS,
)
RULE = define_rule(
    "KLO202", "loss-weights-sorted-order",
    "`loss_weights` in another form than `loss` pair weights with the wrong outputs", AFFECTS, check,
    Applicability.SAFE,
)
