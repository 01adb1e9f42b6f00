"""IPython syntax in notebook cells, replaced line by line by Python with the same number of lines.

A cell whose lines all share a leading indent loses it first, as IPython strips it before running the
cell. A cell magic keeps the whole cell out; line magics, shell escapes, help and automagic lines
become `pass` at the same indentation. Only lines that start a statement are looked at.

`script_magics` does the same for a `.py` file exported from a notebook (Colab's "Download .py"
keeps `!pip install ...` and `%matplotlib inline` lines as they were typed): there only the explicit
escapes (`!`, `%`, `x = !cmd`) are masked, line by line, and nothing is dedented.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

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
    """The cell as Python with the same number of lines, or None for a cell magic (skip the cell).

    The cell's common indent (`cell_indent`) is removed first, so columns of the result are those of
    the cell's text minus that indent on every line `indented_lines` names."""
    lines = dedented(source, cell_indent(source)).split("\n")
    first = next((line for line in lines if line.strip()), "")
    if first.startswith("%%"):
        return None
    return "\n".join(_masked_lines(lines, _is_ipython_line))


def cell_indent(source: str) -> str:
    """The indent IPython strips from the cell before running it: "" unless every line that is not
    blank starts with the first such line's leading whitespace.

    IPython 9 (`inputtransformer2.leading_indent`) removes the lines' common leading whitespace, blank
    lines not counted (`textwrap.dedent`); IPython 7 and 8 removed the first line's indent from each
    line that starts with it. When every non-blank line shares the first one's indent, both give the
    same code, and that is the only case read as indented: in any other the cell stays as written (a
    cell IPython 9 cannot run either, or one that only an older IPython runs). IPython before 9.0.2
    also left a cell alone whose first line is an indented comment; such a cell is read as IPython 9
    reads it."""
    lines = [line for line in source.split("\n") if line.strip()]
    if not lines:
        return ""
    indent = lines[0][: len(lines[0]) - len(lines[0].lstrip())]
    if not indent or not all(line.startswith(indent) for line in lines):
        return ""
    return indent


def indented_lines(source: str, indent: str) -> tuple[bool, ...]:
    """For each line of `source`: whether `dedented` removes `indent` from it (blank lines keep
    theirs, so the way back is exact)."""
    return tuple(bool(indent) and bool(line.strip()) and line.startswith(indent) for line in source.split("\n"))


def dedented(source: str, indent: str) -> str:
    """`source` without `indent` at the start of each line that is not blank."""
    if not indent:
        return source
    cut = len(indent)
    lines = source.split("\n")
    return "\n".join(line[cut:] if stripped else line for line, stripped in zip(lines, indented_lines(source, indent)))


def reindented(text: str, indent: str) -> str:
    """The way back from `dedented`: `indent` before each line of `text` that is not blank (a line a
    fix added is indented like its neighbours)."""
    if not indent:
        return text
    return "\n".join(indent + line if line.strip() else line for line in text.split("\n"))


def script_magics(text: str) -> tuple[str, tuple[int, ...]] | None:
    """A `.py` text with its IPython escape lines as `pass` and the 1-based numbers of those lines;
    None when it has none. The caller uses it only for a file that is not valid Python as written."""
    lines = text.split("\n")
    masked = _masked_lines(lines, _is_escape_line)
    numbers = tuple(number for number, (old, new) in enumerate(zip(lines, masked), 1) if old != new)
    if not numbers:
        return None
    return "\n".join(masked), numbers


def _masked_lines(lines: list[str], is_ipython: Callable[[str], bool]) -> list[str]:
    state = _ScanState()
    continuation: str | None = None  # indentation of a magic continued with a trailing backslash
    out: list[str] = []
    for line in lines:
        if continuation is not None:
            out.append(continuation + PASS)
            if not line.rstrip().endswith("\\"):
                continuation = None
            continue
        if state.at_statement_start and is_ipython(line):
            indent = line[: len(line) - len(line.lstrip())]
            out.append(indent + PASS)
            if line.rstrip().endswith("\\"):
                continuation = indent
            continue
        out.append(line)
        state.feed(line)
    return out


def _is_escape_line(line: str) -> bool:
    stripped = line.strip()
    return stripped[:1] in ("!", "%") or ESCAPE_ASSIGNMENT.match(stripped) is not None


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
