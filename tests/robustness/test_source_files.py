"""Sources that are not files: a committed `train.py -> /dev/zero`, a FIFO, `/dev/stdin` given as a
path. Each used to exhaust the run's memory or block it forever; now each is that file's one-line
error (ruff's E902 counterpart), the other files are still checked, and `-` still reads stdin."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from robust_helpers import KLO201_SOURCE, Run, assert_no_traceback

QUICK = 60  # seconds: far above what these take, far below a hang
# A run that reads /dev/zero stops at this address-space limit instead of taking the machine's memory.
MEMORY_CAP = 2 * 1024**3


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "train.py").write_text(KLO201_SOURCE, encoding="utf-8")
    return tmp_path


def run_capped(cwd: Path, *args: str, stdin: int | None = subprocess.DEVNULL) -> Run:
    """The CLI with its memory capped; `stdin=subprocess.PIPE` keeps a stdin open that never ends."""

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))

    environment = dict(os.environ, KERAS_LOSS_LINT_CACHE_DIR=str(cwd / ".robustness-cache"))
    command = [sys.executable, "-m", "keras_loss_lint.faces.cli", *args]
    with subprocess.Popen(
        command, cwd=cwd, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment, preexec_fn=cap
    ) as process:
        try:
            out, err = process.communicate(timeout=QUICK)
        finally:
            process.kill()
    return Run(process.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))


def test_a_source_linked_to_dev_zero_is_an_error_and_the_others_are_checked(project: Path) -> None:
    (project / "zero.py").symlink_to("/dev/zero")
    result = run_capped(project, "check", "--output-format", "concise", ".")
    assert_no_traceback(result)
    assert result.code == 1, result.output
    assert "zero.py: error: not a regular file (a character device)" in result.err, result.output
    assert "train.py:7:38: KLO201" in result.out, result.output


def test_a_notebook_linked_to_dev_zero_is_an_error(project: Path) -> None:
    (project / "zero.ipynb").symlink_to("/dev/zero")
    result = run_capped(project, "check", "zero.ipynb")
    assert_no_traceback(result)
    assert result.code == 2 and "zero.ipynb: error: not a regular file" in result.err, result.output


def test_a_fifo_given_as_a_path_does_not_block(project: Path) -> None:
    os.mkfifo(project / "pipe.py")
    result = run_capped(project, "check", "--output-format", "concise", "pipe.py", "train.py")
    assert_no_traceback(result)
    assert "pipe.py: error: not a regular file (a FIFO)" in result.err, result.output
    assert "train.py:7:38: KLO201" in result.out, result.output


def test_dev_stdin_given_as_a_path_does_not_wait_for_stdin(project: Path) -> None:
    result = run_capped(project, "check", "/dev/stdin", stdin=subprocess.PIPE)  # a stdin that never ends
    assert_no_traceback(result)
    assert result.code == 2 and "/dev/stdin: error: not a regular file" in result.err, result.output


def test_stdin_as_dash_is_still_read(project: Path) -> None:
    command = [sys.executable, "-m", "keras_loss_lint.faces.cli", "check", "--output-format", "concise"]
    command += ["--stdin-filename", "train.py", "-"]
    completed = subprocess.run(command, cwd=project, input=KLO201_SOURCE.encode(), capture_output=True, timeout=QUICK)
    assert completed.returncode == 1, completed.stderr
    assert b"train.py:7:38: KLO201" in completed.stdout


def test_a_source_larger_than_the_read_bound_is_refused_unread(project: Path) -> None:
    from keras_loss_lint.project.files import MAX_SOURCE_BYTES

    with open(project / "huge.py", "wb") as huge:
        huge.truncate(MAX_SOURCE_BYTES + 1)  # sparse: no disk space, no time
    result = run_capped(project, "check", "huge.py")
    assert_no_traceback(result)
    assert result.code == 2 and f"huge.py: error: larger than {MAX_SOURCE_BYTES} bytes" in result.err, result.output


def test_an_endless_stdin_is_read_only_up_to_the_bound(project: Path) -> None:
    from keras_loss_lint.project.files import MAX_SOURCE_BYTES

    with open("/dev/zero", "rb") as endless:
        result = run_capped(project, "check", "--stdin-filename", "train.py", "-", stdin=endless.fileno())
    assert_no_traceback(result)
    assert result.code == 2 and f"train.py: error: larger than {MAX_SOURCE_BYTES} bytes" in result.err, result.output


def test_a_fixed_stdin_above_the_bound_passes_through_whole(project: Path) -> None:
    from keras_loss_lint.project.files import MAX_SOURCE_BYTES

    data = (KLO201_SOURCE + "#" * 99 + "\n") * (MAX_SOURCE_BYTES // 100 + 10)
    command = [sys.executable, "-m", "keras_loss_lint.faces.cli", "check", "--fix", "--stdin-filename", "train.py", "-"]
    completed = subprocess.run(command, cwd=project, input=data.encode(), capture_output=True, timeout=QUICK)
    assert completed.stdout == data.encode()  # the editor's text is left as it was, not cut at the bound
    expected = f"train.py: error: larger than {MAX_SOURCE_BYTES} bytes".encode()
    assert expected in completed.stderr, completed.stderr[-2000:]


def test_stdin_above_the_configured_size_limit_is_reported_as_too_large(project: Path) -> None:
    command = [sys.executable, "-m", "keras_loss_lint.faces.cli", "check", "--max-file-size", "256B"]
    command += ["--output-format", "concise", "--stdin-filename", "train.py", "-"]
    completed = subprocess.run(command, cwd=project, input=KLO201_SOURCE.encode(), capture_output=True, timeout=QUICK)
    size = len(KLO201_SOURCE.encode())
    expected = f"train.py:1:1: KLO902 not analysed: too large to analyse ({size} bytes; max-file-size is 256 bytes)"
    assert completed.returncode == 1 and expected.encode() in completed.stdout, completed.stdout + completed.stderr
