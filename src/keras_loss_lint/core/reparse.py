"""Parsing a module with LibCST one top-level statement at a time, so that the next version of a text
(an editor's, after an edit) re-parses only the statements whose text changed.

The module is cut where Python's `ast` says a top-level statement ends, and each piece is parsed as a
module of its own; the pieces' statements are then put together into the `cst.Module` a parse of the
whole text would give (`tests/test_reparse.py` compares the two, node for node, on every fixture and
on generated modules). A cut is made only where that holds:
- the lines between two statements go to the second as its leading lines, as LibCST gives them, unless
  one of them is indented (LibCST gives such lines to the first statement's block, as its footer), or
  the first statement's last line ends in a line continuation: then the two stay in one piece;
- every piece that indents a block must have found the module's indentation, and every piece its line
  ending: a module that mixes them is parsed whole, as is one with a lone carriage return, a form feed
  or a byte-order mark (where `ast` and LibCST may count lines differently).
A piece whose text appears twice in a module is parsed again for the second place, so that no node is
shared by two places of one tree (positions and the analysis tell nodes apart by identity).
"""

from __future__ import annotations

import ast
import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import Optional, Sequence

import libcst as cst

from keras_loss_lint.analysis.texts import NodeTexts
from keras_loss_lint.core.ast_precheck import first_line
from keras_loss_lint.core.text import line_starts

__all__ = ["StatementCache", "parse_module"]

# What a cache holds at most, in characters of source (LibCST's tree costs up to 2 KB a character):
# twice the default size limit, so that a document at the limit and its edited version both fit.
DEFAULT_CACHE_CHARACTERS = 2 * 64 * 1024
_DEFAULT_INDENT = "    "
# Texts `ast` and LibCST might cut into lines differently: such a module is parsed whole.
_UNUSUAL_TEXT = re.compile("\r(?!\n)|\x0c|\ufeff")
_COMPOUND_PARTS = (cst.Else, cst.ExceptHandler, cst.ExceptStarHandler, cst.Finally, cst.MatchCase, cst.If)


@dataclass(frozen=True)
class _Piece:
    """One piece of a module, parsed alone. The piece that opens the module keeps its leading lines as
    the module's header; any other has them moved to its first statement, where the whole parse has them."""

    header: Sequence[cst.EmptyLine]
    body: Sequence[cst.SimpleStatementLine | cst.BaseCompoundStatement]
    footer: Sequence[cst.EmptyLine]
    default_indent: str
    default_newline: str
    has_trailing_newline: bool
    holds_block: bool
    holds_newline: bool


class StatementCache:
    """The pieces of the texts parsed last, by their text: shared by the versions of a document.
    `node_texts` remembers the texts of their nodes for the analysis (analysis/texts.py)."""

    def __init__(self, max_characters: int = DEFAULT_CACHE_CHARACTERS) -> None:
        self.max_characters = max_characters
        self.node_texts = NodeTexts()
        self._pieces: OrderedDict[tuple[str, bool], _Piece] = OrderedDict()
        self._characters = 0

    def get(self, text: str, first: bool) -> Optional[_Piece]:
        piece = self._pieces.get((text, first))
        if piece is not None:
            self._pieces.move_to_end((text, first))
        return piece

    def put(self, text: str, first: bool, piece: _Piece) -> None:
        key = (text, first)
        if key in self._pieces:
            return
        self._pieces[key] = piece
        self._characters += len(text)
        while self._characters > self.max_characters and len(self._pieces) > 1:
            (old_text, _), _ = self._pieces.popitem(last=False)
            self._characters -= len(old_text)
            self.node_texts.clear()  # it would keep the dropped pieces' nodes alive

    def __len__(self) -> int:
        return len(self._pieces)


def parse_module(source: str, tree: Optional[ast.Module], cache: Optional[StatementCache]) -> cst.Module:
    """`cst.parse_module(source)`, re-using the cache's pieces; raises what that raises."""
    if cache is None or tree is None or not tree.body or _UNUSUAL_TEXT.search(source):
        return cst.parse_module(source)
    assembled = _assemble(source, _cuts(source, tree), cache)
    return assembled if assembled is not None else cst.parse_module(source)


def _cuts(source: str, tree: ast.Module) -> list[int]:
    """The offsets where a piece ends (the last one is the text's end)."""
    starts = line_starts(source)  # (no lone carriage return: lines end where `ast` ends them)
    cuts: list[int] = []
    statements = tree.body
    for before, after in zip(statements, statements[1:]):
        end_line = before.end_lineno or before.lineno
        start_line = first_line(after)
        if start_line <= end_line or end_line >= len(starts):
            continue
        end = starts[end_line]
        if source[starts[end_line - 1] : end].rstrip("\r\n").endswith("\\"):
            continue  # (a continued line: LibCST may give the lines after it to this statement)
        gap = source[end : starts[start_line - 1]]
        if any(line[:1] in (" ", "\t") for line in gap.splitlines()):
            continue
        cuts.append(end)
    cuts.append(len(source))
    return cuts


def _assemble(source: str, cuts: list[int], cache: StatementCache) -> Optional[cst.Module]:
    pieces: list[_Piece] = []
    seen: set[tuple[str, bool]] = set()
    start = 0
    for end in cuts:
        text, first = source[start:end], start == 0
        start = end
        key = (text, first)
        piece = cache.get(text, first) if key not in seen else None
        if piece is None:
            piece = _parse_piece(text, first)
            if piece is None:
                return None
            if key not in seen:
                cache.put(text, first, piece)
                if len(piece.body) == 1 and not first:
                    cache.node_texts.remember(piece.body[0], text)
        seen.add(key)
        pieces.append(piece)
    return _module_of(pieces)


def _parse_piece(text: str, first: bool) -> Optional[_Piece]:
    try:
        module = cst.parse_module(text)
    except (cst.ParserSyntaxError, RecursionError, MemoryError, ValueError):
        return None  # the whole parse says what is wrong, in the words the faces show
    body = list(module.body)
    header = module.header
    if not body:
        return None
    if not first and header:
        body[0] = body[0].with_changes(leading_lines=[*header, *body[0].leading_lines])
        header = ()
    return _Piece(
        header, tuple(body), module.footer, module.default_indent, module.default_newline,
        module.has_trailing_newline, any(map(_holds_block, body)), "\n" in text,
    )


def _holds_block(statement: cst.CSTNode) -> bool:
    """Whether the statement indents a block (only then did its piece's parse find an indentation).
    A `match` always does: its cases are indented by the match itself, whatever their bodies."""
    if isinstance(statement, cst.Match):
        return True
    return isinstance(statement, cst.BaseCompoundStatement) and _holds_block_part(statement)


def _holds_block_part(part: cst.CSTNode) -> bool:
    for child in part.children:
        if isinstance(child, cst.IndentedBlock):
            return True
        if isinstance(child, _COMPOUND_PARTS) and _holds_block_part(child):
            return True
    return False


def _module_of(pieces: list[_Piece]) -> Optional[cst.Module]:
    indents = {piece.default_indent for piece in pieces if piece.holds_block}
    newlines = {piece.default_newline for piece in pieces if piece.holds_newline}
    if len(indents) > 1 or len(newlines) > 1:
        return None  # mixed indentation or line endings: each piece found its own
    *middle, last = pieces
    if any(piece.footer or not piece.has_trailing_newline for piece in middle):
        return None
    body = [statement for piece in pieces for statement in piece.body]
    return cst.Module(
        body=body,
        header=pieces[0].header,
        footer=last.footer,
        encoding="utf-8",
        default_indent=indents.pop() if indents else _DEFAULT_INDENT,
        default_newline=newlines.pop() if newlines else "\n",
        has_trailing_newline=last.has_trailing_newline,
    )
