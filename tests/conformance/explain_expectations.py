"""What `explain` must report for a catalogue case on a release, shared by the conformance test
(real Keras) and the fast test of the findings (the semantics model standing in for Keras).

A finding is due exactly when the release does not do what the code says, or refuses it. Its code is
the rule the case is named after, except where the installed release's problem is another rule's:
the runtime names what goes wrong on one release, while a case names the rule whose claim it checks.
"""

from __future__ import annotations

from dataclasses import replace

from packaging.version import Version

from keras_loss_lint.keras.scenario import InputOutcome, InputScenario, InputsSpec
from keras_loss_lint.keras.semantics import ArgSpec, Outcome, Scenario, intended, intended_inputs
from keras_loss_lint.keras.versions import LossEra, loss_era

from .input_scenarios import INPUT_CASES, METHODS, InputCase
from .scenarios import Case
from .wire import observable

# Dict inputs, which the `x` catalogue leaves out (no static rule speaks of them): `explain` still
# says what each release does with them, so the suite measures that too.
_AB = InputsSpec("dict", ("a", "b"), ("a", "b"))
_DICT_INPUT_CASES = (
    InputCase("klo110_dict_inputs_missing_key", InputScenario(_AB, ArgSpec.dict_of("a")),
              "dict inputs {a, b}, x {a}: the input left out has no array"),
    InputCase("klo110_dict_inputs_extra_key_safe", InputScenario(_AB, ArgSpec.dict_of("b", "c", "a")),
              "control: dict inputs take their arrays by key, an extra key is left alone"),
)
# `explain` takes the method a call runs (`fit`, `predict`, ...): a validation `x` is not one of them.
EXPLAIN_INPUT_CASES: tuple[InputCase, ...] = tuple(c for c in INPUT_CASES if c.scenario.method in METHODS) + tuple(
    replace(case, scenario=replace(case.scenario, method=method)) for case in _DICT_INPUT_CASES for method in METHODS
)


def expected_code(version: Version, case: Case) -> str:
    era = loss_era(version)
    if case.name == "klo204_dict_metrics_dict_y_unsorted" and era is LossEra.FLATTENED:
        # 3.5/3.6 already pair the dict y with the wrong heads (KLO203); the metrics' labels are
        # wrong for that reason, not for 3.14.0's (KLO204).
        return "KLO203"
    if case.name == "klo206_list_loss_dict_outputs_keys_differ" and era is LossEra.BY_NAME:
        # 3.0-3.4 match dict outputs by layer name: keys that differ from the names break it first.
        return "KLO107"
    if case.name == "klo105_long_list_metrics" and era is LossEra.KERAS_2:
        # Keras 2 gives every output the whole flat list instead of refusing it.
        return "KLO401"
    return case.rule


def meant_by_code(case: Case, observed: Outcome) -> bool:
    """Whether Keras did what the code says, judged on what a run can show. For dict outputs, a key
    that is an output's layer name also names that output (Keras 2 accepts both)."""
    if observed.raises is not None:
        return False
    count = case.scenario.outputs.count
    meant = _by_layer_name(case.scenario, intended(case.scenario))
    if len(meant.weight_from) != count:  # no loss: `intended` leaves the weights empty
        meant = replace(meant, weight_from=(None,) * count)
    return observable(meant, reach=observed) == observed


def _by_layer_name(scenario: Scenario, meant: Outcome) -> Outcome:
    outputs = scenario.outputs
    if outputs.kind != "dict" or outputs.model_kind != "functional":
        return meant

    def named(argument: ArgSpec | None, assigned: tuple) -> tuple:
        if argument is None or argument.kind != "dict" or len(assigned) != outputs.count:
            return assigned
        return tuple(
            name if entry is None and name in argument.keys and name not in argument.none_at else entry
            for entry, name in zip(assigned, outputs.names)
        )

    metrics = named(scenario.metrics, tuple(m[0] if m else None for m in meant.metrics_from))
    labels = named(scenario.y, meant.label_from)
    return replace(
        meant,
        loss_from=named(scenario.loss, meant.loss_from),
        weight_from=named(scenario.loss_weights, meant.weight_from),
        label_from=labels,
        metrics_from=tuple((m,) if m is not None else () for m in metrics),
        metric_label_from=labels,
    )


def meant_inputs(case: InputCase, observed: InputOutcome) -> bool:
    """Whether Keras fed every input the `x` entry the code gives it (keys naming no input aside)."""
    return observed.raises is None and observed.fed_from == intended_inputs(case.scenario).fed_from
