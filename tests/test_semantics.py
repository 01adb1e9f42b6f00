"""Unit tests for the version-aware model of Keras (the facts measured in KERAS_SEMANTICS.md)."""

from __future__ import annotations

import pytest
from packaging.version import Version

from keras_loss_lint.keras.semantics import BROADCAST, ArgSpec, OutputsSpec, Scenario, intended, predict

V = Version
LIST_BA = OutputsSpec("list", ("b", "a"))
DICT_ZA = OutputsSpec("dict", ("zulu", "alpha"), keys=("zulu", "alpha"))


@pytest.mark.parametrize(
    ("version", "expected"),
    [("2.15.0", ("b", "a")), ("3.4.1", ("b", "a")), ("3.5.0", ("a", "b")), ("3.6.0", ("a", "b")),
     ("3.7.0", ("b", "a")), ("3.15.1", ("b", "a"))],
)
def test_dict_loss_on_unsorted_list_outputs(version: str, expected: tuple[str, str]) -> None:
    outcome = predict(V(version), Scenario(LIST_BA, loss=ArgSpec.dict_of("b", "a")))
    assert outcome.loss_from == expected


def test_sorted_names_are_safe_on_3_5() -> None:
    outputs = OutputsSpec("list", ("a", "b"))
    assert predict(V("3.5.0"), Scenario(outputs, loss=ArgSpec.dict_of("b", "a"))).loss_from == ("a", "b")


def test_partial_dict_loss_by_era() -> None:
    scenario = Scenario(LIST_BA, loss=ArgSpec.dict_of("b"))
    assert predict(V("3.4.1"), scenario).loss_from == ("b", None)
    assert predict(V("3.5.0"), scenario).raises == "ValueError"
    assert predict(V("3.7.0"), scenario).raises == "ValueError"


def test_dict_with_none_drops_everything_on_3_5() -> None:
    scenario = Scenario(LIST_BA, loss=ArgSpec.dict_of("b", "a", none_at=("a",)))
    assert predict(V("3.5.0"), scenario).loss_from == (None, None)
    assert predict(V("3.7.0"), scenario).loss_from == ("b", None)


def test_list_loss_with_none() -> None:
    scenario = Scenario(LIST_BA, loss=ArgSpec.list_of(2, none_at=(0,)))
    assert predict(V("3.4.1"), scenario).loss_from == ("1", None)  # shifted onto output 0
    assert predict(V("3.6.0"), scenario).loss_from == (None, None)
    assert predict(V("3.7.0"), scenario).loss_from == (None, "1")


def test_short_list_loss() -> None:
    scenario = Scenario(LIST_BA, loss=ArgSpec.list_of(1))
    assert predict(V("3.6.0"), scenario).raises == "ValueError"
    assert predict(V("3.7.0"), scenario).loss_from == ("0", None)


def test_list_loss_with_dict_weights_sorted_since_3_5() -> None:
    scenario = Scenario(LIST_BA, loss=ArgSpec.list_of(2), loss_weights=ArgSpec.dict_of("b", "a"))
    assert predict(V("3.4.1"), scenario).raises == "ValueError"
    for version in ("3.5.0", "3.7.0", "3.15.1"):
        assert predict(V(version), scenario).weight_from == ("a", "b")
    assert intended(scenario).weight_from == ("b", "a")


def test_dict_loss_with_list_weights() -> None:
    scenario = Scenario(LIST_BA, loss=ArgSpec.dict_of("b", "a"), loss_weights=ArgSpec.list_of(2))
    assert predict(V("3.4.1"), scenario).raises == "ValueError"
    outcome = predict(V("3.5.0"), scenario)
    assert outcome.loss_from == ("a", "b") and outcome.weight_from == ("0", "1")
    assert predict(V("3.7.0"), scenario).weight_from == ("0", "1")


def test_dict_labels_on_list_outputs() -> None:
    scenario = Scenario(LIST_BA, loss=ArgSpec.list_of(2), y=ArgSpec.dict_of("b", "a"))
    assert predict(V("3.5.0"), scenario).label_from == ("a", "b")
    assert predict(V("3.7.0"), scenario).label_from == ("b", "a")


def test_list_for_dict_outputs_follows_sorted_keys() -> None:
    scenario = Scenario(DICT_ZA, loss=ArgSpec.list_of(2), y=ArgSpec.list_of(2))
    outcome = predict(V("3.7.0"), scenario)
    assert outcome.loss_from == ("1", "0")  # written order: zulu gets entry 1
    assert outcome.label_from == ("1", "0")
    assert intended(scenario).loss_from == ("0", "1")


def test_dict_outputs_keys_differ_from_layer_names() -> None:
    outputs = OutputsSpec("dict", ("head_score", "label"), keys=("score", "label"))
    scenario = Scenario(outputs, loss=ArgSpec.dict_of("score", "label"))
    assert predict(V("3.4.1"), scenario).raises == "ValueError"
    assert predict(V("3.5.0"), scenario).loss_from == ("score", "label")


def test_sequential_dict_loss_raises_everywhere() -> None:
    outputs = OutputsSpec("single", ("dense",), model_kind="sequential")
    scenario = Scenario(outputs, loss=ArgSpec.dict_of("dense"))
    assert predict(V("3.4.1"), scenario).raises == "TypeError"
    assert predict(V("3.5.0"), scenario).raises == "ValueError"
    assert predict(V("3.8.0"), scenario).raises == "TypeError"


def test_single_label_for_multi_output() -> None:
    scenario = Scenario(LIST_BA, loss=ArgSpec.single(), y=ArgSpec.single())
    assert predict(V("2.15.0"), scenario).label_from == (BROADCAST, BROADCAST)
    assert predict(V("3.5.0"), scenario).loss_from == (BROADCAST, None)
    assert predict(V("3.7.0"), scenario).raises is not None


def test_metrics() -> None:
    flat = Scenario(LIST_BA, metrics=ArgSpec.list_of(1))
    assert predict(V("2.15.0"), flat).metrics_from == (("0",), ("0",))
    assert predict(V("3.0.0"), flat).raises == "ValueError"
    assert predict(V("3.0.0"), Scenario(LIST_BA, metrics=ArgSpec.single())).stage == "compile"
    routed = Scenario(LIST_BA, metrics=ArgSpec.dict_of("b", "a"), y=ArgSpec.dict_of("b", "a"))
    # 3.14.0 keeps each metric on its head but scores it against the other head's labels.
    assert predict(V("3.14.0"), routed).metrics_from == (("b",), ("a",))
    assert predict(V("3.14.0"), routed).metric_label_from == ("a", "b")
    assert predict(V("3.14.1"), routed).metric_label_from == ("b", "a")
    # 3.14 and later ignore the keys of a single output's metrics dict.
    single = Scenario(OutputsSpec("single", ("out",)), metrics=ArgSpec.dict_of("output"))
    assert predict(V("3.13.2"), single).raises == "ValueError"
    assert predict(V("3.14.1"), single).metrics_from == (("output",),)


def test_none_in_list_on_3_5_uses_the_first_positions() -> None:
    """Measured: 3.5-3.6 use only the first n - k flattened losses (k = number of None)."""
    three = OutputsSpec("list", ("c", "b", "a"))
    assert predict(V("3.5.0"), Scenario(three, loss=ArgSpec.list_of(3, none_at=(0,)))).loss_from == (None, "1", None)
    assert predict(V("3.5.0"), Scenario(three, loss=ArgSpec.list_of(3, none_at=(1,)))).loss_from == ("0", None, None)
    assert predict(V("3.5.0"), Scenario(three, loss=ArgSpec.list_of(3, none_at=(2,)))).loss_from == ("0", "1", None)


def test_dict_labels_with_missing_and_unknown_keys() -> None:
    missing = Scenario(LIST_BA, loss=ArgSpec.list_of(2), y=ArgSpec.dict_of("b"))
    assert predict(V("3.4.1"), missing).loss_from == ("0", None)
    assert predict(V("3.7.0"), missing).raises == "ValueError"
    unknown = Scenario(LIST_BA, loss=ArgSpec.list_of(2), y=ArgSpec.dict_of("b", "c"))
    assert predict(V("3.7.0"), unknown).label_from == ("b", "c")  # re-paired by position
    assert predict(V("3.8.0"), unknown).raises == "ValueError"
    assert predict(V("2.15.0"), unknown).raises == "ValueError"


# ---------------------------------------------------------------------------------- judgements


def _misbehaving(scenario: Scenario, **options) -> set[str]:
    from keras_loss_lint.keras.judgement import judge
    from keras_loss_lint.keras.versions import KNOWN_RELEASES

    return {str(v) for v in judge(KNOWN_RELEASES, scenario, **options).misbehaving()}


def test_a_shared_output_name_misbehaves_only_on_keras_2_and_3_5_to_3_6() -> None:
    """Measured (docs/conformance.md, klo108_*): 3.0-3.4 and 3.7+ give the one key's loss to both."""
    shared = Scenario(OutputsSpec("list", ("h", "h")), loss=ArgSpec.dict_of("h"))
    found = _misbehaving(shared, aspects=("loss",), untrained=True)
    assert {"2.15.0", "3.5.0", "3.6.0"} <= found
    assert not found & {"3.0.0", "3.4.1", "3.7.0", "3.15.1"}


def test_list_loss_with_dict_weights_raises_on_3_0_to_3_4_in_any_order() -> None:
    from keras_loss_lint.keras.judgement import Verdict, judge

    outputs = OutputsSpec("list", ("a", "b"))
    sorted_names = Scenario(outputs, loss=ArgSpec.list_of(2), loss_weights=ArgSpec.dict_of("a", "b"))
    verdicts = {str(v): verdict for v, _, verdict in judge((V("3.4.1"), V("3.5.0")), sorted_names).outcomes}
    assert verdicts == {"3.4.1": Verdict.RAISES, "3.5.0": Verdict.AS_WRITTEN}


def test_untrained_counts_only_outputs_the_loss_never_addressed() -> None:
    left_out = Scenario(LIST_BA, loss=ArgSpec.dict_of("b"))
    said_none = Scenario(LIST_BA, loss=ArgSpec.dict_of("b", "a", none_at=("a",)))
    assert "3.4.1" in _misbehaving(left_out, untrained=True)
    assert "3.4.1" not in _misbehaving(left_out)
    assert "3.4.1" not in _misbehaving(said_none, untrained=True)


def test_a_loss_keyed_by_layer_names_of_dict_outputs_means_those_outputs() -> None:
    outputs = OutputsSpec("dict", ("head_s",), keys=("score",))
    assert intended(Scenario(outputs, loss=ArgSpec.dict_of("head_s"))).loss_from == ("head_s",)
    found = _misbehaving(Scenario(outputs, loss=ArgSpec.dict_of("head_s")))
    assert "2.15.0" not in found and {"3.0.0", "3.4.1", "3.5.0", "3.15.1"} <= found


def test_a_sequential_output_name_unknown_to_the_code_leaves_keras_2_unjudged() -> None:
    """Keras 2 names a Sequential's output after its last layer (measured on 2.15.0)."""
    from keras_loss_lint.keras.scenario import UNKNOWN_NAME

    unread = Scenario(OutputsSpec("single", (UNKNOWN_NAME,), model_kind="sequential"), loss=ArgSpec.dict_of("price"))
    assert "2.15.0" not in _misbehaving(unread) and "3.0.0" in _misbehaving(unread)
    named = OutputsSpec("single", ("price",), model_kind="sequential")
    assert predict(V("2.15.0"), Scenario(named, loss=ArgSpec.dict_of("price"))).loss_from == ("price",)
    assert predict(V("2.15.0"), Scenario(named, loss=ArgSpec.dict_of("other"))).raises == "ValueError"


def test_a_migration_is_judged_against_what_keras_2_did() -> None:
    flat = Scenario(LIST_BA, loss=ArgSpec.single(), metrics=ArgSpec.list_of(2))
    assert "3.0.0" in _misbehaving(flat, aspects=("metrics",), against_keras_2=True)
    assert "2.15.0" not in _misbehaving(flat, aspects=("metrics",), against_keras_2=True)


def test_rule_affects_come_from_the_model_and_answer_unknown_releases_too() -> None:
    from keras_loss_lint.rules.registry import rule_by_code

    rule = rule_by_code("KLO201")
    assert rule is not None
    assert {str(v) for v in rule.affects.known} == {"3.5.0", "3.6.0"}
    assert not rule.affects.contains(V("3.16.2")) and rule.affects.contains(V("3.5.0"))
