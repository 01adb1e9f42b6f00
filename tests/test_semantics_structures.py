"""The semantics model and the rules for a `sample_weight` beside `y` and for nested outputs (measured
by tests/conformance/test_structures.py on 3.0.5-3.9.2, 3.14.1, 3.15.1 and 2.15.0)."""

from __future__ import annotations

import libcst as cst
import pytest
from packaging.version import Version

from keras_loss_lint.analysis import extract_facts
from keras_loss_lint.keras.behaviour import unknowable
from keras_loss_lint.keras.judgement import Verdict, judge
from keras_loss_lint.keras.semantics import BROADCAST, ArgSpec, OutputsSpec, Scenario, predict
from keras_loss_lint.keras.versions import TargetVersions
from keras_loss_lint.rules import klo104_loss_dict_missing_output as klo104
from keras_loss_lint.rules import klo201_dict_loss_sorted_order as klo201
from keras_loss_lint.rules.base import RuleContext

V = Version
D = ArgSpec.dict_of
LIST_BA = OutputsSpec("list", ("b", "a"))
NESTED_LIST = OutputsSpec.nested(("b", "c", "a"), ("list", (0, ("list", (1, 2)))))
NESTED_DICT = OutputsSpec.nested(("c", "b", "a"), ("dict", (("heads", ("list", (1, 2))), ("aux", 0))))


@pytest.mark.parametrize(
    ("version", "weights"),
    [("2.15.0", ("b", "a")), ("3.0.5", ("b", "a")), ("3.4.1", ("b", "a")), ("3.5.0", ("a", "b")),
     ("3.6.0", ("a", "b"))],
)
def test_dict_sample_weight_beside_dict_y(version: str, weights: tuple[str, str]) -> None:
    outcome = predict(V(version), Scenario(LIST_BA, loss=ArgSpec.single(), y=D("b", "a"), sample_weight=D("b", "a")))
    assert outcome.sample_weight_from == weights
    assert outcome.label_from == weights  # labels and weights travel together


@pytest.mark.parametrize("version", ["3.7.0", "3.8.0", "3.15.1"])
@pytest.mark.parametrize("weights", [D("b", "a"), ArgSpec.single()])
def test_any_sample_weight_beside_dict_y_raises_from_3_7(version: str, weights: ArgSpec) -> None:
    outcome = predict(V(version), Scenario(OutputsSpec("list", ("a", "b")), loss=ArgSpec.single(),
                                           y=D("a", "b"), sample_weight=weights))
    assert (outcome.raises, outcome.stage) == ("KeyError", "fit")


def test_dict_outputs_take_both_dicts_by_key() -> None:
    outputs = OutputsSpec("dict", ("b", "a"), keys=("b", "a"))
    for version in ("2.15.0", "3.4.1", "3.5.0", "3.7.0", "3.15.1"):
        outcome = predict(V(version), Scenario(outputs, loss=D("b", "a"), y=D("b", "a"), sample_weight=D("b", "a")))
        assert outcome.sample_weight_from == ("b", "a"), version


@pytest.mark.parametrize(
    ("version", "raises"), [("3.0.5", "TypeError"), ("3.1.1", "ValueError"), ("3.15.1", "ValueError")]
)
def test_a_dict_on_one_side_and_a_list_on_the_other(version: str, raises: str) -> None:
    two = ArgSpec.list_of(2)
    for labels, weights in ((two, D("b", "a")), (D("b", "a"), two)):
        assert predict(V(version), Scenario(LIST_BA, loss=two, y=labels, sample_weight=weights)).raises == raises
    keras2 = predict(V("2.15.0"), Scenario(LIST_BA, loss=two, y=two, sample_weight=D("b", "a")))
    assert keras2.sample_weight_from == ("b", "a")


def test_no_sample_weight_leaves_the_field_empty() -> None:
    assert predict(V("3.5.0"), Scenario(LIST_BA, loss=D("b", "a"))).sample_weight_from == ()


def test_judgement_sees_misplaced_sample_weights() -> None:
    scenario = Scenario(LIST_BA, loss=ArgSpec.single(), y=D("b", "a"), sample_weight=D("b", "a"))
    verdicts = {str(v): verdict for v, _, verdict in judge([V("3.4.1"), V("3.5.0"), V("3.7.0")], scenario,
                                                           ("sample_weights",)).outcomes}
    assert verdicts == {"3.4.1": Verdict.AS_WRITTEN, "3.5.0": Verdict.WRONG, "3.7.0": Verdict.RAISES}


@pytest.mark.parametrize(
    ("version", "losses", "raises"),
    [("3.3.3", (), "ValueError"), ("3.4.0", ("b", "c", None), None), ("3.5.0", ("a", "b", "c"), None),
     ("3.6.0", ("a", "b", "c"), None), ("3.7.0", ("b", "c", "a"), None), ("2.15.0", ("a", "b", "c"), None)],
)
def test_nested_list_outputs_with_a_flat_dict_loss(version: str, losses: tuple, raises: str | None) -> None:
    outcome = predict(V(version), Scenario(NESTED_LIST, loss=D("b", "c", "a")))
    assert (outcome.loss_from, outcome.raises) == (losses, raises)
    if raises:
        assert outcome.stage == "model"


def test_nested_dict_outputs_with_a_flat_dict_loss() -> None:
    scenario = Scenario(NESTED_DICT, loss=D("b", "a", "c"))
    assert predict(V("3.4.1"), scenario).loss_from == (None, None, None)
    assert predict(V("3.5.0"), scenario).raises == "KeyError"
    assert predict(V("3.15.1"), scenario).raises == "KeyError"
    assert unknowable(V("2.15.0"), scenario)
    assert predict(V("3.6.0"), Scenario(NESTED_DICT, loss=ArgSpec.single())).loss_from == (BROADCAST,) * 3


def test_nested_scenarios_outside_the_measured_ones_are_unknowable() -> None:
    assert unknowable(V("3.5.0"), Scenario(NESTED_LIST, loss=D("b", "c")))
    assert unknowable(V("3.7.0"), Scenario(NESTED_LIST, loss=D("b", "c", "a"), y=ArgSpec.list_of(2)))
    assert not unknowable(V("3.3.3"), Scenario(NESTED_LIST, loss=D("b", "c")))  # the model is refused


NESTED_SOURCE = '''
import keras
from keras import layers

inputs = keras.Input(shape=(8,))
b = layers.Dense(1, name="b")(inputs)
c = layers.Dense(2, name="c")(inputs)
a = layers.Dense(3, name="a")(inputs)
model = keras.Model(inputs, [b, [c, a]])
model.compile(optimizer="adam", loss={"b": "mse", "c": "mse", "a": "mae"})
'''


def _nested_reports(rule_module, version: str, nesting: object) -> list[str]:
    """The rule's messages with the outputs' nesting set to `nesting` (None: as if not known)."""
    facts = extract_facts(cst.parse_module(NESTED_SOURCE), NESTED_SOURCE)
    (model,) = facts.models
    assert model.outputs.kind == "nested"
    model.outputs.nesting = nesting  # type: ignore[assignment]
    context = RuleContext(facts, TargetVersions((V(version),)))
    return [report.message for report in rule_module.RULE.check(context)]


def test_the_facts_carry_the_nesting_in_flattened_order() -> None:
    facts = extract_facts(cst.parse_module(NESTED_SOURCE), NESTED_SOURCE)
    (model,) = facts.models
    assert model.outputs.names() == ("b", "c", "a")
    assert model.outputs.nesting == ("list", (0, ("list", (1, 2))))
    source = NESTED_SOURCE.replace("[b, [c, a]]", '{"heads": [b, a], "aux": c}')
    (model,) = extract_facts(cst.parse_module(source), source).models
    assert model.outputs.names() == ("c", "b", "a")  # dicts flatten by sorted key
    assert model.outputs.nesting == ("dict", (("aux", 0), ("heads", ("list", (1, 2)))))


def test_klo201_reports_a_flat_dict_on_nested_list_outputs() -> None:
    nesting = ("list", (0, ("list", (1, 2))))
    (message,) = _nested_reports(klo201, "3.5.0", nesting)
    assert message == (
        "on Keras 3.5.0 'b' would get the loss for 'a', 'c' would get the loss for 'b', 'a' would get the loss "
        "for 'c': a flat loss dict for nested outputs is applied in sorted key order"
    )
    assert _nested_reports(klo201, "3.7.0", nesting) == []
    assert _nested_reports(klo201, "3.4.1", nesting) == []  # a dropped loss is KLO104's
    assert _nested_reports(klo201, "3.5.0", None) == []  # without the nesting: silent


def test_klo104_reports_the_loss_3_4_drops_on_nested_outputs() -> None:
    nesting = ("list", (0, ("list", (1, 2))))
    (message,) = _nested_reports(klo104, "3.4.1", nesting)
    assert message == (
        "nested outputs of `model` with a flat `loss` dict: on Keras 3.4.1 'a' would get no loss; "
        "flatten the outputs into one list, or give `loss` their nesting"
    )
    assert _nested_reports(klo104, "3.3.3", nesting) == []  # refused at keras.Model(...): no rule says so
    assert _nested_reports(klo104, "3.5.0", nesting) == []
