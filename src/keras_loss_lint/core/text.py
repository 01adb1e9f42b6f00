"""Text helpers every layer shares: lines as Python counts them, and "did you mean" suggestions.

Like `core.diagnostics`, this module imports nothing of the package, so any layer may use it.
"""

from __future__ import annotations

import difflib
import re
from typing import Iterable

# Python, flake8 and LibCST end a line at \r\n, \r or \n (not at the other characters that
# str.splitlines() also breaks on).
LINE_BREAK = re.compile(r"\r\n|\r|\n")


# C0 controls but tab, DEL and the C1 controls: shown as the Unicode "control pictures" (one column
# each, so markers under a code frame stay aligned) rather than sent to a terminal, where an escape
# sequence in a source line or a newline in a file name could forge output.
_CONTROL = {code: chr(0x2400 + code) for code in range(0x20) if code != 0x09}
_CONTROL[0x7F] = "\u2421"
_CONTROL.update({code: "\ufffd" for code in range(0x80, 0xA0)})


def printable(text: str) -> str:
    """`text` with control characters replaced by visible stand-ins of the same width."""
    return text.translate(_CONTROL) if not text.isprintable() else text


def line_starts(text: str) -> list[int]:
    """The offset at which each line of `text` starts (index 0 is line 1)."""
    return [0, *(match.end() for match in LINE_BREAK.finditer(text))]


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The one choice close enough to `word` to suggest it, or None."""
    matches = difflib.get_close_matches(word, list(dict.fromkeys(choices)), n=1, cutoff=0.6)
    return matches[0] if matches else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """` (did you mean 'KLO201'?)`, or "" when nothing is close."""
    match = closest(word, choices)
    return f" (did you mean {match!r}?)" if match is not None else ""
