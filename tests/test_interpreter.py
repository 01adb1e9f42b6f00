"""Unit tests of the abstract interpreter: values, joins, scopes, in-place changes and the budget."""

from __future__ import annotations

import textwrap
import time

import libcst as cst

from keras_loss_lint.analysis.facts import (
    UNKNOWN,
    Const,
    LayerObject,
    Mapping,
    Producer,
    Seq,
    Tensor,
    Value,
    same_value,
)
from keras_loss_lint.analysis import relevance
from keras_loss_lint.analysis.frames import Frame, Trail, join_paths, join_values
from keras_loss_lint.analysis.interpreter import Interpreter


def module_vars(code: str, budget: int = 400_000) -> dict[str, Value]:
    interpreter = Interpreter(cst.parse_module(textwrap.dedent(code)), budget=budget)
    interpreter.run()
    assert interpreter.root_frame is not None
    return interpreter.root_frame.vars


def consts(value: Value) -> object:
    """A plain Python picture of a value made of constants (UNKNOWN stays UNKNOWN)."""
    if isinstance(value, Const):
        return value.value
    if isinstance(value, Seq):
        return [consts(item) for item in value.items]
    if isinstance(value, Mapping):
        return {entry.key: consts(entry.value) for entry in value.entries}
    return value


# ------------------------------------------------------------------------------- values and joins


def test_identity_is_decided_only_for_none_and_booleans() -> None:
    found = module_vars(
        """
        n = None
        a = n is None
        b = n is not None
        c = [] is None
        d = True is True
        e = "x" is "x"
        f = 1 is True
        g = unknown() is None
        """
    )
    assert [consts(found[k]) for k in "abcdf"] == [True, False, False, True, False]
    assert found["e"] is UNKNOWN and found["g"] is UNKNOWN


def test_same_value_is_strict_about_types_and_cheap_on_shared_parts() -> None:
    assert not same_value(Const(1), Const(True))
    assert same_value(Seq((Const("a"),)), Seq((Const("a"),)))
    left: Value = Seq(())
    right: Value = Seq(())
    for _ in range(60):
        left, right = Seq((left, left)), Seq((right, right))
    started = time.monotonic()
    assert left == right
    assert time.monotonic() - started < 1


def test_join_values_keeps_agreement_only() -> None:
    assert join_values([Const("a"), Const("a")]) == Const("a")
    assert join_values([Const("a"), Const("b")]) is UNKNOWN
    assert join_values([Const("a"), None]) is UNKNOWN
    assert join_values([None, None]) is None


def test_trail_undoes_a_path_and_joins_paths() -> None:
    trail = Trail()
    store: dict[str, Value] = {"x": Const(1), "y": Const(2)}
    trail.begin()
    trail.write(store, "x", Const(3))
    first = trail.close()
    assert store == {"x": Const(1), "y": Const(2)}
    trail.begin()
    trail.write(store, "x", Const(3))
    trail.write(store, "y", None)
    second = trail.close()
    join_paths(trail, [first, second])
    assert store == {"x": Const(3), "y": UNKNOWN}


# ------------------------------------------------------------------------------------------ scopes


def test_global_and_nonlocal_write_their_frames() -> None:
    module = Frame()
    outer = Frame(module)
    inner = Frame(outer)
    module.bind("g", Const(0))
    outer.bind("n", Const(0))
    inner.globals_declared.add("g")
    inner.nonlocals_declared.add("n")
    inner.bind("g", Const(1))
    inner.bind("n", Const(2))
    assert module.vars["g"] == Const(1) and outer.vars["n"] == Const(2) and not inner.vars


def test_branch_joins_globals_nonlocals_attributes_and_items() -> None:
    found = module_vars(
        """
        G = "a"
        D = {"k": "a"}
        class C:
            def __init__(self):
                self.v = "a"
        c = C()
        def outer(flag):
            n = "a"
            def inner():
                nonlocal n
                if flag:
                    n = "b"
            inner()
            return n
        def change(flag):
            global G
            if flag:
                G = "b"
                D["k"] = "b"
                c.v = "b"
        change(unknown())
        N = outer(unknown())
        V = c.v
        """
    )
    assert all(found[name] is UNKNOWN for name in ("G", "N", "V", "D"))


def test_returns_inside_branches_are_exits_of_the_function() -> None:
    found = module_vars(
        """
        L = "start"
        def f(flag):
            global L
            if flag:
                L = "early"
                return
            L = "late"
        f(unknown())
        def g():
            global M
            M = "only"
            return
        g()
        """
    )
    assert found["L"] is UNKNOWN and consts(found["M"]) == "only"


def test_unknown_loops_widen_what_any_iteration_writes() -> None:
    found = module_vars(
        """
        x = "first"
        seen = None
        for item in unknown():
            seen = x
            x = "later"
        total = []
        while unknown():
            total.append(1)
        kept = "same"
        for item in unknown():
            pass
        """
    )
    assert found["seen"] is UNKNOWN and found["x"] is UNKNOWN and found["total"] is UNKNOWN
    assert consts(found["kept"]) == "same"


def test_handlers_see_what_the_body_may_have_written() -> None:
    found = module_vars(
        """
        x = "a"
        try:
            x = "b"
            risky()
            x = "c"
        except ValueError:
            y = x
        """
    )
    assert found["y"] is UNKNOWN and found["x"] is UNKNOWN


def test_short_circuit_and_conditional_expressions_evaluate_once() -> None:
    found = module_vars(
        """
        outs = [1]
        outs.append(2) and None
        maybe = [1]
        unknown() or maybe.append(2)
        pick = [1]
        value = pick.append(2) if unknown() else None
        """
    )
    assert consts(found["outs"]) == [1, 2]
    assert found["maybe"] is UNKNOWN and found["pick"] is UNKNOWN


# ------------------------------------------------------------------------------- in-place changes


def test_list_methods_are_followed_through_every_alias() -> None:
    found = module_vars(
        """
        a = [3, 1, 2]
        alias = a
        a.reverse()
        b = [3, 1, 2]; b.sort()
        c = [1, 3]; c.insert(1, 2)
        d = [1, 2, 3]; popped = d.pop(0)
        e = [1, 2, 1]; e.remove(1)
        f = [1, 2]; f.clear()
        g = [1, 2, 3]; g[1:] = [9]
        h = [1, 2, 3]; del h[0]
        i = [1]; j = i; j += [2]
        k = {"x": 1}; k.pop("x")
        pair = ([1], 0); pair[0].append(2)
        """
    )
    assert consts(found["alias"]) == [2, 1, 3]
    assert consts(found["b"]) == [1, 2, 3] and consts(found["c"]) == [1, 2, 3]
    assert consts(found["d"]) == [2, 3] and consts(found["popped"]) == 1
    assert consts(found["e"]) == [2, 1] and consts(found["f"]) == []
    assert consts(found["g"]) == [1, 9] and consts(found["h"]) == [2, 3]
    assert consts(found["i"]) == [1, 2] and consts(found["k"]) == {}
    assert consts(found["pair"]) == [[1, 2], 0]


def test_changes_not_modelled_make_the_value_unknown() -> None:
    found = module_vars(
        """
        from helpers import shuffle
        a = [1, 2]; a.frobnicate()
        b = [1, 2]; shuffle(b)
        c = [1, 2]; holder = {"c": c}; shuffle(holder)
        d = [1, 2]; add = d.append
        e = [1, 2]; [e.append(x) for x in unknown()]
        """
    )
    assert all(found[name] is UNKNOWN for name in "abcde")


def test_functions_change_their_callers_lists_and_share_defaults() -> None:
    found = module_vars(
        """
        def add(items, item):
            items.append(item)
        def build():
            heads = [1]
            add(heads, 2)
            return heads
        built = build()
        def collect(x, acc=[]):
            acc.append(x)
            return acc
        collect(1)
        shared = collect(2)
        """
    )
    assert consts(found["built"]) == [1, 2] and consts(found["shared"]) == [1, 2]


# --------------------------------------------------------------------------------- hostile input


def test_hostile_operations_are_unknown_and_cheap() -> None:
    started = time.monotonic()
    found = module_vars(
        """
        i = 7
        a = int(float("inf"))
        b = "abc"[::0]
        c = "x".zfill(100000000000)
        d = f"{i:>100000000}"
        e = "{:>300000000}".format(i)
        f = "%0300000000d" % (i,)
        g = "ab".replace("", "c" * 9000)
        h = [0] * 100000000
        ok = "{:>3}".format(i)
        """
    )
    assert all(found[name] is UNKNOWN for name in "abcdefgh")
    assert consts(found["ok"]) == "  7"
    assert time.monotonic() - started < 5


def test_self_sharing_structures_join_quickly() -> None:
    started = time.monotonic()
    found = module_vars(
        """
        x = []
        for _ in range(40):
            x = [x, x]
        if unknown():
            y = x
        else:
            y = x[:]
        """
    )
    assert isinstance(found["y"], Seq)
    assert time.monotonic() - started < 5


def test_budget_stops_the_run_without_raising() -> None:
    code = "\n".join(f"x{i} = {i}" for i in range(2000))
    found = module_vars(code, budget=500)
    assert 0 < len(found) < 2000


# --------------------------------------------------------------------------- Keras values and joins


def producer_of(value: Value) -> Producer:
    assert isinstance(value, (Tensor, LayerObject)), value
    return value.producer


def test_custom_layers_are_named_by_what_reaches_the_keras_base() -> None:
    found = module_vars(
        """
        import keras
        from keras import layers
        class Scale(layers.Layer):
            def __init__(self, factor, **kwargs):
                super().__init__(**kwargs)
                self.factor = factor
            def call(self, inputs):
                return inputs * self.factor
        class Fixed(keras.layers.Layer):
            def __init__(self):
                super(Fixed, self).__init__(name="fixed")
            def call(self, inputs):
                return inputs
        class MaybeNamed(Scale):
            def __init__(self, flag):
                if flag:
                    super().__init__(1.0, name="a")
                else:
                    super().__init__(1.0, name="b")
        class Renamed(Scale):
            def __init__(self):
                super().__init__(1.0)
                self._name = "other"
        class MyDense(layers.Dense):
            pass
        x = keras.Input((3,))
        named = Scale(2.0, name="scaled")(x)
        auto = Scale(2.0)(x)
        fixed = Fixed()(x)
        maybe = MaybeNamed(unknown())(x)
        renamed = Renamed()(x)
        dense = MyDense(2, name="dense_head")(x)
        """
    )
    states = {key: (producer_of(found[key]).name, producer_of(found[key]).name_state) for key in
              ("named", "auto", "fixed", "maybe", "renamed", "dense")}
    assert states == {
        "named": ("scaled", "explicit"), "auto": (None, "auto"), "fixed": ("fixed", "explicit"),
        "maybe": (None, "unknown"), "renamed": (None, "unknown"), "dense": ("dense_head", "explicit"),
    }
    assert producer_of(found["auto"]).auto_prefix == "scale"
    assert not any(producer_of(found[key]).may_be_multiple for key in states)


def test_custom_layer_names_stay_unknown_where_they_may_differ() -> None:
    found = module_vars(
        """
        import keras
        from mixins import Mixin
        class Explicit(keras.layers.Layer):
            def __init__(self):
                keras.layers.Layer.__init__(self, name="explicit")
            def call(self, inputs):
                return inputs
        class Positional(keras.layers.Layer):
            def __init__(self):
                super().__init__(True, "by_position")
            def call(self, inputs):
                return inputs
        class Mixed(Mixin, keras.layers.Layer):
            def __init__(self):
                super().__init__(name="mixed")
            def call(self, inputs):
                return inputs
        x = keras.Input((3,))
        explicit = Explicit()(x)
        positional = Positional()(x)
        mixed = Mixed()(x)
        dense = keras.layers.Dense(1, name="before")
        early = dense(x)
        dense._name = "after"
        late = dense(x)
        """
    )
    assert (producer_of(found["explicit"]).name, producer_of(found["explicit"]).name_state) == (
        "explicit", "explicit"
    )
    for key in ("positional", "mixed", "early", "late"):
        assert producer_of(found[key]).name_state == "unknown", key


def test_custom_layer_calls_give_one_tensor_several_or_an_unknown_structure() -> None:
    found = module_vars(
        """
        import tensorflow as tf
        from keras import Input, layers, ops
        class Split(layers.Layer):
            def call(self, inputs, training=None):
                if training:
                    return inputs[:, :1], inputs[:, 1:]
                return inputs[:, 1:], inputs[:, :1]
        class Halves(layers.Layer):
            def call(self, inputs):
                return ops.split(inputs, 2)
        class Traced(layers.Layer):
            @tf.function
            def call(self, inputs):
                return inputs
        class Shaped(layers.Layer):
            def call(self, inputs):
                return inputs
            def compute_output_shape(self, shape):
                return [shape, shape]
        x = Input((3,))
        pair = Split(name="split")(x)
        first, rest = pair
        halves = Halves(name="halves")(x)
        traced = Traced(name="traced")(x)
        shaped = Shaped(name="shaped")(x)
        """
    )
    pair = found["pair"]
    assert isinstance(pair, Seq) and pair.kind == "tuple"
    assert producer_of(pair.items[0]) is producer_of(pair.items[1]) is producer_of(found["first"])
    assert producer_of(found["first"]).name == "split" and not producer_of(found["rest"]).may_be_multiple
    assert all(producer_of(found[key]).may_be_multiple for key in ("halves", "traced", "shaped"))
    assert producer_of(found["halves"]).name == "halves"


def test_a_layer_class_chosen_at_run_time_keeps_the_name_it_is_given() -> None:
    found = module_vars(
        """
        from keras import Input, layers
        Conv = layers.Conv3D if unknown() else layers.Conv2D
        if unknown():
            Pool = layers.MaxPooling2D
        else:
            Pool = layers.AveragePooling2D
        x = Input((8, 8, 1))
        named = Conv(1, 1, name="mask")(x)
        unnamed = Conv(1, 1)(x)
        pooled = Pool(name="pool")
        same = layers.Dense(1, name="out")(x) if unknown() else layers.Conv2D(1, 1, name="out")(x)
        different = layers.Dense(1, name="a")(x) if unknown() else layers.Dense(1, name="b")(x)
        either = layers.Dense(1, name="a")(x) if unknown() else None
        """
    )
    assert (producer_of(found["named"]).name, producer_of(found["named"]).name_state) == ("mask", "explicit")
    assert producer_of(found["named"]).class_name == "Conv2D/Conv3D"
    assert producer_of(found["unnamed"]).name_state == "unknown"
    assert producer_of(found["pooled"]).name == "pool"
    assert (producer_of(found["same"]).name, producer_of(found["same"]).name_state) == ("out", "explicit")
    assert producer_of(found["different"]).name_state == "unknown"
    assert found["either"] is UNKNOWN


def test_tuples_join_part_by_part_and_lists_do_not() -> None:
    found = module_vars(
        """
        from keras import Input, layers
        x = Input((3,))
        a = layers.Dense(1, name="a")(x)
        if unknown():
            pair = (a, "left")
            items = [a, "left"]
        else:
            pair = (a, "right")
            items = [a, "right"]
        """
    )
    pair = found["pair"]
    assert isinstance(pair, Seq) and pair.items[0] is found["a"] and pair.items[1] is UNKNOWN
    assert found["items"] is UNKNOWN


def test_ops_on_values_not_followed_are_tensors_of_unknown_name() -> None:
    found = module_vars(
        """
        import tensorflow as tf
        import keras
        from backbones import backbone
        x = keras.Input((3,))
        known = keras.ops.sigmoid(x)
        sigmoid = tf.nn.sigmoid(backbone.output[0])
        softmax = keras.ops.softmax(backbone.output)
        split = keras.ops.split(backbone.output, 2)
        split_known = tf.split(x, 2)
        shape = keras.ops.shape(backbone.output)
        nothing = tf.constant(3)
        python = backbone.output * 2
        """
    )
    assert producer_of(found["known"]).name_state == "auto"
    for key in ("sigmoid", "softmax"):
        producer = producer_of(found[key])
        assert producer.name is None and producer.name_state == "unknown" and not producer.may_be_multiple
    assert producer_of(found["split"]).may_be_multiple and producer_of(found["split_known"]).may_be_multiple
    assert found["shape"] is UNKNOWN and found["python"] is UNKNOWN
    assert not isinstance(found["nothing"], Tensor)


# ---------------------------------------------------------------------------------------- budget


def steps_taken(code: str) -> tuple[int, dict[str, Value]]:
    interpreter = Interpreter(cst.parse_module(textwrap.dedent(code)))
    start = interpreter.budget
    facts = interpreter.run()
    assert facts.partial is None and interpreter.root_frame is not None
    return start - interpreter.budget, interpreter.root_frame.vars


def test_loops_that_touch_nothing_of_keras_cost_little() -> None:
    steps, found = steps_taken(
        """
        total = 0
        for i in range(100):
            for j in range(100):
                for k in range(100):
                    total += i * j * k
        table = [[i * j for j in range(500)] for i in range(500)]
        small = 0
        for i in range(10):
            small += i
        """
    )
    assert steps < 60_000
    assert found["total"] is UNKNOWN and found["table"] is UNKNOWN
    assert consts(found["small"]) == 45


def test_loops_that_may_matter_are_still_run_per_item() -> None:
    steps, found = steps_taken(
        """
        import keras
        x = keras.Input((3,))
        heads = []
        for i in range(120):
            for j in range(120):
                pass
            heads.append(keras.layers.Dense(1, name=f"head_{i}")(x))
        names = []
        for i in range(120):
            for j in range(120):
                pass
            names.append(f"n{i}")
        """
    )
    heads = found["heads"]
    assert isinstance(heads, Seq) and len(heads.items) == 120
    assert producer_of(heads.items[-1]).name == "head_119"
    # A plain loop is cut short only past the limit: the names it builds stay unknown, never wrong.
    assert found["names"] is UNKNOWN


def test_loop_relevance_reads_names_not_attributes() -> None:
    module = cst.parse_module("for i in range(3):\n    total.append(f'{i}' + prefix)\n")
    loop = module.body[0]
    code = relevance.read_loop(loop, module.code_for_node(loop))
    assert code.reads >= {"range", "i", "total", "prefix"} and "append" not in code.reads
    frame = Frame()
    frame.bind("total", Seq((), "list"))
    frame.bind("prefix", Const("p"))
    assert relevance.is_irrelevant(code, frame)
    frame.bind("prefix", Tensor(Producer("input", "Input", "x", "explicit", loop)))
    assert not relevance.is_irrelevant(code, frame)
    fitting = cst.parse_module("for i in range(3):\n    model.fit(i)\n").body[0]
    assert relevance.read_loop(fitting, "for i in range(3):\n    model.fit(i)\n").defines
