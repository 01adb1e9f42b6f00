"""Fix builders shared by rules: rewriting a dict argument as a list in output order and back.

A rewrite that puts written values into another order also changes the order Python evaluates them
in. That keeps the program's meaning only when the values have no side effects, so every reordering
fix asks `reorder_applicability` how it may be offered: SAFE when nothing moved can have an effect,
UNSAFE when something may (`next(it)` twice: the heads swap what they get), and not at all when one
value binds a name (`:=`) that another reads or binds, where the new order can raise or read another
value.
"""

from __future__ import annotations

import io
import tokenize
from dataclasses import dataclass
from typing import Callable, Iterable, Optional, Sequence

import libcst as cst

from keras_loss_lint.analysis.facts import CallFacts, Mapping, Opaque, Seq, Value
from keras_loss_lint.core.diagnostics import Applicability
from keras_loss_lint.rules.base import FixProposal, NodeEdit
from keras_loss_lint.rules.common import is_none

FixBuilder = Callable[[], Optional[FixProposal]]

# Calling a loss or metric class only builds a configuration object: nothing else reads or changes
# state until compile() and fit() use it.
_PURE_CONSTRUCTOR_NAMESPACES = ("keras.losses.", "keras.metrics.")
_NUMBERS = (cst.Integer, cst.Float, cst.Imaginary)
_ARITHMETIC = (cst.Add, cst.Subtract, cst.Multiply, cst.Divide)


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


# ---------------------------------------------------------------------------------------------------
# Whether a reordering keeps the meaning


@dataclass(frozen=True)
class Moved:
    """One written element whose evaluation a fix moves (or drops): a dict entry's key and value, or a
    list item. `value` is what the analysis made of `node`, used to recognise Keras constructors."""

    node: cst.CSTNode
    value: Optional[Value] = None
    key_node: Optional[cst.CSTNode] = None


def reorder_applicability(moved: Sequence[Moved]) -> Optional[Applicability]:
    """How a fix that changes the evaluation order of `moved` may be offered (None: not at all)."""
    if _names_depend(moved):
        return None
    if all(_side_effect_free(item.node, item.value) and _key_free(item.key_node) for item in moved):
        return Applicability.SAFE
    return Applicability.UNSAFE


def weakest(applicabilities: Iterable[Applicability]) -> Applicability:
    """The applicability of a fix made of several rewrites: the least safe of them."""
    return next((a for a in applicabilities if a is not Applicability.SAFE), Applicability.SAFE)


def _key_free(node: Optional[cst.CSTNode]) -> bool:
    return node is None or _side_effect_free(node, None)


def _side_effect_free(node: cst.CSTNode, value: Optional[Value]) -> bool:
    """Evaluating `node` cannot change anything another expression could observe."""
    if isinstance(node, cst.Call):
        return _pure_constructor(node, value)
    if isinstance(node, cst.Lambda):
        return _defaults_free(node.params)  # the body runs later, in every order alike
    if isinstance(node, (cst.Name, cst.Attribute)):
        return _attribute_chain(node)
    if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
        return all(isinstance(e, cst.Element) and _side_effect_free(e.value, None) for e in node.elements)
    if isinstance(node, cst.Dict):
        return all(
            isinstance(e, cst.DictElement) and _side_effect_free(e.key, None) and _side_effect_free(e.value, None)
            for e in node.elements
        )
    return _is_literal(node)


def _is_literal(node: cst.CSTNode) -> bool:
    """A constant as written: numbers (signed, or simple arithmetic on numbers), text without
    interpolation, True/False/None, and containers of those."""
    if isinstance(node, _NUMBERS) or isinstance(node, cst.SimpleString):
        return True
    if isinstance(node, cst.ConcatenatedString):
        return _is_literal(node.left) and _is_literal(node.right)
    if isinstance(node, cst.FormattedString):
        return all(isinstance(part, cst.FormattedStringText) for part in node.parts)
    if isinstance(node, cst.Name):
        return node.value in ("True", "False", "None")
    if isinstance(node, cst.UnaryOperation):
        return isinstance(node.operator, (cst.Minus, cst.Plus)) and _is_number(node.expression)
    if isinstance(node, cst.BinaryOperation):
        return _is_arithmetic(node)
    if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
        return all(isinstance(e, cst.Element) and _is_literal(e.value) for e in node.elements)
    if isinstance(node, cst.Dict):
        return all(
            isinstance(e, cst.DictElement) and _is_literal(e.key) and _is_literal(e.value) for e in node.elements
        )
    return False


def _is_number(node: cst.CSTNode) -> bool:
    if isinstance(node, _NUMBERS):
        return True
    if isinstance(node, cst.UnaryOperation):
        return isinstance(node.operator, (cst.Minus, cst.Plus)) and _is_number(node.expression)
    return isinstance(node, cst.BinaryOperation) and _is_arithmetic(node)


def _is_arithmetic(node: cst.BinaryOperation) -> bool:
    """`1 / 3`, `2 * 0.5`: weights are often written so. A division by a written zero raises, and
    which of two raising values raises first depends on the order, so it does not count."""
    if not isinstance(node.operator, _ARITHMETIC) or not (_is_number(node.left) and _is_number(node.right)):
        return False
    return not (isinstance(node.operator, cst.Divide) and _is_written_zero(node.right))


def _is_written_zero(node: cst.CSTNode) -> bool:
    return isinstance(node, _NUMBERS) and not isinstance(node, cst.Imaginary) and float(node.evaluated_value) == 0


def _attribute_chain(node: cst.CSTNode) -> bool:
    """`mse`, `keras.losses.MeanSquaredError`: looking up a name or a module attribute."""
    while isinstance(node, cst.Attribute):
        node = node.value
    return isinstance(node, cst.Name)


def _defaults_free(params: cst.Parameters) -> bool:
    """A lambda's default values are evaluated where it is written; its body is not."""
    every = (*params.posonly_params, *params.params, *params.kwonly_params)
    return all(param.default is None or _is_literal(param.default) for param in every)


def _pure_constructor(node: cst.Call, value: Optional[Value]) -> bool:
    """`keras.losses.Huber(delta=1.0)`: a Keras loss or metric class, called with literals only."""
    if not isinstance(value, Opaque) or not value.description.startswith(_PURE_CONSTRUCTOR_NAMESPACES):
        return False
    if not value.description.rsplit(".", 1)[-1][:1].isupper() or not _attribute_chain(node.func):
        return False
    return all(not arg.star and _is_literal(arg.value) for arg in node.args)


class _Names(cst.CSTVisitor):
    """The names an expression reads, and those it binds with `:=` (which bind in the enclosing
    scope even inside a comprehension)."""

    def __init__(self) -> None:
        self.read: set[str] = set()
        self.bound: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.read.add(node.value)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        if isinstance(node.target, cst.Name):
            self.bound.add(node.target.value)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)  # `.attr` is not a variable
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)  # nor is `keyword=`
        return False


def _names_of(item: Moved) -> _Names:
    names = _Names()
    for node in (item.key_node, item.node):
        if node is not None:
            node.visit(names)
    return names


def _names_depend(moved: Sequence[Moved]) -> bool:
    """Whether one moved element binds a name that another reads or binds: then the order decides
    which value is seen, or whether the name exists yet (`[l, (l := "mae")]` raises NameError)."""
    names = [_names_of(item) for item in moved]
    for index, own in enumerate(names):
        if not own.bound:
            continue
        others = [other for position, other in enumerate(names) if position != index]
        if any(own.bound & (other.read | other.bound) for other in others):
            return True
    return False


def is_reordered(original: Sequence[cst.CSTNode], rewritten: Sequence[cst.CSTNode]) -> bool:
    """Whether `rewritten` evaluates the nodes of `original` in another order (or drops some)."""
    return [id(node) for node in original] != [id(node) for node in rewritten]


# ---------------------------------------------------------------------------------------------------
# dict <-> list rewrites


def _is_inline_literal(mapping_value: Mapping, call: CallFacts, argument_name: str) -> bool:
    argument = call.argument(argument_name)
    return argument is not None and argument.node is mapping_value.node and isinstance(mapping_value.node, cst.Dict)


def written_entries(mapping_value: Mapping) -> Optional[list[Moved]]:
    """The entries of a dict written in place, in written order, when each one is exactly one of its
    elements: a `**spread`, a repeated key (whose first value is still evaluated) or an entry the
    analysis took from elsewhere would make a rewrite drop or copy code."""
    node = mapping_value.node
    if not isinstance(node, cst.Dict) or len(node.elements) != len(mapping_value.entries):
        return None
    moved = []
    for element, entry in zip(node.elements, mapping_value.entries):
        if not isinstance(element, cst.DictElement) or element.value is not entry.value_node:
            return None
        moved.append(Moved(element.value, entry.value, element.key))
    return moved


def written_items(sequence: Seq, node: cst.CSTNode) -> Optional[tuple[cst.BaseExpression, ...]]:
    """The items of a list or tuple written in place, when each is one of its elements: a `*spread`
    stands for several items, and writing it once per item would change what each entry holds."""
    if not isinstance(node, (cst.List, cst.Tuple)) or sequence.node is not node or sequence.item_nodes is None:
        return None
    if len(node.elements) != len(sequence.item_nodes) or any(isinstance(e, cst.StarredElement) for e in node.elements):
        return None
    return tuple(element.value for element in node.elements)


def _dict_values_in_order(
    mapping_value: Mapping, names: Sequence[str], allow_none: bool
) -> Optional[list[cst.BaseExpression]]:
    values = []
    for name in names:
        entry = mapping_value.get(name)
        if entry is None or not isinstance(entry.value_node, cst.BaseExpression):
            return None
        if is_none(entry.value) and not allow_none:
            return None
        values.append(entry.value_node)
    return values


def dict_as_list(
    mapping_value: Mapping, names: Sequence[str], allow_none: bool = False
) -> Optional[tuple[str, Applicability]]:
    """A written dict as a list in the order of `names`, with how the rewrite may be offered; None
    when it may not (a comment would be lost, or the new order could break the code)."""
    entries = written_entries(mapping_value)
    values = _dict_values_in_order(mapping_value, names, allow_none)
    if entries is None or values is None or mapping_value.node is None or has_comment(mapping_value.node):
        return None
    if any(entry.key_node is not None and _names_of(Moved(entry.key_node)).bound for entry in entries):
        return None  # a key that binds a name (`{(k := "a"): ...}`) would no longer bind it
    if is_reordered([entry.node for entry in entries], values):
        applicability = reorder_applicability(entries)
    else:
        applicability = _dropped_keys(entries)
    return (list_literal(values), applicability) if applicability is not None else None


def _dropped_keys(entries: Sequence[Moved]) -> Applicability:
    """Values kept in order: only the keys go, which matters only if evaluating one had an effect."""
    return Applicability.SAFE if all(_key_free(entry.key_node) for entry in entries) else Applicability.UNSAFE


def list_literal(values: Sequence[cst.BaseExpression]) -> str:
    return "[" + ", ".join(_render(value) for value in values) + "]"


def dict_to_list_fix(call: CallFacts, loss: Mapping, names: tuple[str, ...]) -> Optional[FixBuilder]:
    """KLO201: a complete dict loss (and a dict loss_weights beside it) as lists in output order."""
    if len(set(names)) != len(names) or not _is_inline_literal(loss, call, "loss"):
        return None
    rewrites = [(loss, dict_as_list(loss, names))]
    weights = call.argument("loss_weights")
    if weights is not None and isinstance(weights.value, Mapping):
        inline = _is_inline_literal(weights.value, call, "loss_weights")
        rewrites.append((weights.value, dict_as_list(weights.value, names) if inline else None))
    elif weights is not None and not isinstance(weights.value, Seq):
        return None
    edits, applicabilities = [], []
    for written, rewritten in rewrites:
        if rewritten is None or written.node is None:
            return None
        edits.append(NodeEdit(written.node, rewritten[0]))
        applicabilities.append(rewritten[1])
    applicability = weakest(applicabilities)

    def build() -> FixProposal:
        return FixProposal("Rewrite as lists in output order", applicability, tuple(edits))

    return build


def dict_literal(keys: Sequence[str], values: Sequence[cst.BaseExpression], quote: str = '"') -> str:
    return "{" + ", ".join(f"{quote}{key}{quote}: {_render(value)}" for key, value in zip(keys, values)) + "}"
