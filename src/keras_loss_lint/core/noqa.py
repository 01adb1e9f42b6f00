"""`# noqa` comments, read exactly as flake8 reads them.

flake8 searches a diagnostic's physical line for `# noqa`; when the line belongs to a token that spans
several lines (a multi-line string), it searches all of that token's lines. A bare `# noqa` silences
every code; `# noqa: A1,B2` silences codes that start with a listed code.

File-level directives follow ruff, on a comment line of their own: `# ruff: noqa`, `# flake8: noqa` and
`# keras-loss-lint: noqa` silence the whole file; `# ruff: noqa: KLO201` (and the other two spellings
with codes) silence those codes in the whole file. (flake8 itself skips the whole file on any line
starting `# flake8: noqa`, codes or not.)
"""

from __future__ import annotations

import io
import re
import tokenize
from functools import lru_cache

from keras_loss_lint.core.text import LINE_BREAK

# The pattern of flake8/defaults.py (NOQA_INLINE_REGEXP), kept identical so both front ends agree.
NOQA_INLINE = re.compile(
    r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?",
    re.IGNORECASE,
)
NOQA_FILE = re.compile(
    r"\s*#\s*(?P<tool>flake8|ruff|keras-loss-lint)\s*[:=]\s*noqa"
    r"(?:\s*:\s*(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?\s*(?:#|$)",
    re.IGNORECASE,
)
CODE_SEPARATOR = re.compile(r"[,\s]")
_LINE_END = re.compile(f"({LINE_BREAK.pattern})")  # a group: re.split keeps the endings


@lru_cache(maxsize=4096)
def parse_noqa(text: str) -> frozenset[str] | None:
    """None when `text` has no noqa; an empty set for a bare noqa; else the listed codes."""
    if "#" not in text:
        return None
    match = NOQA_INLINE.search(text)
    if match is None:
        return None
    codes = match.group("codes")
    if codes is None:
        return frozenset()
    return frozenset(code.strip() for code in CODE_SEPARATOR.split(codes) if code.strip())


def suppresses(noqa_text: str, code: str) -> bool:
    codes = parse_noqa(noqa_text)
    if codes is None:
        return False
    return not codes or code in codes or code.startswith(tuple(codes))


class FileExemption:
    """What the file-level directives of one file silence: everything, or codes by prefix."""

    __slots__ = ("everything", "codes")

    def __init__(self, everything: bool = False, codes: frozenset[str] = frozenset()) -> None:
        self.everything = everything
        self.codes = codes

    def exempts(self, code: str) -> bool:
        return self.everything or code.startswith(tuple(self.codes))

    def __bool__(self) -> bool:
        return self.everything or bool(self.codes)


def file_exemption(lines: list[str], *, flake8_applies_its_own: bool = False) -> FileExemption:
    """The file-level directives in `lines`. Under flake8, which applies `# flake8: noqa` itself,
    only the ruff and keras-loss-lint spellings are read."""
    everything, codes = False, set[str]()
    for line in lines:
        if "noqa" not in line.lower():
            continue
        match = NOQA_FILE.match(line)
        if match is None or (flake8_applies_its_own and match.group("tool").lower() == "flake8"):
            continue
        listed = match.group("codes")
        if listed is None:
            everything = True
        else:
            codes.update(code.upper() for code in CODE_SEPARATOR.split(listed) if code)
    return FileExemption(everything, frozenset(codes))


def file_is_exempt(lines: list[str]) -> bool:
    """A file-level directive without codes silences the whole file."""
    return file_exemption(lines).everything


class NoqaIndex:
    """Maps a line number to the text flake8 would search for `# noqa` (built only when needed)."""

    def __init__(self, source: str) -> None:
        # Python's line breaks, not str.splitlines(), which also breaks at form feeds and U+2028.
        self._lines = split_lines(source)
        self._ranges: dict[int, tuple[int, int]] | None = None

    def text_for(self, line: int) -> str:
        if self._ranges is None:
            self._ranges = _multiline_token_ranges(self._lines)
        first, last = self._ranges.get(line, (line, line))
        return "".join(self._lines[first - 1:last])

    def suppresses(self, line: int, code: str) -> bool:
        return suppresses(self.text_for(line), code)

    def lines_reading(self, line: int) -> range:
        """The lines whose `# noqa` text includes `line` (all lines of a multi-line token)."""
        if self._ranges is None:
            self._ranges = _multiline_token_ranges(self._lines)
        first, last = self._ranges.get(line, (line, line))
        return range(first, last + 1)


def split_lines(source: str) -> list[str]:
    """The lines of `source` as Python, flake8 and LibCST count them (ends kept)."""
    lines = _LINE_END.split(source)
    # re.split with a group alternates text and separators: glue each line to its separator.
    joined = [text + ending for text, ending in zip(lines[::2], lines[1::2] + [""])]
    return joined if joined[-1] else joined[:-1]


def _multiline_token_ranges(lines: list[str]) -> dict[int, tuple[int, int]]:
    ranges: dict[int, tuple[int, int]] = {}
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO("".join(lines)).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return ranges
    first, last = len(lines) + 2, -1
    for token in tokens:
        if token.type in (tokenize.ENDMARKER, tokenize.DEDENT):
            continue
        first, last = min(first, token.start[0]), max(last, token.end[0])
        if token.type in (tokenize.NL, tokenize.NEWLINE):
            for line in range(first, last + 1):
                ranges[line] = (first, last)
            first, last = len(lines) + 2, -1
    return ranges
