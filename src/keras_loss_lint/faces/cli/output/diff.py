"""`--diff`: a unified diff of what `--fix` would change, file by file, as ruff prints it.

    --- model.py
    +++ model.py
    @@ -9,8 +9,8 @@
    ...

A notebook gets one diff per changed cell, labelled `nb.ipynb:cell 3` (a diff of the notebook's JSON
would be unreadable). Each file's diff is followed by a blank line. Line breaks are kept as they are
in the file, and a last line without one is marked `\\ No newline at end of file`, as diff does.
"""

from __future__ import annotations

import difflib
import re
from typing import Iterable, Sequence

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
NO_NEWLINE = "\\ No newline at end of file\n"


def file_diff(old: str, new: str, label: str) -> str:
    """The unified diff of one file (empty when the texts are equal)."""
    return _diff(old, new, label) + "\n" if old != new else ""


def notebook_diff(old_cells: Sequence[str], new_cells: Sequence[str], label: str) -> str:
    """One diff per changed cell; `old_cells[i]` is the source of cell i + 1 (all cells, in order)."""
    parts = [
        _diff(old, new, f"{label}:cell {number}")
        for number, (old, new) in enumerate(zip(old_cells, new_cells), 1)
        if old != new
    ]
    return "".join(parts) + "\n" if parts else ""


def _diff(old: str, new: str, label: str) -> str:
    lines = difflib.unified_diff(_lines(old), _lines(new), fromfile=label, tofile=label)
    return "".join(_terminated(lines))


def _lines(text: str) -> list[str]:
    # Not str.splitlines: it also breaks at form feeds and Unicode separators, which are not lines.
    return _LINE.findall(text)


def _terminated(lines: Iterable[str]) -> Iterable[str]:
    for line in lines:
        if line.endswith(("\n", "\r")):
            yield line
        else:
            yield line + "\n"
            yield NO_NEWLINE
