"""Fast checks of the conformance catalogue and harness (no Keras needed; part of the plain test run)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from keras_loss_lint.keras.semantics import Outcome, predict

from . import envs
from .scenarios import CASES
from .wire import scenario_to_json

RUNNER = Path(__file__).with_name("runner.py")
# Every rule whose claim is about what Keras does (KLO301/302 are about naming; their facts and KLO404's
# are checked by test_naming_and_signature_facts).
BEHAVIOUR_RULES = {f"KLO{n}" for n in (*range(101, 110), *range(201, 207), 401, 402, 403)}


def test_every_behaviour_rule_has_a_scenario() -> None:
    assert BEHAVIOUR_RULES <= {case.rule for case in CASES}


def test_scenarios_travel_as_json() -> None:
    for case in CASES:
        assert json.loads(json.dumps(scenario_to_json(case.name, case.scenario)))["name"] == case.name


def test_runner_imports_nothing_from_this_repository() -> None:
    """The runner executes inside a Keras env that has neither keras_loss_lint nor the tests package."""
    tree = ast.parse(RUNNER.read_text())
    modules = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    modules |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not any(m.startswith(("keras_loss_lint", "tests")) or m == "" for m in modules)


def test_no_scenario_has_as_many_outputs_as_the_runner_batch() -> None:
    # Read BATCH without importing the runner: importing it sets KERAS_BACKEND for this process.
    batch = next(
        node.value.value
        for node in ast.parse(RUNNER.read_text()).body
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and node.targets[0].id == "BATCH"
        and isinstance(node.value, ast.Constant)
    )
    assert all(case.scenario.outputs.count != batch for case in CASES)


@pytest.mark.parametrize("release", envs.RELEASES, ids=lambda r: r.name)
def test_predict_answers_every_scenario(release: envs.Release) -> None:
    for case in CASES:
        assert isinstance(predict(release.version, case.scenario), Outcome), case.name
