"""`# noqa` through the CLI: the core applies it; these tests prove the CLI does not undo it."""

from __future__ import annotations

import pytest

from cli_helpers import KLO201_LINE, KLO201_SOURCE, notebook, run_subprocess, write


def with_comment(comment: str) -> str:
    lines = KLO201_SOURCE.splitlines()
    lines[KLO201_LINE - 1] += f"  {comment}"
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("comment", ["# noqa", "# noqa: KLO201", "# NOQA:KLO2", "# noqa: KLO201, E501"])
def test_noqa_suppresses(cli, tmp_path, comment):
    write(tmp_path, {"model.py": with_comment(comment)})
    run = cli("check", "--output-format", "json")
    assert (run.code, run.json()) == (0, [])


def test_a_listed_code_that_silences_nothing_is_reported(cli, tmp_path):
    write(tmp_path, {"model.py": with_comment("# noqa: KLO104,KLO201")})
    run = cli("check", "--output-format", "json")
    assert run.code == 1
    assert [(entry["code"], entry["message"]) for entry in run.json()] == [
        ("KLO900", "unused `noqa` directive (unused: `KLO104`)")
    ]


@pytest.mark.parametrize("comment", ["# noqa: E501", "# a comment"])
def test_noqa_for_other_codes_does_not(cli, tmp_path, comment):
    write(tmp_path, {"model.py": with_comment(comment)})
    run = cli("check", "--output-format", "json")
    assert run.code == 1
    assert [entry["code"] for entry in run.json()] == ["KLO201"]


def test_noqa_for_another_klo_code_does_not_and_is_unused(cli, tmp_path):
    write(tmp_path, {"model.py": with_comment("# noqa: KLO101")})
    run = cli("check", "--output-format", "json")
    assert [entry["code"] for entry in run.json()] == ["KLO201", "KLO900"]


@pytest.mark.parametrize(
    "directive, codes",
    [
        ("# flake8: noqa", []),
        ("# ruff: noqa", []),
        ("# keras-loss-lint: noqa", []),
        ("# flake8: noqa: KLO201", []),
        ("# ruff: noqa: KLO2", []),
        ("# ruff: noqa: KLO101", ["KLO201"]),
    ],
)
def test_file_level_exemption(cli, tmp_path, directive, codes):
    write(tmp_path, {"model.py": directive + "\n" + KLO201_SOURCE})
    run = cli("check", "--output-format", "json")
    assert [entry["code"] for entry in run.json()] == codes


def test_noqa_in_a_real_subprocess(tmp_path):
    write(tmp_path, {"model.py": with_comment("# noqa: KLO201"), "other.py": KLO201_SOURCE})
    run = run_subprocess(tmp_path, "check", "--output-format", "concise")
    assert run.code == 1
    assert run.out.splitlines()[0].startswith("other.py:7:38: KLO201")
    assert "model.py" not in run.out


def test_noqa_in_a_notebook_cell(cli, tmp_path):
    cell = with_comment("# noqa: KLO201")
    write(tmp_path, {"nb.ipynb": notebook(("code", cell))})
    assert cli("check").code == 0
