"""Reads the diagnostics a fixture file must produce from the comments on its lines.

A line that must be reported ends in a comment made only of codes: `loss={...},  # KLO201`. A file may
start with `# keras-version: ==3.5.0` to lint it for those Keras releases only.
"""

from __future__ import annotations

import re
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
EXPECTATION = re.compile(r"#\s*((?:KLO\d{3}[\s,]*)+)$")
CODE = re.compile(r"KLO\d{3}")
VERSION_HEADER = re.compile(r"^#\s*keras-version:\s*(?P<spec>\S.*?)\s*$", re.MULTILINE)


def expected_diagnostics(path: Path) -> set[tuple[int, str]]:
    found = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = EXPECTATION.search(line)
        if match:
            found.update((number, code) for code in CODE.findall(match.group(1)))
    return found


def keras_version_of(path: Path) -> str | None:
    match = VERSION_HEADER.search(path.read_text(encoding="utf-8")[:500])
    return match.group("spec") if match else None


def fixture_files() -> list[Path]:
    return sorted(FIXTURES.rglob("*.py"))
