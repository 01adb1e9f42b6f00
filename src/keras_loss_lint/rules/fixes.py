"""Fix builders shared by rules: rewriting a dict argument as a list in output order and back."""

from __future__ import annotations

from typing import Callable, Optional, Sequence

import io
import tokenize

import libcst as cst

from keras_loss_lint.diagnostics import Applicability
from keras_loss_lint.facts.model import CallFacts, Mapping, Seq
from keras_loss_lint.rules.base import FixProposal, NodeEdit
from keras_loss_lint.rules.common import is_none

FixBuilder = Callable[[], Optional[FixProposal]]


def _render(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


def has_comment(node: cst.CSTNode) -> bool:
    """Whether rewriting `node` as a whole would drop a comment written inside it."""
    text = _render(node)
    if "#" not in text:
        return False
    try:
        tokens = tokenize.generate_tokens(io.StringIO(f"({text})").readline)
        return any(token.type == tokenize.COMMENT for token in tokens)
    except (tokenize.TokenError, SyntaxError):
        return True


def _is_inline_literal(mapping_value: Mapping, call: CallFacts, argument_name: str) -> bool:
    argument = call.argument(argument_name)
    return argument is not None and argument.node is mapping_value.node and isinstance(mapping_value.node, cst.Dict)


def _dict_values_in_order(mapping_value: Mapping, names: Sequence[str]) -> Optional[list[cst.BaseExpression]]:
    values = []
    for name in names:
        entry = mapping_value.get(name)
        if entry is None or entry.value_node is None or is_none(entry.value):
            return None
        values.append(entry.value_node)
    return values


def list_literal(values: Sequence[cst.BaseExpression]) -> str:
    return "[" + ", ".join(_render(value) for value in values) + "]"


def dict_to_list_fix(call: CallFacts, loss: Mapping, names: tuple[str, ...]) -> Optional[FixBuilder]:
    """KLO201: a complete dict loss (and a dict loss_weights beside it) as lists in output order."""
    if len(set(names)) != len(names) or not _is_inline_literal(loss, call, "loss") or has_comment(loss.node):
        return None
    loss_values = _dict_values_in_order(loss, names)
    if loss_values is None:
        return None
    edits = [NodeEdit(loss.node, list_literal(loss_values))]  # type: ignore[arg-type]
    weights = call.argument("loss_weights")
    if weights is not None and isinstance(weights.value, Mapping):
        weight_values = _dict_values_in_order(weights.value, names)
        if weight_values is None or not _is_inline_literal(weights.value, call, "loss_weights"):
            return None
        if has_comment(weights.value.node):  # type: ignore[arg-type]
            return None
        edits.append(NodeEdit(weights.value.node, list_literal(weight_values)))  # type: ignore[arg-type]
    elif weights is not None and not isinstance(weights.value, Seq):
        return None

    def build() -> FixProposal:
        return FixProposal("Rewrite as lists in output order", Applicability.SAFE, tuple(edits))

    return build


def dict_literal(keys: Sequence[str], values: Sequence[cst.BaseExpression], quote: str = '"') -> str:
    return "{" + ", ".join(f"{quote}{key}{quote}: {_render(value)}" for key, value in zip(keys, values)) + "}"
