"""Turn the semantics model's answer into the words of a message: the releases it names come from the
judgement, never from the rule, so a message cannot speak of a release the model does not."""

from __future__ import annotations

from typing import Callable, Optional, Sequence

from packaging.version import Version

from keras_loss_lint.analysis.facts import CallFacts, ModelFacts
from keras_loss_lint.keras.judgement import (
    ALL_ASPECTS,
    AnyScenario,
    Aspect,
    Judgement,
    Verdict,
    judge,
    outcome_field,
    unaddressed_without_loss,
)
from keras_loss_lint.keras.scenario import BROADCAST, UNKNOWN_NAME, ArgSpec, Outcome, OutputsSpec, Scenario
from keras_loss_lint.keras.versions import describe_range
from keras_loss_lint.rules.common import arg_spec, on_versions, quote, raise_on

# How a message names what an aspect carries.
_CARRIED = {
    "loss": "loss", "weights": "weight", "labels": "labels", "metrics": "metrics", "sample_weights": "sample weights",
}


def outputs_spec(model: Optional[ModelFacts]) -> Optional[OutputsSpec]:
    """The model's outputs as the semantics model sees them, or None where they are not known. An
    unnamed output stands in under a label no key can equal (callers leave auto names to KLO302)."""
    if model is None:
        return None
    outputs = model.outputs
    if model.kind != "functional":
        if outputs.kind == "dict":
            return OutputsSpec("dict", outputs.keys(), keys=outputs.keys(), model_kind=model.kind)
        name = UNKNOWN_NAME if model.kind == "sequential" else "output"  # Keras 2: its last layer's name
        return OutputsSpec("single", (name,), model_kind=model.kind)
    if outputs.kind not in ("single", "list", "tuple", "dict") or not outputs.all_known():
        return None  # nested outputs are not in the model's vocabulary: say nothing
    names = tuple(leaf.name or f"<unnamed output #{i}>" for i, leaf in enumerate(outputs.leaves))
    if outputs.kind == "dict":
        return OutputsSpec("dict", names, keys=outputs.keys())
    return OutputsSpec(outputs.kind, names)


_ASPECT: dict[str, Aspect] = {
    "loss": "loss", "loss_weights": "weights", "metrics": "metrics", "weighted_metrics": "metrics",
}


# Arguments the analysis takes from inside another one, named as the code writes them.
_SHOWN = {"validation_y": "`validation_data` `y`", "validation_x": "`validation_data` `x`"}


def argument_shown(argument_name: str) -> str:
    """How a message names an argument: "`loss`", or "`validation_data` `y`" for the labels in
    `validation_data=(x, y)`."""
    return _SHOWN.get(argument_name, f"`{argument_name}`")


def aspect_of(argument_name: str) -> Aspect:
    """What an argument decides: labels for `y`, `sample_weight` and validation labels."""
    return _ASPECT.get(argument_name, "labels")


def argument_scenario(call: CallFacts, argument_name: str, outputs: OutputsSpec, written: ArgSpec) -> Scenario:
    """The call's one argument as a scenario, beside the `loss` the call passes (or one loss)."""
    if argument_name == "loss":
        return Scenario(outputs, loss=written)
    loss = call.argument("loss")
    loss_spec = (arg_spec(loss.value) if loss is not None else None) or ArgSpec.single()
    if argument_name == "loss_weights":
        return Scenario(outputs, loss=loss_spec, loss_weights=written)
    if argument_name in ("metrics", "weighted_metrics"):
        return Scenario(outputs, loss=loss_spec, metrics=written)
    # `sample_weight` and validation labels are paired with the outputs as `y` is.
    return Scenario(outputs, loss=loss_spec, y=written)


def comes_out_right(versions: Sequence[Version], fixed: AnyScenario, aspects: Sequence[Aspect] = ALL_ASPECTS) -> bool:
    """Whether the code a fix writes does what it says on every targeted release: a fix that cannot
    make things worse is offered only then."""
    return not judge(versions, fixed, aspects).misbehaving()


def stage(outcome: Outcome) -> str:
    return "at compile()" if outcome.stage == "compile" else "at the first fit()"


def raised(outcome: Outcome, on: Sequence[Version]) -> str:
    """`Keras 3.5.0–3.6.0 raise KeyError at the first fit()`."""
    return f"{raise_on(on)} {outcome.raises} {stage(outcome)}"


def pairings(labels: Sequence[str], actual: Sequence[Optional[str]], meant: Sequence[Optional[str]], what: str) -> str:
    """`'b' would get the loss for 'a', 'a' would get no loss`."""
    parts = []
    for label, got, wanted in zip(labels, actual, meant):
        if got == wanted:
            continue
        if got is None:
            parts.append(f"{label!r} would get no {what}")
        else:
            parts.append(f"{label!r} would get the {what} for {entry_label(got)}")
    return ", ".join(parts)


def entry_label(label: str) -> str:
    if label == BROADCAST:
        return "every output"
    if label.isdigit():
        return f"entry {label}"
    return repr(label)


def wrong_pairings(outcome: Outcome, meant: Outcome, labels: Sequence[str], aspects: Sequence[Aspect]) -> str:
    """What differs from what the code says, for the aspects the rule speaks about."""
    if outcome.loss_from and all(entry is None for entry in outcome.loss_from) and "loss" in aspects:
        if any(entry is not None for entry in meant.loss_from):
            return "no loss is applied at all"
    parts = []
    for aspect in aspects:
        if aspect == "metric_labels":
            got, wanted = outcome.metric_label_from, meant.metric_label_from
            described = pairings(labels, got, wanted, "labels") if wanted else ""
            parts.append(described.replace("would get the labels", "would be scored against the labels"))
            continue
        if aspect == "metrics":
            got = tuple(", ".join(entry) or None for entry in outcome.metrics_from)
            wanted = tuple(", ".join(entry) or None for entry in meant.metrics_from)
        else:
            field = outcome_field(aspect)
            got, wanted = getattr(outcome, field), getattr(meant, field)
        if wanted:
            parts.append(pairings(labels, got, wanted, _CARRIED[aspect]))
    return ", ".join(part for part in parts if part)


def untrained(outcome: Outcome, scenario: Scenario) -> str:
    left = unaddressed_without_loss(outcome, scenario)
    labels = scenario.outputs.labels()
    verb = "gets" if len(left) == 1 else "get"
    return f"{quote([labels[i] for i in left])} silently {verb} no loss"


def effects(
    judgement: Judgement,
    aspects: Sequence[Aspect],
    *,
    as_written: Optional[str] = None,
    wrong: Optional[Callable[[Outcome, Sequence[Version]], str]] = None,
    labels: Sequence[str] = (),
) -> list[str]:
    """One phrase per distinct outcome of the misbehaving releases (and, with `as_written`, of the
    others), in release order."""
    scenario = judgement.scenario
    assert isinstance(scenario, Scenario)
    labels = labels or scenario.outputs.labels()
    phrases = []
    groups = judgement.groups(misbehaving_only=as_written is None)
    raising = _raising_by_stage(groups)
    for outcome, verdict, on in groups:
        assert isinstance(outcome, Outcome) and isinstance(judgement.meant, Outcome)
        if verdict is Verdict.RAISES:
            phrase = raising.pop(outcome.stage, "")
            if phrase:
                phrases.append(phrase)
        elif verdict is Verdict.WRONG:
            described = wrong(outcome, on) if wrong else wrong_pairings(outcome, judgement.meant, labels, aspects)
            phrases.append(f"on {on_versions(on)} {described}")
        elif verdict is Verdict.UNTRAINED:
            phrases.append(f"on {on_versions(on)} {untrained(outcome, scenario)}")
        elif as_written:
            phrases.append(f"{on_versions(on)} {as_written if len(on) > 1 else _singular(as_written)}")
    return phrases


def _raising_by_stage(groups: Sequence[tuple[object, Verdict, tuple[Version, ...]]]) -> dict[str, str]:
    """One phrase per stage at which releases raise: `Keras 2.4.0 and later raise at the first fit()
    (KeyError on 3.5.0–3.6.0, ValueError on the others)`."""
    by_stage: dict[str, list[tuple[Outcome, tuple[Version, ...]]]] = {}
    for outcome, verdict, on in groups:
        if verdict is Verdict.RAISES and isinstance(outcome, Outcome):
            by_stage.setdefault(outcome.stage, []).append((outcome, on))
    phrases = {}
    for when, found in by_stage.items():
        if len(found) == 1:
            phrases[when] = raised(*found[0])
            continue
        every = tuple(sorted(version for _, on in found for version in on))
        ordered = sorted(found, key=lambda item: len(item[1]))
        kinds = ", ".join(f"{outcome.raises} on {describe_range(on)}" for outcome, on in ordered[:-1])
        phrases[when] = f"{raise_on(every)} {stage(found[0][0])} ({kinds}, {ordered[-1][0].raises} on the others)"
    return phrases


def _singular(verb_phrase: str) -> str:
    """`ignore it` -> `ignores it`: the verb agrees with one release."""
    verb, _, rest = verb_phrase.partition(" ")
    return f"{verb}s {rest}".rstrip()
