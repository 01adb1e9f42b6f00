"""Source positions of the few nodes a run reports, without LibCST's full position metadata.

`PositionProvider` records a line and column for every node of the module, which costs more than
parsing it. Only reported nodes need a position, and a parsed module regenerates its source exactly,
so code generation that stops to note the offsets of the wanted nodes gives the same positions
(syntactic ones: the parentheses around an expression are left out, and a block's span is hoisted
from its statements, as `PositionProvider` does).

Generating the whole module still costs more than Python's own `ast.parse` of it, so only the
top-level statements that can hold a wanted node are generated, each from the offset where `ast`
says it starts (`_by_statement`); whatever that path does not find (a node of another tree, a
statement whose text LibCST does not reproduce) is left to one pass over the whole module, which
stops after the last node it looks for.

That generation subclasses LibCST's code-generation state (`libcst._nodes.internal.CodegenState`),
which is not public API. The dependency is bounded to LibCST 1.x, and if a release moves or changes
it, the public `PositionProvider` answers instead (slower, same positions; tests/test_positions.py
checks both agree on every node of the fixtures and of generated modules).
"""

from __future__ import annotations

import ast
import bisect
import itertools
from typing import Collection, ContextManager, Optional

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

try:
    from libcst._nodes.internal import CodegenState
except ImportError:  # pragma: no cover - a LibCST release without it: the public path below answers
    CodegenState = object  # type: ignore[assignment,misc]

from keras_loss_lint.core.ast_precheck import first_line, parse_or_none
from keras_loss_lint.core.diagnostics import Position, Span
from keras_loss_lint.core.text import LINE_BREAK, line_starts

# From this size on, parsing with `ast` (to skip statements) costs less than the code generation it
# saves, when the caller has no tree: measured, a loss on the generated training scripts (3.5 KB each,
# their findings deep in `main`), a gain of half on a 2,000-line (80 KB) module.
SKIP_FROM_CHARACTERS = 20_000


class _AllFound(Exception):
    """Raised once every wanted node has its span: the rest of the module need not be generated."""


class _NoSpan:
    """The context of a node nobody asked about: one shared object, no generator per node (LibCST asks
    for one around most nodes, so a generator-based context manager here cost more than the tokens)."""

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc_info: object) -> None:
        return None


_NO_SPAN = _NoSpan()


class _SyntacticSpan:
    """Records a wanted node's syntactic span, hoisted from its first or last child as
    `PositionProvider` hoists it (a block's span ends where its last statement ends)."""

    __slots__ = ("state", "node", "start_node", "end_node", "start")

    def __init__(
        self,
        state: "_OffsetState",
        node: cst.CSTNode,
        start_node: Optional[cst.CSTNode],
        end_node: Optional[cst.CSTNode],
    ) -> None:
        self.state, self.node, self.start_node, self.end_node = state, node, start_node, end_node
        self.start = 0

    def __enter__(self) -> None:
        state = self.state
        for child in (self.start_node, self.end_node):
            if child is not None:
                state.wanted_ids.add(id(child))  # its span is needed for the hoisting
        self.start = state.offset()

    def __exit__(self, *exc_info: object) -> None:
        if exc_info[0] is not None:
            return
        state = self.state
        start = state.spans[id(self.start_node)][0] if self.start_node is not None else self.start
        end = state.spans[id(self.end_node)][1] if self.end_node is not None else state.offset()
        state.spans[id(self.node)] = (start, end)


class _OffsetState(CodegenState):
    """Code generation that notes the character offsets of wanted nodes only.

    Offsets are summed from the token list when a wanted node asks, not counted token by token: the
    hot path (every other node) then costs LibCST's plain code generation and one set look-up."""

    __slots__ = ("wanted_ids", "asked", "spans", "dropped", "_starts", "_counted", "_length")

    def __init__(
        self, module: cst.Module, wanted: Collection[cst.CSTNode], shared_ids: Optional[set[int]] = None
    ) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        if shared_ids is not None:
            # One set for every statement of a module (see `_by_statement`): building one per
            # statement cost statements x wanted nodes, quadratic on a file of a thousand findings.
            self.asked = self.wanted_ids = shared_ids
        else:
            self.asked = {id(node) for node in wanted}
            self.wanted_ids = set(self.asked)
        # id -> (start, end) offsets; the nodes stay alive in the caller's tree meanwhile.
        self.spans: dict[int, tuple[int, int]] = {}
        self._starts: dict[int, list[int]] = {}
        self.dropped = ""  # the newline a module without one at its end generates, then drops
        self._counted = 0  # tokens[:_counted] are summed in _length
        self._length = 0

    def offset(self) -> int:
        tokens = self.tokens
        if len(tokens) > self._counted:
            self._length += sum(map(len, itertools.islice(tokens, self._counted, None)))
            self._counted = len(tokens)
        return self._length

    def pop_trailing_newline(self) -> None:
        # `PositionProvider` does not step back over the newline the module drops here: nor do we.
        self.offset()
        if self.tokens:
            self.dropped = self.tokens.pop()
        self._counted = len(self.tokens)

    def beyond(self, source: str) -> str:
        """What was generated past the end of `source`: the newline a module that ends without one
        generates (and drops at its very end). Spans that end in it count it, as `PositionProvider`
        counts it."""
        if self.offset() <= len(source):
            return ""
        return ("".join(self.tokens) + self.dropped)[len(source):]

    def before_codegen(self, node: cst.CSTNode) -> None:
        if id(node) in self.wanted_ids:
            self._starts.setdefault(id(node), []).append(self.offset())

    def after_codegen(self, node: cst.CSTNode) -> None:
        key = id(node)
        if key in self.wanted_ids:
            start = self._starts[key].pop()
            # A syntactic span, recorded inside, wins over the whitespace-inclusive one.
            self.spans.setdefault(key, (start, self.offset()))
            self._stop_when_complete()

    def _stop_when_complete(self) -> None:
        if self.asked.issubset(self.spans) and not any(self._starts.values()):
            raise _AllFound

    def record_syntactic_position(  # type: ignore[override]
        self,
        node: cst.CSTNode,
        *,
        start_node: Optional[cst.CSTNode] = None,
        end_node: Optional[cst.CSTNode] = None,
    ) -> ContextManager[None]:
        if id(node) not in self.wanted_ids:
            return _NO_SPAN
        return _SyntacticSpan(self, node, start_node, end_node)


def locate(
    module: cst.Module, source: str, nodes: Collection[cst.CSTNode], tree: Optional[ast.Module] = None
) -> dict[cst.CSTNode, Span]:
    """Spans (1-based lines, 0-based character columns) of `nodes` in `source`, parsed as `module`.

    `tree` is `ast.parse(source)` when the caller has it: the statements that hold no wanted node are
    then skipped (see `_by_statement`); without it, a large module is parsed here for that."""
    wanted = list(dict.fromkeys(nodes))
    if CodegenState is object:
        return locate_with_metadata(module, wanted)
    try:
        spans: dict[int, tuple[int, int]] = {}
        beyond = ""
        if _worth_skipping(source, tree):
            spans, beyond = _by_statement(module, source, wanted, tree)
        rest = [node for node in wanted if id(node) not in spans]
        if rest:
            state = _generate(module, module, rest)
            spans.update(state.spans)
            beyond = beyond or state.beyond(source)
    except (AttributeError, TypeError):  # the private code-generation protocol changed
        return locate_with_metadata(module, wanted)
    starts = line_starts(source + beyond)
    return {
        node: Span(_position(span[0], starts), _position(span[1], starts))
        for node in wanted
        if (span := spans.get(id(node))) is not None
    }


def _generate(
    module: cst.Module, node: cst.CSTNode, wanted: Collection[cst.CSTNode], shared_ids: Optional[set[int]] = None
) -> _OffsetState:
    """Generate `node` (the module or one of its top-level statements) until every wanted node in it
    has its span."""
    state = _OffsetState(module, wanted, shared_ids)
    try:
        node._codegen(state)
    except _AllFound:
        pass
    return state


def _worth_skipping(source: str, tree: Optional[ast.Module]) -> bool:
    return tree is not None or len(source) >= SKIP_FROM_CHARACTERS


def _by_statement(
    module: cst.Module, source: str, wanted: list[cst.CSTNode], tree: Optional[ast.Module]
) -> tuple[dict[int, tuple[int, int]], str]:
    """Offsets of the wanted nodes found by generating only the top-level statements that can hold
    them, and what was generated past the end of `source` (see `_OffsetState.beyond`). The rest is
    left to the whole-module pass: a node of another tree, a statement whose text LibCST does not
    reproduce as it is in the source, a source `ast` rejects.

    Where each top-level statement starts comes from Python's `ast` (its first token's line and
    column, where the statement's syntactic span starts in LibCST's code); the statements that can
    hold a node are those whose text holds the first line of the node's own code (the same wherever
    the node is generated: indentation only ever follows a line break). A node counts as found only
    when a statement's code generation meets that very node, and a statement's offsets count only
    when its code is the source's text from the start `ast` gives."""
    tree = tree if tree is not None else parse_or_none(source)
    anchors = _statement_anchors(module, tree, source) if tree is not None else None
    if anchors is None:
        return {}, ""
    syntactic_starts, reach_starts = anchors
    asked = {id(node) for node in wanted}
    # The statements' generations share one set of the ids they look for: a statement never holds
    # every wanted node of a module with several, so none stops early because of another's ids.
    shared_ids = set(asked)
    spans: dict[int, tuple[int, int]] = {}
    beyond = ""
    last = len(module.body) - 1
    for index in _candidates(module, source, wanted, reach_starts):
        statement = module.body[index]
        shared_ids.add(id(statement))
        state = _generate(module, statement, (), shared_ids)
        start = syntactic_starts[index] - state.spans[id(statement)][0]
        text = "".join(state.tokens)
        if index == last and not module.has_trailing_newline and state.tokens:
            # The module drops the newline its last statement generates; spans may end in it.
            text, dropped = text[: -len(state.tokens[-1])], state.tokens[-1]
            if start >= 0 and source[start:] == text:
                beyond = dropped
        if start < 0 or not source.startswith(text, start):
            continue  # LibCST's text is not the source's here: the whole-module pass decides
        spans.update((key, (start + begin, start + end)) for key, (begin, end) in state.spans.items() if key in asked)
        if asked.issubset(spans):
            break
    return spans, beyond


def _statement_anchors(module: cst.Module, tree: ast.Module, source: str) -> Optional[tuple[list[int], list[int]]]:
    """For each top-level statement of `module`: the offset of its first token (where its syntactic
    span starts), and the offset of the line of its first decorator or token (from where its text can
    hold a wanted node). None when `ast`'s statements do not line up with LibCST's."""
    starts = line_starts(source)
    syntactic: list[int] = []
    reach: list[int] = []
    position = 0
    body = tree.body
    for statement in module.body:
        count = len(statement.body) if isinstance(statement, cst.SimpleStatementLine) else 1
        if count == 0 or position + count > len(body):
            return None
        first = body[position]
        position += count
        if first.lineno > len(starts):
            return None
        line_start = starts[first.lineno - 1]
        indentation = source[line_start:line_start + first.col_offset]
        if indentation.strip() or not indentation.isascii():  # `ast`'s byte column is not a character one
            return None
        syntactic.append(line_start + first.col_offset)
        reach.append(starts[first_line(first) - 1])
    if position != len(body) or any(later <= earlier for earlier, later in zip(reach, reach[1:])):
        return None
    return syntactic, reach


def _candidates(module: cst.Module, source: str, wanted: list[cst.CSTNode], reach_starts: list[int]) -> list[int]:
    """The indexes of the top-level statements whose text holds the first line of a wanted node's code."""
    found: set[int] = set()
    last = len(reach_starts) - 1
    searched: set[str] = set()  # a thousand findings on the same text search it once
    for node in wanted:
        code = module.code_for_node(node)
        first_line = LINE_BREAK.split(code, maxsplit=1)[0]
        if not first_line.strip():
            return list(range(len(reach_starts)))  # nothing to search for: every statement may hold it
        if first_line in searched:
            continue
        searched.add(first_line)
        at = source.find(first_line)
        while at != -1:
            index = bisect.bisect_right(reach_starts, at) - 1
            found.add(max(index, 0))
            if index >= last:
                break
            at = source.find(first_line, reach_starts[index + 1])
    return sorted(found)


def _position(offset: int, line_starts: list[int]) -> Position:
    line = bisect.bisect_right(line_starts, offset) - 1
    return Position(line + 1, offset - line_starts[line])


def locate_with_metadata(module: cst.Module, nodes: Collection[cst.CSTNode]) -> dict[cst.CSTNode, Span]:
    """The same spans through LibCST's public (and slower) position metadata."""
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    ranges = wrapper.resolve(PositionProvider)
    return {
        node: Span(Position(ranges[node].start.line, ranges[node].start.column),
                   Position(ranges[node].end.line, ranges[node].end.column))
        for node in nodes
        if node in ranges
    }
