"""## What it does
Finds a dict `loss` that leaves out some outputs of a model whose outputs are a list or tuple, and a
dict `loss_weights` that leaves out an output that has a loss.

## Why is this bad?
What a missing output means changed from release to release. Keras 3.0-3.4 silently train that output
with no loss; 3.5 and later raise at the first `fit()` (a misleading "as many entries as the model has
outputs" error on 3.5-3.6, `Expected keys ... in loss dict` from 3.7). A missing `loss_weights` key
means weight 1.0 on 3.0-3.4, `ValueError` on 3.5-3.6 and `KeyError` from 3.7.

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

from typing import Iterator

import libcst as cst
from packaging.version import Version

from keras_loss_lint.core.diagnostics import Applicability
from keras_loss_lint.analysis.facts import CallFacts, Mapping
from keras_loss_lint.rules.base import FixProposal, NodeEdit, Report, RuleContext, define_rule
from keras_loss_lint.rules.common import (
    KERAS_3_0_TO_3_4,
    KERAS_3_5_ON,
    effects_by_era,
    expected_names,
    is_none,
    mapping,
    model_label,
    named_flat_outputs,
    raise_on,
    quote,
)
from keras_loss_lint.keras.versions import loss_era


def check(context: RuleContext) -> Iterator[Report]:
    versions = context.affected(RULE)
    for call in context.facts.compiles():
        found = named_flat_outputs(call)
        loss = mapping(call.argument("loss"))
        if found is None or loss is None:
            continue
        names = found[2]
        if len(names) < 2 or not set(loss.keys()) <= set(names):
            continue
        missing = [name for name in names if name not in loss.keys()]
        if missing:
            yield _missing_loss(call, loss, missing, versions)
        else:
            yield from _missing_weights(call, loss, names, versions)


def _missing_loss(call: CallFacts, loss: Mapping, missing: list[str], versions: tuple[Version, ...]) -> Report:
    assert call.model is not None  # named_flat_outputs found the outputs of this model
    effects = effects_by_era(
        versions,
        [
            (KERAS_3_0_TO_3_4, "on {versions} they silently get no loss"),
            (KERAS_3_5_ON, "on {versions} the first fit() raises"),
        ],
    )
    message = (
        f"`loss` dict has no entry for output(s) {quote(missing)} of {model_label(call)} "
        f"(outputs: {expected_names(call.model)}): "
        f"{effects}; add {quote(missing)} with None if they should have no loss"
    )
    return Report(RULE.code, call.arguments["loss"].node, message, _add_none_fix(loss, missing))


def _missing_weights(
    call: CallFacts, loss: Mapping, names: tuple[str, ...], versions: tuple[Version, ...]
) -> Iterator[Report]:
    weights = mapping(call.argument("loss_weights"))
    if weights is None or not set(weights.keys()) <= set(names):
        return  # a key that names no output is KLO102's finding
    with_loss = [name for name in names if not is_none(loss.get(name).value)]  # type: ignore[union-attr]
    missing = [name for name in with_loss if name not in weights.keys()]
    raising = [v for v in versions if loss_era(v) in KERAS_3_5_ON]
    if not missing or not raising:
        return
    message = (
        f"`loss_weights` dict has no entry for output(s) {quote(missing)} that have a loss: "
        f"{raise_on(raising)} at the first fit() (3.0-3.4 used weight 1.0); add them explicitly"
    )
    yield Report(RULE.code, call.arguments["loss_weights"].node, message)


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


RULE = define_rule(
    "KLO104", "loss-dict-missing-output", "A `loss` or `loss_weights` dict leaves out an output",
    ">=3", check, Applicability.UNSAFE,
)
