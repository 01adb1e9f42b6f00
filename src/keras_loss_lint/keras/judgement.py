"""Whether a Keras release does what the code says: the model's outcome per release, compared with the
outcome the code means, and sorted into "as written", "trains wrongly" and "raises".

Rules ask `judge(versions, scenario)` and phrase the answer; a rule's affected releases are the
releases on which its example scenarios misbehave (`affected_by`), so no rule states a version itself.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Literal, Sequence, Union

from packaging.version import Version

from keras_loss_lint.keras.behaviour import predict, unknowable
from keras_loss_lint.keras.inputs import intended_inputs, predict_inputs
from keras_loss_lint.keras.intent import intended
from keras_loss_lint.keras.scenario import InputOutcome, InputScenario, Outcome, Scenario
from keras_loss_lint.keras.versions import CANDIDATES, KERAS2_RELEASES

# What part of an outcome a rule speaks about.
Aspect = Literal["loss", "weights", "labels", "metrics", "metric_labels", "sample_weights"]
# `sample_weights` is judged only when asked for: the phrasing of the other aspects does not speak of it.
ALL_ASPECTS: tuple[Aspect, ...] = ("loss", "weights", "labels", "metrics", "metric_labels")
_FIELDS = {
    "loss": "loss_from", "weights": "weight_from", "labels": "label_from", "metrics": "metrics_from",
    "metric_labels": "metric_label_from", "sample_weights": "sample_weight_from",
}


def outcome_field(aspect: Aspect) -> str:
    """The `Outcome` field an aspect reads (`"loss"` -> `loss_from`)."""
    return _FIELDS[aspect]


# The Keras 2 release a migration to Keras 3 starts from: what "the code used to do" means.
KERAS_2_REFERENCE = Version(KERAS2_RELEASES[-1])
# How a message names what code written for Keras 2 expected.
KERAS_2_NAME = "Keras 2"

AnyScenario = Union[Scenario, InputScenario]
AnyOutcome = Union[Outcome, InputOutcome]


class Verdict(enum.Enum):
    AS_WRITTEN = "as written"
    WRONG = "trains wrongly"  # runs, but an entry reaches another output (or input) than the code says
    UNTRAINED = "untrained"  # runs as written, but an output the code never addressed gets no loss
    RAISES = "raises"
    UNKNOWN = "unknown"  # depends on something the code does not show: a rule stays silent

    @property
    def misbehaves(self) -> bool:
        return self not in (Verdict.AS_WRITTEN, Verdict.UNKNOWN)


@dataclass(frozen=True)
class Judgement:
    """A scenario's outcome on each release, what the code means, and the verdict per release."""

    scenario: AnyScenario
    meant: AnyOutcome
    outcomes: tuple[tuple[Version, AnyOutcome, Verdict], ...]

    def misbehaving(self) -> tuple[Version, ...]:
        return tuple(version for version, _, verdict in self.outcomes if verdict.misbehaves)

    def groups(self, misbehaving_only: bool = True) -> list[tuple[AnyOutcome, Verdict, tuple[Version, ...]]]:
        """Releases with the same outcome, in release order of their first release."""
        grouped: dict[AnyOutcome, list[Version]] = {}
        verdicts: dict[AnyOutcome, Verdict] = {}
        for version, outcome, verdict in self.outcomes:
            if verdict.misbehaves or not misbehaving_only:
                grouped.setdefault(outcome, []).append(version)
                verdicts[outcome] = verdict
        return [(outcome, verdicts[outcome], tuple(on)) for outcome, on in grouped.items()]


def judge(
    versions: Iterable[Version],
    scenario: AnyScenario,
    aspects: Sequence[Aspect] = ALL_ASPECTS,
    *,
    untrained: bool = False,
    against_keras_2: bool = False,
) -> Judgement:
    """`untrained`: an output the code gives no loss without saying `None` counts as misbehaving.
    `against_keras_2`: the code means what Keras 2 did with it (a migration), not what it says."""
    # Cached whole: a file of a thousand findings asks the same question a thousand times, and each
    # look-up per release hashed the scenario again.
    return _judged(tuple(versions), scenario, tuple(aspects), untrained, against_keras_2)


@lru_cache(maxsize=4096)
def _judged(
    versions: tuple[Version, ...],
    scenario: AnyScenario,
    aspects: tuple[Aspect, ...],
    untrained: bool,
    against_keras_2: bool,
) -> Judgement:
    if isinstance(scenario, InputScenario):
        meant_inputs = intended_inputs(scenario)
        rows = [(v, _inputs_outcome(v, scenario)) for v in versions]
        return Judgement(scenario, meant_inputs, tuple((v, o, _input_verdict(o, meant_inputs)) for v, o in rows))
    meant = _outcome(KERAS_2_REFERENCE, scenario) if against_keras_2 else intended(scenario)
    judged = []
    for version in versions:
        outcome = _outcome(version, scenario)
        verdict = Verdict.UNKNOWN if unknowable(version, scenario) else _verdict(
            outcome, meant, scenario, tuple(aspects), untrained
        )
        judged.append((version, outcome, verdict))
    return Judgement(scenario, meant, tuple(judged))


@lru_cache(maxsize=8192)
def _outcome(version: Version, scenario: Scenario) -> Outcome:
    return predict(version, scenario)


@lru_cache(maxsize=8192)
def _inputs_outcome(version: Version, scenario: InputScenario) -> InputOutcome:
    return predict_inputs(version, scenario)


def _input_verdict(outcome: InputOutcome, meant: InputOutcome) -> Verdict:
    if outcome.raises is not None:
        return Verdict.RAISES
    return Verdict.AS_WRITTEN if outcome.fed_from == meant.fed_from else Verdict.WRONG


def _verdict(
    outcome: Outcome, meant: Outcome, scenario: Scenario, aspects: tuple[Aspect, ...], untrained: bool
) -> Verdict:
    if outcome.raises is not None:
        return Verdict.RAISES if meant.raises is None else Verdict.AS_WRITTEN
    for aspect in aspects:
        got, wanted = getattr(outcome, _FIELDS[aspect]), getattr(meant, _FIELDS[aspect])
        if wanted and tuple(got) != tuple(wanted):
            return Verdict.WRONG
    if untrained and unaddressed_without_loss(outcome, scenario):
        return Verdict.UNTRAINED
    return Verdict.AS_WRITTEN


def unaddressed_without_loss(outcome: Outcome, scenario: Scenario) -> tuple[int, ...]:
    """Outputs (written positions) trained with no loss although the loss never addressed them: left
    out of a dict, or past the end of a list (an explicit `None` says "no loss" and is not counted)."""
    loss = scenario.loss
    if loss is None or loss.kind == "single" or outcome.raises is not None:
        return ()
    labels = scenario.outputs.labels()
    addressed = set(loss.labels())
    return tuple(
        index for index, got in enumerate(outcome.loss_from)
        if got is None and (labels[index] if loss.kind == "dict" else str(index)) not in addressed
    )


def affected_by(
    examples: Sequence[AnyScenario],
    aspects: Sequence[Aspect] = ALL_ASPECTS,
    *,
    untrained: bool = False,
    against_keras_2: bool = False,
) -> frozenset[Version]:
    """The known releases on which at least one example misbehaves: a rule's affected releases."""
    found: set[Version] = set()
    for example in examples:
        judged = judge(CANDIDATES, example, aspects, untrained=untrained, against_keras_2=against_keras_2)
        found.update(judged.misbehaving())
    return frozenset(found)


def misbehaves_on(version: Version, examples: Sequence[AnyScenario], **options: object) -> bool:
    """For a release outside the known ones (an exact pin): judged directly on the model."""
    return any(
        judge((version,), example, **options).misbehaving()  # type: ignore[arg-type]
        for example in examples
    )
