"""Project files that are not files, versions no release has, paths no system accepts: each used to
hang the run, exhaust its memory or fail every file. Now each costs at most a clear message."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from robust_helpers import KLO201_SOURCE, assert_no_traceback, run_cli, run_flake8

QUICK = 60  # seconds: far above what these take, far below a hang


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "train.py").write_text(KLO201_SOURCE, encoding="utf-8")
    return tmp_path


def assert_finds_klo201(project: Path) -> None:
    result = run_cli(project, "check", "--output-format", "concise", "train.py", timeout=QUICK)
    assert_no_traceback(result)
    assert "KLO201" in result.out, result.output


@pytest.mark.parametrize("name", ["requirements.txt", "uv.lock", ".gitignore", "setup.cfg"])
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/stdin"])
def test_a_project_file_linked_to_a_device_is_not_read(project: Path, name: str, device: str) -> None:
    (project / name).symlink_to(device)
    assert_finds_klo201(project)


def test_a_pyproject_linked_to_dev_zero_is_a_clear_configuration_error(project: Path) -> None:
    (project / "pyproject.toml").symlink_to("/dev/zero")
    result = run_cli(project, "check", "--config", "pyproject.toml", "train.py", timeout=QUICK)
    assert result.code == 2
    assert "pyproject.toml: cannot read configuration: not a regular file" in result.err
    assert_finds_klo201(project)  # without --config it is no configuration at all


def test_a_fifo_among_project_files_does_not_block(project: Path) -> None:
    os.mkfifo(project / "requirements.txt")
    assert_finds_klo201(project)


def test_an_include_of_a_device_is_skipped(project: Path) -> None:
    (project / "requirements.txt").write_text("-r /dev/zero\n-c /dev/stdin\nkeras==3.5.0\n")
    result = run_cli(project, "check", "--show-settings", "train.py", timeout=QUICK)
    assert "3.5.0" in result.out, result.output


def test_a_version_beyond_the_integer_string_limit_fails_nothing(project: Path) -> None:
    (project / "requirements.txt").write_text("keras==" + "9" * 5000 + "\n")
    assert_finds_klo201(project)
    (project / "requirements.txt").unlink()
    (project / "pyproject.toml").write_text('[tool.keras-loss-lint]\nkeras-version = "==' + "9" * 5000 + '"\n')
    result = run_cli(project, "check", "train.py", timeout=QUICK)
    assert result.code == 2 and "longer than 200 characters" in result.err, result.output


@pytest.mark.parametrize("specifier", ["<0", ">=3.5,<3.5"])
def test_a_target_matching_no_release_is_an_error_not_silence(project: Path, specifier: str) -> None:
    cli = run_cli(project, "check", "--keras-version", specifier, "train.py", timeout=QUICK)
    assert cli.code == 2 and "matches no Keras release" in cli.err, cli.output
    flake8 = run_flake8(project, "--select", "KLO", "--keras-version", specifier, "train.py", timeout=QUICK)
    assert flake8.code == 2 and "matches no Keras release" in flake8.err, flake8.output


def test_a_pin_matching_no_release_checks_every_release(project: Path) -> None:
    (project / "requirements.txt").write_text("keras>=3.5,<3.5\n")
    assert_finds_klo201(project)
    settings = run_cli(project, "check", "--show-settings", "train.py", timeout=QUICK)
    assert "matches no Keras release" in settings.out, settings.output


def test_a_path_longer_than_the_system_allows_costs_only_itself(project: Path) -> None:
    too_long = "x" * 300 + ".py"
    result = run_cli(project, "check", "--output-format", "concise", too_long, "train.py", timeout=QUICK)
    assert_no_traceback(result)
    assert "KLO201" in result.out
    assert too_long[:50] in result.err
