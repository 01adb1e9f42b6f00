"""Source positions of the few nodes a run reports, without LibCST's full position metadata.

`PositionProvider` records a line and column for every node of the module, which costs more than
parsing it. Only reported nodes need a position, and a parsed module regenerates its source exactly,
so one code-generation pass that counts characters, and stops to note the offsets of the wanted nodes,
gives the same positions (syntactic ones: the parentheses around an expression are left out, as
`PositionProvider` leaves them out) at the cost of plain code generation.
"""

from __future__ import annotations

import bisect
import re
from contextlib import contextmanager
from typing import Collection, Iterator, Optional

import libcst as cst
from libcst._nodes.internal import CodegenState

from keras_loss_lint.diagnostics import Position, Span

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


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
    state = _OffsetState(module, wanted)
    try:
        module._codegen(state)
    except _AllFound:
        pass
    line_starts = [0] + [match.end() for match in _LINE_BREAK.finditer(source)]
    return {
        node: Span(_position(start, line_starts), _position(end, line_starts))
        for node, (start, end) in state.spans.items()
    }


def _position(offset: int, line_starts: list[int]) -> Position:
    line = bisect.bisect_right(line_starts, offset) - 1
    return Position(line + 1, offset - line_starts[line])
