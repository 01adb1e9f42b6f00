"""Questions the rules about a dict `x` (KLO110, KLO207) ask: which inputs a model has, and what each
targeted release feeds them, phrased for a message."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from packaging.version import Version

from keras_loss_lint.analysis.facts import Argument, CallFacts, Mapping, ModelFacts, Outputs
from keras_loss_lint.keras.api import LABEL_METHODS, PREDICT_METHODS
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
from keras_loss_lint.rules.phrasing import pairings

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
        """How a message refers to each input."""
        return tuple(name if name is not None else f"<unnamed input #{i}>" for i, name in enumerate(self.names))


def known_inputs(call: CallFacts) -> Optional[KnownInputs]:
    model = call.model
    if model is None or model.kind != "functional" or model.inputs is None:
        return None
    inputs = model.inputs
    if inputs.kind not in ("list", "tuple", "single") or not inputs.all_known():
        return None
    names: list[Optional[str]] = []
    for leaf in inputs.leaves:
        producer = leaf.producer
        if producer is None or producer.kind != "input" or producer.name_state == "unknown":
            return None
        names.append(producer.name if producer.name_state == "explicit" else None)
    return KnownInputs(model, inputs, tuple(names))


def dict_x(call: CallFacts) -> Optional[tuple[Argument, Mapping]]:
    argument = call.argument("x")
    if argument is None or not isinstance(argument.value, Mapping):
        return None
    return argument, argument.value


def scenario_of(known: KnownInputs, x: Mapping, method: str) -> InputScenario:
    """The call as a semantics scenario; unnamed inputs stand in under their labels, which no key of
    `x` may equal (the callers stay silent when a key may be an auto name)."""
    kind = known.inputs.kind
    spec = InputsSpec(kind, known.labels())  # type: ignore[arg-type]
    return InputScenario(spec, ArgSpec.dict_of(*x.keys()), method)  # type: ignore[arg-type]


def effects(
    versions: Sequence[Version], scenario: InputScenario, include_ignored: bool = True
) -> list[str]:
    """What the targeted releases do with the call, one phrase per distinct outcome, in release order."""
    meant = intended_inputs(scenario)
    grouped: dict[InputOutcome, list[Version]] = {}
    for version in versions:
        grouped.setdefault(predict_inputs(version, scenario), []).append(version)
    phrases = []
    for outcome, on in grouped.items():
        phrase = _phrase(outcome, meant, on, scenario.inputs.names, include_ignored)
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
