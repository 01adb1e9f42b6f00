"""The semantics model against real Keras for `STRUCTURE_CASES`: a `sample_weight` beside `y`, and
nested outputs.

    KLL_CONFORMANCE_RELEASES=3.4.1,3.5.0,3.7.0 .venv/bin/python -m pytest tests/conformance/test_structures.py \
        -m conformance -n 0

Like test_conformance.py, per (release, case): observed == `predict`, field by field, including which
`sample_weight` entry weights each output's loss. With a `sample_weight` the runner also runs one `fit`
step: where `evaluate` trained, a `fit` that raises is the observation; where `evaluate` raised, `fit`
must raise the same exception, so "raises at the first step" holds for both. A cell the model calls
unknowable is skipped (the rules say nothing there).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from keras_loss_lint.keras.behaviour import unknowable
from keras_loss_lint.keras.semantics import Outcome, predict

from . import envs, observe
from .scenarios import STRUCTURE_CASES, Case
from .test_conformance import explain
from .wire import observable, outcome_from_json

pytestmark = pytest.mark.conformance

RELEASES = envs.selected_releases()
Json = dict[str, Any]


@pytest.fixture(scope="session")
def structure_observations(request: pytest.FixtureRequest) -> dict[str, Json | Exception]:
    return observe.observe_each(envs.releases_needed(request.session.items), observe.observe_structures)


def observed_outcome(raw: Json) -> Outcome:
    outcome = outcome_from_json(raw)
    if outcome.raises is None and raw.get("sample_weight_from") is not None:
        outcome = replace(outcome, sample_weight_from=tuple(raw["sample_weight_from"]))
    return outcome


@pytest.mark.parametrize("case", STRUCTURE_CASES, ids=lambda c: c.name)
@pytest.mark.parametrize("release", RELEASES, ids=lambda r: r.name)
def test_prediction_matches_keras(
    release: envs.Release, case: Case, structure_observations: dict[str, Json | Exception]
) -> None:
    got = structure_observations[release.name]
    if isinstance(got, Exception):
        if release.optional:
            pytest.skip(f"Keras {release.name} is optional and unavailable here: {got}")
        pytest.fail(f"Keras {release.name}: {got}", pytrace=False)
    if unknowable(release.version, case.scenario):
        pytest.skip(f"the model does not state what Keras {release.name} does with {case.name}")
    raw = {r["name"]: r for r in got["results"]}[case.name]
    observed = observed_outcome(raw)
    expected = observable(predict(release.version, case.scenario))
    if observed != expected:
        pytest.fail(explain(release, case, expected, observed, raw), pytrace=False)
    if case.scenario.sample_weight is not None and raw.get("raises") and not raw.get("fit_only"):
        assert raw.get("fit_raises") == raw["raises"], f"evaluate raised {raw['raises']}, fit {raw.get('fit_raises')}"
