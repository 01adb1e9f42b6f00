"""The words a message uses for why entries moved are said only where the outcome is that pairing."""

from __future__ import annotations

from packaging.version import Version

from keras_loss_lint.keras.judgement import judge
from keras_loss_lint.keras.mechanisms import dict_in_sorted_key_order, list_on_sorted_keys
from keras_loss_lint.keras.scenario import ArgSpec, OutputsSpec, Scenario


def test_a_dict_in_sorted_key_order() -> None:
    assert dict_in_sorted_key_order(("a", "b"), ("b", "a"))
    assert dict_in_sorted_key_order(("a", None), ("a",))  # a short dict leaves the last outputs out
    assert dict_in_sorted_key_order(("a",), ("c", "a"))  # a long one's last keys reach nothing
    assert not dict_in_sorted_key_order(("b", "a"), ("b", "a"))
    assert not dict_in_sorted_key_order((None, "a"), ("a",))
    assert not dict_in_sorted_key_order((), ("a",))


def test_a_list_on_sorted_keys() -> None:
    # Dict outputs keyed "z", "a" in written order: entry 0 goes to "a", entry 1 to "z".
    assert list_on_sorted_keys(("1", "0"), ("z", "a"))
    assert not list_on_sorted_keys(("0", "1"), ("z", "a"))
    assert not list_on_sorted_keys(("1",), ("z", "a"))


def test_the_model_s_sorted_release_pairs_a_loss_dict_in_sorted_key_order() -> None:
    scenario = Scenario(OutputsSpec("list", ("zeta", "alpha")), loss=ArgSpec.dict_of("zeta", "alpha"))
    (row,) = judge((Version("3.5.0"),), scenario).outcomes
    assert dict_in_sorted_key_order(row[1].loss_from, ("zeta", "alpha"))
    (row,) = judge((Version("3.7.0"),), scenario).outcomes
    assert not dict_in_sorted_key_order(row[1].loss_from, ("zeta", "alpha"))
