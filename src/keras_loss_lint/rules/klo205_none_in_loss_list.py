"""## What it does
Finds a list `loss` holding `None` before a later loss, for a multi-output Functional model.

## Why is this bad?
`None` is meant to say "this output has no loss", but Keras 3.0-3.4 drop the `None` before pairing,
so every later loss shifts onto the previous output. Keras 3.5.0 and 3.6.0 drop the `None` too and
then use only the first *n - k* positions of the list (*k* the number of `None`s), so the losses after
it are silently not applied: `[None, "mse"]` trains nothing and `["mae", None, "mse"]` trains only the
first output (measured on real releases; see docs/conformance.md). Only 3.7 and later read the list as
written.

## Example
```python
model = keras.Model(inputs, [aux, main])
model.compile(loss=[None, "mse"])  # 3.0-3.4 train `aux` with mse; 3.5-3.6 train nothing
```

## Use instead
```python
model.compile(loss=["mse", "mse"], loss_weights=[0.0, 1.0])  # every release; or put the None last
```
"""

from __future__ import annotations

from typing import Iterator, Optional

from packaging.version import Version

from keras_loss_lint.analysis.facts import NONE as _NONE
from keras_loss_lint.analysis.facts import Seq
from keras_loss_lint.keras.judgement import Aspect, Verdict, judge
from keras_loss_lint.keras.scenario import ArgSpec, Outcome, OutputsSpec, Scenario
from keras_loss_lint.rules.base import Affects, Report, RuleContext, define_rule
from keras_loss_lint.rules.common import arg_spec, flat_outputs, on_versions
from keras_loss_lint.rules.phrasing import pairings

ASPECTS: tuple[Aspect, ...] = ("loss",)


def check(context: RuleContext) -> Iterator[Report]:
    versions = context.affected(RULE)
    for call in context.facts.compiles():
        found = flat_outputs(call)
        argument = call.argument("loss")
        if found is None or argument is None or not isinstance(argument.value, Seq):
            continue
        items = argument.value.items
        nones = [i for i, item in enumerate(items) if item == _NONE]
        if len(items) != found[1].count or not nones or nones[0] > max(
            (i for i, item in enumerate(items) if item != _NONE), default=-1
        ):
            continue
        nodes = argument.value.item_nodes
        node = nodes[nones[0]] if nodes is not None else argument.node
        names = tuple(leaf.name or f"output {i}" for i, leaf in enumerate(found[1].leaves))
        report = _report(node, names, argument.value, versions)
        if report is not None:
            yield report


def _report(node, names: tuple[str, ...], loss: Seq, versions) -> Optional[Report]:
    judged = judge(versions, Scenario(OutputsSpec("list", names), loss=arg_spec(loss)), ASPECTS)
    meant = judged.meant
    assert isinstance(meant, Outcome)
    effects: list[str] = []
    on: list[Version] = []
    for outcome, verdict, group in judged.groups():
        if verdict is not Verdict.WRONG or not isinstance(outcome, Outcome):
            continue
        if all(entry is None for entry in outcome.loss_from):
            effects.append(f"on {on_versions(group)} no loss is applied at all")
        else:
            changes = pairings(names, outcome.loss_from, meant.loss_from, "loss")
            effects.append(f"on {on_versions(group)} the None is dropped and {changes}")
        on.extend(group)
    if not effects:
        return None
    message = f"`None` in a list `loss` before a later loss: {'; '.join(effects)}"
    return Report(RULE.code, node, message, None, tuple(on), judged)


AFFECTS = Affects.from_model(
    (Scenario(OutputsSpec("list", ("aux", "main")), loss=ArgSpec.list_of(2, none_at=(0,))),), ASPECTS
)
RULE = define_rule(
    "KLO205", "none-in-loss-list", "`None` in a list loss shifts or drops the other losses", AFFECTS, check,
)
