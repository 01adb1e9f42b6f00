"""Which array of `x` reaches which input of a live model on the installed release, and the findings
the static rules KLO110 and KLO207 would make about the same call.

The answer comes from the semantics model (`keras_loss_lint.keras.inputs`: `predict_inputs` for what
the release does, `intended_inputs` for what the code says), the one place that knows how a dict `x`
is paired with a model's inputs, so a live check and a static one never disagree. A dict `x` or a
list `x` is read (only its keys or length: arrays are never looked into); anything else (a single
array, a dataset, a generator) is shown as it is given and never makes a finding.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, get_args

from packaging.version import Version

from keras_loss_lint.keras.api import LABEL_METHODS
from keras_loss_lint.keras.scenario import ArgSpec, InputOutcome, InputScenario, InputsSpec, XMethod
from keras_loss_lint.keras.semantics import intended_inputs, predict_inputs
from keras_loss_lint.runtime.findings import REASONS, Finding
from keras_loss_lint.runtime.reading import InputsView

METHODS: tuple[str, ...] = get_args(XMethod)


@dataclass(frozen=True)
class InputsReading:
    """What `explain` says about `x`: the `inputs:` line, the semantics model's scenario and answer
    (None where `x` was not given or not read), and the findings."""

    line: str = ""
    scenario: InputScenario | None = None
    outcome: InputOutcome | None = None
    findings: tuple[Finding, ...] = ()
    notes: tuple[str, ...] = ()


def read_inputs(version: Version, inputs: InputsView, x: Any, method: str = "fit") -> InputsReading:
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    if inputs.kind == "unknown":
        return InputsReading()
    spec = InputsSpec(inputs.kind, inputs.names, inputs.keys)  # type: ignore[arg-type]
    labels = spec.keys if spec.kind == "dict" and spec.keys is not None else spec.names
    if x is None:
        return InputsReading("inputs: " + ", ".join(labels))
    x_spec = _x_spec(x)
    if x_spec is None:
        return InputsReading("inputs: " + ", ".join(f"{label} <- x" for label in labels))
    scenario = InputScenario(spec, x_spec, method)  # type: ignore[arg-type]
    got, meant = predict_inputs(version, scenario), intended_inputs(scenario)
    findings = _findings(version, scenario, got, meant, labels)
    return InputsReading(_line(version, scenario, got, meant, labels), scenario, got, findings, _notes(scenario, got))


def _x_spec(x: Any) -> ArgSpec | None:
    if isinstance(x, Mapping):
        if not all(isinstance(key, str) for key in x):
            return None
        return ArgSpec.dict_of(*x.keys())
    if isinstance(x, (list, tuple)):
        return ArgSpec.list_of(len(x), kind="tuple" if isinstance(x, tuple) else "list")
    return None


def _line(
    version: Version, scenario: InputScenario, got: InputOutcome, meant: InputOutcome, labels: tuple[str, ...]
) -> str:
    if got.raises is not None:
        return f"inputs: Keras {version} raises {got.raises} when {scenario.method}() starts ({', '.join(labels)})"
    fed = []
    for label, entry, wanted in zip(labels, got.fed_from, meant.fed_from):
        text = f"{label} <- {_entry(entry)}"
        fed.append(text if entry == wanted else f"{text} (meant: {_entry(wanted)})")
    return "inputs: " + ", ".join(fed)


def _entry(label: str | None) -> str:
    if label is None:
        return "nothing"
    return f"x[{label}]" if label.isdigit() else f"x[{label!r}]"


def _findings(
    version: Version, scenario: InputScenario, got: InputOutcome, meant: InputOutcome, labels: tuple[str, ...]
) -> tuple[Finding, ...]:
    if scenario.x.kind != "dict" or (got.raises is None and got.fed_from == meant.fed_from):
        return ()
    code = _code(scenario, labels)
    if got.raises is not None:
        when = "before the first step" if scenario.method in LABEL_METHODS else "when it starts"
        message = f"Keras {version} raises {got.raises} in {scenario.method}() {when} because of `x`: {REASONS[code]}"
        return (Finding(code, "x", message),)
    moved = [
        (label, entry, wanted)
        for label, entry, wanted in zip(labels, got.fed_from, meant.fed_from)
        if entry != wanted
    ]
    pairs = ", ".join(
        f"{label!r} gets {_entry(entry)}" + (f" (meant: {_entry(wanted)})" if wanted is not None else "")
        for label, entry, wanted in moved
    )
    message = f"on Keras {version} {scenario.method}() feeds {pairs}: {REASONS[code]}"
    return (Finding(code, "x", message, tuple(label for label, _, _ in moved)),)


def _code(scenario: InputScenario, labels: tuple[str, ...]) -> str:
    """KLO207 for keys that are exactly the names of list or tuple inputs (only their order is at
    fault), KLO110 for keys that name no input or leave one out."""
    keys = scenario.x.keys
    exact = set(keys) == set(labels) and len(keys) == len(labels)
    return "KLO207" if exact and scenario.inputs.kind in ("list", "tuple") else "KLO110"


def _notes(scenario: InputScenario, got: InputOutcome) -> tuple[str, ...]:
    """Keys the release ignores: harmless here, so not a finding of this release."""
    if scenario.x.kind != "dict" or got.raises is not None:
        return ()
    inputs = scenario.inputs
    names = inputs.keys if inputs.kind == "dict" and inputs.keys is not None else inputs.names
    unused = [key for key in scenario.x.keys if key not in names and key not in got.fed_from]
    if not unused:
        return ()
    listed = ", ".join(repr(key) for key in unused)
    return (f"`x` keys naming no input, ignored by this release: {listed} (the static KLO110 reports them, "
            "since other releases may feed them to an input)",)
