"""## What it does
Checks that a list `loss`, `loss_weights` or per-output `metrics` has one entry per output of a
multi-output model.

## Why is this bad?
Keras 3.0-3.6 raise at the first `fit()`. Keras 2, and 3.7 and later, accept a *shorter* loss list and
the outputs after its end silently get no loss, so part of the model never trains (measured on 2.15).
A shorter `loss_weights` list silently drops the losses after its end on Keras 2 and raises on Keras 3.

## Example
```python
model = keras.Model(inputs, [head_a, head_b, head_c])
model.compile(loss=["mse", "mse"])
```

## Use instead
```python
model.compile(loss=["mse", "mse", None])  # say explicitly that head_c has no loss
```
"""

from __future__ import annotations

from typing import Iterator, Optional

from packaging.version import Version

from keras_loss_lint.analysis.facts import CallFacts, Mapping, Seq
from keras_loss_lint.keras.judgement import Aspect, judge
from keras_loss_lint.keras.scenario import ArgSpec, OutputsSpec, Scenario
from keras_loss_lint.rules.base import Affects, Report, RuleContext, define_rule
from keras_loss_lint.rules.common import arg_spec, counted, expected_names, model_label
from keras_loss_lint.rules.phrasing import argument_scenario, effects, outputs_spec

# Metrics lists are judged by whether Keras raises only: how Keras 2 spreads nested metric lists is
# not modelled, and a finding there would be a guess.
ASPECTS: dict[str, tuple[Aspect, ...]] = {"loss": ("loss",), "loss_weights": ("loss", "weights")}


def check(context: RuleContext) -> Iterator[Report]:
    versions = context.affected(RULE)
    for call in context.facts.compiles():
        outputs = _outputs(call)
        if outputs is None or outputs.count < 2:
            continue
        for name in ("loss", "loss_weights", "metrics", "weighted_metrics"):
            argument = call.argument(name)
            if argument is None or not isinstance(argument.value, Seq):
                continue
            length = len(argument.value.items)
            if length == outputs.count or (name.endswith("metrics") and not _per_output(argument.value)):
                continue
            report = _report(call, name, argument.value, outputs, versions)
            if report is not None:
                yield report


def _outputs(call: CallFacts) -> Optional[OutputsSpec]:
    model = call.model
    if model is None or model.kind != "functional" or model.outputs.kind not in ("list", "tuple", "dict"):
        return None
    return outputs_spec(model)


def _per_output(metrics: Seq) -> bool:
    """A list of lists/dicts/None is meant per output; a flat list of metrics is KLO401's case."""
    return any(isinstance(item, (Seq, Mapping)) or item == Seq(()) for item in metrics.items) or any(
        getattr(item, "value", 0) is None for item in metrics.items
    )


def _report(
    call: CallFacts, name: str, value: Seq, outputs: OutputsSpec, versions: tuple[Version, ...]
) -> Optional[Report]:
    assert call.model is not None
    written = arg_spec(value)
    if written is None:
        return None
    aspects = ASPECTS.get(name, ())
    judged = judge(versions, argument_scenario(call, name, outputs, written), aspects, untrained=name == "loss")
    if not judged.misbehaving():
        return None
    entries = counted(len(value.items), "entry", "entries")
    short_loss = name == "loss" and len(value.items) < outputs.count
    advice = "give one entry per output (None for no loss)" if short_loss else "give one entry per output"
    message = (
        f"`{name}` list has {entries} but {model_label(call)} has {outputs.count} outputs "
        f"({expected_names(call.model)}): {'; '.join(effects(judged, aspects))}; {advice}"
    )
    return Report(RULE.code, call.arguments[name].node, message, None, judged.misbehaving(), judged)


_OUTPUTS = OutputsSpec("list", ("a", "b", "c"))
AFFECTS = Affects.from_model(
    (
        Scenario(_OUTPUTS, loss=ArgSpec.list_of(2)),
        Scenario(_OUTPUTS, loss=ArgSpec.list_of(4)),
        Scenario(_OUTPUTS, loss=ArgSpec.list_of(3), loss_weights=ArgSpec.list_of(2)),
        Scenario(_OUTPUTS, loss=ArgSpec.single(), metrics=ArgSpec.list_of(2)),
    ),
    ("loss", "weights"),
    untrained=True,
)
RULE = define_rule(
    "KLO105", "list-length-mismatch", "A list `loss`/`loss_weights`/`metrics` does not match the outputs",
    AFFECTS, check,
)
