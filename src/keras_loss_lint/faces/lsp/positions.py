"""Positions between the core (1-based lines, 0-based columns in characters) and LSP.

LSP counts lines from 0 and columns in code units of the negotiated position encoding: UTF-16 unless
the client offers another, so a character outside the Basic Multilingual Plane (an emoji) counts 2.
LSP lines end at "\\n", "\\r\\n" or "\\r" only, like LibCST and `keras_loss_lint.core.fixing`; form feeds and
U+2028 inside a line do not end it (str.splitlines would split there, and every later line would be
off by one). Nothing here imports pygls, so it is tested on its own.
"""

from __future__ import annotations

import bisect

from keras_loss_lint.core.diagnostics import Position
from keras_loss_lint.core.text import LINE_BREAK

UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"
ENCODINGS = (UTF8, UTF16, UTF32)


def units(text: str, encoding: str) -> int:
    """How many code units of `encoding` `text` takes."""
    if encoding == UTF32 or text.isascii():
        return len(text)
    if encoding == UTF8:
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def characters_in(line: str, code_units: int, encoding: str) -> int:
    """How many characters of `line` the first `code_units` units cover (clamped to the line).

    A unit count that ends inside a character (half a surrogate pair) rounds down to its start.
    """
    if code_units <= 0:
        return 0
    if encoding == UTF32 or line.isascii():
        return min(code_units, len(line))
    seen = 0
    for index, char in enumerate(line):
        seen += units(char, encoding)
        if seen > code_units:
            return index
    return len(line)


class TextIndex:
    """Where each line of one text starts, for converting positions and offsets both ways."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0]
        self.starts.extend(match.end() for match in LINE_BREAK.finditer(text))

    @property
    def line_count(self) -> int:
        return len(self.starts)

    def line(self, index: int) -> str:
        """The text of 0-based line `index` without its line break ("" past the end)."""
        if not 0 <= index < len(self.starts):
            return ""
        start = self.starts[index]
        end = self.starts[index + 1] if index + 1 < len(self.starts) else len(self.text)
        return self.text[start:end].rstrip("\r\n")

    # -- core positions -------------------------------------------------------------------------

    def offset(self, position: Position) -> int:
        """The string offset of a core position, clamped to the text."""
        line = position.line - 1
        if line < 0:
            return 0
        if line >= len(self.starts):
            return len(self.text)
        return self.starts[line] + min(max(position.column, 0), len(self.line(line)))

    def position(self, offset: int) -> Position:
        """The core position of a string offset."""
        offset = min(max(offset, 0), len(self.text))
        line = bisect.bisect_right(self.starts, offset) - 1
        return Position(line + 1, offset - self.starts[line])

    # -- LSP positions --------------------------------------------------------------------------

    def to_lsp(self, position: Position, encoding: str) -> tuple[int, int]:
        """(line, character) in LSP terms for a core position."""
        line = position.line - 1
        if line >= len(self.starts):
            # Past the end (e.g. a span ending after the final newline): the end of the text.
            last = len(self.starts) - 1
            return last, units(self.line(last), encoding)
        line = max(line, 0)
        text = self.line(line)
        return line, units(text[: max(position.column, 0)], encoding)

    def offset_from_lsp(self, line: int, character: int, encoding: str) -> int:
        """The string offset of an LSP position; as LSP says, a column past the line's end means
        the end of the line, and a line past the end means the end of the text."""
        if line < 0:
            return 0
        if line >= len(self.starts):
            return len(self.text)
        return self.starts[line] + characters_in(self.line(line), character, encoding)

    def position_from_lsp(self, line: int, character: int, encoding: str) -> Position:
        return self.position(self.offset_from_lsp(line, character, encoding))
