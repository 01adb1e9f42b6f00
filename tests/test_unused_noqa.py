"""KLO900: `# noqa` comments whose KLO codes silence nothing, and the safe fix that removes them."""

from __future__ import annotations

import textwrap

import pytest

from keras_loss_lint.core.fixing import fix_source
from keras_loss_lint.core.lint import lint_source
from keras_loss_lint.keras.versions import TargetVersions
from keras_loss_lint.project.settings import Selection, Settings

MODEL = textwrap.dedent(
    """\
    import keras
    inp = keras.Input(shape=(4,))
    b = keras.layers.Dense(1, name="b")(inp)
    a = keras.layers.Dense(1, name="a")(inp)
    model = keras.Model(inp, [b, a])
    """
)
ON_3_5 = Settings(target=TargetVersions.from_specifier("==3.5.0", "test"))


def lint(line: str, settings: Settings = ON_3_5) -> list[tuple[str, str]]:
    result = lint_source(MODEL + line + "\n", "m.py", settings)
    return [(d.code, d.message) for d in result.diagnostics]


def fixed(line: str) -> str:
    return fix_source(MODEL + line + "\n", "m.py", ON_3_5).source[len(MODEL):]


def test_a_used_noqa_is_quiet() -> None:
    assert lint('model.compile(loss={"b": "mse", "a": "mae"})  # noqa: KLO201') == []


def test_an_unused_code_is_reported_and_removed() -> None:
    line = 'model.compile(loss=["mse", "mae"])  # noqa: KLO201'
    assert lint(line) == [("KLO900", "unused `noqa` directive (unused: `KLO201`)")]
    assert fixed(line) == 'model.compile(loss=["mse", "mae"])\n'


@pytest.mark.parametrize(
    "line, after",
    [
        ('model.compile(loss=["mse", "mae"])  # noqa: KLO201, E501', 'model.compile(loss=["mse", "mae"])  # noqa: E501'),
        ('model.compile(loss=["mse", "mae"])  # noqa: KLO201  # why', 'model.compile(loss=["mse", "mae"])  # why'),
        (
            'model.compile(loss={"b": "mse", "a": "mae"})  # noqa: KLO201,KLO105',
            'model.compile(loss={"b": "mse", "a": "mae"})  # noqa: KLO201',
        ),
    ],
)
def test_the_fix_keeps_other_codes_and_text(line: str, after: str) -> None:
    assert [code for code, _ in lint(line)] == ["KLO900"]
    assert fixed(line) == after + "\n"


def test_other_tools_codes_and_bare_noqa_are_not_judged() -> None:
    assert lint('model.compile(loss=["mse", "mae"])  # noqa: E501') == []
    assert lint('model.compile(loss=["mse", "mae"])  # noqa') == []


def test_noqa_in_a_string_is_not_a_comment() -> None:
    assert lint('model.compile(loss=["mse", "mae"]); note = "# noqa: KLO201"') == []


def test_it_can_be_switched_off() -> None:
    settings = Settings(target=ON_3_5.target, selection=Selection(ignore=("KLO900",)))
    assert lint('model.compile(loss=["mse", "mae"])  # noqa: KLO201', settings) == []


def test_under_flake8_it_is_reported_too() -> None:
    settings = Settings(target=ON_3_5.target, honour_noqa=False)
    codes = [code for code, _ in lint('model.compile(loss=["mse", "mae"])  # noqa: KLO201', settings)]
    assert codes == ["KLO900"]
