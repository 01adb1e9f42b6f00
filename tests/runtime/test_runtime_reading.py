"""Reading a live model: release, outputs as written, compile arguments, and what cannot be read."""

from __future__ import annotations

import pytest
from runtime_fakes import tensor
from packaging.version import Version

from keras_loss_lint.keras.scenario import ArgSpec, OutputsSpec
from keras_loss_lint.runtime import NotAKerasModel, NotCompiled, explain
from keras_loss_lint.runtime.reading import read_model


def test_list_outputs_are_named_after_their_layers(fake_keras) -> None:
    keras = fake_keras("3.5.0")
    reading = read_model(keras.functional([tensor("b"), tensor("a")], loss="mse"))
    assert reading.version == Version("3.5.0")
    assert reading.outputs == OutputsSpec("list", ("b", "a"))
    assert reading.arguments.source == "model._compile_config"
    assert reading.inputs.names == ("features",)


def test_dict_outputs_keep_written_keys_and_layer_names(fake_keras) -> None:
    keras = fake_keras("3.4.1")
    model = keras.functional({"score": tensor("head_s"), "label": tensor("head_l")}, loss="mse")
    assert read_model(model).outputs == OutputsSpec("dict", ("head_s", "head_l"), keys=("score", "label"))


def test_single_and_tuple_outputs(fake_keras) -> None:
    keras = fake_keras("3.7.0")
    assert read_model(keras.functional(tensor("out"), loss="mse")).outputs == OutputsSpec("single", ("out",))
    tupled = keras.functional((tensor("b"), tensor("a")), loss="mse")
    assert read_model(tupled).outputs == OutputsSpec("tuple", ("b", "a"))


def test_keras2_reads_the_containers_and_raw_layer_names(fake_keras) -> None:
    keras = fake_keras("2.15.0")
    model = keras.keras2_functional([tensor("h"), tensor("h")], loss={"h": "mse"}, metrics=["mae"])
    reading = read_model(model)
    assert reading.outputs == OutputsSpec("list", ("h", "h"))  # output_names would say h, h_1
    assert reading.arguments.source == "the model's compiled loss and metrics containers"
    assert reading.arguments.get("loss") == {"h": "mse"}
    assert reading.arguments.get("metrics") == ["mae"]


def test_sequential_has_one_unnamed_output(fake_keras) -> None:
    keras = fake_keras("3.15.1")
    reading = read_model(keras.sequential(loss={"head": "mse"}))
    assert reading.model_kind == "sequential"
    assert reading.outputs == OutputsSpec("single", ("head",), model_kind="sequential")


def test_subclassed_without_x_says_it_cannot_see_the_outputs(fake_keras) -> None:
    keras = fake_keras("3.15.1")
    explanation = explain(keras.subclassed(loss={"a": "mse"}))
    assert not explanation.certain and explanation.ok
    assert any("subclassed model shows its outputs only when called" in note for note in explanation.notes)
    assert "cannot be predicted" in str(explanation)


def test_nested_outputs_are_not_guessed(fake_keras) -> None:
    keras = fake_keras("3.7.0")
    explanation = explain(keras.functional([[tensor("a"), tensor("b")], tensor("c")], loss="mse"))
    assert not explanation.certain
    assert any("nested" in note for note in explanation.notes)


def test_non_string_keys_are_not_guessed(fake_keras) -> None:
    keras = fake_keras("3.5.0")
    explanation = explain(keras.functional([tensor("b"), tensor("a")], loss={0: "mse", 1: "mae"}))
    assert not explanation.certain
    assert any("`loss` is not covered" in note for note in explanation.notes)


def test_a_model_that_is_not_compiled_is_refused(fake_keras) -> None:
    keras = fake_keras("3.5.0")
    model = keras.functional([tensor("b")], loss="mse")
    model.compiled = False
    with pytest.raises(NotCompiled, match="compile"):
        explain(model)


def test_something_else_is_refused() -> None:
    with pytest.raises(NotAKerasModel):
        explain(object())


def test_arguments_keep_their_written_structure(fake_keras) -> None:
    keras = fake_keras("3.5.0")
    model = keras.functional(
        [tensor("b"), tensor("a")], loss=["mse", None], loss_weights={"b": 1.0, "a": 2.0}, metrics=[["mae"], []]
    )
    scenario = explain(model).scenario
    assert scenario is not None
    assert scenario.loss == ArgSpec.list_of(2, none_at=(1,))
    assert scenario.loss_weights == ArgSpec.dict_of("b", "a")
    assert scenario.metrics == ArgSpec.list_of(2)
