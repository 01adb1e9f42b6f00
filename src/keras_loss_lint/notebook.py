"""Jupyter notebooks as one Python module, and the way back from module positions to cells.

A kernel runs code cells one after another in one namespace, so the linter sees a notebook as its code
cells joined in cell order, like ruff: each cell's text, a newline between cells and one at the end.
Cells are numbered like ruff numbers them: "cell N" is the 1-based position among *all* cells,
markdown and raw cells included, so the number matches what an editor shows when it counts cells.

IPython syntax that is not Python is replaced line by line without changing the number of lines, so
every position in the module maps back to a line of a cell:

- a cell magic (`%%time`, `%%bash` on the first non-blank line) keeps the whole cell out of the module;
- line magics (`%pip ...`), shell escapes (`!ls`), help (`?obj`, `obj?`, `obj??`), assignments from them
  (`files = !ls`, `t = %time f()`) and automagic lines (`pip install keras`) become `pass` at the same
  indentation, so an escape inside a block leaves the block valid; a magic continued with `\\` turns
  its continuation lines into `pass` too.

Only lines that start a statement are looked at (not lines inside a triple-quoted string or inside
brackets), so a docstring that says "why?" is left alone.

The LSP server and `--fix` reuse this module: `Notebook.source` is the module text, `to_cell` and
`to_module` translate positions both ways, and `with_cell_sources` writes new cell text back into the
original JSON, keeping its key order, indentation, trailing newline and outputs (the CLI's writer keeps
the file's encoding and line breaks; see keras_loss_lint.writing).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping, Sequence

if TYPE_CHECKING:
    from keras_loss_lint.diagnostics import Position

__all__ = [
    "CodeCell",
    "Notebook",
    "NotebookError",
    "parse_notebook",
    "transform_cell",
]

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


class NotebookError(ValueError):
    """The text is not a notebook this linter can read (the message says why, in one line)."""


@dataclass(frozen=True)
class CodeCell:
    """One code cell that is part of the module."""

    index: int  # 0-based position among all cells of the notebook
    source: str  # the cell's text as stored (newlines normalised to "\n")
    code: str  # the Python the linter sees: `source` with IPython syntax replaced, same lines
    first_line: int  # 1-based module line of the cell's first line

    @property
    def number(self) -> int:
        """1-based position among all cells: what `cell N` in messages means."""
        return self.index + 1

    @property
    def line_count(self) -> int:
        return self.code.count("\n") + 1

    @property
    def last_line(self) -> int:
        return self.first_line + self.line_count - 1


@dataclass(frozen=True)
class Notebook:
    """A parsed notebook: the module the linter sees and the map back to cells."""

    text: str  # the original JSON text, untouched
    cells: tuple[CodeCell, ...]  # code cells in the module, in order
    cell_count: int  # all cells, of every type
    raw_cell_sources: tuple[str, ...]  # every cell's original code ("" for non-code cells)
    language: str | None = None
    _line_to_cell: tuple[int, ...] = field(default=(), repr=False, compare=False)

    @property
    def source(self) -> str:
        """The module text: every code cell joined with "\\n", plus a final "\\n" (like ruff)."""
        return self.module_source()

    @property
    def is_python(self) -> bool:
        return self.language is None or self.language.lower() in ("python", "python3", "ipython")

    def module_source(self, blank_cells: Sequence[int] = ()) -> str:
        """The module text with the cells numbered in `blank_cells` replaced by empty lines."""
        blank = set(blank_cells)
        parts = ["\n" * (cell.line_count - 1) if cell.number in blank else cell.code for cell in self.cells]
        return "\n".join(parts) + "\n" if parts else ""

    def cell(self, number: int) -> CodeCell | None:
        """The code cell with 1-based number `number`, if it is part of the module."""
        for cell in self.cells:
            if cell.number == number:
                return cell
        return None

    def cell_at(self, line: int) -> CodeCell | None:
        """The code cell holding 1-based module line `line` (None past the end)."""
        if 1 <= line <= len(self._line_to_cell):
            return self.cells[self._line_to_cell[line - 1]]
        return None

    def to_cell(self, position: Position) -> tuple[int, Position] | None:
        """(cell number, position in that cell) for a module position; lines stay 1-based."""
        from keras_loss_lint.diagnostics import Position

        cell = self.cell_at(position.line)
        if cell is None:
            # The final "\n" the join adds makes one more line; it belongs to the last cell's end.
            if self.cells and position.line == len(self._line_to_cell) + 1:
                last = self.cells[-1]
                return last.number, Position(last.line_count, 0)
            return None
        return cell.number, Position(position.line - cell.first_line + 1, position.column)

    def to_module(self, cell_number: int, position: Position) -> Position | None:
        """The module position of `position` (1-based line) in the cell numbered `cell_number`."""
        from keras_loss_lint.diagnostics import Position

        cell = self.cell(cell_number)
        if cell is None or not 1 <= position.line <= cell.line_count:
            return None
        return Position(cell.first_line + position.line - 1, position.column)

    def with_cell_sources(self, sources: Mapping[int, str]) -> str:
        """The notebook JSON with new text for the cells numbered in `sources`.

        Everything else is kept: key order, outputs, metadata, the indentation the file used and
        whether it ended with a newline. A cell stored as a list of lines stays a list of lines.
        """
        data = json.loads(self.text)
        for number, new_source in sources.items():
            cell = data["cells"][number - 1]
            if isinstance(cell.get("source"), list):
                cell["source"] = _source_lines(new_source)
            else:
                cell["source"] = new_source
        # Jupyter writes non-ASCII characters as they are; a file that escapes them (`\u00e9`) keeps doing so.
        escaped = self.text.isascii() and "\\u" in self.text
        rendered = json.dumps(data, indent=_indentation(self.text), ensure_ascii=escaped)
        return rendered + "\n" if self.text.endswith("\n") else rendered


def parse_notebook(text: str) -> Notebook:
    """Read a notebook's JSON text; raise `NotebookError` with a one-line reason if it is not one."""
    data = _load_json(text)
    cells = _cells(data)
    raw_sources = tuple(
        _cell_source(cell, position) if _is_code(cell) else "" for position, cell in enumerate(cells)
    )
    code_cells: list[CodeCell] = []
    line_to_cell: list[int] = []
    next_line = 1
    for index, cell in enumerate(cells):
        if not _is_code(cell):
            continue
        source = NEWLINES.sub("\n", raw_sources[index])
        code = transform_cell(source)
        if code is None:
            continue  # a cell magic: the whole cell is not Python
        code_cell = CodeCell(index, source, code, next_line)
        line_to_cell.extend([len(code_cells)] * code_cell.line_count)
        code_cells.append(code_cell)
        next_line += code_cell.line_count
    return Notebook(text, tuple(code_cells), len(cells), raw_sources, _language(data), tuple(line_to_cell))


def _load_json(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise NotebookError(
            f"not a valid notebook: invalid JSON at line {error.lineno} column {error.colno}: {error.msg}"
        ) from None
    except RecursionError:
        raise NotebookError("not a valid notebook: JSON nested too deeply") from None
    if not isinstance(data, dict):
        raise NotebookError("not a valid notebook: the JSON is not an object")
    return data


def _cells(data: dict[str, Any]) -> list[dict[str, Any]]:
    nbformat = data.get("nbformat")
    if "worksheets" in data or (isinstance(nbformat, int) and nbformat < 4):
        raise NotebookError(
            f"unsupported notebook format {nbformat} (expected 4; convert it with `jupyter nbconvert --to notebook`)"
        )
    cells = data.get("cells")
    if not isinstance(cells, list):
        raise NotebookError("not a valid notebook: no 'cells' list")
    for position, cell in enumerate(cells, 1):
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
            raise NotebookError(f"not a valid notebook: cell {position} has no 'cell_type'")
    return cells


def _is_code(cell: dict[str, Any]) -> bool:
    return cell.get("cell_type") == "code"


def _cell_source(cell: dict[str, Any], position: int) -> str:
    source = cell.get("source", "")
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        return "".join(source)
    raise NotebookError(f"not a valid notebook: cell {position + 1} has a 'source' that is not text")


def _language(data: dict[str, Any]) -> str | None:
    metadata = data.get("metadata")
    if not isinstance(metadata, dict):
        return None
    for key in ("language_info", "kernelspec"):
        entry = metadata.get(key)
        if isinstance(entry, dict):
            name = entry.get("name") if key == "language_info" else entry.get("language")
            if isinstance(name, str) and name:
                return name
    return None


def _source_lines(text: str) -> list[str]:
    """A cell's text as nbformat stores it: lines split after each "\\n" only (not at form feeds or
    Unicode line separators, which `str.splitlines` would split at), the last without a newline."""
    lines = [line + "\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    return lines if lines[-1] else lines[:-1]


def _indentation(text: str) -> int | None:
    """The indent width the JSON was written with (Jupyter writes 1), None for compact JSON."""
    match = re.search(r"\n( +)\S", text)
    return len(match.group(1)) if match else None


# ---------------------------------------------------------------------------------------------------
# IPython syntax -> Python, line for line


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
