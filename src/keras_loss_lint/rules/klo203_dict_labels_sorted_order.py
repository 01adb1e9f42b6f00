"""## What it does
Finds a dict `y` (labels) or `sample_weight` passed to `fit()`, `evaluate()`, `train_on_batch()` or
`test_on_batch()` for a Functional model whose list or tuple outputs have unsorted names.

## Why is this bad?
Keras 3.5.0 and 3.6.0 flatten a label dict in sorted key order and pair it with the predictions in
output order, with any form of `loss`: each output is scored against another output's labels
(keras-team/keras#20346). It trains silently when the shapes agree. A dict `sample_weight` beside a
dict `y` is flattened the same way, so each loss is weighted by another output's weights (measured);
beside a list `y`, or from 3.7.0 on, the call raises instead (KLO111).

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

from typing import Iterator, Optional

import libcst as cst
from packaging.version import Version

from keras_loss_lint.analysis.facts import Array, CallFacts, Mapping, Value
from keras_loss_lint.keras.mechanisms import dict_in_sorted_key_order
from keras_loss_lint.keras.judgement import Aspect, Verdict, judge, outcome_field
from keras_loss_lint.keras.scenario import ArgSpec, Outcome, OutputsSpec, Scenario
from keras_loss_lint.rules.base import Affects, Report, RuleContext, define_rule
from keras_loss_lint.rules.common import LABEL_LIKE, arg_spec, named_flat_outputs, on_versions
from keras_loss_lint.rules.phrasing import argument_shown, pairings

ASPECTS: tuple[Aspect, ...] = ("labels",)
# What a dict of each argument decides, and how a message names one of its entries.
_ASPECT_OF: dict[str, tuple[Aspect, ...]] = {"sample_weight": ("sample_weights",)}


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
            outputs = OutputsSpec(found[1].kind, names)  # type: ignore[arg-type]
            scenario = _scenario(call, argument_name, outputs, ArgSpec.dict_of(*keys))
            if scenario is not None:
                yield from _report(versions, scenario, argument_name, argument.node, names)


def _scenario(call: CallFacts, argument_name: str, outputs: OutputsSpec, written: ArgSpec) -> Optional[Scenario]:
    """Validation labels on their own; `y` and `sample_weight` together, since the form of each decides
    what Keras does with the other (one of them unknown: say nothing)."""
    if argument_name == "validation_y":
        return Scenario(outputs, loss=ArgSpec.single(), y=written)
    other = call.argument("sample_weight" if argument_name == "y" else "y")
    other_spec = _spec(other.value) if other is not None else None
    if argument_name == "y":
        if other is not None and other_spec is None:
            return None
        return Scenario(outputs, loss=ArgSpec.single(), y=written, sample_weight=other_spec)
    if other_spec is None:
        return None
    return Scenario(outputs, loss=ArgSpec.single(), y=other_spec, sample_weight=written)


def _spec(value: Value) -> Optional[ArgSpec]:
    """As `arg_spec`, with one numeric array as a single entry (Keras spreads it over the outputs)."""
    return ArgSpec.single() if isinstance(value, Array) else arg_spec(value)


def _report(
    versions: tuple[Version, ...], scenario: Scenario, argument_name: str, node: cst.CSTNode, names: tuple[str, ...]
) -> Iterator[Report]:
    aspects = _ASPECT_OF.get(argument_name, ASPECTS)
    field = outcome_field(aspects[0])
    judged = judge(versions, scenario, aspects)
    meant = judged.meant
    assert isinstance(meant, Outcome)
    shown = argument_shown(argument_name)
    what = f"{shown} entry"
    wrong = [
        (o, on) for o, verdict, on in judged.groups() if verdict is Verdict.WRONG and isinstance(o, Outcome)
    ]
    if not wrong:
        return  # where the call raises instead, KLO111 speaks
    phrases = [
        f"on {on_versions(on)} {pairings(names, getattr(o, field), getattr(meant, field), what)}"
        for o, on in wrong
    ]
    keys = getattr(scenario, "sample_weight" if argument_name == "sample_weight" else "y").keys
    sorted_pairing = all(dict_in_sorted_key_order(getattr(o, field), keys) for o, _ in wrong)
    why = f": a dict {shown} is paired with list outputs in sorted key order" if sorted_pairing else ""
    message = f"{'; '.join(phrases)}{why}; pass a list in output order"
    on = tuple(version for _, group in wrong for version in group)
    yield Report(RULE.code, node, message, None, on, judged)


AFFECTS = Affects.from_model(
    (Scenario(OutputsSpec("list", ("d", "c")), loss=ArgSpec.single(), y=ArgSpec.dict_of("d", "c")),), ASPECTS
)
RULE = define_rule(
    "KLO203", "dict-labels-sorted-order", "A dict `y`/`sample_weight` on list outputs is mis-paired", AFFECTS,
    check,
)
