"""A raising rule or fix builder costs only itself, on every face: the other findings stay, and the
failure is one KLO901 diagnostic naming what broke.

The fault is injected into real processes (flake8, the CLI, the language server) through a
`sitecustomize` module on PYTHONPATH, which Python imports at start-up: no test hook in the package.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

from keras_loss_lint.core import lint as core_lint
from keras_loss_lint.core.lint import lint_source
from keras_loss_lint.keras.versions import TargetVersions
from keras_loss_lint.project.settings import Settings
from keras_loss_lint.rules import klo201_dict_loss_sorted_order as klo201
from keras_loss_lint.rules.base import Report, RuleContext

SOURCE = """\
import keras
from keras import layers

inp = keras.Input(shape=(4,))
small = layers.Dense(1, name="output_small")(inp)
big = layers.Dense(1, name="output_big")(inp)
model = keras.Model(inp, [small, big])
model.compile(optimizer="adam", loss={"output_small": "mse", "output_big": "mae"}, metrics=["mae"])
"""
KERAS_3_5 = "==3.5.0"

# Installed by `sitecustomize`: KLL_FAULT=rule makes KLO201's check raise, KLL_FAULT=fix its fix builder.
SITECUSTOMIZE = '''
import dataclasses, os
fault = os.environ.get("KLL_FAULT")
if fault:
    from keras_loss_lint.rules import klo201_dict_loss_sorted_order as klo201
    original = klo201.RULE.check

    def boom(*args):
        raise ZeroDivisionError("injected")

    def broken_fix(context):
        for report in original(context):
            yield dataclasses.replace(report, fix=boom)

    object.__setattr__(klo201.RULE, "check", boom if fault == "rule" else broken_fix)
'''


def _replace_klo201_check(monkeypatch: pytest.MonkeyPatch, check: object) -> None:
    rules = tuple(dataclasses.replace(r, check=check) if r.code == "KLO201" else r for r in core_lint.ALL_RULES)
    monkeypatch.setattr(core_lint, "ALL_RULES", rules)


def _settings() -> Settings:
    return Settings(target=TargetVersions.from_specifier(KERAS_3_5, "test"))


@pytest.fixture
def broken_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(context: RuleContext) -> Iterator[Report]:
        raise ZeroDivisionError("injected")

    _replace_klo201_check(monkeypatch, boom)


@pytest.fixture
def broken_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    original = klo201.RULE.check

    def boom() -> None:
        raise ZeroDivisionError("injected")

    def check(context: RuleContext) -> Iterator[Report]:
        for report in original(context):
            yield dataclasses.replace(report, fix=boom)

    _replace_klo201_check(monkeypatch, check)


def test_core_keeps_the_other_findings_when_a_rule_raises(broken_rule: None) -> None:
    result = lint_source(SOURCE, "train.py", _settings())
    codes = [d.code for d in result.diagnostics]
    assert codes == ["KLO901", "KLO401"]
    assert "rule KLO201 (dict-loss-sorted-order) failed: ZeroDivisionError: injected" in result.diagnostics[0].message
    assert result.error is None


def test_core_keeps_the_finding_when_its_fix_raises(broken_fix: None) -> None:
    result = lint_source(SOURCE, "train.py", _settings())
    by_code = {d.code: d for d in result.diagnostics}
    assert set(by_code) == {"KLO901", "KLO201", "KLO401"}
    assert by_code["KLO201"].fix is None
    assert "the fix for KLO201 failed" in by_code["KLO901"].message


def test_fixes_are_built_only_when_asked_for(broken_fix: None) -> None:
    result = lint_source(SOURCE, "train.py", _settings(), fixes=False)
    assert [d.code for d in result.diagnostics] == ["KLO201", "KLO401"]
    assert all(d.fix is None for d in result.diagnostics)


def test_internal_errors_can_be_ignored(broken_rule: None) -> None:
    selection = dataclasses.replace(_settings().selection, ignore=("KLO901",))
    settings = dataclasses.replace(_settings(), selection=selection)
    assert [d.code for d in lint_source(SOURCE, "train.py", settings).diagnostics] == ["KLO401"]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "train.py").write_text(SOURCE, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(f'[tool.keras-loss-lint]\nkeras-version = "{KERAS_3_5}"\n')
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    return tmp_path


def _environment(project: Path, fault: str) -> dict[str, str]:
    environment = dict(os.environ, KLL_FAULT=fault)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(project / "hooks"), environment.get("PYTHONPATH")]))
    return environment


@pytest.mark.parametrize("fault, codes", [("rule", ["KLO901", "KLO401"]), ("fix", ["KLO901", "KLO201", "KLO401"])])
def test_cli_reports_the_failure_and_the_other_findings(project: Path, fault: str, codes: list[str]) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "keras_loss_lint", "check", "--no-cache", "--output-format", "json", "train.py"],
        cwd=project, env=_environment(project, fault), capture_output=True, text=True, check=False,
    )
    assert completed.returncode == 1, completed.stderr
    assert [item["code"] for item in json.loads(completed.stdout)] == codes


@pytest.mark.parametrize("fault, codes", [("rule", ["KLO901", "KLO401"]), ("fix", ["KLO201", "KLO401"])])
def test_flake8_reports_the_failure_and_the_other_findings(project: Path, fault: str, codes: list[str]) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select", "KLO", "--keras-version", KERAS_3_5,
         "--format", "%(code)s", "train.py"],
        cwd=project, env=_environment(project, fault), capture_output=True, text=True, check=False,
    )
    assert "Traceback" not in completed.stderr
    # flake8 never asks for fixes, so a broken fix builder costs nothing there.
    assert completed.stdout.split() == codes
