"""Shared by the rules about dict keys that name no output (KLO101, KLO102, KLO103, KLO109)."""

from __future__ import annotations

from typing import Iterator, Optional, Sequence

import libcst as cst
from packaging.version import Version

from keras_loss_lint.core.diagnostics import Applicability
from keras_loss_lint.analysis.facts import CallFacts, Entry, Mapping
from keras_loss_lint.keras.judgement import judge
from keras_loss_lint.rules.base import FixProposal, NodeEdit, Report, Rule, RuleContext
from keras_loss_lint.keras.scenario import ArgSpec
from keras_loss_lint.rules.phrasing import (
    argument_scenario,
    argument_shown,
    aspect_of,
    comes_out_right,
    effects,
    outputs_spec,
)
from keras_loss_lint.rules.common import (
    arg_spec,
    did_you_mean,
    expected_names,
    looks_auto_generated,
    model_label,
    wrong_keys,
)


# How a message names what Keras does with the dict's entries, by argument.
_WHAT = {"y": "labels", "validation_y": "labels", "sample_weight": "weights"}
# What a release that drops the unknown key does (the verb agrees with the releases named).
IGNORED = "ignore it (the other entries are used as written)"


def report_wrong_keys(
    context: RuleContext, rule: Rule, calls: Sequence[CallFacts], argument_names: Sequence[str]
) -> Iterator[Report]:
    for call in calls:
        for argument_name in argument_names:
            wrong = [
                (entry, check)
                for entry, check in wrong_keys(call, argument_name)
                # KLO302 says it better when the key may be meant as an auto-generated name.
                if not (looks_auto_generated(entry.key) and any(leaf.is_unnamed for leaf in check.leaves))
            ]
            with_node = [(entry, check) for entry, check in wrong if entry.key_node is not None]
            for entry, check in with_node:
                yield _report(context, rule, call, argument_name, [entry], check.valid)
            without_node = [entry for entry, check in wrong if entry.key_node is None]
            if without_node:
                yield _report(context, rule, call, argument_name, without_node, wrong[0][1].valid)


def _report(
    context: RuleContext,
    rule: Rule, call: CallFacts, argument_name: str, entries: list[Entry], valid: Sequence[str]
) -> Report:
    assert call.model is not None
    # Suggest (and rename to) only names no key of the dict covers yet: renaming a misspelt key to a
    # name the dict already holds would give it a duplicate key, and one loss would silently vanish.
    argument = call.argument(argument_name)
    taken = set(argument.value.keys()) if argument is not None and isinstance(argument.value, Mapping) else set()
    free = [name for name in valid if name not in taken]
    suggestions = {entry.key: did_you_mean(entry.key, free) for entry in entries}
    keys = ", ".join(
        f"{key!r} (did you mean {hint!r}?)" if hint else repr(key) for key, hint in suggestions.items()
    )
    noun, verb = ("key", "names") if len(entries) == 1 else ("keys", "name")
    consequence, versions = _consequence(context, call, argument_name)
    message = (
        f"{argument_shown(argument_name)} {noun} {keys} {verb} no output of {model_label(call)} "
        f"(outputs: {expected_names(call.model)}){consequence}"
    )
    entry = entries[0]
    node = entry.key_node if len(entries) == 1 and entry.key_node is not None else call.arguments[argument_name].node
    fix = None
    suggestion = suggestions[entry.key]
    if len(entries) == 1 and suggestion is not None and _rename_comes_out_right(
        context, call, argument_name, entry.key, suggestion
    ):
        fix = _rename_fix(entry, suggestion)
    return Report(rule.code, node, message, fix, versions)


def _rename_comes_out_right(context: RuleContext, call: CallFacts, argument_name: str, key: str, new: str) -> bool:
    """Whether the dict with `key` renamed to `new` does what it says on every targeted release, as
    the semantics model judges it: a rename that leaves the dict mis-mapped or raising (a partial dict
    on a release that wants every output, a sorted-order release) is not offered as a fix."""
    outputs = outputs_spec(call.model)
    argument = call.argument(argument_name)
    written = arg_spec(argument.value) if argument is not None else None
    if outputs is None or written is None or written.kind != "dict":
        return False
    fixed = argument_scenario(call, argument_name, outputs, renamed(written, key, new))
    return comes_out_right(context.target.versions, fixed, (aspect_of(argument_name),))


def renamed(spec: ArgSpec, key: str, new: str) -> ArgSpec:
    """A dict spec with one key renamed, in place (its position and its `None` kept)."""
    keys = tuple(new if written == key else written for written in spec.keys)
    none_at = tuple(new if label == key else label for label in spec.none_at)
    return ArgSpec.dict_of(*keys, none_at=none_at)


def _consequence(
    context: RuleContext, call: CallFacts, argument_name: str
) -> tuple[str, Optional[tuple[Version, ...]]]:
    """What each targeted release does with the dict, as the semantics model says; nothing where the
    model cannot see the outputs."""
    outputs = outputs_spec(call.model)
    argument = call.argument(argument_name)
    written = arg_spec(argument.value) if argument is not None else None
    if outputs is None or written is None:
        return "", None
    scenario = argument_scenario(call, argument_name, outputs, written)
    aspects = (aspect_of(argument_name),)
    judged = judge(context.target.versions, scenario, aspects)
    phrases = effects(judged, aspects, as_written=IGNORED)
    if argument_name in _WHAT:
        phrases = [phrase.replace("get the labels for", f"get the {_WHAT[argument_name]} for") for phrase in phrases]
    return (": " + "; ".join(phrases), context.target.versions) if phrases else ("", None)


def _rename_fix(entry: Entry, suggestion: Optional[str]):
    key_node = entry.key_node
    if suggestion is None or not isinstance(key_node, cst.SimpleString):
        return None
    if key_node.quote in suggestion or "\\" in suggestion or key_node.prefix:
        return None

    def build() -> FixProposal:
        content = f"{key_node.quote}{suggestion}{key_node.quote}"
        return FixProposal(f"Rename key to {suggestion!r}", Applicability.UNSAFE, (NodeEdit(key_node, content),))

    return build


def rename_fix(entry: Entry, suggestion: Optional[str]):
    """Rename a written string key to `suggestion` (unsafe: the key may be meant for another name).
    The caller has checked, through the semantics model, that the renamed dict comes out right."""
    return _rename_fix(entry, suggestion)
