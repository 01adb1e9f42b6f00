"""## What it does
Finds outputs that share one name (the same layer or nested model used for two outputs) when a dict
`loss`, `loss_weights`, `metrics`, `y` or `sample_weight` addresses outputs by name.

## Why is this bad?
A dict key names a layer; when one layer produces two outputs the key cannot address them separately.
Measured: 3.0-3.4 and 3.7 and later apply the entry to both outputs, as written, so the rule is silent
there; 3.5-3.6 raise a misleading length error, and Keras 2 (which renames the second output `head_1`)
silently gives one output no loss.

## Example
```python
shared = layers.Dense(1, name="head")
model = keras.Model(inputs, [shared(a), shared(b)])
model.compile(loss={"head": "mse"})
```

## Use instead
```python
out_a = layers.Identity(name="head_a")(shared(a))
out_b = layers.Identity(name="head_b")(shared(b))
model = keras.Model(inputs, [out_a, out_b])
model.compile(loss={"head_a": "mse", "head_b": "mae"})
```
"""

from __future__ import annotations

from typing import Iterator, Optional

from packaging.version import Version

from keras_loss_lint.analysis.facts import Argument, CallFacts, OutputLeaf
from keras_loss_lint.keras.judgement import judge
from keras_loss_lint.keras.scenario import ArgSpec, OutputsSpec, Scenario
from keras_loss_lint.rules.base import Affects, Report, RuleContext, define_rule
from keras_loss_lint.rules.common import arg_spec, dict_arguments, flat_outputs
from keras_loss_lint.rules.phrasing import argument_scenario, aspect_of, effects


def check(context: RuleContext) -> Iterator[Report]:
    versions = context.affected(RULE)
    for call in context.facts.calls:
        found = flat_outputs(call)
        if found is None:
            continue
        leaves = found[1].leaves
        duplicates = _duplicates(leaves)
        if not duplicates:
            continue
        outputs = OutputsSpec(found[1].kind, _names(leaves))  # type: ignore[arg-type]
        for name, argument in dict_arguments(call):
            report = _report(call, name, argument, outputs, duplicates, versions)
            if report is not None:
                yield report


def _names(leaves: tuple[OutputLeaf, ...]) -> tuple[str, ...]:
    """The name Keras gives each output: one producer, one name (an unnamed one stands in under a label
    no key can equal)."""
    names = []
    for leaf in leaves:
        producer = leaf.producer
        assert producer is not None  # flat_outputs knows every output
        names.append(producer.name if producer.name else f"<{producer.class_name} #{producer.identity}>")
    return tuple(names)


def _report(
    call: CallFacts, name: str, argument: Argument, outputs: OutputsSpec,
    duplicates: list[tuple[str, list[int]]], versions: tuple[Version, ...],
) -> Optional[Report]:
    written = arg_spec(argument.value)
    if written is None:
        return None
    aspects = (aspect_of(name),)
    judged = judge(versions, argument_scenario(call, name, outputs, written), aspects, untrained=name == "loss")
    if not judged.misbehaving():
        return None
    positions = tuple(f"output {i}" for i in range(outputs.count))
    said = "; ".join(effects(judged, aspects, labels=positions))
    described = "; ".join(
        f"outputs {', '.join(str(i) for i in indexes)} are all produced by {label}" for label, indexes in duplicates
    )
    message = (
        f"dict `{name}` cannot address these outputs separately: {described}: {said}; wrap each in "
        "layers.Identity(name=...) to give it its own name"
    )
    return Report(RULE.code, argument.node, message, None, judged.misbehaving(), judged)


def _duplicates(leaves) -> list[tuple[str, list[int]]]:
    groups: dict[int, list[int]] = {}
    labels: dict[int, str] = {}
    for index, leaf in enumerate(leaves):
        producer = leaf.producer
        if producer is None:
            continue
        groups.setdefault(producer.identity, []).append(index)
        labels[producer.identity] = repr(producer.name) if producer.name else f"{producer.class_name}(...)"
    return [(labels[key], indexes) for key, indexes in groups.items() if len(indexes) > 1]


_OUTPUTS = OutputsSpec("list", ("head", "head"))
AFFECTS = Affects.from_model(
    (
        Scenario(_OUTPUTS, loss=ArgSpec.dict_of("head")),
        Scenario(_OUTPUTS, loss=ArgSpec.dict_of("head"), loss_weights=ArgSpec.dict_of("head")),
        Scenario(_OUTPUTS, loss=ArgSpec.single(), metrics=ArgSpec.dict_of("head")),
        Scenario(_OUTPUTS, loss=ArgSpec.single(), y=ArgSpec.dict_of("head")),
    ),
    ("loss", "weights", "metrics", "labels"),
    untrained=True,
)
RULE = define_rule("KLO108", "duplicate-output-name", "Two outputs share one name", AFFECTS, check)
