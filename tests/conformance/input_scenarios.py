"""The conformance catalogue for `x`: how each release feeds a model's inputs from a dict (KLO110,
KLO207).

Input names are chosen so that written order and sorted order differ (`[b, a]`) unless a case is a
control (`*_safe`). Every input has the same shape, so an array fed to the wrong input is seen rather
than refused; every case runs with every method that takes an `x` (`METHODS`), since `predict` and
the `*_on_batch` methods reach the model through other code paths than `fit`, and as the validation
`x` of a `fit()` that trains on a correct `x` first (`VALIDATION`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import get_args

from keras_loss_lint.keras.scenario import VALIDATION, ArgSpec, FedBy, InputScenario, InputsSpec, XMethod

from .scenarios import rule_of

METHODS: tuple[XMethod, ...] = get_args(XMethod)
FED_BY: tuple[FedBy, ...] = (*METHODS, VALIDATION)  # type: ignore[assignment]


@dataclass(frozen=True)
class InputCase:
    name: str  # `klo<code>_<what>`, like the output catalogue
    scenario: InputScenario
    claim: str

    @property
    def rule(self) -> str:
        return rule_of(self.name)

    @property
    def id(self) -> str:
        return f"{self.name}-{self.scenario.method}"


D = ArgSpec.dict_of
L = ArgSpec.list_of
S = ArgSpec.single()


def ins(*names: str, kind: str = "list") -> InputsSpec:
    return InputsSpec(kind, tuple(names))  # type: ignore[arg-type]


def dict_ins(keys: tuple[str, ...], names: tuple[str, ...]) -> InputsSpec:
    """Dict inputs `{key: keras.Input(name=name)}`, in written order."""
    return InputsSpec("dict", names, keys=keys)


BA = ins("b", "a")

BASE: tuple[InputCase, ...] = (
    # KLO207 dict-inputs-sorted-order
    InputCase("klo207_dict_x_list_inputs", InputScenario(BA, D("b", "a")),
              "list inputs [b, a], dict x {b, a}: 3.4-3.6 feed the arrays in sorted key order"),
    InputCase("klo207_dict_x_written_sorted", InputScenario(BA, D("a", "b")),
              "the dict's written order does not matter, only the key order"),
    InputCase("klo207_dict_x_tuple_inputs", InputScenario(ins("b", "a", kind="tuple"), D("b", "a")),
              "tuple inputs behave like list inputs"),
    InputCase("klo207_three_inputs", InputScenario(ins("c", "a", "b"), D("c", "a", "b")),
              "three inputs [c, a, b]: each gets the array of the key at its sorted position"),
    InputCase("klo207_sorted_names_safe", InputScenario(ins("a", "b"), D("b", "a")),
              "control: inputs already in sorted order are fed correctly everywhere"),
    InputCase("klo207_list_x_safe", InputScenario(BA, L(2)),
              "control: a list x is fed by position everywhere"),
    # KLO110 input-key-not-an-input
    InputCase("klo110_wrong_key", InputScenario(BA, D("b", "c")),
              "a key naming no input: by-name releases raise, 3.4-3.6 feed it by position"),
    InputCase("klo110_extra_key", InputScenario(BA, D("b", "a", "c")),
              "an extra key beside every input name"),
    InputCase("klo110_missing_key", InputScenario(BA, D("b")),
              "a dict leaving out an input"),
    InputCase("klo110_single_input_wrong_key", InputScenario(ins("a", kind="single"), D("z")),
              "one input, a dict x keyed by another name"),
    InputCase("klo110_single_input_right_key_safe", InputScenario(ins("a", kind="single"), D("a")),
              "control: one input, a dict x keyed by its name"),
    # Dict inputs: the dict's keys, not the inputs' names, are what `x` is matched by.
    InputCase("klo110_dict_inputs_safe", InputScenario(dict_ins(("b", "a"), ("b", "a")), D("b", "a")),
              "control: dict inputs {b, a}, a dict x with the same keys"),
    InputCase("klo110_dict_inputs_keyed_by_names", InputScenario(dict_ins(("kb", "ka"), ("b", "a")), D("b", "a")),
              "dict inputs {kb: Input(name=b), ka: Input(name=a)}, a dict x keyed by the inputs' names"),
    InputCase("klo110_dict_inputs_wrong_key", InputScenario(dict_ins(("b", "a"), ("b", "a")), D("b", "c")),
              "dict inputs {b, a}, a dict x with a key naming no input"),
    InputCase("klo110_dict_inputs_extra_key", InputScenario(dict_ins(("b", "a"), ("b", "a")), D("b", "a", "c")),
              "dict inputs {b, a}, a dict x with an extra key"),
)

INPUT_CASES: tuple[InputCase, ...] = tuple(
    replace(case, scenario=replace(case.scenario, method=method)) for case in BASE for method in FED_BY
)
