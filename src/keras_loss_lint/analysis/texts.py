"""The text of a node, for the analysis's word searches (`yield`, `break`, a recorded method's name).

Regenerating a function's text with LibCST was most of what the facts cost on a module of many
functions (0.9 of 5.1 s linting the keras source in process). The module's own source says the same
words: Python's `ast`, which every face has parsed already for the pre-check, gives each compound
statement's lines, so the text of a `def`, a loop or a block is a slice of the source. `SourceLines`
pairs LibCST's compound statements with `ast`'s, body by body (both list them in source order), and
any node it could not pair is generated as before. A slice holds the node's code but not the comment
lines above it, which LibCST counts as the node's: a word in such a comment was never code.

An editor's next version of a text shares the nodes of every statement it did not change
(core/reparse.py): texts remembered in a `NodeTexts` are not generated again. A text is only ever
searched for words, so one generated with another module's default indentation serves as well.
"""

from __future__ import annotations

import ast
import re
from typing import Optional, Sequence, Union

import libcst as cst

__all__ = ["ModuleTexts", "NodeTexts", "SourceLines", "text_of"]

# Past this many remembered texts the memo starts again: the nodes it holds are kept alive by it.
MAX_REMEMBERED = 50_000

Lines = tuple[int, int]  # first and last line, 1-based, both included
_AstBody = Sequence[ast.stmt]
_Compound = Union[
    cst.FunctionDef, cst.ClassDef, cst.If, cst.For, cst.While, cst.With, cst.Try, cst.TryStar, cst.Match
]
# Which `ast` statements stand for each LibCST compound statement.
_KINDS: dict[type, tuple[type, ...]] = {
    cst.FunctionDef: (ast.FunctionDef, ast.AsyncFunctionDef),
    cst.ClassDef: (ast.ClassDef,),
    cst.If: (ast.If,),
    cst.For: (ast.For, ast.AsyncFor),
    cst.While: (ast.While,),
    cst.With: (ast.With, ast.AsyncWith),
    cst.Try: (ast.Try,),
    cst.TryStar: (getattr(ast, "TryStar", ast.Try),),
    cst.Match: (ast.Match,),
}
_AST_COMPOUND = tuple({kind for kinds in _KINDS.values() for kind in kinds})


class NodeTexts:
    def __init__(self) -> None:
        self._texts: dict[cst.CSTNode, str] = {}

    def remember(self, node: cst.CSTNode, text: str) -> None:
        if len(self._texts) >= MAX_REMEMBERED:
            self._texts.clear()
        self._texts[node] = text

    def get(self, node: cst.CSTNode) -> Optional[str]:
        return self._texts.get(node)

    def clear(self) -> None:
        self._texts.clear()

    def __len__(self) -> int:
        return len(self._texts)


def text_of(module: cst.Module, node: cst.CSTNode, texts: Optional[NodeTexts]) -> str:
    if texts is None:
        return module.code_for_node(node)
    known = texts.get(node)
    if known is None:
        known = module.code_for_node(node)
        texts.remember(node, known)
    return known


class ModuleTexts:
    """The texts of one module's nodes: source slices where `SourceLines` knows the lines, else
    generated (and remembered in `memo`)."""

    def __init__(
        self, module: cst.Module, source: str, memo: Optional[NodeTexts], tree: Optional[ast.Module]
    ) -> None:
        self._module, self._source, self._memo, self._tree = module, source, memo, tree
        self._lines: Optional[SourceLines] = None  # made when a node's text is first needed

    def text_of(self, node: cst.CSTNode) -> str:
        if self._lines is None:
            self._lines = SourceLines(self._module, self._source, self._tree)
        text = self._lines.text_of(node)
        return text if text is not None else text_of(self._module, node, self._memo)


class SourceLines:
    """Where the compound statements of one module (and their indented bodies) are in its source."""

    def __init__(self, module: cst.Module, source: str, tree: Optional[ast.Module] = None) -> None:
        """`tree` is `ast.parse(source)` where the caller has it; otherwise it is parsed here."""
        self._lines = source.split("\n")
        self._spans: dict[cst.CSTNode, Lines] = {}
        tree = tree if tree is not None else _parsed(source)
        # `ast` ends lines at a lone carriage return too, and `str.split` would not: no slices then.
        if tree is not None and source.count("\r") == source.count("\r\n"):
            if not self._pair_bodies(module.body, tree.body):
                self._spans.clear()

    def text_of(self, node: cst.CSTNode) -> Optional[str]:
        """The source lines of `node`, or None where its place is not known."""
        span = self._spans.get(node)
        if span is None:
            return None
        return "\n".join(self._lines[span[0] - 1 : span[1]])

    def _pair_bodies(self, statements: Sequence[cst.BaseStatement], body: _AstBody) -> bool:
        """Pair the compound statements of one body; False when the two trees disagree (the `ast`
        tree is then not this module's, and no slice may be trusted)."""
        ours = [s for s in statements if not isinstance(s, cst.SimpleStatementLine)]
        theirs = [s for s in body if isinstance(s, _AST_COMPOUND)]
        if len(ours) != len(theirs):
            return False
        return all(self._pair(node, other) for node, other in zip(ours, theirs))

    def _pair(self, node: cst.BaseStatement, other: ast.stmt) -> bool:
        if not isinstance(other, _KINDS.get(type(node), ())) or other.end_lineno is None:
            return False
        first = _first_line(other)
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)) and not self._named(node.name.value, other):
            return False
        self._spans[node] = (first, other.end_lineno)
        return self._pair_parts(node, other)  # type: ignore[arg-type]

    def _pair_parts(self, node: _Compound, other: ast.stmt) -> bool:
        if isinstance(node, cst.Match):
            cases = getattr(other, "cases", [])
            return len(node.cases) == len(cases) and all(
                self._pair_block(case.body, part.body) for case, part in zip(node.cases, cases)
            )
        if not self._pair_block(node.body, getattr(other, "body", [])):
            return False
        if isinstance(node, (cst.Try, cst.TryStar)):
            handlers = getattr(other, "handlers", [])
            ours: Sequence[Union[cst.ExceptHandler, cst.ExceptStarHandler]] = node.handlers
            if len(ours) != len(handlers) or not all(
                self._pair_block(handler.body, part.body) for handler, part in zip(ours, handlers)
            ):
                return False
            finally_body = getattr(other, "finalbody", [])
            if (node.finalbody is None) != (not finally_body):
                return False
            if node.finalbody is not None and not self._pair_block(node.finalbody.body, finally_body):
                return False
        return self._pair_orelse(getattr(node, "orelse", None), getattr(other, "orelse", []))

    def _pair_orelse(self, orelse: Optional[cst.CSTNode], body: _AstBody) -> bool:
        if orelse is None:
            return not body
        if isinstance(orelse, cst.If):  # `elif`: ast nests it as the one statement of `orelse`
            return len(body) == 1 and self._pair(orelse, body[0])
        return isinstance(orelse, cst.Else) and self._pair_block(orelse.body, body)

    def _pair_block(self, block: cst.BaseSuite, body: _AstBody) -> bool:
        if not body:
            return False
        if not isinstance(block, cst.IndentedBlock):  # `if x: y()`: small statements only
            return not any(isinstance(s, _AST_COMPOUND) for s in body)
        start, end = _first_line(body[0]), body[-1].end_lineno
        # The block's own lines, unless its first statement shares a line with the header.
        if end is not None and not self._line(body[0].lineno).encode()[: body[0].col_offset].strip():
            self._spans[block] = (start, end)
        return self._pair_bodies(block.body, body)

    def _named(self, name: str, other: ast.stmt) -> bool:
        """The `ast` statement has the name, on a line of this source that says it."""
        return getattr(other, "name", None) == name and re.search(rf"\b{name}\b", self._line(other.lineno)) is not None

    def _line(self, number: int) -> str:
        return self._lines[number - 1] if 0 < number <= len(self._lines) else ""


def _first_line(statement: ast.stmt) -> int:
    """Where a statement starts, its decorators included (as core.ast_precheck.first_line, which the
    analysis may not import: the core sits above it)."""
    return min([statement.lineno] + [d.lineno for d in getattr(statement, "decorator_list", [])])


def _parsed(source: str) -> Optional[ast.Module]:
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
