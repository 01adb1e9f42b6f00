"""Unit tests of the abstract interpreter: values, joins, scopes, in-place changes and the budget."""

from __future__ import annotations

import textwrap
import time

import libcst as cst

from keras_loss_lint.analysis.facts import UNKNOWN, Const, Mapping, Seq, Value, same_value
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
