"""Questions the rules about a dict `x` (KLO110, KLO207) ask: which inputs a model has, and what each
targeted release feeds them, phrased for a message."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from packaging.version import Version

from keras_loss_lint.analysis.facts import Argument, CallFacts, Mapping, ModelFacts, Outputs
from keras_loss_lint.keras.api import LABEL_METHODS, PREDICT_METHODS
from keras_loss_lint.keras.scenario import VALIDATION, FedBy
from keras_loss_lint.keras.semantics import (
    ArgSpec,
    InputOutcome,
    InputScenario,
    InputsSpec,
    intended_inputs,
    predict_inputs,
)
from keras_loss_lint.keras.names import may_be_auto_input_name
from keras_loss_lint.rules.common import on_versions, raise_on
from keras_loss_lint.rules.phrasing import argument_shown, pairings

__all__ = ["may_be_auto_input_name"]  # re-exported for KLO110


@dataclass(frozen=True)
class KnownInputs:
    """A Functional model's list, tuple or single inputs, every one a known `Input`; `names` holds
    each explicit name, or None where Keras generates one."""

    model: ModelFacts
    inputs: Outputs
    names: tuple[Optional[str], ...]

    @property
    def all_named(self) -> bool:
        return all(name is not None for name in self.names)

    def labels(self) -> tuple[str, ...]:
        """Each input's name, or a label no key can equal for an unnamed one."""
        return tuple(name if name is not None else f"<unnamed input #{i}>" for i, name in enumerate(self.names))

    @property
    def by_key(self) -> bool:
        """Dict inputs: a dict `x` is matched by the dict's keys, not by the inputs' names."""
        return self.inputs.kind == "dict"

    def keys(self) -> tuple[Optional[str], ...]:
        """What each input's entry in a dict `x` should be keyed by (None: an auto name)."""
        return self.inputs.keys() if self.by_key else self.names

    def shown(self) -> tuple[str, ...]:
        """How a message lists the inputs: the dict's keys, or the inputs' names."""
        return self.inputs.keys() if self.by_key else self.labels()


def known_inputs(call: CallFacts) -> Optional[KnownInputs]:
    model = call.model
    if model is None or model.kind != "functional" or model.inputs is None:
        return None
    inputs = model.inputs
    if inputs.kind not in ("list", "tuple", "single", "dict") or not inputs.all_known():
        return None
    names: list[Optional[str]] = []
    for leaf in inputs.leaves:
        producer = leaf.producer
        if producer is None or producer.kind != "input" or producer.name_state == "unknown":
            return None
        names.append(producer.name if producer.name_state == "explicit" else None)
    return KnownInputs(model, inputs, tuple(names))


@dataclass(frozen=True)
class DictX:
    """A dict written where a call's inputs go: the call's `x`, or the `x` of its `validation_data`."""

    argument: Argument
    mapping: Mapping
    fed_by: FedBy  # the method Keras feeds it through (a validation `x`: after fit built the model)
    shown: str  # how a message names it: "`x`"
    described: str  # and how it names the dict: "a dict `x`"

    def keys(self) -> tuple[str, ...]:
        return self.mapping.keys()


_WHERE_X_GOES = (
    ("x", argument_shown("x"), "a dict `x`"),
    ("validation_x", f"the {argument_shown('validation_x')}", "a dict `x` in `validation_data`"),
)


def dict_xs(call: CallFacts) -> list[DictX]:
    found = []
    for argument_name, shown, described in _WHERE_X_GOES:
        argument = call.argument(argument_name)
        if argument is not None and isinstance(argument.value, Mapping):
            fed_by = call.method if argument_name == "x" else VALIDATION
            found.append(DictX(argument, argument.value, fed_by, shown, described))  # type: ignore[arg-type]
    return found


def scenario_of(known: KnownInputs, x: DictX) -> InputScenario:
    """The call as a semantics scenario; unnamed inputs stand in under their labels, which no key of
    `x` may equal (the callers stay silent when a key may be an auto name)."""
    kind = known.inputs.kind
    keys = known.inputs.keys() if kind == "dict" else None
    spec = InputsSpec(kind, known.labels(), keys)  # type: ignore[arg-type]
    return InputScenario(spec, ArgSpec.dict_of(*x.keys()), x.fed_by)


def effects(
    versions: Sequence[Version], scenario: InputScenario, include_ignored: bool = True
) -> list[str]:
    """What the targeted releases do with the call, one phrase per distinct outcome, in release order."""
    meant = intended_inputs(scenario)
    grouped: dict[InputOutcome, list[Version]] = {}
    for version in versions:
        grouped.setdefault(predict_inputs(version, scenario), []).append(version)
    inputs = scenario.inputs
    labels = inputs.keys if inputs.kind == "dict" and inputs.keys is not None else inputs.names
    phrases = []
    for outcome, on in grouped.items():
        phrase = _phrase(outcome, meant, on, labels, include_ignored)
        if phrase:
            phrases.append(phrase)
    return phrases


def _phrase(
    outcome: InputOutcome, meant: InputOutcome, on: Sequence[Version], labels: Sequence[str], ignored: bool
) -> str:
    if outcome.raises is not None:
        return f"{raise_on(on)} {outcome.raises}"
    if outcome.fed_from == meant.fed_from:
        return f"{on_versions(on)} {'ignores' if len(on) == 1 else 'ignore'} it" if ignored else ""
    return f"on {on_versions(on)} {pairings(labels, outcome.fed_from, meant.fed_from, 'array')}"


def predict_differs(versions: Sequence[Version], scenario: InputScenario) -> str:
    """For a `predict()`-like call: what `fit()` and `evaluate()` do instead where they differ
    (measured: on 3.5.0 and later they trace the model first and raise where `predict` may not)."""
    if scenario.method not in PREDICT_METHODS:
        return ""
    fitting = InputScenario(scenario.inputs, scenario.x, LABEL_METHODS[0])  # type: ignore[arg-type]
    differing = [v for v in versions if predict_inputs(v, fitting) != predict_inputs(v, scenario)]
    if not differing:
        return ""
    return " (`fit()` and `evaluate()` differ: " + "; ".join(effects(differing, fitting)) + ")"
