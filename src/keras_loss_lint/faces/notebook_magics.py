"""IPython syntax in notebook cells, replaced line by line by Python with the same number of lines.

A cell magic keeps the whole cell out; line magics, shell escapes, help and automagic lines become
`pass` at the same indentation. Only lines that start a statement are looked at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# IPython's built-in line magics, which its automagic lets users type without the `%`. A line that
# starts with one of these names and is not valid Python on its own is a magic call.
AUTOMAGICS = frozenset("""
    alias alias_magic autoawait autocall automagic bookmark cd code_wrap colors conda config debug
    dhist dirs doctest_mode edit env gui history killbgscripts load load_ext loadpy logoff logon
    logstart logstate logstop lsmagic macro magic mamba matplotlib micromamba notebook page pastebin
    pdb pdef pdoc pfile pinfo pinfo2 pip popd pprint precision prun psearch psource pushd pwd pycat
    pylab quickref recall rehashx reload_ext rerun reset reset_selective run save sc set_env sx system
    tb time timeit unalias unload_ext who who_ls whos xdel xmode
    """.split())
# `files = !ls`, `a, b = %sx cmd`, `self.x = !pwd`: IPython's assignment forms of escapes.
ESCAPE_ASSIGNMENT = re.compile(r"^[A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*\s*=\s*[!%]")
NEWLINES = re.compile(r"\r\n?")
PASS = "pass"


def transform_cell(source: str) -> str | None:
    """The cell as Python with the same number of lines, or None for a cell magic (skip the cell)."""
    lines = source.split("\n")
    first = next((line for line in lines if line.strip()), "")
    if first.startswith("%%"):
        return None
    state = _ScanState()
    continuation: str | None = None  # indentation of a magic continued with a trailing backslash
    out: list[str] = []
    for line in lines:
        if continuation is not None:
            out.append(continuation + PASS)
            if not line.rstrip().endswith("\\"):
                continuation = None
            continue
        if state.at_statement_start and _is_ipython_line(line):
            indent = line[: len(line) - len(line.lstrip())]
            out.append(indent + PASS)
            if line.rstrip().endswith("\\"):
                continuation = indent
            continue
        out.append(line)
        state.feed(line)
    return "\n".join(out)


def _is_ipython_line(line: str) -> bool:
    stripped = line.strip()
    if not stripped or stripped.startswith("#"):
        return False
    if stripped[0] in "%!?":
        return True
    if ESCAPE_ASSIGNMENT.match(stripped):
        return True
    if "?" in _code_part(line):
        return True  # `obj?`, `obj??`: `?` is never Python outside strings and comments
    return _is_automagic(stripped)


def _is_automagic(stripped: str) -> bool:
    word, _, rest = stripped.partition(" ")
    if word not in AUTOMAGICS or not rest.strip():
        return False
    state = _ScanState()
    state.feed(stripped)
    if not state.at_statement_start or stripped.endswith(":"):
        return False  # an open bracket or block: the start of a longer Python statement
    try:
        compile(stripped, "<cell>", "exec")
    except SyntaxError:
        return True
    except (ValueError, MemoryError, RecursionError):
        return False
    return False


def _code_part(line: str) -> str:
    """The characters of `line` outside strings and comments (assuming it starts a statement)."""
    state = _ScanState()
    return state.feed(line)


@dataclass
class _ScanState:
    """Just enough of Python's tokenizer to know whether the next line starts a statement."""

    quote: str = ""  # the open string's delimiter: ', ", ''' or """
    depth: int = 0  # open brackets
    backslash: bool = False  # the last line ended with a line continuation

    @property
    def at_statement_start(self) -> bool:
        return not self.quote and self.depth == 0 and not self.backslash

    def feed(self, line: str) -> str:
        """Advance over one line; return its characters outside strings and comments."""
        code: list[str] = []
        index = 0
        self.backslash = False
        while index < len(line):
            if self.quote:
                index = self._skip_string(line, index)
                continue
            char = line[index]
            if char == "#":
                break
            if char in "'\"":
                triple = line[index : index + 3]
                self.quote = triple if triple in ("'''", '"""') else char
                index += len(self.quote)
                continue
            if char in "([{":
                self.depth += 1
            elif char in ")]}":
                self.depth = max(0, self.depth - 1)
            elif char == "\\" and index == len(line) - 1:
                self.backslash = True
            code.append(char)
            index += 1
        if len(self.quote) == 1 and not line.endswith("\\"):
            self.quote = ""  # an unterminated one-line string ends with its line
        return "".join(code)

    def _skip_string(self, line: str, index: int) -> int:
        while index < len(line):
            if line[index] == "\\":
                index += 2
                continue
            if line.startswith(self.quote, index):
                index += len(self.quote)
                self.quote = ""
                return index
            index += 1
        return index
