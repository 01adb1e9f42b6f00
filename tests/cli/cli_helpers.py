"""Helpers for driving the CLI: in-process through `main(argv)` (fast) and as a real subprocess."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import libcst as cst
import pytest

import keras_loss_lint.core.lint as core
import keras_loss_lint.rules.registry as registry
from keras_loss_lint.faces.cli.main import main
from keras_loss_lint.core.diagnostics import Applicability
from keras_loss_lint.rules.base import FixProposal, NodeEdit, Report, RuleContext, define_rule

# The example from the project brief: KLO201 on Keras 3.5.0-3.6.0 (so with the default target too).
KLO201_SOURCE = textwrap.dedent("""\
    import keras
    from keras import layers
    inp = keras.Input(shape=(4,))
    small = layers.Dense(1, name="output_small")(inp)
    big = layers.Dense(1, name="output_big")(inp)
    model = keras.Model(inp, [small, big])
    model.compile(optimizer="adam", loss={"output_small": "mse", "output_big": "mae"})
    """)
KLO201_LINE = 7
CLEAN_SOURCE = "import keras\n\nprint('no model here')\n"


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> object:
        return json.loads(self.out)


def run_in_process(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    cwd: Path,
    *args: str,
    stdin: bytes | None = None,
    env: dict[str, str] | None = None,
) -> Run:
    monkeypatch.chdir(cwd)
    for name in ("NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in (env or {}).items():
        monkeypatch.setenv(name, value)
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
    capsys.readouterr()
    code = main(list(args))
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)


def run_subprocess(
    cwd: Path, *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None
) -> Run:
    environment = {
        k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE")
    }
    environment.update(env or {})
    completed = subprocess.run(
        [sys.executable, "-m", "keras_loss_lint.faces.cli.main", *args],
        cwd=cwd,
        input=stdin if stdin is not None else b"",
        capture_output=True,
        env=environment,
        timeout=120,
    )
    return Run(completed.returncode, completed.stdout.decode(), completed.stderr.decode())


@pytest.fixture
def cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Callable[..., Run]:
    """`cli(*args, cwd=tmp_path, stdin=None, env=None)` runs `main(argv)` in this process."""

    def run(
        *args: str, cwd: Path | None = None, stdin: bytes | None = None, env: dict[str, str] | None = None
    ) -> Run:
        return run_in_process(capsys, monkeypatch, cwd or tmp_path, *args, stdin=stdin, env=env)

    return run


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def notebook(*cells: tuple[str, str], language: str | None = "python") -> str:
    """A notebook's JSON from (cell_type, source) pairs, laid out like Jupyter writes it."""
    body = []
    for count, (kind, source) in enumerate(cells, 1):
        cell: dict[str, object] = {
            "cell_type": kind,
            "metadata": {},
            "source": source.splitlines(keepends=True),
        }
        if kind == "code":
            cell.update(execution_count=count, outputs=[])
        body.append(cell)
    metadata = {"language_info": {"name": language}} if language else {}
    data = {"cells": body, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(data, indent=1) + "\n"


# ---------------------------------------------------------------------------------------------------
# A stand-in rule, so the CLI's plumbing is tested independently of the real rules' wording.

FAKE_CODE = "KLO999"
FIX_CONTENT = "model.compile"  # what the stand-in rule's fix writes over the called function


def _fake_check(context: RuleContext) -> Iterator[Report]:
    for call in context.facts.compiles():
        node = call.node

        def fix(node: cst.Call = node) -> FixProposal:
            return FixProposal("Touch the call", Applicability.SAFE, (NodeEdit(node.func, FIX_CONTENT),))

        yield Report(FAKE_CODE, node, "compile call seen", fix)


FAKE_RULE = define_rule(
    FAKE_CODE, "compile-call-seen", "A `compile` call (test rule)", "", _fake_check, Applicability.SAFE
)


@pytest.fixture
def fake_rule(monkeypatch: pytest.MonkeyPatch) -> str:
    """Register only the stand-in rule (in this process; forked pool workers inherit it)."""
    monkeypatch.setattr(core, "ALL_RULES", (FAKE_RULE,))
    monkeypatch.setattr(registry, "ALL_RULES", (FAKE_RULE,))
    return FAKE_CODE


@pytest.fixture(autouse=True)
def isolated_cache(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Each test gets its own result cache, outside the project it checks (so no test sees another's
    results, and trees under test hold only what the test wrote). Cache tests unset or override it."""
    directory = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("KERAS_LOSS_LINT_CACHE_DIR", str(directory))
    return directory
