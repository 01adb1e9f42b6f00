"""Pins from requirements*.txt, following `-r` / `-c` includes (never remote ones).

A line is what pip reads: comments stripped, `\\` continuations joined, options after a requirement
(`--hash=...`) dropped; other option lines (`-e`, `--index-url`) are skipped.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

from keras_loss_lint.project.pins import Pin, ProjectReader, pin_from_pep508, resolve_path

MAX_INCLUDE_DEPTH = 16


def requirements_pins(directory: Path, names: set[str], reader: ProjectReader) -> Iterator[Pin]:
    """Pins from requirements.txt, then the other requirements*.txt by name, with their includes."""
    found = [n for n in names if n.startswith("requirements") and n.endswith(".txt")]
    seen: set[Path] = set()
    for name in sorted(found, key=lambda n: (n != "requirements.txt", n)):
        yield from _requirements_file(directory / name, reader, seen, depth=0)


def _requirements_file(path: Path, reader: ProjectReader, seen: set[Path], depth: int) -> Iterator[Pin]:
    resolved = resolve_path(path)
    if resolved in seen or depth > MAX_INCLUDE_DEPTH:  # include cycles, runaway chains
        return
    seen.add(resolved)
    text = reader.text(resolved)
    if text is None:
        return
    for line_number, line in _logical_lines(text):
        include = _INCLUDE.match(line)
        if include is not None:
            target = include.group(1)
            if "://" not in target:  # remote includes are never fetched
                yield from _requirements_file(resolved.parent / target, reader, seen, depth + 1)
            continue
        if line.startswith("-"):
            continue  # other options: -e, --index-url, ...
        requirement = _PER_REQUIREMENT_OPTION.split(line, maxsplit=1)[0]
        pin = pin_from_pep508(requirement, f":{line_number}", resolved)
        if pin is not None:
            yield pin


# `-r other.txt`, `-rother.txt`, `--requirement=other.txt`; also constraints files (`-c`): they pin.
_INCLUDE = re.compile(r"^(?:-r|-c|--requirement|--constraint)(?:\s*=\s*|\s*)(\S+)")
# `keras==3.5.0 --hash=sha256:...`: options after a requirement are not part of it.
_PER_REQUIREMENT_OPTION = re.compile(r"\s+--?[A-Za-z]")
# pip's comment rule: `#` at the start of a line or after whitespace.
_COMMENT = re.compile(r"(^|\s)#.*$")


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Non-empty lines without comments, `\\` continuations joined, numbered by their first line."""
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        if not pending:
            start = number
        line = _COMMENT.sub("", raw)
        if line.endswith("\\"):
            pending.append(line[:-1])
            continue
        joined = " ".join(pending + [line]).strip()
        pending = []
        if joined:
            yield start, joined
    if pending and " ".join(pending).strip():
        yield start, " ".join(pending).strip()
