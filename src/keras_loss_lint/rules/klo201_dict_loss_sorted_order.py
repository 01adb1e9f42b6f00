"""## What it does
Finds a dict `loss` for a Functional model whose outputs are a list or tuple with names that are not in
sorted order: the combination Keras 3.5.0 and 3.6.0 get wrong.

## Why is this bad?
Keras 3.5.0 and 3.6.0 flatten a loss dict in sorted key order and apply the values to the outputs in
list order, so each loss trains another head. Nothing is raised when the output shapes agree: the model
trains, the per-output log entries carry the right names, and the results are quietly wrong
(keras-team/keras#20596; Colab shipped 3.5.0 for months). A dict `loss_weights` moves with the losses.
A `None` value in the dict is worse: those releases drop it and then train only the first *n - k*
flattened positions, so even sorted names can leave every output without a loss (measured).
Nested list outputs (`[[b, a], c]`, `[b, [c, a]]`) with a flat dict keyed by every layer name are
flattened the same way on 3.5.0 and 3.6.0 (measured); 3.7.0 and later match them by name.

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

from dataclasses import dataclass
from typing import Callable, Iterator, Optional

from packaging.version import Version

from keras_loss_lint.core.diagnostics import Applicability
from keras_loss_lint.analysis.facts import CallFacts, Mapping
from keras_loss_lint.keras.judgement import Aspect, Judgement, Verdict, judge
from keras_loss_lint.keras.mechanisms import dict_in_sorted_key_order
from keras_loss_lint.keras.scenario import ArgSpec, Outcome, OutputsSpec, Scenario
from keras_loss_lint.rules.base import Affects, Report, RuleContext, define_rule
from keras_loss_lint.rules.common import arg_spec, mapping, named_flat_outputs, on_versions
from keras_loss_lint.rules.fixes import dict_to_list_fix
from keras_loss_lint.rules.phrasing import comes_out_right, pairings

ASPECTS: tuple[Aspect, ...] = ("loss",)


def check(context: RuleContext) -> Iterator[Report]:
    versions = context.affected(RULE)
    for call in context.facts.compiles():
        nested = _nested_report(call, versions)
        if nested is not None:
            yield nested
        found = named_flat_outputs(call)
        loss = mapping(call.argument("loss"))
        if found is None or loss is None:
            continue
        names = found[2]
        if set(loss.keys()) != set(names) or len(loss.keys()) != len(names) or len(set(names)) != len(names):
            continue
        report = _report(call, loss, names, versions)
        if report is not None:
            yield report


def _report(
    call: CallFacts, loss: Mapping, names: tuple[str, ...], versions: tuple[Version, ...]
) -> Optional[Report]:
    weights = call.argument("loss_weights")
    weight_spec = arg_spec(weights.value) if weights is not None else None
    scenario = Scenario(OutputsSpec("list", names), loss=arg_spec(loss), loss_weights=weight_spec)
    judged = judge(versions, scenario, ASPECTS)
    # Where the mix raises, KLO202 speaks; this rule is about the losses that silently move.
    moved = [(outcome, on) for outcome, verdict, on in judged.groups() if verdict is Verdict.WRONG]
    if not moved:
        return None
    meant = judged.meant
    assert isinstance(meant, Outcome)
    phrases = [
        f"on {on_versions(on)} {pairings(names, outcome.loss_from, meant.loss_from, 'loss')}"
        for outcome, on in moved
        if isinstance(outcome, Outcome)
    ]
    also = " (and the loss_weights move with them)" if isinstance(weights and weights.value, Mapping) else ""
    keys = loss.keys()
    why = ": a loss dict is applied in sorted key order" if all(
        dict_in_sorted_key_order(outcome.loss_from, keys) for outcome, _ in moved if isinstance(outcome, Outcome)
    ) else ""
    message = f"{'; '.join(phrases)}{also}{why}"
    on = tuple(version for _, on in moved for version in on)
    count = len(names)
    fixed_weights = ArgSpec.list_of(count) if isinstance(weights and weights.value, Mapping) else weight_spec
    fixed = Scenario(scenario.outputs, loss=ArgSpec.list_of(count), loss_weights=fixed_weights)
    fix = dict_to_list_fix(call, loss, names) if comes_out_right(versions, fixed) else None
    return Report(RULE.code, call.arguments["loss"].node, message, fix, on, judged)


def nested_outputs(call: CallFacts) -> Optional[OutputsSpec]:
    """The nested outputs (`[[b, a], c]`, `{"heads": [b, a], "aux": c}`) of a Functional model, every
    leaf explicitly named and distinct, when the facts carry their nesting (`Outputs.nesting`); the
    names are in Keras's flattened order. Shared with KLO104, which reports the losses they drop."""
    model = call.model
    if model is None or model.kind != "functional" or model.outputs.kind != "nested":
        return None
    nesting = model.outputs.nesting
    if nesting is None or not model.outputs.all_named():
        return None
    names = tuple(leaf.name or "" for leaf in model.outputs.leaves)
    return OutputsSpec.nested(names, nesting) if len(set(names)) == len(names) else None


def flat_dict_loss_on_nested(call: CallFacts) -> Optional[tuple[Mapping, Scenario]]:
    """A flat `loss` dict keyed by every layer name of nested outputs, as a scenario."""
    outputs = nested_outputs(call)
    loss = mapping(call.argument("loss"))
    if outputs is None or loss is None:
        return None
    if set(loss.keys()) != set(outputs.names) or len(loss.keys()) != outputs.count:
        return None
    spec = arg_spec(loss)
    return (loss, Scenario(outputs, loss=spec)) if spec is not None else None


@dataclass(frozen=True)
class NestedJudgement:
    """A flat loss dict on nested outputs, judged: the releases whose outcome a rule speaks about."""

    scenario: Scenario
    judged: Judgement
    meant: Outcome
    wrong: list[tuple[Outcome, tuple[Version, ...]]]

    @property
    def versions(self) -> tuple[Version, ...]:
        return tuple(version for _, group in self.wrong for version in group)


def judge_flat_dict_on_nested(
    call: CallFacts, versions: tuple[Version, ...], keep: Callable[[Outcome, Outcome], bool]
) -> Optional[NestedJudgement]:
    """The call's flat `loss` dict on nested outputs, with the releases that train wrongly in the way
    `keep(outcome, meant)` picks (moved losses are KLO201's, dropped ones KLO104's); None if none."""
    found = flat_dict_loss_on_nested(call)
    if found is None:
        return None
    scenario = found[1]
    judged = judge(versions, scenario, ASPECTS)
    meant = judged.meant
    assert isinstance(meant, Outcome)
    wrong = [
        (outcome, on) for outcome, verdict, on in judged.groups()
        if verdict is Verdict.WRONG and isinstance(outcome, Outcome) and keep(outcome, meant)
    ]
    return NestedJudgement(scenario, judged, meant, wrong) if wrong else None


def _nested_report(call: CallFacts, versions: tuple[Version, ...]) -> Optional[Report]:
    nested = judge_flat_dict_on_nested(call, versions, _moves)  # outputs left with no loss: KLO104
    if nested is None:
        return None
    names, meant = nested.scenario.outputs.names, nested.meant
    phrases = [
        f"on {on_versions(on)} {pairings(names, o.loss_from, meant.loss_from, 'loss')}" for o, on in nested.wrong
    ]
    why = ": a flat loss dict for nested outputs is applied in sorted key order" if all(
        dict_in_sorted_key_order(o.loss_from, names) for o, _ in nested.wrong
    ) else ""
    message = f"{'; '.join(phrases)}{why}"
    return Report(RULE.code, call.arguments["loss"].node, message, None, nested.versions, nested.judged)


def _moves(outcome: Outcome, meant: Outcome) -> bool:
    return any(got is not None and got != wanted for got, wanted in zip(outcome.loss_from, meant.loss_from))


AFFECTS = Affects.from_model((Scenario(OutputsSpec("list", ("b", "a")), loss=ArgSpec.dict_of("b", "a")),), ASPECTS)
RULE = define_rule(
    "KLO201", "dict-loss-sorted-order", "A dict loss on list outputs trains the wrong heads", AFFECTS, check,
    Applicability.SAFE,
)
