"""Write docs/conformance.md: what each real Keras release does with each catalogue scenario.

    .venv/bin/python -m tests.conformance.report          # saved observations; observe what is missing
    .venv/bin/python -m tests.conformance.report --run    # observe every release afresh first
    .venv/bin/python -m tests.conformance.report --inputs-only  # rewrite only the dict `x` section
    KLL_CONFORMANCE_RELEASES=3.5.0,3.6.0 .venv/bin/python -m tests.conformance.report --output /tmp/c.md

Observations come from `<cache>/results/<release>.json`, written by the conformance tests (or by this
script). Cells say what Keras did relative to what the code says (`semantics.intended`): "as written",
the pairings that differ, or the exception. A cell that `semantics.predict` gets wrong is marked ⚠.
"""

from __future__ import annotations

import argparse
import datetime
import re
import sys
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterable, Sequence

from keras_loss_lint.keras.semantics import (
    ArgSpec,
    InputOutcome,
    InputScenario,
    Outcome,
    OutputsSpec,
    Scenario,
    intended,
    intended_inputs,
    predict,
    predict_inputs,
)

from . import envs, input_observe, observe
from .input_scenarios import BASE as INPUT_BASE
from .input_scenarios import FED_BY as INPUT_METHODS
from .scenarios import CASES, Case
from .wire import observable, outcome_from_json

Json = dict[str, Any]
DEFAULT_OUTPUT = Path(__file__).resolve().parents[2] / "docs" / "conformance.md"
FIELDS = (("loss", "loss_from"), ("weights", "weight_from"), ("y", "label_from"), ("metrics", "metrics_from"))


# ------------------------------------------------------------------------------------ scenario text


def describe_arg(arg: ArgSpec) -> str:
    """`{b, a: None}` for a dict, `[#0, None]` for a list (entries are named by position), `one`."""
    if arg.kind == "single":
        return "one"
    if arg.kind == "dict":
        inner = [f"{key}: None" if key in arg.none_at else key for key in arg.keys]
    else:
        inner = ["None" if label in arg.none_at else f"#{label}" for label in arg.labels()]
    return {"dict": "{%s}", "list": "[%s]", "tuple": "(%s)"}[arg.kind] % ", ".join(inner)


def describe_outputs(outputs: OutputsSpec) -> str:
    if outputs.kind == "dict":
        pairs = zip(outputs.keys or (), outputs.names)
        shown = "{" + ", ".join(k if k == n else f"{k}: {n}" for k, n in pairs) + "}"
    elif outputs.kind == "single":
        shown = outputs.names[0]
    else:
        shown = ("[%s]" if outputs.kind == "list" else "(%s)") % ", ".join(outputs.names)
    return shown if outputs.model_kind == "functional" else f"{outputs.model_kind} {shown}"


def describe_scenario(scenario: Scenario) -> str:
    parts = [f"outputs {describe_outputs(scenario.outputs)}"]
    for arg_name in ("loss", "loss_weights", "metrics", "y"):
        arg = getattr(scenario, arg_name)
        if arg is not None:
            parts.append(f"{arg_name} {describe_arg(arg)}")
    return "<br>".join(f"`{p}`" for p in parts)


# ------------------------------------------------------------------------------------ outcome text


def _output_labels(outputs: OutputsSpec) -> list[str]:
    labels = list(outputs.labels())
    duplicated = {label for label in labels if labels.count(label) > 1}
    return [f"{label}#{i}" if label in duplicated else label for i, label in enumerate(labels)]


def _entry(value: Any) -> str:
    if value is None or value == ():
        return "nothing"
    if isinstance(value, tuple):
        return "+".join(_entry(v) for v in value)
    return f"#{value}" if value.isdigit() else value


def describe_outcome(outcome: Outcome, scenario: Scenario, metric_labels: Sequence[str | None] = ()) -> str:
    """`metric_labels`: the y entry each output's metrics saw (runner's `metric_label_from`)."""
    if outcome.raises is not None:
        return outcome.raises + (" at compile()" if outcome.stage == "compile" else "")
    meant = observable(intended(scenario), outcome)
    names = _output_labels(scenario.outputs)
    differences = []
    comparisons = [(title, getattr(outcome, f), getattr(meant, f)) for title, f in FIELDS]
    if scenario.y is not None and metric_labels:
        wanted = [lab if m else None for lab, m in zip(intended(scenario).label_from, outcome.metrics_from)]
        comparisons.append(("metrics scored on y", tuple(metric_labels), tuple(wanted)))
    for title, got, want in comparisons:
        pairs = [f"{n}←{_entry(g)}" for n, g, w in zip(names, got, want) if g != w]
        if pairs:
            differences.append(f"{title} {', '.join(pairs)}")
    return "; ".join(differences) + " (silent)" if differences else "as written"


_ADDRESS = re.compile(r"<function make_(loss|metric)\.<locals>\.\w+ at 0x[0-9a-f]+>")
_TENSOR = re.compile(r"<tf\.Tensor: shape=[^>]*>|<tf\.Tensor[^>]*>", re.S)


def clean_message(message: str) -> str:
    """Error text without object addresses, so equal errors in several releases read alike."""
    text = _TENSOR.sub("<tensor>", _ADDRESS.sub(r"<\1 fn>", message))
    return text if len(text) <= 160 else text[:157] + "..."


# ------------------------------------------------------------------------------------ tables


def release_range(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{names[0]}–{names[-1]}"


def runs_of(values: Sequence[tuple[str, str]]) -> Iterable[tuple[list[str], str]]:
    """Consecutive releases with the same value, as (release names, value)."""
    run: list[str] = []
    current: str | None = None
    for release, value in values:
        if value != current and run:
            yield run, current or ""
            run = []
        run.append(release)
        current = value
    if run:
        yield run, current or ""


def _rule_title(code: str) -> str:
    try:
        from keras_loss_lint.rules.registry import rule_by_code

        rule = rule_by_code(code)
    except Exception:  # the report must not depend on the rules importing cleanly
        rule = None
    return f"{code} {rule.name}" if rule is not None and hasattr(rule, "name") else code


class Table:
    """The observations of all releases, indexed by (case name, release name)."""

    def __init__(self, releases: Sequence[envs.Release], reports: dict[str, Json | Exception]) -> None:
        self.releases = [r for r in releases if isinstance(reports.get(r.name), dict)]
        self.missing = {r.name: reports.get(r.name) for r in releases if r not in self.releases}
        self.reports: dict[str, Json] = {r.name: reports[r.name] for r in self.releases}  # type: ignore[misc]
        self.raw = {
            (res["name"], name): res for name, rep in self.reports.items() for res in rep["results"]
        }
        self.disagreements: list[str] = []

    def cell(self, case: Case, release: envs.Release) -> str:
        raw = self.raw.get((case.name, release.name))
        if raw is None:
            return "not run"
        observed = outcome_from_json(raw)
        text = describe_outcome(observed, case.scenario, raw.get("metric_label_from") or ())
        if observed != observable(predict(release.version, case.scenario)):
            self.disagreements.append(f"{case.name} on {release.name}")
            text += " ⚠"
        return text

    def errors(self, case: Case) -> list[str]:
        values = []
        for release in self.releases:
            raw = self.raw.get((case.name, release.name), {})
            if raw.get("raises"):
                values.append((release.name, f"`` {raw['raises']}: {clean_message(raw.get('message', ''))} ``"))
            else:
                values.append((release.name, ""))
        return [f"{release_range(run)}: {text}" for run, text in runs_of(values) if text]


def rule_section(table: Table, code: str, cases: Sequence[Case]) -> list[str]:
    header = ["scenario"] + [r.name for r in table.releases]
    lines = [f"## {_rule_title(code)}", "", "| " + " | ".join(header) + " |"]
    lines.append("|" + "---|" * len(header))
    for case in cases:
        cells = [f"**{case.name}**<br>{case.claim}<br>{describe_scenario(case.scenario)}"]
        cells += [table.cell(case, release) for release in table.releases]
        lines.append("| " + " | ".join(cells) + " |")
    errors = [(case.name, table.errors(case)) for case in cases]
    if any(e for _, e in errors):
        lines += ["", "Errors (class and first line of the message):", ""]
        for name, texts in errors:
            for text in texts:
                lines.append(f"- {name}, {text}")
    return lines + [""]


def facts_section(table: Table) -> list[str]:
    lines = [
        "## Facts that are not scenarios",
        "",
        "compile()'s first positional parameters (KLO404), auto names of two `Dense` layers then one",
        "after `clear_session()` (KLO301/KLO302), `output_names` of dict outputs",
        "`{zulu: layer_b, alpha: layer_c, mike: layer_a}`, and `output_names` of a Sequential (KLO106).",
        "",
        "| release | compile(...) | auto names | dict output names | Sequential output names |",
        "|---|---|---|---|---|",
    ]
    for release in table.releases:
        facts = table.reports[release.name]["facts"]
        cols = [facts["compile_params"][:4], facts["auto_names"], facts["dict_output_names"]]
        cols.append(facts["sequential_output_names"])
        lines.append(f"| {release.name} | " + " | ".join(f"`{c}`" for c in cols) + " |")
    return lines + [""]


def environments_section(table: Table) -> list[str]:
    lines = ["## Environments", "", "| release | backend | pins | resolved as of | runner s |", "|---|---|---|---|---|"]
    for release in table.releases:
        rep = table.reports[release.name]
        pins = ", ".join(f"`{p}`" for p in release.requirements)
        lines.append(f"| {release.name} | {rep['backend']} | {pins} | {release.snapshot} | {rep['runner_seconds']} |")
    for name, problem in table.missing.items():
        lines.append(f"| {name} | not available: {str(problem).splitlines()[0] if problem else 'not run'} | | | |")
    return lines + [""]


INPUTS_HEADING = "## KLO110, KLO207: a dict `x` for list inputs"


def _describe_fed(outcome: InputOutcome, scenario: InputScenario) -> str:
    if outcome.raises is not None:
        return outcome.raises
    meant = intended_inputs(scenario).fed_from
    if outcome.fed_from == meant:
        return "as written"
    return ", ".join(
        f"{name}←{'nothing' if got is None else got}" for name, got in zip(scenario.inputs.names, outcome.fed_from)
    )


def _inputs_cell(report: Json | None, case: Any, version: Any, disagreements: list[str]) -> str:
    """One release's outcome for a case, per group of methods that agree."""
    if report is None:
        return "not run"
    raw = {(r["name"], r["method"]): r for r in report["results"]}
    by_text: dict[str, list[str]] = {}
    for method in INPUT_METHODS:
        scenario = replace(case.scenario, method=method)
        result = raw.get((case.name, method))
        if result is None:
            return "not run"
        observed = InputOutcome(raises=result["raises"]) if result.get("raises") else InputOutcome(
            tuple(result["fed_from"])
        )
        text = _describe_fed(observed, scenario)
        if observed != predict_inputs(version, scenario):
            disagreements.append(f"{case.name}-{method} on {version}")
            text += " ⚠"
        by_text.setdefault(text, []).append(method)
    if len(by_text) == 1:
        return next(iter(by_text))
    return "<br>".join(f"{'/'.join(methods)}: {text}" for text, methods in by_text.items())


def inputs_section(releases: Sequence[envs.Release]) -> list[str]:
    """The dict `x` catalogue (input_scenarios.py) from saved `input_runner.py` observations."""
    reports = {r.name: input_observe.load_saved(r) for r in releases}
    shown = [r for r in releases if reports[r.name] is not None]
    disagreements: list[str] = []
    header = ["scenario"] + [r.name for r in shown]
    rows = []
    for case in INPUT_BASE:
        x = describe_arg(case.scenario.x)
        inputs = case.scenario.inputs
        written = ("[%s]" if inputs.kind == "list" else "(%s)" if inputs.kind == "tuple" else "%s") % ", ".join(
            inputs.names
        )
        cells = [f"**{case.name}**<br>{case.claim}<br>`inputs {written}`<br>`x {x}`"]
        cells += [_inputs_cell(reports[r.name], case, r.version, disagreements) for r in shown]
        rows.append("| " + " | ".join(cells) + " |")
    return [
        INPUTS_HEADING,
        "",
        "Generated from `tests/conformance/input_runner.py` runs (`test_inputs.py`). Every input has the same",
        "shape and entry j of `x` is an array filled with j + 1; each input records the value it receives.",
        "Every case runs with `fit`, `evaluate`, `predict`, `train_on_batch`, `test_on_batch` and",
        "`predict_on_batch` after `compile(loss=\"mse\", run_eagerly=True)`, and as the validation `x` of a",
        "`fit()` that trains on a correct `x` first (`fit_validation`); a cell lists the methods",
        "separately where they differ. `b←a` means input `b` was fed the array of entry `a`; an exception",
        "is raised by the call.",
        "",
        f"Releases: {', '.join(r.name for r in shown)}. Cells where predict_inputs() disagrees: "
        f"{len(disagreements)}.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *rows,
        "",
    ]


def splice_inputs_section(text: str, section: list[str]) -> str:
    """Replace the dict `x` section of a rendered report, or add it before the facts section."""
    block = "\n".join(section)
    if INPUTS_HEADING in text:
        start = text.index(INPUTS_HEADING)
        end = text.find("\n## ", start + 1)
        return text[:start] + block + (text[end + 1:] if end != -1 else "")
    marker = "## Facts that are not scenarios"
    if marker in text:
        return text.replace(marker, block + "\n" + marker, 1)
    return text.rstrip("\n") + "\n\n" + block


def render(table: Table) -> str:
    by_rule: dict[str, list[Case]] = defaultdict(list)
    for case in CASES:
        by_rule[case.rule].append(case)
    body: list[str] = []
    for code in sorted(by_rule):
        body += rule_section(table, code, by_rule[code])
    today = datetime.date.today().isoformat()
    head = [
        "# Conformance: what real Keras releases do",
        "",
        f"Generated by `python -m tests.conformance.report` on {today} from runs of real Keras releases",
        "(JAX CPU backend; Keras 2 on TensorFlow). Do not edit by hand: change `tests/conformance/` and",
        "regenerate. Each scenario builds a model whose outputs have distinct shapes, compiles it with",
        "recording losses and metrics, identifiable loss weights and labels, and evaluates one batch.",
        "",
        "Reading a cell: **as written** means every output got the entry the code names for it (the dict",
        "entry under its name or key, the list entry at its position); `b←a` means output `b` got the",
        "entry `a` (`#1` is list position 1, `*` a single value, `nothing` no entry); **(silent)** means",
        "Keras raised nothing. An exception is raised at the first `evaluate`/`fit` unless marked",
        "`at compile()`. ⚠ marks a cell where `keras_loss_lint.keras.semantics.predict` disagrees with Keras.",
        "",
        "Limits: the recording losses accept any shapes, so a pairing a real loss would reject with a",
        "shape error shows here as silent; exception classes are the JAX backend's (another backend may",
        "raise another class for the same mistake); `sample_weight` is not covered.",
        "",
        f"Releases: {', '.join(r.name for r in table.releases)}. Cells where predict() disagrees: "
        f"{len(table.disagreements)}.",
        "",
    ]
    body += inputs_section(table.releases)
    return "\n".join(head + body + facts_section(table) + environments_section(table))


def collect(releases: Sequence[envs.Release], rerun: bool) -> dict[str, Json | Exception]:
    reports: dict[str, Json | Exception] = {}
    for release in releases:
        saved = None if rerun else observe.load_saved(release)
        if saved is not None:
            reports[release.name] = saved
    todo = [r for r in releases if r.name not in reports]
    reports.update(observe.observe_many(todo))
    return reports


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--run", action="store_true", help="observe every release afresh")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument(
        "--inputs-only", action="store_true", help="rewrite only the dict `x` section, from saved observations"
    )
    args = parser.parse_args(argv)
    releases = sorted(envs.selected_releases(), key=lambda r: r.version)
    if args.inputs_only:
        text = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        args.output.write_text(splice_inputs_section(text, inputs_section(releases)), encoding="utf-8")
        print(f"wrote the dict `x` section of {args.output}")
        return 0
    table = Table(releases, collect(releases, args.run))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(table), encoding="utf-8")
    print(f"wrote {args.output}: {len(table.releases)} releases, {len(table.disagreements)} disagreements")
    for name, problem in table.missing.items():
        print(f"  {name}: not available ({problem})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
