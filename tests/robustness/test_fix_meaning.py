"""Fixes that reorder written code keep what it means.

A dict written in another order than the outputs becomes a list in output order (KLO201, and KLO202
for `loss_weights`): the values are then evaluated in another order. That is a safe fix only when no
value has a side effect; a value that may have one makes the fix unsafe, and a `:=` that another value
depends on withholds it. Rewrites that keep the written order (KLO202 and KLO206, list -> dict) must not
copy one `*spread` into several entries.

The oracle: each program is run, before and after fixing, against a stand-in `keras` module that
records which output each `compile()` argument gives which value.
"""

from __future__ import annotations

import sys
import textwrap
import types
from typing import Any, Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from robust_helpers import robust_settings

from keras_loss_lint.core.diagnostics import Applicability, Diagnostic
from keras_loss_lint.core.fixing import fix_source
from keras_loss_lint.core.lint import lint_source
from keras_loss_lint.project.settings import Settings

SETTINGS = Settings()

# Outputs written [small, big]: their names are not sorted, so KLO201/KLO202 apply to every dict.
HEADER = textwrap.dedent("""\
    import keras
    inp = keras.Input(shape=(4,))
    small = keras.layers.Dense(1, name="output_small")(inp)
    big = keras.layers.Dense(1, name="output_big")(inp)
    model = keras.Model(inp, [small, big])
    it = iter(["first", "second"])
    l = "before"
    """)
OUTPUTS = ("output_small", "output_big")


# ------------------------------------------------------------------ a stand-in Keras that records


class _Tensor:
    def __init__(self, name: str | None) -> None:
        self.name = name


class _Dense:
    def __init__(self, units: int, name: str | None = None) -> None:
        self.name = name

    def __call__(self, tensor: _Tensor) -> _Tensor:
        return _Tensor(self.name)


class _Model:
    compiled: list[dict[str, Any]] = []

    def __init__(self, inputs: object, outputs: Any) -> None:
        self.outputs = outputs

    def compile(self, **arguments: Any) -> None:
        names = [output.name for output in self.outputs]
        _Model.compiled.append({key: _per_output(value, names) for key, value in arguments.items()})


def _per_output(value: Any, names: list[str]) -> Any:
    """What each output gets: a dict by key, a list by position."""
    if isinstance(value, dict):
        return {key: _comparable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return dict(zip(names, (_comparable(item) for item in value)))
    return _comparable(value)


def _comparable(value: Any) -> Any:
    """Functions made anew by every run compare by what they return."""
    return ("function", value(None, None)) if isinstance(value, types.FunctionType) else value


def _fake_keras() -> types.ModuleType:
    keras = types.ModuleType("keras")
    keras.Input = lambda shape=None: _Tensor("input")  # type: ignore[attr-defined]
    keras.Model = _Model  # type: ignore[attr-defined]
    keras.layers = types.SimpleNamespace(Dense=_Dense)  # type: ignore[attr-defined]
    keras.losses = types.SimpleNamespace(  # type: ignore[attr-defined]
        MeanSquaredError=lambda: ("MeanSquaredError",),
        Huber=lambda delta=1.0: ("Huber", delta),
        mean_absolute_error="mean_absolute_error",
    )
    return keras


def meaning(source: str) -> list[dict[str, Any]] | str:
    """What each compile() in `source` gives each output, or the exception the program raises."""
    saved = sys.modules.get("keras")
    sys.modules["keras"] = _fake_keras()
    _Model.compiled = []
    try:
        exec(compile(source, "<program>", "exec"), {"__name__": "program", "counter": _counter()})
    except Exception as error:  # noqa: BLE001 - the exception is part of what the program means
        return type(error).__name__
    finally:
        if saved is None:
            sys.modules.pop("keras", None)
        else:
            sys.modules["keras"] = saved
    return _Model.compiled


def _counter() -> Any:
    count = iter(range(100))
    return lambda: next(count)


def program(*compile_lines: str) -> str:
    return HEADER + "".join(line + "\n" for line in compile_lines)


def diagnostics(source: str, code: str) -> list[Diagnostic]:
    return [d for d in lint_source(source, "program.py", SETTINGS).diagnostics if d.code == code]


def only_fix(source: str, code: str) -> Any:
    found = diagnostics(source, code)
    assert len(found) == 1, found
    return found[0].fix


# ------------------------------------------------------------------ the cases of the issue


def test_calls_with_effects_make_the_reordering_unsafe() -> None:
    source = program('model.compile(loss={"output_big": next(it), "output_small": next(it)})')
    fix = only_fix(source, "KLO201")
    assert fix is not None and fix.applicability is Applicability.UNSAFE
    assert fix_source(source, "program.py", SETTINGS, unsafe=False).source == source
    # Applied anyway, the heads swap what they get: why the fix is not safe.
    fixed = fix_source(source, "program.py", SETTINGS, unsafe=True).source
    assert meaning(fixed) != meaning(source)


def test_a_walrus_another_value_reads_withholds_the_fix() -> None:
    source = program('model.compile(loss={"output_big": (w := "mae"), "output_small": w})')
    assert only_fix(source, "KLO201") is None
    assert fix_source(source, "program.py", SETTINGS, unsafe=True).source == source


def test_a_walrus_nobody_reads_is_an_unsafe_reordering() -> None:
    source = program('model.compile(loss={"output_big": (w := "mae"), "output_small": "mse"})')
    fix = only_fix(source, "KLO201")
    assert fix is not None and fix.applicability is Applicability.UNSAFE


@pytest.mark.parametrize(
    "values",
    [
        ('"mae"', '"mse"'),
        ("keras.losses.MeanSquaredError()", "keras.losses.Huber(delta=2.0)"),
        ("keras.losses.mean_absolute_error", "l"),
        ('["mse", ("a", -1)]', '{"x": 1.5}'),
        ("lambda y, p: 1", "lambda y, p=2: p"),
    ],
)
def test_values_without_effects_are_reordered_safely(values: tuple[str, str]) -> None:
    source = program(f'model.compile(loss={{"output_big": {values[0]}, "output_small": {values[1]}}})')
    fix = only_fix(source, "KLO201")
    assert fix is not None and fix.applicability is Applicability.SAFE
    fixed = fix_source(source, "program.py", SETTINGS, unsafe=False).source
    assert fixed != source and meaning(fixed) == meaning(source)


@pytest.mark.parametrize(
    "value",
    [
        "keras.losses.Huber(delta=d)",  # an argument that is not a literal
        "lambda y, p=counter(): p",  # a default evaluated where the lambda is written
        "losses[0]",  # a subscript may run code
        "[*losses]",  # so may a spread
        'f"{l}"',  # and formatting
    ],
)
def test_other_expressions_are_not_taken_for_pure(value: str) -> None:
    source = program(f'model.compile(loss={{"output_big": {value}, "output_small": "mse"}})')
    fix = only_fix(source, "KLO201")
    assert fix is not None and fix.applicability is Applicability.UNSAFE


def test_loss_weights_reordered_beside_the_losses_take_the_weakest_safety() -> None:
    source = program(
        'model.compile(loss={"output_big": "mae", "output_small": "mse"}, '
        'loss_weights={"output_big": counter(), "output_small": 1 / 3})'
    )
    fix = only_fix(source, "KLO201")
    assert fix is not None and fix.applicability is Applicability.UNSAFE


def test_klo202_reorders_dict_weights_with_the_same_care() -> None:
    unsafe = program('model.compile(loss=["mse", "mae"], loss_weights={"output_big": next(it), "output_small": 2.0})')
    fix = only_fix(unsafe, "KLO202")
    assert fix is not None and fix.applicability is Applicability.UNSAFE
    withheld = program('model.compile(loss=["mse", "mae"], loss_weights={"output_big": (w := 2.0), "output_small": w})')
    assert only_fix(withheld, "KLO202") is None
    safe = program('model.compile(loss=["mse", "mae"], loss_weights={"output_big": -2, "output_small": 1 / 3})')
    fix = only_fix(safe, "KLO202")
    assert fix is not None and fix.applicability is Applicability.SAFE
    fixed = fix_source(safe, "program.py", SETTINGS, unsafe=False).source
    assert fixed != safe and meaning(fixed) == meaning(safe)


def test_a_repeated_key_is_not_dropped_with_its_first_value() -> None:
    source = program('model.compile(loss={"output_big": counter(), "output_small": "mse", "output_big": "mae"})')
    assert only_fix(source, "KLO201") is None


def test_a_spread_is_not_copied_into_every_entry() -> None:
    spread_weights = program(
        "w = (1.0, 2.0)", 'model.compile(loss={"output_big": "mse", "output_small": "mae"}, loss_weights=[*w])'
    )
    assert only_fix(spread_weights, "KLO202") is None
    dict_outputs = textwrap.dedent("""\
        import keras
        inp = keras.Input(shape=(4,))
        a = keras.layers.Dense(1, name="zulu")(inp)
        b = keras.layers.Dense(1, name="alpha")(inp)
        model = keras.Model(inp, {"zulu": a, "alpha": b})
        pair = ("mse", "mae")
        model.compile(loss=[*pair])
        """)
    assert only_fix(dict_outputs, "KLO206") is None


def test_list_to_dict_rewrites_keep_the_written_order() -> None:
    source = program(
        'model.compile(loss={"output_big": "mse", "output_small": "mae"}, loss_weights=[counter(), counter()])'
    )
    fix = only_fix(source, "KLO202")
    assert fix is not None and fix.applicability is Applicability.SAFE
    fixed = fix_source(source, "program.py", SETTINGS, unsafe=False).source
    assert fixed != source and meaning(fixed) == meaning(source)


# ------------------------------------------------------------------ generated dicts

POOL = [
    '"mse"',
    "keras.losses.mean_absolute_error",
    "keras.losses.Huber(delta=2.0)",
    "keras.losses.MeanSquaredError()",
    "lambda y, p: 3",
    "l",
    '["mse", 1]',
    "next(it)",
    "counter()",
    '(l := "walrus")',
    "(m := 7)",
    "m",
    "1 / 3",
    "-2",
]


@st.composite
def compile_calls(draw: st.DrawFn) -> str:
    order = draw(st.permutations(OUTPUTS))
    losses = [draw(st.sampled_from(POOL)) for _ in order]
    loss = ", ".join(f'"{name}": {value}' for name, value in zip(order, losses))
    if not draw(st.booleans()):
        return f"model.compile(loss={{{loss}}})"
    weights = ", ".join(f'"{name}": {draw(st.sampled_from(POOL))}' for name in draw(st.permutations(OUTPUTS)))
    return f"model.compile(loss={{{loss}}}, loss_weights={{{weights}}})"


def fixes_of(source: str) -> Iterator[Any]:
    for diagnostic in lint_source(source, "program.py", SETTINGS).diagnostics:
        if diagnostic.fix is not None:
            yield diagnostic.fix


@robust_settings(scale=4)
@given(compile_calls())
def test_safe_fixes_keep_what_each_output_gets(line: str) -> None:
    source = program(line)
    report = fix_source(source, "program.py", SETTINGS, unsafe=False)
    assert meaning(report.source) == meaning(source), f"{source}\n---\n{report.source}"


@robust_settings(scale=2)
@given(compile_calls())
def test_no_fix_turns_a_working_program_into_one_that_raises(line: str) -> None:
    source = program(line)
    before = meaning(source)
    fixed = fix_source(source, "program.py", SETTINGS, unsafe=True).source
    if not isinstance(before, str):
        assert not isinstance(meaning(fixed), str), f"{source}\n---\n{fixed}"
