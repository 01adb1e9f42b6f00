"""## What it does
Checks the keys of a dict `x` given to `fit()`, `evaluate()`, `predict()`, `train_on_batch()`,
`test_on_batch()` or `predict_on_batch()`, or as the `x` of `fit(validation_data=(x, y))`, against a
Functional model's inputs: the names of its list, tuple or single inputs (each
`keras.Input(name=...)`), or the keys of its dict inputs. It reports a key that names no input, or a
dict that leaves an input out, on the targeted releases where that feeds an input the wrong array or
raises.

## Why is this bad?
What happens depends on the release (measured on 2.15.0 and 3.0.5-3.15.1 with every method):
- List, tuple or single inputs: Keras 2 and 3.7.0 and later raise `ValueError` ("The structure of
  `inputs` doesn't match the expected structure"), 3.0-3.3 raise `KeyError`, and 3.4.0-3.6.0 feed the
  arrays in sorted key order whatever the keys are, so the input the key was meant for silently gets
  another array. An extra key beside every input name is ignored, except on 3.4.0-3.6.0, where it can
  shift the other arrays.
- Dict inputs: Keras 2 raises `ValueError` and 3.0-3.3 `KeyError`; from 3.4.0 on, 3.15.1 included,
  `predict()` pairs both dicts in sorted key order, so a misspelt key silently feeds its array to
  another input. An extra key beside every input key is ignored everywhere.
- On 3.5.0 and later `fit()`, `evaluate()` and the `*_on_batch` methods build the model first and
  fail before the first step (`RuntimeError: Unable to automatically build the model`; `ValueError`
  from 3.14.0), while `predict()` still runs. The `x` of `validation_data` is fed as `predict()` feeds
  it, at the end of the first epoch: the training ran, and the validation scores are wrong.

An input without `name=` is named `input_layer`, `input_layer_1`, ... (Keras 2: `input_1`, ...) from a
per-process counter: a key that may be such a name is not reported.

## Example
```python
image = keras.Input(shape=(32,), name="image")
meta = keras.Input(shape=(4,), name="meta")
model = keras.Model([image, meta], outputs)
model.fit({"image": x_image, "metadata": x_meta}, y)
```

## Use instead
```python
model.fit({"image": x_image, "meta": x_meta}, y)
```

## Fix safety
Renaming the key to the single close input name is unsafe. It is offered only when the dict with the key
renamed does what it says on every targeted release, as the semantics model judges it: not where the
renamed dict would still be fed in sorted key order, or would still leave an input out on a release that
raises for that.
"""

from __future__ import annotations

import dataclasses
from typing import Iterator, Sequence

from packaging.version import Version

from keras_loss_lint.analysis.facts import CallFacts, Entry
from keras_loss_lint.core.diagnostics import Applicability
from keras_loss_lint.rules.base import Report, RuleContext, define_rule
from keras_loss_lint.rules.common import did_you_mean, model_label, quote
from keras_loss_lint.rules.inputs import (
    DictX,
    KnownInputs,
    dict_xs,
    effects,
    known_inputs,
    may_be_auto_input_name,
    predict_differs,
    scenario_of,
)
from keras_loss_lint.keras.judgement import judge
from keras_loss_lint.keras.scenario import InputScenario
from keras_loss_lint.rules.keys import rename_fix, renamed
from keras_loss_lint.rules.phrasing import comes_out_right


def check(context: RuleContext) -> Iterator[Report]:
    versions = context.affected(RULE)
    if not versions:
        return
    for call in context.facts.x_calls():
        known = known_inputs(call)
        if known is None:
            continue
        for x in dict_xs(call):
            yield from _check_one(versions, call, known, x)


def _check_one(versions: Sequence[Version], call: CallFacts, known: KnownInputs, x: DictX) -> Iterator[Report]:
    keys = {key for key in known.keys() if key is not None}
    wrong = [entry for entry in x.mapping.entries if entry.key not in keys]
    if any(key is None for key in known.keys()) and any(may_be_auto_input_name(entry.key) for entry in wrong):
        return  # it may be the auto name of an unnamed input
    missing = [label for label, key in zip(known.shown(), known.keys()) if key not in x.keys()]
    if not wrong and not missing:
        return
    scenario = scenario_of(known, x)
    # The releases that feed an input another entry, or raise: an extra key that a release leaves
    # alone is not a finding on it.
    versions = judge(versions, scenario).misbehaving()
    if not versions:
        return
    consequence = "; ".join(effects(versions, scenario)) + predict_differs(versions, scenario)
    what = "keys" if known.by_key else "inputs"
    about = f"{model_label(call)} ({what}: {quote(known.shown())})"
    if not wrong:
        noun = "input" if len(missing) == 1 else "inputs"
        message = f"{x.shown} has no entry for {noun} {quote(missing)} of {about}: {consequence}"
        yield Report(RULE.code, x.argument.node, message, None, versions)
        return
    free = [key for key in known.keys() if key is not None and key not in x.keys()]
    names = "names no input key" if known.by_key else "names no input"
    for entry in wrong:
        hint = did_you_mean(entry.key, free)
        fix = rename_fix(entry, hint) if hint and _rename_comes_out_right(versions, scenario, entry, hint) else None
        key = f"{entry.key!r} (did you mean {hint!r}?)" if hint else repr(entry.key)
        message = f"{x.shown} key {key} {names} of {about}: {consequence}"
        yield Report(RULE.code, entry.key_node or x.argument.node, message, fix, versions)


def _rename_comes_out_right(versions: Sequence[Version], scenario: InputScenario, entry: Entry, new: str) -> bool:
    """Whether `x` with the key renamed feeds every input its own array on every targeted release (a
    sorted-order release may still mis-feed it: then the rename is not offered)."""
    fixed = dataclasses.replace(scenario, x=renamed(scenario.x, entry.key, new))
    return comes_out_right(versions, fixed)


RULE = define_rule(
    "KLO110", "input-key-not-an-input", "A dict `x` key is not an input name", "", check, Applicability.UNSAFE,
)
