"""## What it does
Finds a `sample_weight` passed beside a dict `y` to `fit()`, `evaluate()`, `train_on_batch()` or
`test_on_batch()` for a Functional model with list or tuple outputs, and a dict `sample_weight` beside
a list `y`: combinations Keras 3 refuses at the first step.

## Why is this bad?
Since Keras 3.7.0 a dict `y` for list outputs is re-keyed into a list in output order, while the
`sample_weight` stays as given (a dict, or one array that the data adapter spreads into the labels'
dict): the loss then asks for `sample_weight[0]` and `fit`, `evaluate` and `compute_loss` raise
`KeyError: 0`, whatever the form of `loss` and even when the names are sorted (measured on 3.7.0,
3.8.0, 3.9.2, 3.14.1 and 3.15.1). Up to 3.4.1 the same call trains as written, so code that worked
breaks on upgrade. A dict on one side and a list on the other is refused by every Keras 3 release
("You should provide one `sample_weight` array per output in `y`"), while Keras 2 accepted it.
On 3.5.0 and 3.6.0 the dicts are paired in sorted key order instead (KLO203).

## Example
```python
model = keras.Model(inputs, [out_d, out_c])  # named "output_d", "output_c"
model.fit(x, {"output_d": y_d, "output_c": y_c}, sample_weight={"output_d": w_d, "output_c": w_c})
```

## Use instead
```python
model.fit(x, [y_d, y_c], sample_weight=[w_d, w_c])  # both in output order
```
"""

from __future__ import annotations

from typing import Iterator, Optional

from packaging.version import Version

from keras_loss_lint.analysis.facts import Array, CallFacts, Value
from keras_loss_lint.keras.judgement import Aspect, Verdict, judge
from keras_loss_lint.keras.scenario import ArgSpec, Outcome, OutputsSpec, Scenario
from keras_loss_lint.keras.versions import describe_range
from keras_loss_lint.rules.base import Affects, Report, RuleContext, define_rule
from keras_loss_lint.rules.common import arg_spec, named_flat_outputs, raise_on

ASPECTS: tuple[Aspect, ...] = ("labels", "sample_weights")


def check(context: RuleContext) -> Iterator[Report]:
    versions = context.affected(RULE)
    for call in context.facts.label_calls():
        scenario = _scenario(call)
        if scenario is None:
            continue
        judged = judge(versions, scenario, ASPECTS)
        raising = [
            (outcome, on) for outcome, verdict, on in judged.groups()
            if verdict is Verdict.RAISES and isinstance(outcome, Outcome)
        ]
        if not raising:
            continue  # where the dicts are mis-paired instead, KLO203 speaks
        on = tuple(sorted(version for _, group in raising for version in group))
        forms = f"{_described(scenario.y, 'y')} with {_described(scenario.sample_weight, 'sample_weight')}"
        message = (
            f"{raise_on(on)} {_exceptions(raising)} in `{call.method}()`: {forms} for list outputs; "
            "pass both as lists in output order"
        )
        weights = call.argument("sample_weight")
        assert weights is not None
        yield Report(RULE.code, weights.node, message, None, on, judged)


def _scenario(call: CallFacts) -> Optional[Scenario]:
    """The call's labels and sample weights on the model's list outputs, when one of them is a dict
    keyed by exactly the output names (other keys are KLO109's)."""
    found = named_flat_outputs(call)
    labels, weights = call.argument("y"), call.argument("sample_weight")
    if found is None or labels is None or weights is None or found[1].kind == "single":
        return None
    names = found[2]
    if len(set(names)) != len(names):
        return None
    label_spec, weight_spec = _spec(labels.value), _spec(weights.value)
    if label_spec is None or weight_spec is None or "dict" not in (label_spec.kind, weight_spec.kind):
        return None
    for spec in (label_spec, weight_spec):
        if spec.kind == "dict" and (set(spec.keys) != set(names) or len(spec.keys) != len(names)):
            return None
        if spec.kind in ("list", "tuple") and spec.length != len(names):
            return None
    outputs = OutputsSpec(found[1].kind, names)  # type: ignore[arg-type]
    # The form of `loss` changes nothing here (measured with one loss, a list and a dict).
    return Scenario(outputs, loss=ArgSpec.single(), y=label_spec, sample_weight=weight_spec)


def _spec(value: Value) -> Optional[ArgSpec]:
    """As `arg_spec`, with one numeric array as a single entry (Keras spreads it over the outputs)."""
    return ArgSpec.single() if isinstance(value, Array) else arg_spec(value)


def _exceptions(raising: list[tuple[Outcome, tuple[Version, ...]]]) -> str:
    """`KeyError`, or `TypeError on 3.0.0–3.0.5, ValueError on the others` (the larger group last)."""
    if len(raising) == 1:
        return str(raising[0][0].raises)
    ordered = sorted(raising, key=lambda item: len(item[1]))
    named = ", ".join(f"{outcome.raises} on {describe_range(on)}" for outcome, on in ordered[:-1])
    return f"({named}, {ordered[-1][0].raises} on the others)"


def _described(argument: Optional[ArgSpec], name: str) -> str:
    if argument is None or argument.kind == "single":
        return f"one `{name}` array"
    return f"a {argument.kind} `{name}`"


_BA = OutputsSpec("list", ("b", "a"))
AFFECTS = Affects.from_model(
    (
        Scenario(_BA, loss=ArgSpec.single(), y=ArgSpec.dict_of("b", "a"), sample_weight=ArgSpec.dict_of("b", "a")),
        Scenario(_BA, loss=ArgSpec.single(), y=ArgSpec.list_of(2), sample_weight=ArgSpec.dict_of("b", "a")),
    ),
    ASPECTS,
)
RULE = define_rule(
    "KLO111", "dict-labels-with-sample-weight",
    "A `sample_weight` beside a dict `y` (or a dict one beside a list) raises", AFFECTS, check,
)
