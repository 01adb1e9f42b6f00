"""Fixing under failure: what `--fix` leaves on disk when the world does not cooperate, and the fix
engine's own promises on generated programs.

tests/cli/test_cli_fix.py covers the two basic cases by patching the writer (a concurrent edit after
fixing, `os.replace` failing). These tests use real failures instead: a run killed at arbitrary
moments, a file the kernel refuses to replace (`chattr +i`, which binds root too), and a file replaced
or deleted by someone else while it is being linted.
"""

from __future__ import annotations

import ast
import dataclasses
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Callable, Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from keras_programs import Program, Style, programs, render, styles
from robust_helpers import KLO201_LINE, KLO201_SOURCE, assert_no_traceback, robust_settings, run_cli

import keras_loss_lint.core.lint as core
from keras_loss_lint.faces.cli.main import main
from keras_loss_lint.core.lint import lint_source
from keras_loss_lint.core.fixing import fix_source
from keras_loss_lint.rules.base import Report, RuleContext
from keras_loss_lint.project.settings import Settings

FIXED_LINE = 'model.compile(optimizer="adam", loss=["mse", "mae"])'
SETTINGS = Settings()


def leftover_temporary_files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.rglob("*.tmp"))


# ------------------------------------------------------------------ the fix engine, generated


@robust_settings()
@given(programs(), styles, st.booleans())
def test_fixing_generated_programs(program: Program, style: Style, unsafe: bool) -> None:
    source = render(program, style)
    report = fix_source(source, None, SETTINGS, unsafe)
    ast.parse(report.source)  # a fix never leaves text Python cannot read
    assert report.changed == (report.source != source)
    remaining = lint_source(report.source, None, SETTINGS)
    assert Counter(d.code for d in report.remaining.diagnostics) == Counter(d.code for d in remaining.diagnostics)
    again = fix_source(report.source, None, SETTINGS, unsafe)
    assert not again.changed, f"fixing is not idempotent:\n{report.source}\n---\n{again.source}"


@robust_settings()
@given(programs(), styles)
def test_safe_fixes_bring_no_new_findings(program: Program, style: Style) -> None:
    """A safe fix keeps the program's meaning as intended: it cannot create a problem of another kind."""
    source = render(program, style)
    before = {d.code for d in lint_source(source, None, SETTINGS).diagnostics}
    report = fix_source(source, None, SETTINGS, unsafe=False)
    after = {d.code for d in report.remaining.diagnostics}
    assert after <= before, f"new codes {sorted(after - before)} after safe fixes:\n{source}\n---\n{report.source}"


# ------------------------------------------------------------------- a run killed midway

VARIANTS = 300


def _klo201_file(index: int) -> str:
    """KLO201_SOURCE with a per-file twist, so that files are not all alike."""
    return KLO201_SOURCE.replace("shape=(4,)", f"shape=({index + 1},)")


@pytest.fixture(scope="module")
def fixed_reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, bytes], float]:
    """What a complete `--fix` run writes for every file, and how long it took."""
    root = tmp_path_factory.mktemp("fix-reference")
    _write_project(root)
    start = time.perf_counter()
    result = run_cli(root, "check", "--fix", "--no-cache", "--output-format", "concise", ".")
    elapsed = time.perf_counter() - start
    assert_no_traceback(result)
    fixed = {p.name: p.read_bytes() for p in root.glob("*.py")}
    assert all(FIXED_LINE.encode() in data for data in fixed.values())
    return fixed, elapsed


def _write_project(root: Path) -> dict[str, bytes]:
    originals = {}
    for index in range(VARIANTS):
        data = _klo201_file(index).encode()
        (root / f"model_{index:03d}.py").write_bytes(data)
        originals[f"model_{index:03d}.py"] = data
    return originals


@pytest.mark.slow  # kills real fix runs at four moments: seconds each
@pytest.mark.parametrize("delay", [0.0, 0.005, 0.02, 0.08])
def test_a_fix_run_killed_while_writing_leaves_every_file_whole(
    tmp_path: Path, fixed_reference: tuple[dict[str, bytes], float], delay: float
) -> None:
    """SIGKILL once the first write shows in the directory (plus `delay`): every file must then be
    either exactly the original or exactly the fixed text, never a mix or a truncation."""
    fixed, full_run = fixed_reference
    originals = _write_project(tmp_path)
    before = os.stat(tmp_path).st_mtime_ns
    command = [sys.executable, "-m", "keras_loss_lint.faces.cli", "check", "--fix", "--no-cache", "."]
    process = subprocess.Popen(
        command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + full_run * 5 + 30
    while process.poll() is None and os.stat(tmp_path).st_mtime_ns == before and time.monotonic() < deadline:
        time.sleep(0.0005)  # the first temporary file or rename changes the directory
    time.sleep(delay)
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)  # the pool's workers too: nothing may finish a write later
    process.wait()
    states: Counter[str] = Counter()
    for name, original in originals.items():
        data = (tmp_path / name).read_bytes()
        assert data in (original, fixed[name]), f"{name} is neither the original nor the fixed file:\n{data!r}"
        states["fixed" if data == fixed[name] else "original"] += 1
    print(f"killed {delay * 1000:.0f} ms after the first write: {dict(states)}")
    # Temporary files of writes cut short may stay (a SIGKILL cannot be cleaned up after); they never
    # take a Python file's name.
    assert all(name.endswith(".tmp") and name.startswith(".") for name in leftover_temporary_files(tmp_path))


# ----------------------------------------------------------- a write the kernel refuses


@pytest.fixture
def immutable(tmp_path: Path) -> Iterator[Callable[[Path], None]]:
    """`chattr +i`: even root cannot replace the file. Skipped where the filesystem has no such flag."""
    marked: list[Path] = []

    def mark(path: Path) -> None:
        chattr = shutil.which("chattr")
        if chattr is None:
            pytest.skip("no chattr here")
        done = subprocess.run([chattr, "+i", str(path)], capture_output=True)
        if done.returncode != 0:
            pytest.skip(f"chattr +i not supported here: {done.stderr.decode().strip()}")
        marked.append(path)

    yield mark
    for path in marked:
        subprocess.run(["chattr", "-i", str(path)], capture_output=True)


def test_a_file_the_kernel_will_not_replace_is_left_intact(
    tmp_path: Path, immutable: Callable[[Path], None]
) -> None:
    (tmp_path / "locked.py").write_text(KLO201_SOURCE)
    (tmp_path / "other.py").write_text(KLO201_SOURCE)
    immutable(tmp_path / "locked.py")
    result = run_cli(tmp_path, "check", "--fix", "--no-cache", "--output-format", "concise", ".")
    assert_no_traceback(result)
    assert (tmp_path / "locked.py").read_text() == KLO201_SOURCE
    assert FIXED_LINE in (tmp_path / "other.py").read_text()
    errors = [line for line in result.err.splitlines() if line.startswith("locked.py: error: ")]
    assert len(errors) == 1 and "cannot write" in errors[0], result.err
    assert result.code == 2, result.output
    assert leftover_temporary_files(tmp_path) == []


# ------------------------------------------------- someone else touches the file meanwhile


def _with_side_effect(monkeypatch: pytest.MonkeyPatch, effect: Callable[[], None]) -> None:
    """Run `effect` once, from inside the analysis (after the CLI read the file, before it writes)."""
    klo201 = next(rule for rule in core.ALL_RULES if rule.code == "KLO201")
    done: list[bool] = []

    def check(context: RuleContext) -> Iterator[Report]:
        if not done:
            done.append(True)
            effect()
        yield from klo201.check(context)

    rules = tuple(dataclasses.replace(rule, check=check) if rule is klo201 else rule for rule in core.ALL_RULES)
    monkeypatch.setattr(core, "ALL_RULES", rules)


def _run_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    capsys.readouterr()
    code = main(["check", "--fix", "--no-cache", "-j", "1", "--output-format", "concise", "model.py"])
    return code, capsys.readouterr().err


def test_a_file_saved_atomically_by_an_editor_meanwhile_is_not_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "model.py"
    path.write_text(KLO201_SOURCE)
    edited = KLO201_SOURCE + "print('saved by the editor')\n"

    def editor_saves() -> None:  # write a new file and rename it over the old one, as editors do
        (tmp_path / "model.py~").write_text(edited)
        os.replace(tmp_path / "model.py~", path)

    _with_side_effect(monkeypatch, editor_saves)
    code, err = _run_fix(tmp_path, monkeypatch, capsys)
    assert path.read_text() == edited
    assert err.startswith("model.py: error: ") and len(err.splitlines()) == 1, err
    assert code == 2
    assert leftover_temporary_files(tmp_path) == []


def test_a_file_deleted_meanwhile_is_not_recreated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "model.py"
    path.write_text(KLO201_SOURCE)
    _with_side_effect(monkeypatch, path.unlink)
    code, err = _run_fix(tmp_path, monkeypatch, capsys)
    assert not path.exists(), "the fixed text was written to a file someone had deleted"
    assert err.startswith("model.py: error: ") and len(err.splitlines()) == 1, err
    assert code == 2
    assert leftover_temporary_files(tmp_path) == []


def test_the_side_effect_hook_really_runs_between_read_and_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Guards the two tests above: with a harmless effect the file is fixed as usual."""
    path = tmp_path / "model.py"
    path.write_text(KLO201_SOURCE)
    ran: list[bool] = []
    _with_side_effect(monkeypatch, lambda: ran.append(True))
    code, err = _run_fix(tmp_path, monkeypatch, capsys)
    assert ran and code == 0, err
    assert path.read_text().splitlines()[KLO201_LINE - 1] == FIXED_LINE
