"""Every fixture, linted through the real flake8, reports exactly the diagnostics annotated in it."""

from __future__ import annotations

import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from fixture_expectations import FIXTURES, expected_diagnostics, fixture_files, keras_version_of
from keras_loss_lint.core.lint import lint_source
from keras_loss_lint.project.settings import Settings
from keras_loss_lint.project.target import resolve_target

FORMAT = "%(path)s|%(row)d|%(col)d|%(code)s|%(text)s"


def _run_flake8(files: list[Path], keras_version: str | None) -> dict[Path, set[tuple[int, str]]]:
    command = [sys.executable, "-m", "flake8", "--isolated", "--select", "KLO", f"--format={FORMAT}"]
    if keras_version:
        command.append(f"--keras-version={keras_version}")
    completed = subprocess.run(command + [str(f) for f in files], capture_output=True, text=True, check=False)
    assert completed.returncode in (0, 1), completed.stderr
    assert "Traceback" not in completed.stderr, completed.stderr
    found: dict[Path, set[tuple[int, str]]] = defaultdict(set)
    for line in completed.stdout.splitlines():
        path, row, _column, code, _text = line.split("|", 4)
        found[Path(path).resolve()].add((int(row), code))
    return found


@pytest.fixture(scope="module")
def flake8_results() -> dict[Path, set[tuple[int, str]]]:
    groups: dict[str | None, list[Path]] = defaultdict(list)
    for path in fixture_files():
        groups[keras_version_of(path)].append(path)
    results: dict[Path, set[tuple[int, str]]] = {}
    for version, files in groups.items():
        results.update(_run_flake8(files, version))
    return results


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture_through_flake8(path: Path, flake8_results: dict[Path, set[tuple[int, str]]]) -> None:
    expected = expected_diagnostics(path)
    actual = flake8_results.get(path.resolve(), set())
    assert sorted(actual) == sorted(expected), _explain(path, actual, expected)


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture_through_core(path: Path) -> None:
    """The core, as the CLI and the server call it, agrees with the annotations too."""
    source = path.read_text(encoding="utf-8")
    target = resolve_target(path, explicit=keras_version_of(path))
    result = lint_source(source, str(path), Settings(target=target))
    assert result.error is None
    actual = {(d.line, d.code) for d in result.diagnostics}
    assert sorted(actual) == sorted(expected_diagnostics(path)), _explain(path, actual, expected_diagnostics(path))


def test_every_rule_has_positive_fixture() -> None:
    from keras_loss_lint.rules.registry import ALL_RULES

    annotated = {code for path in fixture_files() for _, code in expected_diagnostics(path)}
    # KLO901 reports a bug of the linter itself: tests/test_isolation.py injects one. KLO902 needs a file
    # that takes seconds to reach a limit: tests/robustness/test_analysis_ceiling.py has them.
    missing = [rule.code for rule in ALL_RULES if rule.code not in annotated and rule.code not in ("KLO901", "KLO902")]
    assert not missing, f"rules without a positive fixture: {missing}"


def _explain(path: Path, actual: set, expected: set) -> str:
    lines = path.read_text(encoding="utf-8").splitlines()
    extra = sorted(actual - expected)
    missing = sorted(expected - actual)
    show = lambda items: "\n".join(f"  {row}: {code}  | {lines[row - 1].strip()}" for row, code in items)  # noqa: E731
    return f"{path.name}\nunexpected:\n{show(extra)}\nmissing:\n{show(missing)}"
