"""KLO900: `# noqa` comments naming KLO codes that silence nothing on their line (ruff's RUF100).

Only codes of this linter are judged (a `# noqa: E501` is another tool's business), only in real
comments (not in strings), and only in files the linter analyses.
"""

from __future__ import annotations

import io
import re
import tokenize
from typing import Iterable, Iterator

from keras_loss_lint.core.diagnostics import Applicability, Diagnostic, Edit, Fix, Position, Span
from keras_loss_lint.core.noqa import CODE_SEPARATOR, NOQA_INLINE, NoqaIndex, split_lines
from keras_loss_lint.rules.klo900_unused_noqa import CODE

__all__ = ["CODE", "unused_noqa"]
OWN_PREFIX = "KLO"


def unused_noqa(source: str, index: NoqaIndex, suppressed: Iterable[Diagnostic]) -> list[Diagnostic]:
    """One KLO900 per comment that lists KLO codes suppressing nothing, with a safe fix removing them."""
    silenced = list(suppressed)
    source_lines = split_lines(source)
    found = []
    for line, column, comment in _comments(source):
        match = NOQA_INLINE.search(comment)
        if match is None or match.group("codes") is None:
            continue
        listed = [code for code in CODE_SEPARATOR.split(match.group("codes")) if code]
        lines = index.lines_reading(line)
        unused = [
            code for code in listed
            if code.upper().startswith(OWN_PREFIX) and not _silences(code.upper(), lines, silenced)
        ]
        if unused:
            indent = _spaces_before(source_lines[line - 1], column)
            found.append(_diagnostic(line, column, comment, match, listed, unused, indent))
    return found


def _silences(code: str, lines: range, silenced: list[Diagnostic]) -> bool:
    return any(d.line in lines and d.code.startswith(code) for d in silenced)


def _comments(source: str) -> Iterator[tuple[int, int, str]]:
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT and "noqa" in token.string.lower():
                yield token.start[0], token.start[1], token.string
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return


def _spaces_before(text: str, column: int) -> int:
    return column - len(text[:column].rstrip(" \t"))


def _diagnostic(
    line: int, column: int, comment: str, match: re.Match[str], listed: list[str], unused: list[str], spaces: int
) -> Diagnostic:
    start, end = column + match.start(), column + match.end()
    names = ", ".join(f"`{code}`" for code in unused)
    message = f"unused `noqa` directive (unused: {names})"
    span = Span(Position(line, start), Position(line, end))
    return Diagnostic(CODE, message, span, _fix(line, column, comment, match, listed, unused, spaces))


def _fix(
    line: int, column: int, comment: str, match: re.Match[str], listed: list[str], unused: list[str], spaces: int
) -> Fix:
    kept = [code for code in listed if code not in unused]
    if kept:
        codes = match.group("codes")
        trailing = codes[len(codes.rstrip(", \t")):].replace(",", "")  # spaces before a following comment
        replacement = comment[match.start():match.start("codes")] + ", ".join(kept) + trailing
        edit = Edit(Span(Position(line, column + match.start()), Position(line, column + match.end())), replacement)
        return Fix(f"Remove unused {', '.join(unused)} from the `noqa` directive", Applicability.SAFE, (edit,))
    rest = comment[match.end():]
    if comment[:match.start()].strip() == "" and rest.strip(" ,") == "":
        # The comment is only this directive: remove it, with the spaces before it, to the line's end.
        whole = Edit(Span(Position(line, column - spaces), Position(line, column + len(comment))), "")
        return Fix("Remove unused `noqa` directive", Applicability.SAFE, (whole,))
    edit = Edit(Span(Position(line, column + match.start()), Position(line, column + match.end())), "")
    return Fix("Remove unused `noqa` directive", Applicability.SAFE, (edit,))
