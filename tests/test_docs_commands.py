"""Every command the README and docs/ show is run, as a user would type it, in a scratch project.

Commands that install packages, start the language server, run the test suites or write into the
user's home are not run here (the suites run them in CI); everything else is. A command whose shown
output is an error must fail with exit code 2 and that error; any other must exit 0 or 1 (findings)
without a traceback. The README's quick-start output must be what the command prints.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
NOT_RUN = ("pip ", "python -m pytest", "keras-loss-lint server", "mkdir ", "KLL_CONFORMANCE")
BLOCK = re.compile(r"```console\n(.*?)```", re.DOTALL)
DEMO = ROOT / "fixtures" / "demo" / "train_ticket_router.py"


def shown_commands() -> list[tuple[str, str, str, str]]:
    """(document, command, the output shown under it, its comment) for every `$ ` line of a console block."""
    found = []
    for document in DOCS:
        for block in BLOCK.findall(document.read_text(encoding="utf-8")):
            lines = block.splitlines()
            for index, line in enumerate(lines):
                if not line.startswith("$ "):
                    continue
                output = []
                for following in lines[index + 1:]:
                    if following.startswith("$ "):
                        break
                    output.append(following)
                comment = line.split("#", 1)[1] if "#" in line else ""
                command = re.sub(r"\s+#.*$", "", line[2:]).strip()
                found.append((document.name, command, "\n".join(output), comment))
    return found


COMMANDS = [item for item in shown_commands() if not item[1].startswith(NOT_RUN)]


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    shutil.copy(DEMO, tmp_path / "train.py")
    (tmp_path / "src").mkdir()
    shutil.copy(DEMO, tmp_path / "src" / "model.py")
    notebook = '{"cells": [{"cell_type": "code", "metadata": {}, "source": ["import keras\\n"], "outputs": [], ' \
               '"execution_count": null}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n'
    (tmp_path / "train.ipynb").write_text(notebook, encoding="utf-8")
    (tmp_path / "fixtures").symlink_to(ROOT / "fixtures")
    return tmp_path


def run(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    parts = shlex.split(command)
    redirect = None
    if ">" in parts:
        at = parts.index(">")
        parts, redirect = parts[:at], parts[at + 1]
    if parts[0] == "keras-loss-lint":
        parts = [sys.executable, "-m", "keras_loss_lint", *parts[1:]]
    elif parts[0] == "flake8":
        parts = [sys.executable, "-m", "flake8", *parts[1:]]
    environment = dict(os.environ, KERAS_LOSS_LINT_CACHE_DIR=str(cwd / ".cache"), NO_COLOR="1")
    completed = subprocess.run(parts, cwd=cwd, capture_output=True, text=True, env=environment, timeout=120)
    if redirect is not None:
        target = cwd / redirect
        target.parent.mkdir(parents=True, exist_ok=True)  # the docs' `mkdir -p` line before it
        target.write_text(completed.stdout)
    return completed


# Projects some examples assume, as the comment on their command line says.
SETUPS = {"`selekt = [\"KLO\"]` in pyproject.toml": ("pyproject.toml", '[tool.keras-loss-lint]\nselekt = ["KLO"]\n')}


def test_every_document_shows_some_commands() -> None:
    assert {document for document, _, _, _ in COMMANDS} >= {"README.md", "cli.md"}


@pytest.mark.parametrize("document, command, output, comment", COMMANDS, ids=[f"{d}: {c}" for d, c, _, _ in COMMANDS])
def test_the_command_works_as_shown(scratch: Path, document: str, command: str, output: str, comment: str) -> None:
    for assumption, (name, content) in SETUPS.items():
        if assumption in comment:
            (scratch / name).write_text(content, encoding="utf-8")
    completed = run(command.replace("~/", str(scratch) + "/"), scratch)
    assert "Traceback" not in completed.stderr, completed.stderr
    shown_error = next((line for line in output.splitlines() if ": error: " in line), None)
    if shown_error is not None:
        assert completed.returncode == 2, completed.stderr
        assert shown_error.split(": error: ", 1)[1] in completed.stderr
    else:
        assert completed.returncode in (0, 1), completed.stdout + completed.stderr


def test_the_quick_start_output_is_what_the_command_prints() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = readme.split("```text\n", 1)[1].split("```", 1)[0]
    completed = run("keras-loss-lint check --no-cache fixtures/demo", ROOT)
    printed = completed.stdout.splitlines()
    position = 0
    for line in shown.splitlines():
        if line == "...":
            continue
        assert line in printed[position:], f"the README shows {line!r}, the command does not print it"
        position = printed.index(line, position) + 1
