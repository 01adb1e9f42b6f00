"""Exit codes and error reporting: one line on stderr, never a traceback."""

from __future__ import annotations

import sys

import pytest

import keras_loss_lint.core.lint as core
from cli_helpers import CLEAN_SOURCE, KLO201_SOURCE, run_subprocess, write


def test_real_subprocess_finding_exits_1(tmp_path):
    write(tmp_path, {"model.py": KLO201_SOURCE, "clean.py": CLEAN_SOURCE})
    run = run_subprocess(tmp_path, "check", "--output-format", "concise")
    assert run.code == 1, run.err
    assert run.out.startswith("model.py:7:38: KLO201 [*] ")
    assert run.out.endswith("Found 1 error.\n[*] 1 fixable with the --fix option.\n")
    assert run.err == ""


def test_real_subprocess_clean_exits_0(tmp_path):
    write(tmp_path, {"clean.py": CLEAN_SOURCE})
    run = run_subprocess(tmp_path, "check")
    assert (run.code, run.out, run.err) == (0, "All checks passed!\n", "")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "--output-format", "xml"], "argument --output-format: invalid choice: 'xml'"),
        (["check", "--bogus"], "unrecognized arguments: --bogus"),
        (["frobnicate"], "argument COMMAND: invalid choice: 'frobnicate'"),
        (["check", "--jobs", "0"], "argument -j/--jobs: expected a positive integer, got '0'"),
    ],
)
def test_bad_usage_is_one_line_and_exit_2(cli, tmp_path, args, message):
    run = cli(*args)
    assert run.code == 2
    assert run.err.startswith(f"keras-loss-lint: error: {message}"), run.err
    assert run.err.count("\n") == 1
    assert "Traceback" not in run.err


def test_no_arguments_prints_help_and_exits_2(cli, tmp_path):
    run = cli()
    assert run.code == 2
    assert "usage: keras-loss-lint" in run.err


def test_help_exits_0(cli, tmp_path):
    run = cli("check", "--help")
    assert run.code == 0
    assert "--output-format" in run.out


def test_version(cli, tmp_path):
    from keras_loss_lint import __version__

    assert cli("--version").out == f"keras-loss-lint {__version__}\n"
    assert cli("version").out == f"keras-loss-lint {__version__}\n"


def test_unreadable_and_undecodable_files(cli, tmp_path):
    write(tmp_path, {"latin.py": b"# -*- coding: ascii -*-\nx = '\xe9'\n", "model.py": KLO201_SOURCE})
    run = cli("check", "--output-format", "concise")
    assert run.err == "latin.py: error: cannot decode as ascii: invalid byte 0xe9 on line 2\n"
    assert "model.py:7:38: KLO201" in run.out
    assert run.out.endswith("Found 2 errors.\n[*] 1 fixable with the --fix option.\n")  # as ruff's E902 counts
    assert run.code == 1


def test_permission_denied(cli, tmp_path, monkeypatch):
    import keras_loss_lint.faces.cli.check as check

    def denied(path):
        raise PermissionError(13, "Permission denied", str(path))

    # chmod 0 does not stop root (CI runs as root), so the read itself is made to fail.
    monkeypatch.setattr(check, "read_source", denied)
    write(tmp_path, {"secret.py": "x = 1\n"})
    run = cli("check")
    assert run.err == "secret.py: error: Permission denied\n"
    assert run.code == 2


def test_only_unreadable_files_exit_2(cli, tmp_path):
    write(tmp_path, {"latin.py": b"# coding: ascii\n'\xe9'\n"})
    run = cli("check")
    assert run.code == 2
    assert run.err.startswith("latin.py: error: cannot decode")


def test_exit_zero_does_not_hide_exit_2(cli, tmp_path):
    write(tmp_path, {"latin.py": b"# coding: ascii\n'\xe9'\n"})
    assert cli("check", "--exit-zero").code == 2


def test_syntax_errors_are_failures(cli, tmp_path):
    write(tmp_path, {"broken.py": "import keras\nmodel.compile(\n"})
    run = cli("check")
    assert run.code == 1
    assert "SyntaxError: '(' was never closed" in run.out


def test_internal_error_in_one_file_is_one_line_and_exit_2(cli, tmp_path, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(core, "lint_source", explode)  # the runner imports the core when it lints
    write(tmp_path, {"a.py": KLO201_SOURCE, "b.py": "x = 1\n"})
    run = cli("check", "--output-format", "concise")
    assert run.code == 2
    assert run.err.startswith("a.py: error: internal error while checking this file: RuntimeError: boom")
    assert "Traceback" not in run.err


def test_unexpected_exception_in_main_is_one_line(cli, tmp_path, monkeypatch):
    import keras_loss_lint.faces.cli.check as check

    def explode(*args, **kwargs):
        raise KeyError("surprise")

    monkeypatch.setattr(check, "discover", explode)
    run = cli("check")
    assert run.code == 2
    assert run.err == "keras-loss-lint: error: internal error: KeyError: 'surprise'\n"


def test_broken_pipe_is_quiet(tmp_path):
    import subprocess

    write(tmp_path, {f"m{i}.py": KLO201_SOURCE for i in range(200)})
    command = f"{sys.executable} -m keras_loss_lint.faces.cli.main check --jobs 1 | head -n 1"
    completed = subprocess.run(
        ["bash", "-c", command], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert completed.stdout.startswith("m0.py:7:38: KLO201")
    assert "Traceback" not in completed.stderr
    assert "Error" not in completed.stderr


def test_output_that_the_terminal_cannot_encode_is_replaced_not_fatal(tmp_path):
    write(tmp_path, {"model.py": KLO201_SOURCE})
    run = run_subprocess(tmp_path, "check", "--output-format", "concise", env={"PYTHONIOENCODING": "ascii"})
    assert run.code == 1, run.err
    assert "KLO201 [*] on Keras 3.5.0?3.6.0" in run.out


def test_console_script(tmp_path):
    import shutil
    import subprocess
    from pathlib import Path

    script = Path(sys.executable).parent / "keras-loss-lint"
    if not script.exists():
        found = shutil.which("keras-loss-lint")
        if found is None:
            pytest.skip("the console script is not installed (pip install -e .)")
        script = Path(found)
    write(tmp_path, {"model.py": KLO201_SOURCE})
    completed = subprocess.run(
        [str(script), "check", "--output-format", "concise"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 1, completed.stderr
    assert completed.stdout.startswith("model.py:7:38: KLO201")
