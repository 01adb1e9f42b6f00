"""The fix engine: fixes leave parseable code, are idempotent and remove what they fix."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from fixture_expectations import FIXTURES, fixture_files
from keras_loss_lint.core.diagnostics import Applicability
from keras_loss_lint.core.fixing import fix_source, is_applicable, parses
from keras_loss_lint.project.settings import Settings

SETTINGS = Settings()


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixing_fixtures_is_sound_and_idempotent(path: Path, unsafe: bool) -> None:
    source = path.read_text(encoding="utf-8")
    first = fix_source(source, str(path), SETTINGS, unsafe=unsafe)
    assert parses(first.source)
    assert all(is_applicable(d.fix, unsafe) for d in first.applied)
    assert not any(is_applicable(d.fix, unsafe) for d in first.remaining.diagnostics)
    second = fix_source(first.source, str(path), SETTINGS, unsafe=unsafe)
    assert not second.changed and second.source == first.source


def test_klo201_fix_rewrites_dicts_as_lists_keeping_comments() -> None:
    source = textwrap.dedent(
        """\
        import keras
        inp = keras.Input(shape=(4,))
        small = keras.layers.Dense(1, name="output_small")(inp)
        big = keras.layers.Dense(1, name="output_big")(inp)
        model = keras.Model(inp, [small, big])
        model.compile(
            optimizer="adam",  # tuned
            loss={"output_big": "mae", "output_small": keras.losses.MeanSquaredError()},
            loss_weights={"output_small": 1.0, "output_big": 0.5},
        )
        """
    )
    report = fix_source(source, None, SETTINGS)
    assert [d.code for d in report.applied] == ["KLO201"]
    assert report.applied[0].fix.applicability is Applicability.SAFE
    assert 'loss=[keras.losses.MeanSquaredError(), "mae"],' in report.source
    assert "loss_weights=[1.0, 0.5]," in report.source
    assert '"adam",  # tuned' in report.source
    assert report.remaining.diagnostics == ()


def test_klo201_fix_withheld_when_a_value_is_none() -> None:
    source = textwrap.dedent(
        """\
        import keras
        inp = keras.Input(shape=(4,))
        model = keras.Model(inp, [keras.layers.Dense(1, name="z")(inp), keras.layers.Dense(1, name="a")(inp)])
        model.compile(loss={"z": "mse", "a": None})
        """
    )
    report = fix_source(source, None, SETTINGS, unsafe=True)
    assert not report.changed
    assert [d.code for d in report.remaining.diagnostics] == ["KLO201"]


def test_unsafe_fixes_need_opt_in() -> None:
    source = textwrap.dedent(
        """\
        import keras
        inp = keras.Input(shape=(4,))
        model = keras.Model(inp, [keras.layers.Dense(1, name="alpha")(inp), keras.layers.Dense(1, name="beta")(inp)])
        model.compile(loss={"alpha": "mse", "betta": "mae"})
        """
    )
    assert not fix_source(source, None, SETTINGS).changed
    fixed = fix_source(source, None, SETTINGS, unsafe=True)
    assert '"beta": "mae"' in fixed.source
    assert fix_source(source, None, SETTINGS, unsafe=True, wanted=lambda d: d.code != "KLO101").source == source


def test_crlf_line_endings_survive() -> None:
    source = (
        "import keras\r\ninp = keras.Input((4,))\r\n"
        "m = keras.Model(inp, [keras.layers.Dense(1, name='z')(inp), keras.layers.Dense(1, name='a')(inp)])\r\n"
        "m.compile(loss={'z': 'mse', 'a': 'mae'})\r\n"
    )
    fixed = fix_source(source, None, SETTINGS).source
    assert fixed.endswith("m.compile(loss=['mse', 'mae'])\r\n")
    assert "\n" not in fixed.replace("\r\n", "")


def test_whole_literal_rewrites_never_drop_comments() -> None:
    source = textwrap.dedent(
        """\
        import keras
        inp = keras.Input(shape=(4,))
        model = keras.Model(inp, [keras.layers.Dense(1, name="z")(inp), keras.layers.Dense(1, name="a")(inp)])
        model.compile(
            loss={
                "z": "mse",  # the regression head
                "a": "mae",
            },
        )
        """
    )
    report = fix_source(source, None, SETTINGS, unsafe=True)
    assert not report.changed
    assert [d.code for d in report.remaining.diagnostics] == ["KLO201"]
    assert report.remaining.diagnostics[0].fix is None


# Outputs named ("zeta", "alpha"): a complete dict keyed by them is applied in sorted key order on the
# releases with that bug, so renaming a misspelt key completes a dict that still trains the wrong heads.
_UNSORTED_HEADS = textwrap.dedent(
    """\
    import keras
    inp = keras.Input(shape=(4,))
    model = keras.Model(inp, [keras.layers.Dense(1, name="zeta")(inp), keras.layers.Dense(1, name="alpha")(inp)])
    model.compile(loss={"zeta": "mse", "alpah": "mae"})
    model.fit(inp, {"zeta": inp, "alpah": inp})
    """
)


def _with_target(specifier: str) -> Settings:
    from keras_loss_lint.keras.versions import TargetVersions

    return Settings(target=TargetVersions.from_specifier(specifier, "test"))


@pytest.mark.parametrize("code", ["KLO101", "KLO109"])
def test_a_rename_is_withheld_where_the_renamed_dict_is_still_mis_mapped(code: str) -> None:
    """On 3.5.0-3.6.0 the renamed dict would be applied in sorted key order: no fix is offered."""
    report = fix_source(_UNSORTED_HEADS, None, _with_target("==3.5.0"), unsafe=True)
    assert not report.changed
    assert code in [d.code for d in report.remaining.diagnostics]


def test_a_rename_is_offered_where_the_renamed_dict_comes_out_right() -> None:
    fixed = fix_source(_UNSORTED_HEADS, None, _with_target(">=3.7"), unsafe=True).source
    assert 'loss={"zeta": "mse", "alpha": "mae"}' in fixed
    assert 'fit(inp, {"zeta": inp, "alpha": inp})' in fixed


def test_an_input_rename_is_withheld_where_the_inputs_are_fed_in_sorted_order() -> None:
    source = textwrap.dedent(
        """\
        import keras
        b = keras.Input(shape=(4,), name="b")
        a = keras.Input(shape=(4,), name="a")
        model = keras.Model([b, a], keras.layers.Dense(1, name="out")(keras.layers.concatenate([b, a])))
        model.predict({"b": 1, "aa": 2})
        """
    )
    assert not fix_source(source, None, _with_target("==3.5.0"), unsafe=True).changed
    assert '{"b": 1, "a": 2}' in fix_source(source, None, _with_target(">=3.7"), unsafe=True).source
