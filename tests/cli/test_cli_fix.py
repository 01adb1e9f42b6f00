"""`check --fix`, `--unsafe-fixes`, `--diff`, `--fix-only`: what is fixed, what is written, and how."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from cli_helpers import KLO201_SOURCE, KLO201_LINE, notebook, run_subprocess, write

REPOSITORY = Path(__file__).resolve().parents[2]
KLO201_FIXTURE = REPOSITORY / "fixtures" / "rules" / "klo201_dict_loss_sorted_order.py"
KLO101_FIXTURE = REPOSITORY / "fixtures" / "rules" / "klo101_loss_key_not_an_output.py"
FIXED_LINE = 'model.compile(optimizer="adam", loss=["mse", "mae"])'
# KLO201_SOURCE with a key that is a typo: KLO101, whose fix (a rename) is unsafe. The outputs are in
# sorted order here, so that the renamed dict is right on every release (a rename is offered only then).
DICT_LOSS = 'loss={"output_small": "mse", "output_big": "mae"}'
TYPO_SOURCE = KLO201_SOURCE.replace("[small, big]", "[big, small]").replace(
    '"output_big": "mae"', '"outptu_big": "mae"'
)


def copy_fixture(source: Path, tmp_path: Path) -> Path:
    target = tmp_path / source.name
    shutil.copyfile(source, target)
    return target


def leftover_temporary_files(directory: Path) -> list[str]:
    return [name for name in os.listdir(directory) if name.endswith(".tmp")]


# ---------------------------------------------------------------------------------------------------
# --fix on the KLO201 fixture, through the real command


def test_fix_rewrites_klo201_and_keeps_everything_else(tmp_path):
    path = copy_fixture(KLO201_FIXTURE, tmp_path)
    original = path.read_text()
    run = run_subprocess(tmp_path, "check", "--fix", "--output-format", "concise", path.name)
    fixed = path.read_text()
    # Only the dict loss (and the dict loss_weights beside it) changed; comments and layout stay.
    changed = [(a, b) for a, b in zip(original.splitlines(), fixed.splitlines()) if a != b]
    assert changed == [
        ('    loss={"output_small": "mse", "output_big": "mae"},  # KLO201', '    loss=["mse", "mae"],  # KLO201'),
        ('    loss_weights={"output_small": 1.0, "output_big": 0.5},', "    loss_weights=[1.0, 0.5],"),
    ]
    assert len(original.splitlines()) == len(fixed.splitlines())
    # The finding left (a loss dict through a variable) has no fix; nothing with a fix is left.
    assert run.out.splitlines()[-1] == "Found 2 errors (1 fixed, 1 remaining)."
    assert run.code == 1
    remaining = run_subprocess(tmp_path, "check", "--output-format", "json", path.name).json()
    assert [(entry["code"], entry["fix"]) for entry in remaining] == [("KLO201", None)]


def test_fix_is_idempotent(tmp_path):
    path = copy_fixture(KLO201_FIXTURE, tmp_path)
    run_subprocess(tmp_path, "check", "--fix", path.name)
    once = path.read_bytes()
    again = run_subprocess(tmp_path, "check", "--fix", "--output-format", "concise", path.name)
    assert path.read_bytes() == once
    assert again.out.splitlines()[-1] == "Found 1 error."
    assert "fixed" not in again.out


def test_fix_with_nothing_left_exits_0(cli, tmp_path):
    write(tmp_path, {"model.py": KLO201_SOURCE})
    run = cli("check", "--fix", "--output-format", "concise")
    assert (run.code, run.out) == (0, "Found 1 error (1 fixed, 0 remaining).\n")
    assert (tmp_path / "model.py").read_text().splitlines()[KLO201_LINE - 1] == FIXED_LINE
    assert cli("check", "--fix", "--exit-non-zero-on-fix").code == 0  # nothing fixed this time


def test_exit_non_zero_on_fix(cli, tmp_path):
    write(tmp_path, {"model.py": KLO201_SOURCE})
    assert cli("check", "--fix", "--exit-non-zero-on-fix").code == 1


def test_json_after_fix_lists_what_is_left_with_its_applicability(cli, tmp_path):
    write(tmp_path, {"model.py": KLO201_SOURCE, "typo.py": TYPO_SOURCE})
    entries = cli("check", "--fix", "--output-format", "json").json()
    assert [(Path(e["filename"]).name, e["code"], e["fix"]["applicability"]) for e in entries] == [
        ("typo.py", "KLO101", "unsafe")
    ]


# ---------------------------------------------------------------------------------------------------
# Showing what is fixable


def test_fixable_marks_and_summary_without_fix(cli, tmp_path):
    write(tmp_path, {"model.py": KLO201_SOURCE, "typo.py": TYPO_SOURCE})
    run = cli("check", "--output-format", "concise")
    lines = run.out.splitlines()
    assert lines[0].startswith("model.py:7:38: KLO201 [*] on Keras")
    assert lines[1].startswith("typo.py:7:62: KLO101 `loss` key")  # unsafe: not marked by default
    assert lines[-2:] == [
        "Found 2 errors.",
        "[*] 1 fixable with the --fix option (1 hidden fix can be enabled with the --unsafe-fixes option).",
    ]
    assert (tmp_path / "model.py").read_text() == KLO201_SOURCE  # reporting never writes


def test_unsafe_fixes_without_fix_only_changes_what_is_shown(cli, tmp_path):
    write(tmp_path, {"typo.py": TYPO_SOURCE})
    hint = cli("check", "--output-format", "concise").out.splitlines()
    assert hint[-1] == "No fixes available (1 hidden fix can be enabled with the --unsafe-fixes option)."
    shown = cli("check", "--output-format", "concise", "--unsafe-fixes")
    assert shown.out.splitlines()[0].startswith("typo.py:7:62: KLO101 [*] `loss` key")
    assert shown.out.splitlines()[-1] == "[*] 1 fixable with the --fix option."
    assert (tmp_path / "typo.py").read_text() == TYPO_SOURCE
    quiet = cli("check", "--output-format", "concise", "--no-unsafe-fixes").out.splitlines()
    assert quiet[-1] == "Found 1 error."  # --no-unsafe-fixes: no hint either


def test_full_format_marks_the_header(cli, tmp_path):
    write(tmp_path, {"model.py": KLO201_SOURCE})
    run = cli("check")
    assert run.out.startswith("model.py:7:38: KLO201 [*] on Keras 3.5.0")
    assert "  = help: Rewrite as lists in output order" in run.out


def test_no_marks_while_fixing(cli, tmp_path):
    # ruff marks nothing with --fix: what is left could not be fixed.
    write(tmp_path, {"typo.py": TYPO_SOURCE})
    run = cli("check", "--fix", "--output-format", "concise")
    assert "[*]" not in run.out.splitlines()[0]


def test_statistics_say_which_codes_are_fixable(cli, tmp_path):
    write(tmp_path, {"model.py": KLO201_SOURCE, "typo.py": TYPO_SOURCE})
    run = cli("check", "--statistics")
    assert run.out.splitlines()[:2] == [
        "1\tKLO101\t[ ] loss-key-not-an-output",
        "1\tKLO201\t[*] dict-loss-sorted-order",
    ]
    rows = cli("check", "--statistics", "--output-format", "json", "--unsafe-fixes").json()
    assert [(row["code"], row["fixable"]) for row in rows] == [("KLO101", True), ("KLO201", True)]


# ---------------------------------------------------------------------------------------------------
# --unsafe-fixes with --fix


def test_unsafe_fixes_apply_klo101_renames(tmp_path):
    path = copy_fixture(KLO101_FIXTURE, tmp_path)
    original = path.read_text()
    safe_only = run_subprocess(tmp_path, "check", "--fix", "--output-format", "concise", path.name)
    assert "KLO101" in safe_only.out and '"departmnet"' in path.read_text()
    # The fixture's outputs are not in sorted order: on 3.5.0-3.6.0 a renamed dict would still be
    # applied in sorted key order, so the renames are offered only for the releases after them.
    everywhere = run_subprocess(
        tmp_path, "check", "--fix", "--unsafe-fixes", "--output-format", "concise", path.name
    )
    assert '"departmnet"' in path.read_text() and "KLO101" in everywhere.out
    run = run_subprocess(
        tmp_path, "check", "--fix", "--unsafe-fixes", "--keras-version", ">=3.7",
        "--output-format", "concise", path.name,
    )
    fixed = path.read_text()
    assert '"departmnet"' not in fixed and '"priority_pred"' not in fixed
    assert '"prio": "mse"' in fixed  # the line silenced for KLO101 is left alone
    # The one KLO101 left has no rename: its closest output name is a key of the dict already.
    assert [line for line in run.out.splitlines() if "KLO101" in line] == [
        line for line in run.out.splitlines() if "'scores' names no output of `twin`" in line
    ]
    assert '"scores": "mae"' in fixed
    # KLO201 is about 3.5.0-3.6.0 only, outside the target: what remains is the dict without a rename.
    assert run.code == 1 and "KLO201" not in run.out and "2 fixed, 1 remaining" in run.out, run.out
    assert "# KLO101" in fixed
    comments = [line for line in original.splitlines() if line.startswith("#")]
    assert comments == [line for line in fixed.splitlines() if line.startswith("#")]


# ---------------------------------------------------------------------------------------------------
# --diff and --fix-only


def test_diff_prints_a_unified_diff_and_writes_nothing(tmp_path):
    path = copy_fixture(KLO201_FIXTURE, tmp_path)
    before = path.read_bytes()
    run = run_subprocess(tmp_path, "check", "--diff", path.name)
    assert path.read_bytes() == before
    assert run.code == 1
    assert run.out == (
        f"--- {path.name}\n"
        f"+++ {path.name}\n"
        "@@ -9,8 +9,8 @@\n"
        " \n"
        " model.compile(\n"
        '     optimizer="adam",\n'
        '-    loss={"output_small": "mse", "output_big": "mae"},  # KLO201\n'
        '-    loss_weights={"output_small": 1.0, "output_big": 0.5},\n'
        '+    loss=["mse", "mae"],  # KLO201\n'
        "+    loss_weights=[1.0, 0.5],\n"
        " )\n"
        " \n"
        " # Lists in output order mean the same on every release.\n"
        "\n"
        "Would fix 1 error.\n"
    )


def test_diff_with_nothing_to_fix_exits_0(cli, tmp_path):
    write(tmp_path, {"typo.py": TYPO_SOURCE})
    run = cli("check", "--diff")
    assert (run.code, run.out) == (0, "No errors would be fixed (1 fix available with --unsafe-fixes).\n")
    assert cli("check", "--diff", "--no-unsafe-fixes", "-q").out == ""


def test_diff_wins_over_fix(cli, tmp_path):
    write(tmp_path, {"model.py": KLO201_SOURCE})
    run = cli("check", "--fix", "--diff")
    assert run.code == 1
    assert run.out.startswith("--- model.py\n+++ model.py\n")
    assert (tmp_path / "model.py").read_text() == KLO201_SOURCE


def test_fix_only_reports_what_was_fixed(cli, tmp_path):
    write(tmp_path, {"model.py": KLO201_SOURCE, "typo.py": TYPO_SOURCE})
    run = cli("check", "--fix-only")
    assert run.out == "Fixed 1 error (1 additional fix available with --unsafe-fixes).\n"
    assert run.code == 0  # what is left is not reported, so it does not fail the run (as ruff)
    assert (tmp_path / "model.py").read_text().splitlines()[KLO201_LINE - 1] == FIXED_LINE
    again = cli("check", "--fix-only", "--unsafe-fixes", "--exit-non-zero-on-fix")
    assert (again.code, again.out) == (1, "Fixed 1 error.\n")  # the rename


# ---------------------------------------------------------------------------------------------------
# Encodings, line breaks, permissions, links


def test_crlf_and_a_latin_1_cookie_round_trip(cli, tmp_path):
    header = "# -*- coding: latin-1 -*-\n# Modèle à deux têtes\n"
    original = (header + KLO201_SOURCE).replace("\n", "\r\n").encode("latin-1")
    write(tmp_path, {"model.py": original})
    run = cli("check", "--fix", "--output-format", "concise")
    assert run.code == 0, run.out + run.err
    expected = (header + KLO201_SOURCE).replace(
        'loss={"output_small": "mse", "output_big": "mae"}', 'loss=["mse", "mae"]'
    )
    assert (tmp_path / "model.py").read_bytes() == expected.replace("\n", "\r\n").encode("latin-1")


def test_a_bom_is_kept(cli, tmp_path):
    write(tmp_path, {"model.py": b"\xef\xbb\xbf" + KLO201_SOURCE.encode()})
    cli("check", "--fix")
    data = (tmp_path / "model.py").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\xef\xbb\xbf") == 1
    assert FIXED_LINE.encode() in data


def test_mixed_line_breaks_are_left_as_they_are(cli, tmp_path):
    source = KLO201_SOURCE.replace("import keras\n", "import keras\r\n")
    write(tmp_path, {"model.py": source.encode()})
    cli("check", "--fix")
    assert (tmp_path / "model.py").read_bytes() == source.replace(
        'loss={"output_small": "mse", "output_big": "mae"}', 'loss=["mse", "mae"]'
    ).encode()


def test_permission_bits_are_kept(cli, tmp_path):
    write(tmp_path, {"model.py": KLO201_SOURCE})
    (tmp_path / "model.py").chmod(0o751)
    cli("check", "--fix")
    assert stat.S_IMODE((tmp_path / "model.py").stat().st_mode) == 0o751
    assert leftover_temporary_files(tmp_path) == []


def test_a_symlink_stays_a_link_and_its_target_is_fixed(cli, tmp_path):
    write(tmp_path, {"real/model.py": KLO201_SOURCE})
    (tmp_path / "link.py").symlink_to(tmp_path / "real" / "model.py")
    cli("check", "--fix", "link.py")
    assert (tmp_path / "link.py").is_symlink()
    assert FIXED_LINE in (tmp_path / "real" / "model.py").read_text()


# ---------------------------------------------------------------------------------------------------
# Atomic, safe writes


def test_a_file_changed_between_read_and_write_is_not_overwritten(cli, tmp_path, monkeypatch):
    import keras_loss_lint.faces.cli.fixer as fixer

    write(tmp_path, {"model.py": KLO201_SOURCE, "other.py": KLO201_SOURCE})
    real_fix_task = fixer.fix_task
    concurrent_edit = KLO201_SOURCE + "print('edited meanwhile')\n"

    def fix_then_someone_edits(task, unsafe=False):
        outcome = real_fix_task(task, unsafe)
        if task.path.name == "model.py":  # after the read, before the write: another editor saves
            task.path.write_text(concurrent_edit)
        return outcome

    monkeypatch.setattr(fixer, "fix_task", fix_then_someone_edits)
    run = cli("check", "--fix", "--output-format", "concise")
    assert run.err == (
        "model.py: error: the file changed on disk while it was being fixed; it was not overwritten\n"
    )
    assert run.code == 2
    assert (tmp_path / "model.py").read_text() == concurrent_edit
    assert FIXED_LINE in (tmp_path / "other.py").read_text()  # the other file is fixed all the same
    assert leftover_temporary_files(tmp_path) == []


def test_a_failed_write_leaves_the_original(cli, tmp_path, monkeypatch):
    import keras_loss_lint.core.writing as writing

    def disk_full(source, destination):
        raise OSError(28, "No space left on device")

    # Tests run as root, for whom a read-only directory is writable: make the final rename fail.
    monkeypatch.setattr(writing.os, "replace", disk_full)
    write(tmp_path, {"model.py": KLO201_SOURCE})
    run = cli("check", "--fix")
    assert run.err == "model.py: error: cannot write the fixed file: No space left on device\n"
    assert run.code == 2
    assert (tmp_path / "model.py").read_text() == KLO201_SOURCE
    assert leftover_temporary_files(tmp_path) == []


def test_a_fix_that_cannot_be_encoded_is_not_written(cli, tmp_path, monkeypatch, fake_rule):
    # The stand-in rule's fix text is plain ASCII; make it something latin-1 cannot hold.
    import cli_helpers

    monkeypatch.setattr(cli_helpers, "FIX_CONTENT", "model.compile_\u03b1")
    source = "# coding: latin-1\nimport keras\nmodel = keras.Sequential()\nmodel.compile(loss='mse')\n"
    write(tmp_path, {"m.py": source})
    run = cli("check", "--fix")
    assert run.code == 2
    assert run.err == "m.py: error: cannot write the fixed file: not representable in latin-1\n"
    assert "compile_" not in (tmp_path / "m.py").read_text(encoding="latin-1")


def test_stdin_whose_fix_cannot_be_encoded_passes_through(cli, tmp_path, monkeypatch, fake_rule):
    import cli_helpers

    monkeypatch.setattr(cli_helpers, "FIX_CONTENT", "model.compile_\u03b1")
    source = "# coding: latin-1\nimport keras\nmodel = keras.Sequential()\nmodel.compile(loss='mse')\n".encode(
        "latin-1"
    )
    run = cli("check", "--fix", "-", stdin=source)
    assert (run.code, run.out) == (2, source.decode("latin-1"))
    assert run.err == "-: error: cannot write the fixed source: not representable in latin-1\nFound 1 error.\n"


# ---------------------------------------------------------------------------------------------------
# What fixing respects


def test_per_file_ignores_and_noqa_are_respected(cli, tmp_path):
    noqa = KLO201_SOURCE.replace('"mae"})\n', '"mae"})  # noqa: KLO201\n')
    write(
        tmp_path,
        {
            "pyproject.toml": '[tool.keras-loss-lint.per-file-ignores]\n"legacy/*" = ["KLO2"]\n',
            "legacy/model.py": KLO201_SOURCE,
            "silenced.py": noqa,
            "model.py": KLO201_SOURCE,
        },
    )
    run = cli("check", "--fix", "--output-format", "concise")
    assert run.out == "Found 1 error (1 fixed, 0 remaining).\n"
    assert (tmp_path / "legacy" / "model.py").read_text() == KLO201_SOURCE
    assert (tmp_path / "silenced.py").read_text() == noqa


def test_a_file_with_a_syntax_error_is_reported_not_fixed(cli, tmp_path):
    broken = KLO201_SOURCE + "model.fit(\n"
    write(tmp_path, {"broken.py": broken})
    run = cli("check", "--fix", "--output-format", "concise")
    assert run.out.startswith("broken.py:8:10: SyntaxError: '(' was never closed")
    assert (tmp_path / "broken.py").read_text() == broken


def test_fixing_many_files_in_a_pool_equals_fixing_them_serially(tmp_path):
    for name in ("serial", "pool"):
        write(tmp_path / name, {f"m{i}.py": KLO201_SOURCE for i in range(20)})
    serial = run_subprocess(tmp_path / "serial", "check", "--fix", "--jobs", "1")
    pool = run_subprocess(tmp_path / "pool", "check", "--fix", "--jobs", "2")
    assert (serial.code, serial.out) == (pool.code, pool.out) == (0, "Found 20 errors (20 fixed, 0 remaining).\n")
    for index in range(20):
        assert (tmp_path / "pool" / f"m{index}.py").read_text() == (tmp_path / "serial" / f"m{index}.py").read_text()
        assert FIXED_LINE in (tmp_path / "pool" / f"m{index}.py").read_text()


# ---------------------------------------------------------------------------------------------------
# stdin


def test_stdin_fix_prints_the_fixed_source_and_reports_on_stderr(tmp_path):
    source = (TYPO_SOURCE + "\n" + KLO201_SOURCE.split("\n", 2)[2]).encode()
    run = run_subprocess(tmp_path, "check", "--fix", "-", "--output-format", "concise", stdin=source)
    assert run.out == source.decode().replace(DICT_LOSS, 'loss=["mse", "mae"]')
    assert run.err.startswith("-:7:62: KLO101 `loss` key 'outptu_big'")
    assert run.err.endswith("Found 2 errors (1 fixed, 1 remaining).\nNo fixes available "
                            "(1 hidden fix can be enabled with the --unsafe-fixes option).\n")
    assert run.code == 1


def test_stdin_fix_with_nothing_to_fix_echoes_the_source(cli, tmp_path):
    source = "import keras\nprint('nothing here')\n".encode()
    run = cli("check", "--fix", "-", stdin=source)
    assert (run.code, run.out, run.err) == (0, source.decode(), "All checks passed!\n")


def test_stdin_diff(cli, tmp_path):
    run = cli("check", "--diff", "-", "--stdin-filename", "model.py", stdin=KLO201_SOURCE.encode())
    assert run.out.startswith("--- model.py\n+++ model.py\n@@ ")
    assert f"+{FIXED_LINE}\n" in run.out
    assert run.err == "Would fix 1 error.\n"
    assert run.code == 1


# ---------------------------------------------------------------------------------------------------
# Notebooks


def jupyter_notebook(*sources: str) -> str:
    """A notebook as Jupyter writes it (indent 1, sorted keys), with outputs and metadata to keep."""
    cells: list[dict] = [{"cell_type": "markdown", "metadata": {}, "source": ["# Two heads\n"]}]
    for count, source in enumerate(sources, 1):
        cells.append(
            {
                "cell_type": "code",
                "execution_count": count,
                "metadata": {"tags": ["keep-me"]},
                "outputs": [{"name": "stdout", "output_type": "stream", "text": [f"output {count}\n"]}],
                "source": source.splitlines(keepends=True),
            }
        )
    data = {
        "cells": cells,
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


MAGIC_CELL = "%pip install keras==3.5.0\nimport keras\nfrom keras import layers\n!nvidia-smi"
MODEL_CELL = KLO201_SOURCE.split("\n", 2)[2] + "%time model.summary()"


def test_notebook_is_fixed_in_place_keeping_outputs_layout_and_magics(cli, tmp_path):
    text = jupyter_notebook(MAGIC_CELL, MODEL_CELL, "model.fit(x, y)\n")
    write(tmp_path, {"nb.ipynb": text})
    run = cli("check", "--fix", "--output-format", "concise")
    assert run.out == "Found 1 error (1 fixed, 0 remaining).\n", run.out + run.err
    fixed = (tmp_path / "nb.ipynb").read_text()
    # Byte for byte, the only change is the fixed line of cell 3.
    changed = [(a, b) for a, b in zip(text.splitlines(), fixed.splitlines()) if a != b]
    assert changed == [
        (
            '    "model.compile(optimizer=\\"adam\\", '
            'loss={\\"output_small\\": \\"mse\\", \\"output_big\\": \\"mae\\"})\\n",',
            '    "model.compile(optimizer=\\"adam\\", loss=[\\"mse\\", \\"mae\\"])\\n",',
        )
    ]
    assert len(text.splitlines()) == len(fixed.splitlines())
    cells = json.loads(fixed)["cells"]
    assert "".join(cells[1]["source"]) == MAGIC_CELL
    assert "".join(cells[2]["source"]).endswith("%time model.summary()")
    assert [cell.get("outputs") for cell in cells[1:]] == [
        [{"name": "stdout", "output_type": "stream", "text": [f"output {n}\n"]}] for n in (1, 2, 3)
    ]
    assert cli("check", "--fix").out == "All checks passed!\n"  # idempotent
    assert (tmp_path / "nb.ipynb").read_text() == fixed


def test_notebook_diff_is_per_cell(cli, tmp_path):
    write(tmp_path, {"nb.ipynb": jupyter_notebook(MAGIC_CELL, MODEL_CELL)})
    run = cli("check", "--diff")
    assert run.out.startswith("--- nb.ipynb:cell 3\n+++ nb.ipynb:cell 3\n@@ ")
    assert f"+{FIXED_LINE}\n" in run.out
    assert run.out.endswith("Would fix 1 error.\n")


def test_notebook_with_a_broken_cell_still_gets_the_other_cells_fixed(cli, tmp_path):
    write(tmp_path, {"nb.ipynb": jupyter_notebook(MAGIC_CELL, MODEL_CELL, "model.fit(\n")})
    run = cli("check", "--fix", "--output-format", "concise")
    assert run.out.splitlines() == [
        "nb.ipynb:cell 4 (code cell 3, [3]):1:10: SyntaxError: '(' was never closed",
        "Found 2 errors (1 fixed, 1 remaining).",
    ]
    cells = json.loads((tmp_path / "nb.ipynb").read_text())["cells"]
    assert FIXED_LINE in "".join(cells[2]["source"])
    assert "".join(cells[3]["source"]) == "model.fit(\n"


def test_stdin_notebook_fix_prints_the_notebook(cli, tmp_path):
    text = notebook(("code", KLO201_SOURCE))
    run = cli("check", "--fix", "-", "--stdin-filename", "nb.ipynb", stdin=text.encode())
    assert run.code == 0, run.err
    assert FIXED_LINE in "".join(json.loads(run.out)["cells"][0]["source"])


@pytest.mark.parametrize("crlf_json", [False, True])
def test_notebook_crlf_is_kept(cli, tmp_path, crlf_json):
    data = json.loads(notebook(("code", KLO201_SOURCE)))
    data["cells"][0]["source"] = [line.replace("\n", "\r\n") for line in data["cells"][0]["source"]]
    text = json.dumps(data, indent=1) + "\n"
    if crlf_json:
        text = text.replace("\n", "\r\n")
    write(tmp_path, {"nb.ipynb": text.encode()})
    assert cli("check", "--fix").code == 0
    raw = (tmp_path / "nb.ipynb").read_bytes()
    assert (raw.count(b"\r\n") == raw.count(b"\n")) is crlf_json
    source = "".join(json.loads(raw)["cells"][0]["source"])
    assert source.count("\r\n") == source.count("\n") == KLO201_SOURCE.count("\n")
    assert FIXED_LINE in source
