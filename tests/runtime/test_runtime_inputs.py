"""`explain`/`check` with an `x`: which array reaches which input on the installed release, and the
KLO110/KLO207 findings the static rules make, from the same semantics model (stand-in models here;
real releases in tests/conformance/test_explain.py)."""

from __future__ import annotations

import pytest
from runtime_fakes import Array, tensor

from keras_loss_lint.keras.scenario import InputOutcome
from keras_loss_lint.runtime import WiringError, check, explain

X = Array((2, 4))


def two_inputs(keras, *names: str, kind: type = list):
    inputs = kind(tensor(name) for name in names)
    return keras.functional([tensor("head_0"), tensor("head_1")], inputs=inputs, loss="mse")


@pytest.mark.parametrize("version", ["3.4.0", "3.5.0", "3.6.0"])
def test_a_dict_x_for_unsorted_list_inputs_is_klo207_where_keras_sorts(fake_keras, version: str) -> None:
    model = two_inputs(fake_keras(version), "b", "a")
    explanation = explain(model, x={"b": X, "a": X})
    assert explanation.codes == ("KLO207",)
    [finding] = explanation.findings
    assert (finding.argument, finding.outputs) == ("x", ("b", "a"))
    assert finding.message == (
        f"on Keras {version} fit() feeds 'b' gets x['a'] (meant: x['b']), 'a' gets x['b'] (meant: x['a']): "
        "a dict `x` is fed to list inputs in sorted key order"
    )
    assert explanation.input_outcome == InputOutcome(("a", "b"))
    table = str(explanation)
    assert "inputs: b <- x['a'] (meant: x['b']), a <- x['b'] (meant: x['a'])" in table
    assert "! " not in table  # no output row is marked for an input's finding
    with pytest.raises(WiringError):
        check(model, x={"b": X, "a": X})


@pytest.mark.parametrize("version", ["3.3.3", "3.7.0", "3.15.1"])
def test_the_same_call_is_fine_where_keras_feeds_by_name(fake_keras, version: str) -> None:
    model = two_inputs(fake_keras(version), "b", "a", kind=tuple)
    explanation = check(model, x={"b": X, "a": X})
    assert explanation.inputs == "inputs: b <- x['b'], a <- x['a']"
    assert explanation.input_scenario is not None and explanation.input_scenario.inputs.kind == "tuple"


@pytest.mark.parametrize(
    ("version", "method", "raised"),
    [("3.7.0", "predict", "ValueError"), ("3.3.3", "fit", "KeyError"), ("3.5.0", "fit", "RuntimeError")],
)
def test_a_key_naming_no_input_is_klo110_where_keras_raises(fake_keras, version, method, raised) -> None:
    model = two_inputs(fake_keras(version), "b", "a")
    explanation = explain(model, x={"b": X, "c": X}, method=method)
    assert explanation.codes == ("KLO110",)
    assert explanation.findings[0].message.startswith(f"Keras {version} raises {raised} in {method}() ")
    assert explanation.inputs == f"inputs: Keras {version} raises {raised} when {method}() starts (b, a)"


def test_a_key_naming_no_input_is_fed_by_position_on_3_6_predict(fake_keras) -> None:
    explanation = explain(two_inputs(fake_keras("3.6.0"), "b", "a"), x={"b": X, "c": X}, method="predict")
    assert explanation.codes == ("KLO110",)
    assert explanation.inputs == "inputs: b <- x['b'], a <- x['c'] (meant: nothing)"


def test_a_list_x_is_fed_by_position_and_never_a_finding(fake_keras) -> None:
    explanation = explain(two_inputs(fake_keras("3.5.0"), "b", "a"), x=[X, X])
    assert (explanation.codes, explanation.inputs) == ((), "inputs: b <- x[0], a <- x[1]")


def test_an_x_that_is_not_read_is_shown_as_given(fake_keras) -> None:
    explanation = explain(two_inputs(fake_keras("3.5.0"), "b", "a"), x=X)
    assert (explanation.codes, explanation.inputs, explanation.input_scenario) == ((), "inputs: b <- x, a <- x", None)


@pytest.mark.parametrize(("method", "raised"), [("fit", "RuntimeError"), ("predict", "KeyError")])
def test_dict_inputs_missing_a_key_raise(fake_keras, method: str, raised: str) -> None:
    keras = fake_keras("3.5.0")
    model = keras.functional([tensor("head")], inputs={"image": tensor("image"), "meta": tensor("meta")}, loss="mse")
    explanation = explain(model, x={"image": X}, method=method)
    assert explanation.codes == ("KLO110",)
    assert f"raises {raised}" in explanation.findings[0].message


def test_input_findings_come_with_the_output_findings(fake_keras) -> None:
    keras = fake_keras("3.5.0")
    outputs, inputs = [tensor("b"), tensor("a")], [tensor("y"), tensor("x")]
    model = keras.functional(outputs, inputs=inputs, loss={"b": "mse", "a": "mae"})
    explanation = explain(model, x={"y": X, "x": X})
    assert explanation.codes == ("KLO201", "KLO207")
    assert str(explanation).count("! ") == 2  # the two output rows of KLO201


def test_an_unknown_method_is_refused(fake_keras) -> None:
    with pytest.raises(ValueError, match="method must be one of"):
        explain(two_inputs(fake_keras("3.5.0"), "b", "a"), x={"a": X}, method="call")
