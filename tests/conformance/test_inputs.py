"""How real Keras releases feed a dict `x` to a Functional model's inputs, against `predict_inputs`.

    KLL_CONFORMANCE_RELEASES=3.3.3,3.4.0,3.4.1,3.5.0,3.7.0 .venv/bin/python -m pytest \
        tests/conformance/test_inputs.py -m conformance

Every case of `input_scenarios.py` runs with every method that takes an `x` in one `input_runner.py`
process per release; the observations are saved for `report.py`.
"""

from __future__ import annotations

from typing import Any

import pytest

from keras_loss_lint.keras.semantics import predict_inputs

from . import envs, input_observe
from .input_scenarios import INPUT_CASES, InputCase
from .input_wire import outcome_from_json

pytestmark = pytest.mark.conformance

RELEASES = envs.selected_releases()
Json = dict[str, Any]


@pytest.fixture(scope="session")
def input_observations(request: pytest.FixtureRequest) -> dict[str, Json | Exception]:
    return input_observe.observe_many(envs.releases_needed(request.session.items, "test_inputs"))


@pytest.mark.parametrize("case", INPUT_CASES, ids=lambda c: c.id)
@pytest.mark.parametrize("release", RELEASES, ids=lambda r: r.name)
def test_inputs_match_keras(
    release: envs.Release, case: InputCase, input_observations: dict[str, Json | Exception]
) -> None:
    got = input_observations[release.name]
    if isinstance(got, Exception):
        if release.optional:
            pytest.skip(f"Keras {release.name} is optional and unavailable here: {got}")
        pytest.fail(f"Keras {release.name}: {got}", pytrace=False)
    raw = {(r["name"], r["method"]): r for r in got["results"]}[(case.name, case.scenario.method)]
    observed = outcome_from_json(raw)
    expected = predict_inputs(release.version, case.scenario)
    if observed != expected:
        pytest.fail(
            f"Keras {release.name} disagrees with predict_inputs() on {case.id} ({case.claim}):\n"
            f"  predicted {expected}\n  observed  {observed} {raw.get('message', '')}",
            pytrace=False,
        )
