"""The pre-commit hook, through the real `pre-commit try-repo`.

try-repo installs the hook repository at a git revision, so the package as it is in the working tree
(committed or not) is copied into a throwaway repository and committed there. The hook then runs in a
second throwaway repository holding one bad and one good file. It needs PyPI to install the hook's
dependencies, as pre-commit always does.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cli_helpers import CLEAN_SOURCE, KLO201_SOURCE, write

REPO = Path(__file__).resolve().parents[2]
GIT_ENV = {
    "GIT_AUTHOR_NAME": "test",
    "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "test",
    "GIT_COMMITTER_EMAIL": "test@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def _pre_commit_available() -> bool:
    try:
        import pre_commit  # noqa: F401
    except ImportError:
        return False
    return True


pytestmark = [
    pytest.mark.slow,  # installs the hook from a throwaway repository: seconds, and the package registry
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
    pytest.mark.skipif(
        not _pre_commit_available(), reason="pre-commit is not installed (pip install -e '.[test]')"
    ),
]


def git(cwd: Path, *args: str, env: dict[str, str]) -> str:
    completed = subprocess.run(
        ["git", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


# What building and installing the hook needs; copied from the working tree, so uncommitted work (or a
# project with no commit yet) is tested, and nothing else (CI's virtual environment lives in the tree).
PACKAGE_FILES = (
    "pyproject.toml",
    "setup.cfg",
    "setup.py",
    "README.md",
    "LICENSE",
    ".pre-commit-hooks.yaml",
    "src",
)


def snapshot_of_working_tree(destination: Path, env: dict[str, str]) -> Path:
    """A committed copy of the package as it is in the working tree."""
    destination.mkdir()
    for name in PACKAGE_FILES:
        source = REPO / name
        if source.is_dir():
            ignored = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
            shutil.copytree(source, destination / name, ignore=ignored)
        elif source.is_file():
            shutil.copy2(source, destination / name)
    git(destination, "init", "-q", env=env)
    git(destination, "add", "-A", env=env)
    git(destination, "commit", "-q", "-m", "snapshot", env=env)
    return destination


def test_hook_fails_and_names_only_the_bad_file(tmp_path):
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    env.pop("PRE_COMMIT", None)
    hook_repo = snapshot_of_working_tree(tmp_path / "hook-repo", env)
    assert (hook_repo / ".pre-commit-hooks.yaml").is_file()
    user_repo = tmp_path / "user-repo"
    user_repo.mkdir()
    git(user_repo, "init", "-q", env=env)
    write(
        user_repo, {"bad_model.py": KLO201_SOURCE, "good_model.py": CLEAN_SOURCE, "notes.txt": "not python\n"}
    )
    git(user_repo, "add", "-A", env=env)
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pre_commit",
            "try-repo",
            str(hook_repo),
            "keras-loss-lint",
            "--all-files",
            "--verbose",
        ],
        cwd=user_repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 1, output
    assert "keras-loss-lint" in output
    assert "Failed" in output
    assert "bad_model.py:7:38: KLO201" in output
    assert "good_model.py" not in output
    assert "notes.txt" not in output
