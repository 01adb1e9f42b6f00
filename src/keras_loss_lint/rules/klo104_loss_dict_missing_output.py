"""## What it does
Finds a dict `loss` that leaves out some outputs of a model whose outputs are a list or tuple, and a
dict `loss_weights` that leaves out an output that has a loss.

## Why is this bad?
What a missing output means changed from release to release. Keras 2 and 3.0-3.4 silently train that
output with no loss; 3.5 and later raise at the first `fit()` (a misleading "as many entries as the model has
outputs" error on 3.5-3.6, `Expected keys ... in loss dict` from 3.7). A missing `loss_weights` key
means weight 1.0 on Keras 2 and 3.0-3.4, `ValueError` on 3.5-3.6 and `KeyError` from 3.7. The releases
a finding names are those on which the semantics model says the code misbehaves.

Nested outputs with a flat `loss` dict naming every output lose losses on 3.4.0 and 3.4.1 (measured):
for `[[b, a], c]` the loss container pairs the names with the labels' top level, so `c` gets none, and
for `{"heads": [b, a], "aux": c}` it finds no output at all and trains with no loss. (Keras 3.0-3.3
refuse nested outputs at `keras.Model(...)`, which no rule reports.)

## Example
```python
model = keras.Model(inputs, [main_head, aux_head])  # named "main" and "aux"
model.compile(loss={"main": "mse"})
```

## Use instead
```python
model.compile(loss={"main": "mse", "aux": None})  # say that "aux" has no loss
```

## Fix safety
The fix adds each missing output with `None`. It is unsafe: it states that those outputs get no loss,
which may not be what was meant.
"""

from __future__ import annotations

from typing import Iterator, Optional

import libcst as cst
from packaging.version import Version

from keras_loss_lint.core.diagnostics import Applicability
from keras_loss_lint.analysis.facts import CallFacts, Mapping
from keras_loss_lint.keras.judgement import Aspect, judge
from keras_loss_lint.keras.scenario import ArgSpec, Outcome, OutputsSpec, Scenario
from keras_loss_lint.rules.base import Affects, FixProposal, NodeEdit, Report, RuleContext, define_rule
from keras_loss_lint.rules.common import (
    arg_spec,
    expected_names,
    is_none,
    mapping,
    model_label,
    named_flat_outputs,
    on_versions,
    quote,
)
from keras_loss_lint.rules.klo201_dict_loss_sorted_order import judge_flat_dict_on_nested
from keras_loss_lint.rules.phrasing import effects, wrong_pairings

ASPECTS: tuple[Aspect, ...] = ("loss", "weights")


def check(context: RuleContext) -> Iterator[Report]:
    versions = context.affected(RULE)
    for call in context.facts.compiles():
        nested = _nested_dropped(call, versions)
        if nested is not None:
            yield nested
        found = named_flat_outputs(call)
        loss = mapping(call.argument("loss"))
        if found is None or loss is None:
            continue
        names = found[2]
        if len(names) < 2 or not set(loss.keys()) <= set(names):
            continue
        outputs = OutputsSpec(found[1].kind, names)  # type: ignore[arg-type]
        missing = [name for name in names if name not in loss.keys()]
        report = (
            _missing_loss(call, loss, missing, outputs, versions) if missing
            else _missing_weights(call, loss, outputs, versions)
        )
        if report is not None:
            yield report


def _missing_loss(
    call: CallFacts, loss: Mapping, missing: list[str], outputs: OutputsSpec, versions: tuple[Version, ...]
) -> Optional[Report]:
    assert call.model is not None  # named_flat_outputs found the outputs of this model
    judged = judge(versions, Scenario(outputs, loss=arg_spec(loss)), ASPECTS, untrained=True)
    if not judged.misbehaving():
        return None
    # Checked: an explicit None can drop the other losses too (KLO201), and then the fix would trade
    # one wrong training for another: it is withheld, and the advice says where.
    said_none = tuple(e.key for e in loss.entries if is_none(e.value)) + tuple(missing)
    fixed = judge(versions, Scenario(outputs, loss=ArgSpec.dict_of(*loss.keys(), *missing, none_at=said_none)), ASPECTS)
    worse = fixed.misbehaving()
    caveat = f" (but on {on_versions(worse)} that None drops the other losses too)" if worse else ""
    message = (
        f"`loss` dict has no entry for output(s) {quote(missing)} of {model_label(call)} "
        f"(outputs: {expected_names(call.model)}): {'; '.join(effects(judged, ASPECTS))}; "
        f"add {quote(missing)} with None if they should have no loss{caveat}"
    )
    node = call.arguments["loss"].node
    fix = None if worse else _add_none_fix(loss, missing)
    return Report(RULE.code, node, message, fix, judged.misbehaving(), judged)


def _nested_dropped(call: CallFacts, versions: tuple[Version, ...]) -> Optional[Report]:
    """Nested outputs and a flat `loss` dict naming every output: where a release gives some outputs
    no loss at all (and moves none: that is KLO201's)."""
    nested = judge_flat_dict_on_nested(call, versions, _only_drops)
    if nested is None:
        return None
    names, meant = nested.scenario.outputs.names, nested.meant
    phrases = [f"on {on_versions(on)} {wrong_pairings(o, meant, names, ('loss',))}" for o, on in nested.wrong]
    message = (
        f"nested outputs of {model_label(call)} with a flat `loss` dict: {'; '.join(phrases)}; "
        "flatten the outputs into one list, or give `loss` their nesting"
    )
    return Report(RULE.code, call.arguments["loss"].node, message, None, nested.versions, nested.judged)


def _only_drops(outcome: Outcome, meant: Outcome) -> bool:
    pairs = list(zip(outcome.loss_from, meant.loss_from))
    return any(got is None and wanted is not None for got, wanted in pairs) and all(
        got is None or got == wanted for got, wanted in pairs
    )


def _missing_weights(
    call: CallFacts, loss: Mapping, outputs: OutputsSpec, versions: tuple[Version, ...]
) -> Optional[Report]:
    weights = mapping(call.argument("loss_weights"))
    if weights is None or not set(weights.keys()) <= set(outputs.names):
        return None  # a key that names no output is KLO102's finding
    loss_spec = arg_spec(loss)
    with_loss = [name for name in outputs.names if loss_spec is not None and name not in loss_spec.none_at]
    missing = [name for name in with_loss if name not in weights.keys()]
    if not missing:
        return None
    judged = judge(versions, Scenario(outputs, loss=loss_spec, loss_weights=arg_spec(weights)), ASPECTS)
    if not judged.misbehaving():
        return None
    message = (
        f"`loss_weights` dict has no entry for output(s) {quote(missing)} that have a loss: "
        f"{'; '.join(effects(judged, ASPECTS))}; add them explicitly"
    )
    return Report(RULE.code, call.arguments["loss_weights"].node, message, None, judged.misbehaving(), judged)


def _add_none_fix(loss: Mapping, missing: list[str]):
    node = loss.node
    if not isinstance(node, cst.Dict) or not node.elements or any('"' in n or "'" in n or "\\" in n for n in missing):
        return None

    quote_char = _quote_of(node)

    def build() -> FixProposal:
        added = [
            cst.DictElement(cst.SimpleString(f"{quote_char}{name}{quote_char}"), cst.Name("None")) for name in missing
        ]
        elements = [_with_comma(e) for e in node.elements] + added
        elements[-1] = elements[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        if node.elements[-1].comma is not cst.MaybeSentinel.DEFAULT:
            elements[-1] = elements[-1].with_changes(comma=node.elements[-1].comma)
        replacement = node.with_changes(elements=elements)
        content = cst.Module([]).code_for_node(replacement)
        message = f"Add {quote(missing)} with no loss"
        return FixProposal(message, Applicability.UNSAFE, (NodeEdit(node, content),))

    return build


def _quote_of(node: cst.Dict) -> str:
    """The quote the dict's own keys use, so that added keys look like the others."""
    for element in node.elements:
        if isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString):
            return element.key.quote if len(element.key.quote) == 1 else '"'
    return '"'


def _with_comma(element: cst.BaseDictElement) -> cst.BaseDictElement:
    if element.comma is cst.MaybeSentinel.DEFAULT:
        return element.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    return element


_OUTPUTS = OutputsSpec("list", ("main", "aux"))
AFFECTS = Affects.from_model(
    (
        Scenario(_OUTPUTS, loss=ArgSpec.dict_of("main")),
        Scenario(_OUTPUTS, loss=ArgSpec.dict_of("main", "aux"), loss_weights=ArgSpec.dict_of("main")),
    ),
    ASPECTS,
    untrained=True,
)
RULE = define_rule(
    "KLO104", "loss-dict-missing-output", "A `loss` or `loss_weights` dict leaves out an output",
    AFFECTS, check, Applicability.UNSAFE,
)
