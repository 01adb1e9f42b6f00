"""Unit tests for the facts extracted from a module: models, output names, resolved arguments."""

from __future__ import annotations

import textwrap

import libcst as cst

from keras_loss_lint.analysis import extract_facts
from keras_loss_lint.analysis.facts import UNKNOWN, Array, Const, Mapping, ModuleFacts, Seq


def facts_of(code: str) -> ModuleFacts:
    return extract_facts(cst.parse_module(textwrap.dedent(code)))


def only_compile(facts: ModuleFacts):
    compiles = facts.compiles()
    assert len(compiles) == 1, compiles
    return compiles[0]


def test_output_names_come_from_layer_name_not_variable() -> None:
    facts = facts_of(
        """
        import keras
        inp = keras.Input((3,))
        priority_pred = keras.layers.Dense(1, name="priority")(inp)
        other = keras.layers.Dense(1)(inp)
        model = keras.Model(inp, [priority_pred, other])
        model.compile(loss="mse")
        """
    )
    outputs = only_compile(facts).model.outputs
    assert outputs.kind == "list"
    assert outputs.names() == ("priority", None)
    assert outputs.leaves[1].is_unnamed
    assert outputs.leaves[1].producer.auto_prefix == "dense"


def test_import_spellings_and_aliases() -> None:
    for header, model_call in [
        ("import tensorflow as tf\nL = tf.keras.layers", "tf.keras.Model"),
        ("from tensorflow import keras\nL = keras.layers", "keras.models.Model"),
        ("import tf_keras as K\nL = K.layers", "K.Model"),
        ("from keras.layers import Dense as D\nimport keras\nclass L:\n    Dense = None", "keras.Model"),
    ]:
        dense = "D" if "as D" in header else "L.Dense"
        facts = facts_of(
            f"{header}\nimport keras as kk\ni = kk.Input((2,))\n"
            f"m = {model_call}(i, [{dense}(1, name='a')(i), {dense}(1, name='b')(i)])\nm.compile(loss='mse')\n"
        )
        assert only_compile(facts).model.outputs.names() == ("a", "b"), header


def test_names_from_loops_comprehensions_and_formatting() -> None:
    facts = facts_of(
        """
        import keras
        from keras import layers
        x = keras.Input((4,))
        heads = [layers.Dense(1, name=f"head_{i}")(x) for i in range(12)]
        extra = []
        for i, task in enumerate(["a", "b"]):
            extra.append(layers.Dense(1, name="task_%s_%d" % (task, i))(x))
        model = keras.Model(x, heads + extra + [layers.Dense(1, name="{}_out".format("z"))(x)])
        model.compile(loss="mse")
        """
    )
    names = only_compile(facts).model.outputs.names()
    assert names == tuple(f"head_{i}" for i in range(12)) + ("task_a_0", "task_b_1", "z_out")


def test_helper_functions_with_arguments_and_tuple_unpacking() -> None:
    facts = facts_of(
        """
        import keras
        from keras import layers

        def head(t, name):
            return layers.Dense(1, name=name)(t)

        def build():
            x = keras.Input((4,))
            a, b = head(x, "alpha"), head(x, name="beta")
            return keras.Model(inputs=x, outputs=(b, a))

        model = build()
        model.compile(loss={"alpha": "mse", "beta": "mae"})
        """
    )
    call = only_compile(facts)
    assert call.model.outputs.kind == "tuple"
    assert call.model.outputs.names() == ("beta", "alpha")
    assert isinstance(call.argument("loss").value, Mapping)


def test_dict_construction_forms() -> None:
    facts = facts_of(
        """
        import keras
        x = keras.Input((4,))
        m = keras.Model(x, [keras.layers.Dense(1, name="a")(x), keras.layers.Dense(1, name="b")(x)])
        base = dict(a="mse")
        names = ["a", "b"]
        m.compile(loss={**base, "b": "mae"})
        m.compile(loss=dict(zip(names, ["mse", "mae"])))
        m.compile(loss={n: "mse" for n in m.output_names})
        extra = {}
        extra["b"] = "mae"
        m.compile(loss=base | extra)
        """
    )
    for call in facts.compiles():
        loss = call.argument("loss").value
        assert isinstance(loss, Mapping), call
        assert set(loss.keys()) == {"a", "b"}


def test_branches_join_to_unknown_and_last_binding_wins() -> None:
    facts = facts_of(
        """
        import sys
        import keras
        x = keras.Input((4,))
        m = keras.Model(x, [keras.layers.Dense(1, name="a")(x), keras.layers.Dense(1, name="b")(x)])
        loss = {"a": "mse"}
        loss = {"a": "mse", "b": "mae"}
        m.compile(loss=loss)
        if sys.argv:
            loss = {"b": "mse"}
        m.compile(loss=loss)
        """
    )
    first, second = facts.compiles()
    assert first.argument("loss").value.keys() == ("a", "b")
    assert second.argument("loss").value is UNKNOWN


def test_functional_subclass_and_explicit_base_init() -> None:
    facts = facts_of(
        """
        import keras
        class Net(keras.Model):
            def __init__(self, units, **kwargs):
                x = keras.Input((3,))
                y = keras.layers.Dense(units, name="zeta")(x)
                super().__init__(inputs=x, outputs=[y], **kwargs)

        class Old(keras.Model):
            def __init__(self):
                x = keras.Input((3,))
                keras.Model.__init__(self, x, {"k": keras.layers.Dense(1, name="k")(x)})

        Net(3).compile(loss="mse")
        Old().compile(loss="mse")
        """
    )
    net, old = facts.compiles()
    assert net.model.kind == "functional" and net.model.outputs.names() == ("zeta",)
    assert old.model.outputs.kind == "dict" and old.model.outputs.keys() == ("k",)


def test_subclassed_model_call_returning_dict_gives_keys() -> None:
    facts = facts_of(
        """
        import keras
        class M(keras.Model):
            def __init__(self):
                super().__init__()
                self.a = keras.layers.Dense(1)
            def call(self, x):
                return {"score": self.a(x), "label": self.a(x)}
        M().compile(loss="mse")
        """
    )
    model = only_compile(facts).model
    assert model.kind == "subclassed" and model.returns_dict is True
    assert model.outputs.keys() == ("score", "label")


def test_shared_layer_and_nested_model_names() -> None:
    facts = facts_of(
        """
        import keras
        a = keras.Input((2,))
        shared = keras.layers.Dense(1, name="head")
        inner = keras.Model(a, keras.layers.Dense(1)(a), name="encoder")
        m = keras.Model(a, [shared(a), shared(a), inner(a)])
        m.compile(loss="mse")
        """
    )
    outputs = only_compile(facts).model.outputs
    assert outputs.names() == ("head", "head", "encoder")
    assert outputs.leaves[0].producer is outputs.leaves[1].producer


def test_unknown_model_and_dynamic_values_stay_unknown() -> None:
    facts = facts_of(
        """
        import keras
        from elsewhere import build, LOSSES
        m = build()
        m.compile(loss={"a": "mse"})
        x = keras.Input((2,))
        n = keras.Model(x, [keras.layers.Dense(1, name=NAME)(x) for NAME in LOSSES])
        n.compile(loss=LOSSES)
        """
    )
    calls = facts.compiles()
    assert calls[0].model is None
    assert calls[1].model.outputs.kind == "unknown" or not calls[1].model.outputs.all_named()
    assert calls[1].argument("loss").value is UNKNOWN


def test_fit_arguments_positional_and_keyword() -> None:
    facts = facts_of(
        """
        import numpy as np
        import keras
        x = keras.Input((2,))
        m = keras.Model(x, [keras.layers.Dense(1, name="a")(x), keras.layers.Dense(1, name="b")(x)])
        m.fit(np.zeros((2, 2)), np.zeros((2, 1)))
        m.evaluate(x=None, y={"a": 1, "b": 2}, sample_weight=[1, 2])
        """
    )
    fit, evaluate = facts.label_calls()
    assert isinstance(fit.argument("y").value, Array)
    assert isinstance(evaluate.argument("y").value, Mapping)
    assert isinstance(evaluate.argument("sample_weight").value, Seq)


def test_compile_positional_arguments_beyond_loss_stay_positional() -> None:
    facts = facts_of(
        """
        import keras
        x = keras.Input((2,))
        m = keras.Model(x, keras.layers.Dense(1, name="a")(x))
        m.compile("adam", "mse", ["mae"])
        """
    )
    call = only_compile(facts)
    assert call.argument("loss").value == Const("mse")
    assert "metrics" not in call.arguments and "loss_weights" not in call.arguments
    assert len(call.positional) == 3


def test_huge_and_hostile_modules_do_not_blow_up() -> None:
    hostile = "import keras\nx = 'a' * 10**12\ny = 2 ** 10 ** 10\nfor i in range(10**9):\n    pass\n"
    hostile += "def f():\n    return f()\nf()\nwhile True:\n    z = [z]\n"
    facts = facts_of(hostile)
    assert facts.compiles() == []


def test_custom_layers_and_ops_on_unfollowed_models_give_outputs() -> None:
    facts = facts_of(
        """
        import tensorflow as tf
        import keras
        from keras import layers
        from zoo import backbone

        class Head(layers.Layer):
            def __init__(self, units, **kwargs):
                super().__init__(**kwargs)
                self.dense = layers.Dense(units)

            def call(self, inputs):
                return self.dense(inputs)

        class Split(layers.Layer):
            def call(self, inputs):
                return inputs[:, :1], inputs[:, 1:]

        x = keras.Input((4,))
        first, rest = Split(name="split")(x)
        model = keras.Model(x, [Head(1, name="price")(first), Head(3)(rest), first, rest])
        model.compile(loss="mse")
        ops = keras.Model(backbone.input, [tf.nn.sigmoid(backbone.output[0]), backbone.output[1]])
        ops.compile(loss="mse")
        """
    )
    custom, ops = (call.model for call in facts.compiles())
    assert custom.outputs.names() == ("price", None, "split", "split")
    assert custom.outputs.leaves[1].is_unnamed and custom.outputs.leaves[1].producer.auto_prefix == "head"
    assert custom.outputs.leaves[2].producer is custom.outputs.leaves[3].producer
    assert custom.outputs.all_known() and not ops.outputs.all_known()
    sigmoid = ops.outputs.leaves[0].producer
    assert sigmoid is not None and sigmoid.name_state == "unknown"
