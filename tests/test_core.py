"""Unit tests for the lint core: noqa, rule selection, target versions and positions."""

from __future__ import annotations

import textwrap

import pytest
from packaging.version import Version

from keras_loss_lint.core.lint import has_candidate, lint_source
from keras_loss_lint.core.noqa import NoqaIndex, file_is_exempt, parse_noqa
from keras_loss_lint.project.settings import Limits, Selection, Settings
from keras_loss_lint.keras.versions import InvalidKerasVersion, TargetVersions, describe_versions

BUGGY = textwrap.dedent(
    """\
    import keras
    inp = keras.Input(shape=(4,))
    b = keras.layers.Dense(1, name="b")(inp)
    a = keras.layers.Dense(1, name="a")(inp)
    model = keras.Model(inp, [b, a])
    model.compile(loss={"b": "mse", "a": "mae"}, metrics="mae")@NOQA@
    """
)


def with_noqa(comment: str) -> str:
    return BUGGY.replace("@NOQA@", comment)


def codes(source: str, **settings) -> list[str]:
    return [d.code for d in lint_source(source, "x.py", Settings(**settings)).diagnostics]


@pytest.mark.parametrize(
    ("comment", "expected"),
    [
        ("", ["KLO201", "KLO402"]),
        ("  # noqa", []),
        ("  # noqa: KLO201", ["KLO402"]),
        ("  # NOQA:KLO201,KLO402", []),
        ("  # noqa: KLO4", ["KLO201"]),
        ("  # noqa: E501", ["KLO201", "KLO402"]),
        ("  # noqa:KLO201 KLO402", []),
    ],
)
def test_noqa_like_flake8(comment: str, expected: list[str]) -> None:
    assert codes(with_noqa(comment)) == expected


@pytest.mark.parametrize("directive", ["# flake8: noqa", "# ruff: noqa", "# keras-loss-lint: noqa", "#RUFF:NOQA"])
def test_file_level_noqa_silences_the_file(directive: str) -> None:
    assert codes(directive + "\n" + with_noqa("")) == []
    assert file_is_exempt([directive + "\n"])


@pytest.mark.parametrize(
    "directive",
    ["# flake8: noqa: KLO201", "# ruff: noqa: KLO201", "# keras-loss-lint: noqa: KLO2", "# ruff: noqa:KLO201,E501"],
)
def test_file_level_noqa_with_codes_silences_those_codes(directive: str) -> None:
    assert codes(directive + "\n" + with_noqa("")) == ["KLO402"]
    assert not file_is_exempt([directive + "\n"])


def test_a_file_level_directive_after_code_is_not_one() -> None:
    assert codes(with_noqa("") + "x = 1  # ruff: noqa\n") == ["KLO201", "KLO402"]


def test_under_flake8_only_the_spellings_flake8_does_not_know_are_applied() -> None:
    raw = Settings(honour_noqa=False)
    for directive, expected in [("# flake8: noqa", ["KLO201", "KLO402"]), ("# ruff: noqa: KLO201", ["KLO402"])]:
        result = lint_source(directive + "\n" + with_noqa(""), "m.py", raw)
        assert [d.code for d in result.diagnostics] == expected


def test_noqa_on_multiline_string_covers_its_lines() -> None:
    index = NoqaIndex('x = """\nline\n"""  # noqa: KLO201\ny = 1\n')
    assert index.suppresses(1, "KLO201") and index.suppresses(2, "KLO201")
    assert not index.suppresses(4, "KLO201")
    assert parse_noqa("x  # noqa : KLO201") == frozenset()  # flake8 reads this as a bare noqa


def test_selection_prefixes() -> None:
    assert codes(with_noqa(""), selection=Selection(("KLO2",))) == ["KLO201"]
    assert codes(with_noqa(""), selection=Selection(("KLO",), ("KLO4",))) == ["KLO201"]
    assert codes(with_noqa(""), selection=Selection(("KLO",), ("KLO",))) == []
    assert Selection(("KLO",), ("KLO2",)).is_enabled("KLO101")
    assert Selection(("KLO2", "KLO201"), ("KLO20",)).is_enabled("KLO201")


def test_target_versions_gate_rules() -> None:
    def target(spec: str) -> TargetVersions:
        return TargetVersions.from_specifier(spec, "test")

    source = with_noqa("")
    assert codes(source, target=target("==3.5.0")) == ["KLO201", "KLO402"]
    assert codes(source, target=target("==3.4.1")) == ["KLO402"]
    assert codes(source, target=target(">=3.7")) == ["KLO402"]
    assert codes(source, target=target("<3")) == []
    message = lint_source(source, None, Settings(target=target(">=3.6"))).diagnostics[0].message
    assert "Keras 3.6.0" in message and "3.5.0" not in message


def test_versions() -> None:
    assert TargetVersions.from_specifier("3.5.0", "x").versions == (Version("3.5.0"),)
    assert TargetVersions.from_specifier("==3.99.0", "x").versions == (Version("3.99.0"),)
    assert describe_versions((Version("3.5.0"), Version("3.6.0"))) == "3.5.0\u20133.6.0"
    with pytest.raises(InvalidKerasVersion, match="'>>3'"):
        TargetVersions.from_specifier(">>3", "x")


def test_positions_are_one_based_lines_zero_based_columns() -> None:
    diagnostic = lint_source(with_noqa(""), None).diagnostics[0]
    line = BUGGY.splitlines()[diagnostic.line - 1]
    assert line[diagnostic.column] == "{"
    assert diagnostic.span.end.line == diagnostic.line


def test_parse_errors_are_results_not_exceptions() -> None:
    result = lint_source("import keras\nmodel.compile(loss={\n")
    assert result.error is not None and "syntax error" in result.error
    assert not has_candidate("print('hello')")
    assert lint_source("print('keras')").diagnostics == ()


def test_noqa_lines_are_pythons_lines_not_splitlines() -> None:
    source = with_noqa("  # noqa: KLO201").replace("import keras\n", "import keras\n# part\x0ctwo \u2028 three\n", 1)
    assert codes(source) == ["KLO402"]


def test_too_large_module_is_refused_promptly() -> None:
    from keras_loss_lint.core.lint import MAX_ANALYSED_CHARACTERS

    source = with_noqa("") + "x = 1\n" * (MAX_ANALYSED_CHARACTERS // 6 + 1)
    result = lint_source(source)
    assert result.error is None and result.partial is not None and "too large" in result.partial
    # Every face shows the refusal as one KLO902 finding.
    assert [d.code for d in result.diagnostics] == ["KLO902"]


def test_calls_through_a_bound_method_alias() -> None:
    source = textwrap.dedent(
        """\
        import keras
        inp = keras.Input(shape=(4,))
        outputs = []
        add = outputs.append
        add(keras.layers.Dense(1, name="b")(inp))
        add(keras.layers.Dense(1, name="a")(inp))
        model = keras.Model(inp, outputs)
        model.compile(loss={"b": "mse", "a": "mae"})
        """
    )
    assert lint_source(source).diagnostics == ()  # the list is not followed through the alias


def test_fast_positions_agree_with_libcst_position_metadata() -> None:
    """positions.py relies on LibCST's private code-generation state; its public metadata must agree."""
    import libcst as cst

    from fixture_expectations import fixture_files
    from keras_loss_lint.core.positions import locate, locate_with_metadata

    for path in fixture_files():
        source = path.read_text(encoding="utf-8")
        module = cst.parse_module(source)
        nodes = [node for node in _walk(module) if isinstance(node, (cst.Dict, cst.List, cst.Call, cst.Name))]
        assert locate(module, source, nodes) == locate_with_metadata(module, nodes), path


def _walk(node):
    yield node
    for child in node.children:
        yield from _walk(child)


def test_a_spent_step_budget_is_reported_not_silent() -> None:
    # The loop builds layers, so it is run item by item (a loop that touches nothing of Keras is not).
    loop = (
        "import keras\nfor i in range(100):\n    for j in range(100):\n        for k in range(100):\n"
        "            x = keras.layers.Dense(i)\n"
    )
    # Without the time and memory ceiling, which a slow machine could reach first.
    unlimited = Settings(limits=Limits(seconds=None, memory_mb=None))
    result = lint_source(loop + BUGGY.replace("@NOQA@", ""), "x.py", unlimited)
    assert result.partial is not None and "budget" in result.partial
    assert lint_source(BUGGY.replace("@NOQA@", ""), "x.py").partial is None
