"""The semantics model against real Keras releases: every catalogue scenario, every release.

    .venv/bin/python -m pytest tests/conformance -m conformance            # every release (~18 envs)
    .venv/bin/python -m pytest tests/conformance -m conformance -k 3.5.0   # one release
    KLL_CONFORMANCE_RELEASES=3.5.0,3.6.0 .venv/bin/python -m pytest tests/conformance -m conformance

Missing envs are built on first use (see envs.py), two releases at a time; each release runs the whole
catalogue in one `runner.py` process and its raw observations are saved for `report.py`.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import pytest

from keras_loss_lint.keras.semantics import Outcome, predict

from . import envs, observe
from .scenarios import CASES, Case
from .wire import observable, outcome_from_json

pytestmark = pytest.mark.conformance

RELEASES = envs.selected_releases()
Json = dict[str, Any]


@pytest.fixture(scope="session")
def observations(request: pytest.FixtureRequest) -> dict[str, Json | Exception]:
    """Observe every release some selected test needs, once per session and two at a time."""
    return observe.observe_many(envs.releases_needed(request.session.items))


def report_of(observations: dict[str, Json | Exception], release: envs.Release) -> Json:
    got = observations[release.name]
    if isinstance(got, Exception):
        if release.optional:
            pytest.skip(f"Keras {release.name} is optional and unavailable here: {got}")
        pytest.fail(f"Keras {release.name}: {got}", pytrace=False)
    return got


def explain(release: envs.Release, case: Case, expected: Outcome, observed: Outcome, raw: Json) -> str:
    lines = [
        f"Keras {release.name} disagrees with predict() on {case.name} ({case.rule}: {case.claim})",
        f"  outputs: {case.scenario.outputs}",
        f"  {'field':12} {'predicted':40} observed",
    ]
    for f in fields(Outcome):
        want, got = getattr(expected, f.name), getattr(observed, f.name)
        mark = "   <-- differs" if want != got else ""
        lines.append(f"  {f.name:12} {str(want):40} {got}{mark}")
    if raw.get("raises"):
        lines.append(f"  Keras raised {raw['raises']} at {raw['stage']}: {raw.get('message', '')}")
    return "\n".join(lines)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
@pytest.mark.parametrize("release", RELEASES, ids=lambda r: r.name)
def test_prediction_matches_keras(
    release: envs.Release, case: Case, observations: dict[str, Json | Exception]
) -> None:
    results = {r["name"]: r for r in report_of(observations, release)["results"]}
    raw = results[case.name]
    observed = outcome_from_json(raw)
    expected = observable(predict(release.version, case.scenario))
    if observed != expected:
        pytest.fail(explain(release, case, expected, observed, raw), pytrace=False)


@pytest.mark.parametrize("release", RELEASES, ids=lambda r: r.name)
def test_naming_and_signature_facts(release: envs.Release, observations: dict[str, Json | Exception]) -> None:
    """Claims that are not scenarios: KLO404's argument order, KLO301/302's auto names, output names."""
    facts = report_of(observations, release)["facts"]
    keras3 = release.version.major >= 3
    third = "loss_weights" if keras3 else "metrics"  # KLO404
    assert facts["compile_params"][:3] == ["optimizer", "loss", third]
    assert facts["auto_names"] == ["dense", "dense_1", "dense"]  # per-process counter, reset by clear_session
    # Dict outputs are flattened in sorted key order and named after their layers, never their keys.
    assert facts["dict_output_names"] == ["layer_c", "layer_a", "layer_b"]
    if keras3:  # KLO106: Sequential models have no output names in Keras 3
        assert facts["sequential_output_names"] is None
