"""What each Keras release feeds a Functional model's inputs from `x`: the one place that encodes how
a dict `x` is paired with list, tuple or single inputs.

`predict_inputs(version, scenario)` answers, per input in written order, which `x` entry reaches it,
or which exception Keras raises. The conformance suite (`tests/conformance/test_inputs.py`) runs every
case with each method that takes an `x`. Measured there, on 2.15.0, 3.0.5, 3.3.3, 3.4.0, 3.4.1, 3.5.0,
3.6.0, 3.7.0, 3.8.0, 3.14.0 and 3.15.1:

* 3.4.0-3.6.0 feed a dict in sorted key order to the inputs in written order; 3.3.3 and earlier, 3.7.0
  and later, and Keras 2 feed each input the entry named after it and ignore other keys.
* Where the keys do not cover the input names, `fit`/`evaluate`/`*_on_batch` differ from `predict` on
  3.5.0 and later: their first call traces the model to build the compiled loss and metrics and turns
  the failure into `RuntimeError: Unable to automatically build the model`, while `predict` and
  `predict_on_batch` feed the arrays in sorted order (3.5.0, 3.6.0) or raise ValueError (3.7.0, 3.8.0).
  From 3.14.0 every method raises the ValueError.
"""

from __future__ import annotations

from packaging.version import Version

from keras_loss_lint.keras.api import LABEL_METHODS
from keras_loss_lint.keras.scenario import InputOutcome, InputScenario
from keras_loss_lint.keras.versions import InputsEra, inputs_era

# The first release whose `fit` traces the model before its first step (measured: 3.4.1 does not).
V3_5 = Version("3.5.0")
# The first release whose traced build lets the ValueError through: 3.8.0 still wraps it, 3.14.0 does
# not (both measured); 3.9-3.13 are unmeasured and assumed to wrap it like 3.8.0. Only the exception
# class depends on this, never whether the call fails.
FIT_RAISES_VALUE_ERROR = Version("3.14.0")


def predict_inputs(version: Version, scenario: InputScenario) -> InputOutcome:
    inputs, x = scenario.inputs, scenario.x
    names = inputs.names
    if x.kind != "dict":
        # A list or tuple is fed by position and one array to a single input, everywhere.
        labels = x.labels()
        return InputOutcome(tuple(labels[i] if i < len(labels) else None for i in range(inputs.count)))
    if inputs.kind == "dict":
        return _dict_inputs(version, scenario)
    era = inputs_era(version)
    uncovered = any(name not in x.keys for name in names)
    if uncovered and scenario.method in LABEL_METHODS and V3_5 <= version < FIT_RAISES_VALUE_ERROR:
        return InputOutcome(raises="RuntimeError")
    if era is InputsEra.SORTED:
        # `tree.flatten` sorts the keys; the zip with the inputs drops surplus arrays, and too few
        # arrays fail when the graph looks up the input left without one (measured: KeyError).
        ordered = sorted(x.keys)
        if len(ordered) < inputs.count:
            return InputOutcome(raises="KeyError")
        return InputOutcome(tuple(ordered[: inputs.count]))
    if uncovered:
        return InputOutcome(raises="KeyError" if era is InputsEra.BY_NAME else "ValueError")
    return InputOutcome(tuple(names))


def _dict_inputs(version: Version, scenario: InputScenario) -> InputOutcome:
    """Dict inputs take the entry under each key; where the keys of `x` do not cover them, what
    happens was measured with every method (tests/conformance/test_inputs.py, `klo110_dict_inputs_*`,
    and the explain cases of a dict leaving a key out)."""
    inputs, x = scenario.inputs, scenario.x
    keys = inputs.keys or inputs.names
    if all(key in x.keys for key in keys):
        return InputOutcome(tuple(keys))
    if version.major < 3:
        return InputOutcome(raises="ValueError")
    if inputs_era(version) is InputsEra.BY_NAME:  # 3.0-3.3 look each key up
        return InputOutcome(raises="KeyError")
    if scenario.method in LABEL_METHODS and version >= V3_5:
        # The traced build fails: wrapped in RuntimeError until 3.14.0, a ValueError from then on.
        return InputOutcome(raises="ValueError" if version >= FIT_RAISES_VALUE_ERROR else "RuntimeError")
    if len(x.keys) < inputs.count:
        # Too few arrays: 3.14.0 and later check first ("Missing data for input"); earlier releases fail
        # looking up the key left without one.
        return InputOutcome(raises="ValueError" if version >= FIT_RAISES_VALUE_ERROR else "KeyError")
    # From 3.4.0 on, even 3.15.1, both dicts are flattened in sorted key order and paired by position:
    # a misspelt key silently feeds its array, and its neighbours', to other inputs.
    by_sorted_key = dict(zip(sorted(keys), sorted(x.keys)))
    return InputOutcome(tuple(by_sorted_key[key] for key in keys))


def intended_inputs(scenario: InputScenario) -> InputOutcome:
    """What the code says: each input gets the entry keyed by its name (or at its position)."""
    inputs, x = scenario.inputs, scenario.x
    if x.kind != "dict":
        labels = x.labels()
        return InputOutcome(tuple(labels[i] if i < len(labels) else None for i in range(inputs.count)))
    keys = inputs.keys if inputs.kind == "dict" and inputs.keys is not None else inputs.names
    return InputOutcome(tuple(key if key in x.keys else None for key in keys))
