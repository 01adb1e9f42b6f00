"""The syntactic pre-check: Python's own `ast` decides which files LibCST never needs to parse.

Why it is conservative (read against analysis/calls.py and every rule):
- the analysis records a call (`CallFacts`) only where a call's function is written as an attribute
  `<expr>.<method>` with `<method>` one of `keras.api.RECORDED_METHODS`, in this module's own code
  (a call reached inside another project module's function, on a model this file supplied, is
  recorded too, but that is the index's question: core/precheck.py asks it when this check says
  no, see `ProjectIndex.calls_recording_code`); an alias
  (`c = model.compile; c(...)`), `getattr(model, "compile")(...)` or `functools.partial(model.fit, ...)`
  is not recorded, so none of them can lead to a finding;
- every rule reports from recorded calls only, and each report needs an argument of one (a `loss`,
  `metrics`, `y`, `x`, a positional argument, ...): arguments are read from the call's own argument
  list (`*args`/`**kwargs` included), so a call written with no argument at all has none;
- KLO900 judges `# noqa` comments in the files that are analysed: a file with a comment that names a
  KLO code is always analysed, as before this check existed.
A file `ast` rejects (or cannot build, e.g. nested too deeply) goes to LibCST, whose parser gives the
error report the faces show.
"""

from __future__ import annotations

import ast
import bisect
import gc
import re
import warnings
from typing import Optional

from keras_loss_lint.keras.api import RECORDED_METHODS

__all__ = ["first_line", "holds_candidate_call", "parse_or_none"]

_RECORDED = frozenset(RECORDED_METHODS)
# Any `noqa` followed on its line by a KLO code, in any spelling the noqa readers accept.
_KLO_NOQA = re.compile(r"noqa[^\n\r]*klo", re.IGNORECASE)
# The lines holding a recorded method's name as a word: a call `<expr>.<name>(...)` spans the line of
# its name, so the tree is searched only along those lines. A plain word search is linear on any text;
# a pattern that also matched the dot and the blanks and comments between it and the name was not
# (comments full of `#` made it backtrack exponentially). (An identifier spelled with compatibility
# characters, `ｃompile`, is a different name to LibCST, which compares raw text.)
_ATTRIBUTE_WORD = re.compile(r"\b(?:" + "|".join(RECORDED_METHODS) + r")\b")
_LINE_BREAK = re.compile(r"\r\n?|\n")


def holds_candidate_call(source: str, tree: Optional[ast.AST] = None) -> bool:
    """False guarantees that the analysis of `source` reports nothing on a recorded call written in
    its own text (see the module docstring for the other kind). `tree` is `ast.parse(source)`
    when the caller already has it (flake8 hands it to plugins); otherwise it is parsed here."""
    if _KLO_NOQA.search(source):
        return True
    if tree is None:
        tree = parse_or_none(source)
        if tree is None:
            return True
    lines = _lines_of_attribute_words(source)
    return bool(lines) and _holds_candidate(tree, lines)


def parse_or_none(source: str) -> Optional[ast.Module]:
    """`ast.parse(source)`, or None when Python rejects or cannot build it (LibCST then reports)."""
    # The tree holds no reference cycles: cyclic collections during the parse only walk it (a third
    # of the parse on the keras sources).
    collecting = gc.isenabled()
    gc.disable()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes and the like: not this check's business
            return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return None
    finally:
        if collecting:
            gc.enable()


def first_line(statement: ast.stmt) -> int:
    """The line a statement's text starts on: its first decorator's, for a decorated definition."""
    decorators: list[ast.expr] = getattr(statement, "decorator_list", None) or []
    return min([statement.lineno, *(decorator.lineno for decorator in decorators)])


def _lines_of_attribute_words(source: str) -> list[int]:
    """The (1-based, sorted) lines where the name of a `.compile`, `.fit`, ... attribute may be."""
    offsets = [match.start() for match in _ATTRIBUTE_WORD.finditer(source)]
    if not offsets:
        return []
    if "\r" in source:  # old Mac or mixed line ends: Python breaks lines at a lone "\r" too
        breaks = [match.end() for match in _LINE_BREAK.finditer(source)]
        return sorted({bisect.bisect_right(breaks, offset) + 1 for offset in offsets})
    lines, line, counted = [], 1, 0
    for offset in offsets:
        line += source.count("\n", counted, offset)
        counted = offset
        lines.append(line)
    return lines


def _holds_candidate(tree: ast.AST, lines: list[int]) -> bool:
    """A depth-first search that enters only the nodes spanning one of `lines` (a call spans the name
    of its attribute). A decorated definition starts at its first decorator, not where `ast` says;
    inside f-strings the positions of Python before 3.12 are not trusted: searched whole."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if _is_candidate(node):
            return True
        if isinstance(node, ast.JoinedStr):
            if any(_is_candidate(inner) for inner in ast.walk(node)):
                return True
            continue
        stack.extend(child for child in ast.iter_child_nodes(node) if _may_span(child, lines))
    return False


def _may_span(node: ast.AST, lines: list[int]) -> bool:
    start, end = getattr(node, "lineno", None), getattr(node, "end_lineno", None)
    if start is None or end is None:
        return True  # arguments, comprehensions, match cases, ...: no position of their own
    decorators = getattr(node, "decorator_list", None)
    if decorators:
        start = min([start, *(decorator.lineno for decorator in decorators)])
    index = bisect.bisect_left(lines, start)
    return index < len(lines) and lines[index] <= end


def _is_candidate(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call) or not (node.args or node.keywords):
        return False
    func = node.func
    return isinstance(func, ast.Attribute) and func.attr in _RECORDED
