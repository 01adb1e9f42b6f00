"""Source positions of the few nodes a run reports, without LibCST's full position metadata.

`PositionProvider` records a line and column for every node of the module, which costs more than
parsing it. Only reported nodes need a position, and a parsed module regenerates its source exactly,
so one code-generation pass that counts characters, and stops to note the offsets of the wanted nodes,
gives the same positions (syntactic ones: the parentheses around an expression are left out, as
`PositionProvider` leaves them out) at the cost of plain code generation.

That pass subclasses LibCST's code-generation state (`libcst._nodes.internal.CodegenState`), which is
not public API. The dependency is bounded to LibCST 1.x, and if a release moves or changes it, the
public `PositionProvider` answers instead (slower, same positions; a test checks both agree).
"""

from __future__ import annotations

import bisect
from contextlib import contextmanager
from typing import Collection, Iterator, Optional

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

try:
    from libcst._nodes.internal import CodegenState
except ImportError:  # pragma: no cover - a LibCST release without it: the public path below answers
    CodegenState = object  # type: ignore[assignment,misc]

from keras_loss_lint.core.diagnostics import Position, Span
from keras_loss_lint.core.text import line_starts


class _AllFound(Exception):
    """Raised once every wanted node has its span: the rest of the module need not be generated."""


class _OffsetState(CodegenState):
    """Code generation that tracks the character offset and the spans of wanted nodes only."""

    __slots__ = ("offset", "wanted", "spans", "_starts")

    def __init__(self, module: cst.Module, wanted: Collection[cst.CSTNode]) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.offset = 0
        self.wanted = wanted
        self.spans: dict[cst.CSTNode, tuple[int, int]] = {}
        self._starts: dict[cst.CSTNode, list[int]] = {}

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.add_token(token)

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        self.offset += len(value)

    def pop_trailing_newline(self) -> None:
        if self.tokens:
            self.offset -= len(self.tokens.pop())

    def before_codegen(self, node: cst.CSTNode) -> None:
        if node in self.wanted:
            self._starts.setdefault(node, []).append(self.offset)

    def after_codegen(self, node: cst.CSTNode) -> None:
        if node in self.wanted:
            start = self._starts[node].pop()
            self.spans.setdefault(node, (start, self.offset))
            self._stop_when_complete()

    def _stop_when_complete(self) -> None:
        if len(self.spans) == len(self.wanted) and not any(self._starts.values()):
            raise _AllFound

    @contextmanager
    def record_syntactic_position(
        self,
        node: cst.CSTNode,
        *,
        start_node: Optional[cst.CSTNode] = None,
        end_node: Optional[cst.CSTNode] = None,
    ) -> Iterator[None]:
        start = self.offset
        try:
            yield
        finally:
            if node in self.wanted and node not in self.spans:
                self.spans[node] = (start, self.offset)
                # Stopping here would skip the closing parentheses: after_codegen stops instead.


def locate(module: cst.Module, source: str, nodes: Collection[cst.CSTNode]) -> dict[cst.CSTNode, Span]:
    """Spans (1-based lines, 0-based character columns) of `nodes` in `source`, parsed as `module`."""
    wanted = set(nodes)
    if CodegenState is object:
        return locate_with_metadata(module, wanted)
    state = _OffsetState(module, wanted)
    try:
        module._codegen(state)
    except _AllFound:
        pass
    except (AttributeError, TypeError):  # the private code-generation protocol changed
        return locate_with_metadata(module, wanted)
    starts = line_starts(source)
    return {
        node: Span(_position(start, starts), _position(end, starts))
        for node, (start, end) in state.spans.items()
    }


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
