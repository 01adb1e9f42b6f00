"""## What it does
Checks the keys of a dict `x` given to `fit()`, `evaluate()`, `predict()`, `train_on_batch()`,
`test_on_batch()` or `predict_on_batch()` against the names of a Functional model's list, tuple or
single inputs (each `keras.Input(name=...)`), and reports a key that names no input, or a dict that
leaves an input out.

## Why is this bad?
What happens depends on the release (measured on 2.15.0 and 3.0.5-3.15.1): Keras 2 and 3.7.0 and later
raise `ValueError` ("The structure of `inputs` doesn't match the expected structure"), 3.0-3.3 raise
`KeyError`, and 3.4.0-3.6.0 feed the arrays in sorted key order whatever the keys are, so the input
the key was meant for silently gets another array. On 3.5.0 and later `fit()` and `evaluate()` fail
before the first step with `RuntimeError: Unable to automatically build the model`, while `predict()`
still runs on 3.5.0 and 3.6.0. An extra key beside every input name is ignored, except on
3.4.0-3.6.0, where it can shift the other arrays.

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
Renaming the key to the single close input name is unsafe.
"""

from __future__ import annotations

from typing import Iterator

from keras_loss_lint.analysis.facts import Entry
from keras_loss_lint.core.diagnostics import Applicability
from keras_loss_lint.rules.base import Report, RuleContext, define_rule
from keras_loss_lint.rules.common import did_you_mean, model_label, quote
from keras_loss_lint.rules.inputs import (
    dict_x,
    effects,
    known_inputs,
    may_be_auto_input_name,
    predict_differs,
    scenario_of,
)
from keras_loss_lint.rules.keys import rename_fix


def check(context: RuleContext) -> Iterator[Report]:
    versions = context.affected(RULE)
    for call in context.facts.x_calls():
        known, found = known_inputs(call), dict_x(call)
        if known is None or found is None or not versions:
            continue
        argument, x = found
        names = {name for name in known.names if name is not None}
        wrong = [entry for entry in x.entries if entry.key not in names]
        if not known.all_named and any(may_be_auto_input_name(entry.key) for entry in wrong):
            continue  # it may be the auto name of an unnamed input
        missing = [name for name in known.labels() if name not in x.keys()]
        if not wrong and not missing:
            continue
        scenario = scenario_of(known, x, call.method)
        consequence = "; ".join(effects(versions, scenario)) + predict_differs(versions, scenario)
        about = f"{model_label(call)} (inputs: {quote(known.labels())})"
        if not wrong:
            noun = "input" if len(missing) == 1 else "inputs"
            message = f"`x` has no entry for {noun} {quote(missing)} of {about}: {consequence}"
            yield Report(RULE.code, argument.node, message, None, versions)
            continue
        free = [name for name in known.names if name is not None and name not in x.keys()]
        for entry in wrong:
            yield _report(entry, free, about, consequence, argument.node, versions)


def _report(entry: Entry, free: list[str], about: str, consequence: str, node, versions) -> Report:
    hint = did_you_mean(entry.key, free)
    key = f"{entry.key!r} (did you mean {hint!r}?)" if hint else repr(entry.key)
    message = f"`x` key {key} names no input of {about}: {consequence}"
    return Report(RULE.code, entry.key_node or node, message, rename_fix(entry, hint), versions)


RULE = define_rule(
    "KLO110", "input-key-not-an-input", "A dict `x` key is not an input name", "", check, Applicability.UNSAFE,
)
