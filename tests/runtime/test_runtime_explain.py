"""`explain`, `check` and `WiringCheck` on stand-in models: findings, the table, warnings, errors."""

from __future__ import annotations

import subprocess
import sys
import warnings

import pytest
from runtime_fakes import Array, tensor

import keras_loss_lint
from keras_loss_lint.runtime import WiringError, check, explain


def swapped(keras, **extra):
    return keras.functional([tensor("b"), tensor("a")], loss={"b": "mse", "a": "mae"}, **extra)


def test_sorted_order_loss_on_3_5_is_klo201(fake_keras) -> None:
    explanation = explain(swapped(fake_keras("3.5.0")))
    assert explanation.codes == ("KLO201",)
    table = str(explanation)
    assert "Keras 3.5.0" in table
    assert "! b       ['a'] mae" in table  # output b is trained with the loss written for a
    assert "'b' gets the loss for 'a'" in table


@pytest.mark.parametrize("version", ["3.4.1", "3.7.0", "3.15.1", "2.15.0"])
def test_the_same_model_is_fine_elsewhere(fake_keras, version: str) -> None:
    keras = fake_keras(version)
    model = swapped(keras) if version != "2.15.0" else keras.keras2_functional(
        [tensor("b"), tensor("a")], loss={"b": "mse", "a": "mae"}
    )
    explanation = explain(model)
    assert explanation.ok and explanation.certain, str(explanation)
    assert "no finding" in str(explanation)


def test_labels_are_checked_when_given(fake_keras) -> None:
    keras = fake_keras("3.5.0")
    model = keras.functional([tensor("b"), tensor("a")], loss=["mse", "mae"])
    labels = {"b": Array((2, 1)), "a": Array((2, 1))}
    assert explain(model, y=labels).codes == ("KLO203",)
    assert explain(model, y=[labels["b"], labels["a"]]).ok


def test_one_label_array_for_two_outputs(fake_keras) -> None:
    keras = fake_keras("3.5.0")
    model = keras.functional([tensor("b"), tensor("a")], loss=["mse", "mae"])
    explanation = explain(model, y=Array((2, 1)))
    assert explanation.codes == ("KLO403",)  # the loss and the label lost together: one finding
    keras = fake_keras("3.7.0")
    on_3_7 = explain(keras.functional([tensor("b"), tensor("a")], loss=["mse", "mae"]), y=Array((2, 1)))
    assert on_3_7.codes == ("KLO403",)
    assert on_3_7.outcome is not None and on_3_7.outcome.raises == "ValueError"


def test_a_refusal_names_its_argument(fake_keras) -> None:
    keras = fake_keras("3.15.1")
    model = keras.functional([tensor("b_head"), tensor("a_head")], loss={"b_head": "mse", "a_haed": "mae"})
    explanation = explain(model)
    assert explanation.codes == ("KLO101",)
    assert "raises ValueError at the first fit/evaluate step because of `loss`" in str(explanation)


def test_weighted_metrics_are_checked_like_metrics(fake_keras) -> None:
    keras = fake_keras("3.7.0")
    model = keras.functional([tensor("b"), tensor("a")], loss="mse", weighted_metrics={"b": ["mae"], "c": ["mae"]})
    explanation = explain(model)
    assert explanation.codes == ("KLO103",)
    assert explanation.findings[0].argument == "weighted_metrics"


def test_inputs_line_says_which_array_feeds_which_input(fake_keras) -> None:
    keras = fake_keras("3.7.0")
    model = keras.functional([tensor("b")], inputs={"image": tensor("image"), "meta": tensor("meta")}, loss="mse")
    explanation = explain(model, x={"meta": Array((2, 1)), "image": Array((2, 3)), "extra": Array((2, 1))})
    assert explanation.inputs == "inputs: image <- x['image'], meta <- x['meta']"
    assert explanation.ok
    assert any("ignored by this release: 'extra'" in note for note in explanation.notes)


def test_unknown_release_is_assumed_like_its_neighbours(fake_keras) -> None:
    explanation = explain(swapped(fake_keras("4.0.0")))
    assert any("newer than the newest release" in note for note in explanation.notes)


def test_check_raises_with_the_table(fake_keras) -> None:
    keras = fake_keras("3.6.0")
    with pytest.raises(WiringError) as raised:
        check(swapped(keras))
    assert raised.value.explanation.codes == ("KLO201",)
    assert "KLO201" in str(raised.value)
    assert check(keras.functional([tensor("b"), tensor("a")], loss=["mse", "mae"])).ok


def test_callback_warns_or_raises_at_train_begin(fake_keras) -> None:
    keras = fake_keras("3.5.0")
    callback = keras_loss_lint.WiringCheck()
    assert isinstance(callback, keras.classes["Callback"])
    callback.set_model(swapped(keras))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        callback.on_train_begin()
    assert [w.category.__name__ for w in caught] == ["WiringWarning"]
    strict = keras_loss_lint.WiringCheck(raise_on_finding=True)
    strict.set_model(swapped(keras))
    with pytest.raises(keras_loss_lint.WiringError):
        strict.on_train_begin()


def test_importing_the_package_imports_neither_keras_nor_libcst() -> None:
    probe = (
        "import sys, keras_loss_lint; keras_loss_lint.explain; keras_loss_lint.check; "
        "keras_loss_lint.load_ipython_extension; "
        "bad = [m for m in ('keras', 'libcst', 'tensorflow', 'IPython') if m in sys.modules]; "
        "sys.exit(repr(bad) if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
