"""## What it does
Finds a Functional model with dict `outputs` whose key differs from the `name=` of the layer that
produces that output, when the model is compiled on a Keras release that matches by layer name.

## Why is this bad?
Keras 3.0-3.4 match losses, and 3.0-3.11 match metrics, by the *layer name*, never by the dict key.
With `outputs={"score": layers.Dense(1, name="head_score")(x)}` a loss dict keyed `"score"` raises on
3.0-3.4, and a single loss reaches no output there (`No loss to compute`, or a loss of zero on JAX).
From 3.5 losses are matched by the dict key: a loss dict keyed by the *layer names* then raises, while
3.0-3.4 accept it and compute no loss at all (measured). Metrics keyed by the output keys fail up to
3.11. The message names each `compile()` and argument, and only the releases the semantics model
says misbehave; a key gets one diagnostic however often the model is compiled.

## Example
```python
outputs = {"score": layers.Dense(1, name="head_score")(x)}
```

## Use instead
```python
outputs = {"score": layers.Dense(1, name="score")(x)}
```
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Optional

import libcst as cst
from packaging.version import Version

from keras_loss_lint.analysis.facts import CallFacts, OutputLeaf
from keras_loss_lint.keras.judgement import Aspect, judge
from keras_loss_lint.keras.scenario import ArgSpec, OutputsSpec, Scenario
from keras_loss_lint.rules.base import Affects, Report, RuleContext, define_rule
from keras_loss_lint.rules.common import arg_spec, looks_auto_generated, model_label
from keras_loss_lint.rules.phrasing import effects, outputs_spec

LOSS_ASPECTS: tuple[Aspect, ...] = ("loss", "weights")
METRIC_ASPECTS: tuple[Aspect, ...] = ("metrics",)
_ORDINALS = ("first", "second", "third", "fourth", "fifth")


@dataclass
class _Finding:
    """What every compile() of the model says about one output key: one diagnostic per key."""

    problem: str
    phrases: list[str] = field(default_factory=list)
    versions: set[Version] = field(default_factory=set)


def check(context: RuleContext) -> Iterator[Report]:
    versions = context.affected(RULE)
    findings: dict[cst.CSTNode, _Finding] = {}
    compiles = [call for call in context.facts.compiles() if _dict_outputs(call) is not None]
    for call in compiles:
        spec = _dict_outputs(call)
        assert spec is not None and call.model is not None
        mismatched = [(leaf, _mismatch(leaf)) for leaf in call.model.outputs.leaves]
        mismatched = [(leaf, problem) for leaf, problem in mismatched if problem and leaf.key_node is not None]
        if not mismatched:
            continue
        same_model = [other for other in compiles if other.model is call.model]
        which = _which(call, same_model)
        phrases, broken = _effects(call, spec, versions, which)
        for leaf, problem in mismatched:
            finding = findings.setdefault(leaf.key_node, _Finding(problem))  # type: ignore[arg-type]
            finding.phrases += [phrase for phrase in phrases if phrase not in finding.phrases]
            finding.versions |= set(broken)
    for node, finding in findings.items():
        if finding.versions:
            message = f"{finding.problem}: {'; '.join(finding.phrases)}; name the layer like the key"
            yield Report(RULE.code, node, message, None, tuple(sorted(finding.versions)))


def _dict_outputs(call: CallFacts) -> Optional[OutputsSpec]:
    model = call.model
    if model is None or model.kind != "functional" or model.outputs.kind != "dict":
        return None
    return outputs_spec(model)


def _which(call: CallFacts, compiles: list[CallFacts]) -> str:
    """`model.compile()`, or `the second model.compile()` when the model is compiled several times."""
    receiver = model_label(call)
    label = f"`{receiver.strip('`')}.compile()`" if receiver.startswith("`") else "compile()"
    if len(compiles) < 2:
        return label
    index = compiles.index(call)
    return f"the {_ORDINALS[index] if index < len(_ORDINALS) else f'#{index + 1}'} {label}"


def _effects(
    call: CallFacts, spec: OutputsSpec, versions: tuple[Version, ...], which: str
) -> tuple[list[str], tuple[Version, ...]]:
    """What the compile's `loss` and its `metrics` do on each release, as the semantics model says."""
    loss = _spec(call, "loss")
    phrases: list[str] = []
    broken: set[Version] = set()
    if loss is not None:
        scenario = Scenario(spec, loss=loss, loss_weights=_spec(call, "loss_weights"))
        judged = judge(versions, scenario, LOSS_ASPECTS)
        if judged.misbehaving():
            phrases.append(f"with the `loss` of {which}, " + "; ".join(effects(judged, LOSS_ASPECTS)))
            broken.update(judged.misbehaving())
    for name in ("metrics", "weighted_metrics"):
        metrics = _spec(call, name)
        if metrics is None:
            continue
        judged = judge(versions, Scenario(spec, loss=loss or ArgSpec.single(), metrics=metrics), METRIC_ASPECTS)
        if judged.misbehaving():
            phrases.append(f"with the `{name}` of {which}, " + "; ".join(effects(judged, METRIC_ASPECTS)))
            broken.update(judged.misbehaving())
    return phrases, tuple(sorted(broken))


def _spec(call: CallFacts, name: str) -> Optional[ArgSpec]:
    argument = call.argument(name)
    return arg_spec(argument.value) if argument is not None else None


def _mismatch(leaf: OutputLeaf) -> str | None:
    producer = leaf.producer
    if producer is None or leaf.key is None:
        return None
    if producer.name_state == "explicit" and producer.name != leaf.key:
        return f"output key {leaf.key!r} differs from its layer's name {producer.name!r}"
    if producer.name_state == "auto" and not looks_auto_generated(leaf.key):
        return (
            f"output key {leaf.key!r} is produced by {producer.class_name}(...) without name=, "
            f"whose auto-generated name ('{producer.auto_prefix}_N') differs from the key"
        )
    return None


_OUTPUTS = OutputsSpec("dict", ("head_score",), keys=("score",))
AFFECTS = Affects.from_model(
    (
        Scenario(_OUTPUTS, loss=ArgSpec.dict_of("score")),
        Scenario(_OUTPUTS, loss=ArgSpec.single()),
        Scenario(_OUTPUTS, loss=ArgSpec.dict_of("head_score")),  # keyed by the layer name instead
        Scenario(_OUTPUTS, loss=ArgSpec.single(), metrics=ArgSpec.dict_of("score")),
    ),
    LOSS_ASPECTS + METRIC_ASPECTS,
)
RULE = define_rule(
    "KLO107", "output-key-differs-from-layer-name", "A dict `outputs` key differs from its layer's name",
    AFFECTS, check,
)
