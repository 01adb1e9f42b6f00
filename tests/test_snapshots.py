"""What every fixture's findings say, kept as reviewed snapshots (as ruff keeps its rule snapshots).

Each fixture's snapshot in tests/snapshots/ holds, per diagnostic, its code, span, message and fix
(applicability, message and the diff it makes). A change in what a rule says, where it points or what
its fix does shows up in review as a change to a snapshot. After a deliberate change:

    KLL_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_snapshots.py
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

from fixture_expectations import FIXTURES, fixture_files, keras_version_of
from keras_loss_lint.core.diagnostics import Diagnostic
from keras_loss_lint.core.fixing import apply_diagnostic_fixes
from keras_loss_lint.core.lint import lint_source
from keras_loss_lint.project.settings import Settings
from keras_loss_lint.project.target import resolve_target

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
UPDATE = os.environ.get("KLL_UPDATE_SNAPSHOTS") == "1"


def snapshot_path(fixture: Path) -> Path:
    return SNAPSHOTS / (fixture.relative_to(FIXTURES).as_posix().replace("/", "__") + ".snap")


def render(fixture: Path) -> str:
    source = fixture.read_text(encoding="utf-8")
    target = resolve_target(fixture, explicit=keras_version_of(fixture))
    result = lint_source(source, str(fixture), Settings(target=target))
    header = f"# {fixture.relative_to(FIXTURES).as_posix()} on {target.describe()}\n"
    return header + "".join(_render(source, diagnostic) for diagnostic in result.diagnostics)


def _render(source: str, diagnostic: Diagnostic) -> str:
    start, end = diagnostic.span.start, diagnostic.span.end
    lines = [f"\n{diagnostic.code} at {start.line}:{start.column}-{end.line}:{end.column}", f"  {diagnostic.message}"]
    fix = diagnostic.fix
    if fix is None:
        lines.append("  fix: none")
    else:
        lines.append(f"  fix ({fix.applicability.value}): {fix.message}")
        fixed, _ = apply_diagnostic_fixes(source, [diagnostic])
        diff = difflib.unified_diff(source.splitlines(), fixed.splitlines(), "before", "after", n=0, lineterm="")
        lines += [f"    {line}" for line in diff]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("fixture", fixture_files(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_snapshot(fixture: Path) -> None:
    rendered = render(fixture)
    path = snapshot_path(fixture)
    if UPDATE:
        path.write_text(rendered, encoding="utf-8")
        return
    assert path.is_file(), f"no snapshot for {fixture.name}: run KLL_UPDATE_SNAPSHOTS=1 python -m pytest {__file__}"
    assert rendered == path.read_text(encoding="utf-8"), f"{path.name} changed: review it, then update the snapshot"


def test_no_snapshot_without_a_fixture() -> None:
    expected = {snapshot_path(fixture).name for fixture in fixture_files()}
    assert {path.name for path in SNAPSHOTS.glob("*.snap")} <= expected
