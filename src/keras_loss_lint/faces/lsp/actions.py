"""Text edits behind the code actions, in core positions (the server converts them to LSP).

- `noqa_edit`: make the `# noqa` comment that flake8 and the core read for a diagnostic's line cover
  one more code, adding the comment or extending its code list.
- `minimal_edit`: one edit turning a text into another (what "fix all" sends), trimmed to the part
  that differs so that the editor keeps the cursor and folds outside it.
"""

from __future__ import annotations

import io
import re
import tokenize

from keras_loss_lint.core.diagnostics import Edit, Span
from keras_loss_lint.faces.lsp.positions import TextIndex
from keras_loss_lint.core.noqa import NOQA_INLINE, suppresses

_TRAILING_SEPARATORS = re.compile(r"[,\s]+$")


def noqa_edit(source: str, line: int, code: str, index: TextIndex | None = None) -> Edit | None:
    """The edit that silences `code` on 1-based `line`; None when it is already silenced or when no
    comment can go there."""
    index = index or TextIndex(source)
    target = _comment_line(source, line)
    text = index.line(target - 1)
    match = NOQA_INLINE.search(text)
    if match is not None:
        if suppresses(match.group(0), code):
            return None
        # A `# noqa: A1` list: append after its last code, keeping whatever follows the list.
        codes = match.group("codes")
        at = match.start("codes") + len(_TRAILING_SEPARATORS.sub("", codes))
        return _insert(index, target, at, f", {code}")
    content = text.rstrip(" \t\f")
    if content.endswith("\\"):
        return None  # a comment after a line continuation would end the statement
    start = index.position(index.starts[target - 1] + len(content))
    end = index.position(index.starts[target - 1] + len(text))
    return Edit(Span(start, end), f"  # noqa: {code}")


def minimal_edit(old: str, new: str, index: TextIndex | None = None) -> Edit | None:
    """One edit that turns `old` into `new`, covering only the part that differs."""
    if old == new:
        return None
    index = index or TextIndex(old)
    limit = min(len(old), len(new))
    prefix = 0
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    start, old_end = prefix, len(old) - suffix
    # A position between "\r" and "\n" does not exist in LSP: widen the edit over the pair.
    if 0 < start < len(old) and old[start - 1] == "\r" and old[start] == "\n":
        start -= 1
    if 0 < old_end < len(old) and old[old_end - 1] == "\r" and old[old_end] == "\n":
        old_end += 1
    new_end = len(new) - (len(old) - old_end)
    span = Span(index.position(start), index.position(old_end))
    return Edit(span, new[start:new_end])


def _comment_line(source: str, line: int) -> int:
    """The line whose comment counts for `line`: the last line of a token (a triple-quoted string,
    a backslash continuation) that spans `line`, since the core reads `# noqa` from all of its lines
    and a comment can only follow the token."""
    try:
        tokens = tokenize.generate_tokens(io.StringIO(source).readline)
        # The first and last line of the tokens since the last line break (both set, or neither).
        first: int | None = None
        last: int | None = None
        for token in tokens:
            if token.type in (tokenize.NL, tokenize.NEWLINE, tokenize.ENDMARKER):
                if first is not None and last is not None and first <= line <= max(last, token.start[0]):
                    return max(last, token.start[0])
                first = last = None
                if token.start[0] > line:
                    break
                continue
            if token.type in (tokenize.INDENT, tokenize.DEDENT, tokenize.COMMENT):
                continue
            first = token.start[0] if first is None else first
            last = token.end[0] if last is None else max(last, token.end[0])
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass
    return line


def _insert(index: TextIndex, line: int, column: int, content: str) -> Edit:
    at = index.position(index.starts[line - 1] + column)
    return Edit(Span(at, at), content)
