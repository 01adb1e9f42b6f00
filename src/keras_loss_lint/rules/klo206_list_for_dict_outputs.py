"""## What it does
Finds a list `loss`, `loss_weights`, `metrics` or `y` for a model whose outputs are a dict written in
another order than sorted key order.

## Why is this bad?
Keras flattens dict outputs in sorted key order, and pairs a list with them in that order, not in the
order the dict was written. On every release, Keras 2 included (measured on 2.15),
`outputs={"zulu": a, "alpha": b}` with `loss=["mse", "bce"]` trains `alpha` with `mse`; Keras 2 refuses a
list `y` for dict outputs (`TypeError`).

## Example
```python
model = keras.Model(inputs, {"zulu": zulu, "alpha": alpha})
model.compile(loss=["mse", "binary_crossentropy"])
```

## Use instead
```python
model.compile(loss={"zulu": "mse", "alpha": "binary_crossentropy"})
```

## Fix safety
The fix rewrites the list as a dict keyed by the output keys in written order. It is unsafe: on every
release it changes which output gets which entry, to what the code says.
"""

from __future__ import annotations

from typing import Iterator, Optional

from keras_loss_lint.core.diagnostics import Applicability
from keras_loss_lint.analysis.facts import Argument, Seq
from keras_loss_lint.keras.judgement import Aspect, Verdict, judge, outcome_field
from keras_loss_lint.keras.mechanisms import list_on_sorted_keys
from keras_loss_lint.keras.scenario import ArgSpec, Outcome, OutputsSpec, Scenario
from keras_loss_lint.rules.base import Affects, FixProposal, NodeEdit, Report, RuleContext, define_rule
from keras_loss_lint.rules.common import arg_spec, dict_outputs
from keras_loss_lint.rules.fixes import FixBuilder, dict_literal, has_comment, written_items
from keras_loss_lint.rules.phrasing import (
    argument_scenario,
    argument_shown,
    aspect_of,
    comes_out_right,
    effects,
    outputs_spec,
)

ARGUMENTS = {"compile": ("loss", "loss_weights", "metrics", "weighted_metrics")}


def check(context: RuleContext) -> Iterator[Report]:
    versions = context.affected(RULE)
    for call in context.facts.calls:
        outputs = dict_outputs(call)
        spec = outputs_spec(call.model)
        if outputs is None or spec is None or spec.kind != "dict":
            continue
        keys = outputs.keys()
        for name in ARGUMENTS.get(call.method, ("y", "validation_y")):
            argument = call.argument(name)
            if argument is None or not isinstance(argument.value, Seq) or len(argument.value.items) != len(keys):
                continue
            written = arg_spec(argument.value)
            if written is None:
                continue
            aspects = (aspect_of(name),)
            judged = judge(versions, argument_scenario(call, name, spec, written), aspects)
            if not judged.misbehaving():
                continue
            sorted_pairing = all(
                list_on_sorted_keys(_received(outcome, aspects[0]), keys)
                for outcome, verdict, _ in judged.groups() if verdict is Verdict.WRONG and isinstance(outcome, Outcome)
            )
            how = "is matched in sorted key order, not as written" if sorted_pairing else "is not matched as written"
            message = (
                f"list {argument_shown(name)} for dict outputs {how}: "
                f"{'; '.join(effects(judged, aspects))}; use a dict keyed by output"
            )
            fixed = argument_scenario(call, name, spec, ArgSpec.dict_of(*keys))
            fix = _fix(argument, keys, name) if comes_out_right(versions, fixed, aspects) else None
            yield Report(RULE.code, argument.node, message, fix, judged.misbehaving(), judged)


def _received(outcome: Outcome, aspect: Aspect) -> tuple[Optional[str], ...]:
    """Per output, the list entry the outcome gives it for `aspect` (None: none, or several)."""
    if aspect == "metrics":
        return tuple(entries[0] if len(entries) == 1 else None for entries in outcome.metrics_from)
    return tuple(getattr(outcome, outcome_field(aspect)))


def _fix(argument: Argument, keys: tuple[str, ...], name: str) -> Optional[FixBuilder]:
    value = argument.value
    items = written_items(value, argument.node) if isinstance(value, Seq) else None
    if items is None or len(items) != len(keys):
        return None
    if any('"' in key or "\\" in key for key in keys) or has_comment(argument.node):
        return None
    content = dict_literal(keys, items)  # written order kept: the items are evaluated as before

    def build() -> FixProposal:
        edit = NodeEdit(argument.node, content)
        return FixProposal(f"Rewrite `{name}` as a dict keyed by output", Applicability.UNSAFE, (edit,))

    return build


_OUTPUTS = OutputsSpec("dict", ("zulu", "alpha"), keys=("zulu", "alpha"))
AFFECTS = Affects.from_model(
    (
        Scenario(_OUTPUTS, loss=ArgSpec.list_of(2)),
        Scenario(_OUTPUTS, loss=ArgSpec.single(), y=ArgSpec.list_of(2)),
    ),
    ("loss", "labels"),
)
RULE = define_rule(
    "KLO206", "list-for-dict-outputs", "A list is matched to dict outputs in sorted key order",
    AFFECTS, check, Applicability.UNSAFE,
)
