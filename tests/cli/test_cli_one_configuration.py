"""One configuration, the same findings through the CLI, flake8 and the pre-commit hook (the language
server's half is tests/lsp/test_lsp_one_configuration.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from one_configuration import expected, findings, write_project
from test_cli_precommit import GIT_ENV, git, snapshot_of_working_tree


def test_the_cli_reports_what_the_configuration_says(tmp_path: Path) -> None:
    write_project(tmp_path)
    completed = subprocess.run(
        [sys.executable, "-m", "keras_loss_lint", "check", "--no-cache", "--output-format", "concise", "."],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )
    assert completed.returncode == 1, completed.stderr
    assert findings(completed.stdout) == expected()


def test_flake8_reports_the_same(tmp_path: Path) -> None:
    write_project(tmp_path)
    completed = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "KLO", "."],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )
    assert "Traceback" not in completed.stderr
    assert findings(completed.stdout) == expected()


def test_the_flake8_configuration_is_the_project_configuration_for_the_cli(tmp_path: Path) -> None:
    """`[flake8] keras-version` and flake8's per-file-ignores reach the CLI too."""
    write_project(tmp_path)
    pyproject = tmp_path / "pyproject.toml"
    pyproject.unlink()
    (tmp_path / "setup.cfg").write_text(
        "[flake8]\nkeras-version = ==3.5.0\nextend-ignore = E501,KLO401\nper-file-ignores =\n    legacy/*: KLO201\n"
    )
    cli = subprocess.run(
        [sys.executable, "-m", "keras_loss_lint", "check", "--no-cache", "--output-format", "concise", "."],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )
    flake8 = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "KLO", "."], cwd=tmp_path, capture_output=True, text=True
    )
    assert findings(cli.stdout) == findings(flake8.stdout) == expected()


@pytest.mark.slow  # installs the hook from a throwaway repository, as test_cli_precommit does
def test_the_pre_commit_hook_reports_the_same(tmp_path: Path) -> None:
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    env.pop("PRE_COMMIT", None)
    hook_repo = snapshot_of_working_tree(tmp_path / "hook-repo", env)
    user_repo = tmp_path / "user-repo"
    user_repo.mkdir()
    git(user_repo, "init", "-q", env=env)
    write_project(user_repo)
    git(user_repo, "add", "-A", env=env)
    completed = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "keras-loss-lint", "--all-files", "--verbose"],
        cwd=user_repo, env=env, capture_output=True, text=True, timeout=900,
    )
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert findings(completed.stdout) == expected()
