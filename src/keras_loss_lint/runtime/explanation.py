"""`explain(model)`: what the installed Keras release will do with a compiled model's losses, weights,
metrics and labels, as a small plain-text table, and which array of a given `x` reaches which input
(runtime/inputs.py).

The model is only read, never run: its outputs and `compile()` arguments become the `Scenario` the
static rules build from source, and `keras_loss_lint.keras.semantics.predict` answers for the installed
release. The `Explanation` prints as the table, so a bare `explain(model)` as the last line of a
notebook cell or at the REPL shows it, and `print(explain(model))` does in a script.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from packaging.version import Version

from keras_loss_lint.keras.scenario import BROADCAST, Outcome, OutputsSpec, Scenario
from keras_loss_lint.keras.semantics import intended, predict
from keras_loss_lint.keras.versions import KNOWN_RELEASES, NEWEST_KNOWN
from keras_loss_lint.runtime.arguments import ReadArgument, Unreadable, read_argument
from keras_loss_lint.keras.scenario import InputOutcome, InputScenario
from keras_loss_lint.runtime.findings import Finding, findings_for
from keras_loss_lint.runtime.inputs import read_inputs
from keras_loss_lint.runtime.reading import ModelReading, read_model

HEADINGS = ("output", "loss", "weight", "y", "metrics")


@dataclass(frozen=True)
class Row:
    """One output: what reaches it on the installed release; `wrong` marks a finding there."""

    output: str
    loss: str
    weight: str
    labels: str
    metrics: str
    wrong: bool = False


@dataclass(frozen=True)
class Explanation:
    version: Version
    model: str  # e.g. "Functional model, list outputs"
    scenario: Scenario | None
    outcome: Outcome | None
    findings: tuple[Finding, ...]
    rows: tuple[Row, ...] = ()
    inputs: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)
    input_scenario: InputScenario | None = None  # the model's inputs and the given `x`, when read
    input_outcome: InputOutcome | None = None  # which `x` entry reaches each input, or what is raised

    @property
    def ok(self) -> bool:
        """No finding (which is not the same as certain: see `certain`)."""
        return not self.findings

    @property
    def certain(self) -> bool:
        """The release exposed enough to predict every output's wiring."""
        return self.scenario is not None and self.outcome is not None

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(finding.code for finding in self.findings)

    def __str__(self) -> str:
        return render(self)

    __repr__ = __str__


def explain(model: Any, x: Any = None, y: Any = None, *, method: str = "fit") -> Explanation:
    """Read a compiled model and say what the installed Keras release does with its wiring; `x` and
    `y` as they are given to the call named by `method` (`fit`, `evaluate`, `predict`, ...: releases
    differ in how some of them feed a dict `x`)."""
    reading = read_model(model, x)
    fed = read_inputs(reading.version, reading.inputs, x, method)
    notes = list(reading.notes) + _release_notes(reading.version)
    arguments, unreadable = _read_arguments(reading, y, notes)
    notes += fed.notes
    title = _title(reading)
    if reading.outputs is None or unreadable or reading.arguments.source is None:
        return Explanation(
            reading.version, title, None, None, fed.findings, (), fed.line, tuple(notes), fed.scenario, fed.outcome
        )
    scenario = _scenario(reading.outputs, arguments)
    outcome = predict(reading.version, scenario)
    findings = findings_for(reading.version, scenario)
    weighted = arguments.get("weighted_metrics")
    if weighted is not None:
        weighted_scenario = Scenario(reading.outputs, scenario.loss, scenario.loss_weights, weighted.spec, scenario.y)
        findings += [f for f in findings_for(reading.version, weighted_scenario, "weighted_metrics")
                     if f.argument == "weighted_metrics"]
    if _labels_in_dataset(x, y):
        notes.append("labels inside a dataset or generator are not read: pass y= to check them")
    elif y is None:
        notes.append("y not given: which label reaches which output is not checked (pass y=)")
    rows = _rows(reading.outputs, outcome, intended(scenario), arguments, findings)
    return Explanation(
        reading.version, title, scenario, outcome, (*findings, *fed.findings), rows, fed.line, tuple(notes),
        fed.scenario, fed.outcome,
    )


# -------------------------------------------------------------------------------------- reading


def _read_arguments(
    reading: ModelReading, y: Any, notes: list[str]
) -> tuple[dict[str, ReadArgument | None], bool]:
    values = dict(reading.arguments.values)
    values["y"] = y
    read: dict[str, ReadArgument | None] = {}
    unreadable = False
    for name, value in values.items():
        try:
            read[name] = read_argument(value)
        except Unreadable as error:
            notes.append(f"`{name}` is not covered: {error}")
            unreadable = True
    return read, unreadable


def _scenario(outputs: OutputsSpec, arguments: dict[str, ReadArgument | None]) -> Scenario:
    def spec(name: str) -> Any:
        argument = arguments.get(name)
        return argument.spec if argument is not None else None

    return Scenario(outputs, spec("loss"), spec("loss_weights"), spec("metrics"), spec("y"))


def _release_notes(version: Version) -> list[str]:
    if version in KNOWN_RELEASES:
        return []
    if version > NEWEST_KNOWN:
        return [f"Keras {version} is newer than the newest release this version knows ({NEWEST_KNOWN}): "
                "it is assumed to behave like that one"]
    return [f"Keras {version} is not a release the semantics model was measured on: "
            "it is assumed to behave like the known releases around it"]


def _labels_in_dataset(x: Any, y: Any) -> bool:
    return y is None and x is not None and (hasattr(x, "element_spec") or hasattr(x, "__next__"))


def _title(reading: ModelReading) -> str:
    kind = {"functional": "Functional", "sequential": "Sequential", "subclassed": "subclassed"}[reading.model_kind]
    shape = f", {reading.outputs.kind} outputs" if reading.outputs is not None else ", outputs unknown"
    named = f" {reading.model_class}" if reading.model_class not in ("Functional", "Sequential") else ""
    return f"{kind}{named} model{shape}"


# ------------------------------------------------------------------------------------------ rows


def _rows(
    outputs: OutputsSpec,
    got: Outcome,
    meant: Outcome,
    arguments: dict[str, ReadArgument | None],
    findings: Sequence[Finding],
) -> tuple[Row, ...]:
    if got.raises is not None:
        return tuple(Row(_output_label(outputs, i), "", "", "", "") for i in range(outputs.count))
    wrong_labels = {label for finding in findings for label in finding.outputs}
    rows = []
    for i in range(outputs.count):
        label = outputs.labels()[i]
        trained = got.loss_from[i] is not None
        rows.append(Row(
            _output_label(outputs, i),
            _entry(arguments.get("loss"), got.loss_from[i], "-"),
            _entry(arguments.get("loss_weights"), got.weight_from[i], "1") if trained else "",
            _label_entry(arguments.get("y"), got.label_from[i], trained or bool(got.metrics_from[i])),
            ", ".join(_entry(arguments.get("metrics"), m, "") for m in got.metrics_from[i]) or "-",
            label in wrong_labels,
        ))
    return tuple(rows)


def _output_label(outputs: OutputsSpec, index: int) -> str:
    if outputs.kind == "dict" and outputs.keys is not None:
        key, name = outputs.keys[index], outputs.names[index]
        return key if key == name or outputs.model_kind != "functional" else f"{key} (layer {name})"
    if outputs.model_kind != "functional":
        return f"output {index}"
    return outputs.names[index]


def _entry(argument: ReadArgument | None, label: str | None, missing: str) -> str:
    if argument is None or label is None:
        return missing
    return argument.describe(label)


def _label_entry(argument: ReadArgument | None, label: str | None, used: bool) -> str:
    if not used:
        return ""
    if argument is None:
        return "-"
    if label is None:
        return "(no label)"
    return "y" if label == BROADCAST else (f"y[{label}]" if label.isdigit() else f"y[{label!r}]")


# ----------------------------------------------------------------------------------------- table


def render(explanation: Explanation) -> str:
    lines = [f"keras-loss-lint explain: {explanation.model} on Keras {explanation.version}"]
    outcome = explanation.outcome
    if outcome is None:
        lines.append("  the wiring cannot be predicted (see the notes below)")
    elif outcome.raises is not None:
        when = "in compile()" if outcome.stage == "compile" else "at the first fit/evaluate step"
        lines.append(f"  Keras {explanation.version} raises {outcome.raises} {when}")
    else:
        lines.extend(_table(explanation.rows))
    lines.extend(f"{f.code} {f.message}" for f in explanation.findings)
    if outcome is not None and not explanation.findings:
        lines.append("no finding: every entry reaches the output it names")
    if explanation.inputs:
        lines.append(explanation.inputs)
    lines.extend(f"note: {note}" for note in explanation.notes)
    return "\n".join(lines)


def _table(rows: Sequence[Row]) -> list[str]:
    cells = [HEADINGS] + [(r.output, r.loss, r.weight, r.labels, r.metrics) for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(HEADINGS))]
    marks = [" "] + ["!" if r.wrong else " " for r in rows]
    return [
        f"{mark} " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
        for mark, row in zip(marks, cells)
    ]
