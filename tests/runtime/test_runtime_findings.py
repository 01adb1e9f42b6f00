"""The findings `explain` reports, over the whole conformance catalogue and every known release, with
the semantics model standing in for Keras (tests/conformance/test_explain.py runs the real releases).

A finding is due exactly when the release does not do what the code says, and carries the code the
conformance expectations name (`conformance/explain_expectations.py`).
"""

from __future__ import annotations

import pytest

from conformance.explain_expectations import EXPLAIN_INPUT_CASES, expected_code, meant_by_code, meant_inputs
from conformance.input_scenarios import InputCase
from conformance.scenarios import CASES, Case
from conformance.wire import observable
from keras_loss_lint.keras.semantics import predict, predict_inputs
from keras_loss_lint.keras.versions import KNOWN_RELEASES
from keras_loss_lint.runtime.findings import REASONS, findings_for
from keras_loss_lint.runtime.inputs import read_inputs
from keras_loss_lint.runtime.reading import InputsView


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_findings_match_the_catalogue_on_every_release(case: Case) -> None:
    problems = []
    for version in KNOWN_RELEASES:
        outcome = observable(predict(version, case.scenario))
        codes = [f.code for f in findings_for(version, case.scenario)]
        due = not meant_by_code(case, outcome)
        if bool(codes) != due:
            problems.append(f"{version}: finding due {due}, got {codes} for {outcome}")
        elif due and expected_code(version, case) not in codes:
            problems.append(f"{version}: expected {expected_code(version, case)}, got {codes}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("case", EXPLAIN_INPUT_CASES, ids=lambda c: c.id)
def test_input_findings_match_the_x_catalogue_on_every_release(case: InputCase) -> None:
    inputs = case.scenario.inputs
    view = InputsView(inputs.kind, inputs.names, inputs.keys)
    spec = case.scenario.x
    x = {key: None for key in spec.keys} if spec.kind == "dict" else [None] * (spec.length or 0)
    problems = []
    for version in KNOWN_RELEASES:
        read = read_inputs(version, view, x, case.scenario.method)
        outcome = predict_inputs(version, case.scenario)
        codes = [f.code for f in read.findings]
        due = not meant_inputs(case, outcome)
        if read.outcome != outcome or bool(codes) != due or (due and codes != [case.rule]):
            problems.append(f"{version}: finding due {due}, got {codes} for {read.outcome}")
    assert not problems, "\n".join(problems)


def test_every_code_has_a_reason() -> None:
    assert all(code.startswith("KLO") and text for code, text in REASONS.items())
