"""What `--fix` may write, and how: only where an editor would write, and nothing it did not fix.

- Mode bits decide, not `os.access` (which says yes to root for everything): a file with no write bit,
  or in a directory with no write bit, is refused.
- A symbolic link is followed only into the tree being fixed, unless `--fix-through-symlinks`.
- A file with several hard links is refused (the atomic rename would split it from its other names).
- A notebook's JSON is edited in place: only the fixed cells' `source` values change, so numbers,
  layout, key order and repeated keys stay as written.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Iterator

import pytest
from robust_helpers import KLO201_SOURCE, run_cli

from keras_loss_lint.core import writing
from keras_loss_lint.core.writing import WriteError, content_digest, write_if_unchanged
from keras_loss_lint.faces.notebook import NotebookError, parse_notebook

FIXED_LINE = 'model.compile(optimizer="adam", loss=["mse", "mae"])'


@pytest.fixture
def as_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """What root sees: every access check passes, whatever the mode bits say."""
    monkeypatch.setattr(os, "access", lambda *args, **kwargs: True)


@pytest.fixture
def restore_modes(tmp_path: Path) -> Iterator[None]:
    """Make everything under tmp_path writable again, so that it can be removed."""
    yield
    for path in [tmp_path, *tmp_path.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | stat.S_IWUSR | stat.S_IXUSR if path.is_dir() else 0o644)


def write(path: Path, data: bytes, policy: writing.WritePolicy | None = None) -> None:
    if policy is None:
        write_if_unchanged(path, data, content_digest(path.read_bytes()))
    else:
        write_if_unchanged(path, data, content_digest(path.read_bytes()), policy)


def project(tmp_path: Path, name: str = "model.py") -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / name).write_text(KLO201_SOURCE)
    return root


# ------------------------------------------------------------------ mode bits


def test_a_file_without_write_bits_is_refused_even_for_root(tmp_path: Path, as_root: None, restore_modes: None) -> None:
    path = tmp_path / "model.py"
    path.write_text("x = 1\n")
    path.chmod(0o444)
    with pytest.raises(WriteError, match=r"read-only \(mode 0444\)"):
        write(path, b"x = 2\n")
    assert path.read_text() == "x = 1\n"


def test_a_directory_without_write_bits_is_refused_even_for_root(
    tmp_path: Path, as_root: None, restore_modes: None
) -> None:
    directory = tmp_path / "locked"
    directory.mkdir()
    path = directory / "model.py"
    path.write_text("x = 1\n")
    directory.chmod(0o555)
    with pytest.raises(WriteError, match=r"directory is read-only \(mode 0555\)"):
        write(path, b"x = 2\n")
    assert path.read_text() == "x = 1\n"
    assert sorted(p.name for p in directory.iterdir()) == ["model.py"]  # no temporary file left


def test_one_write_bit_is_enough(tmp_path: Path, as_root: None) -> None:
    path = tmp_path / "model.py"
    path.write_text("x = 1\n")
    path.chmod(0o604)
    write(path, b"x = 2\n")
    assert path.read_text() == "x = 2\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o604


def test_cli_refuses_a_read_only_file(tmp_path: Path, restore_modes: None) -> None:
    root = project(tmp_path)
    (root / "model.py").chmod(0o444)
    result = run_cli(root, "check", "--fix", "--no-cache", ".")
    assert result.code == 2, result.output
    assert "model.py: error: cannot write the fixed file: it is read-only (mode 0444)" in result.err
    assert (root / "model.py").read_text() == KLO201_SOURCE


def test_cli_refuses_a_file_in_a_read_only_directory(tmp_path: Path, restore_modes: None) -> None:
    root = project(tmp_path)
    root.chmod(0o555)
    result = run_cli(root, "check", "--fix", "--no-cache", ".")
    assert result.code == 2, result.output
    assert "model.py: error: cannot write the fixed file: its directory is read-only (mode 0555)" in result.err
    assert (root / "model.py").read_text() == KLO201_SOURCE


# ------------------------------------------------------------------ symbolic links


def linked_outside(tmp_path: Path) -> tuple[Path, Path]:
    """A project whose model.py is a link to a file in another directory."""
    outside = tmp_path / "elsewhere" / "model.py"
    outside.parent.mkdir()
    outside.write_text(KLO201_SOURCE)
    root = tmp_path / "project"
    root.mkdir()
    (root / "model.py").symlink_to(outside)
    return root, outside


def test_cli_refuses_to_write_through_a_link_out_of_the_tree(tmp_path: Path) -> None:
    root, outside = linked_outside(tmp_path)
    result = run_cli(root, "check", "--fix", "--no-cache", ".")
    assert result.code == 2, result.output
    assert f"it is a symbolic link to {outside.resolve()}, outside the tree being fixed" in result.err
    assert outside.read_text() == KLO201_SOURCE


def test_cli_writes_through_a_link_out_of_the_tree_when_asked(tmp_path: Path) -> None:
    root, outside = linked_outside(tmp_path)
    result = run_cli(root, "check", "--fix", "--fix-through-symlinks", "--no-cache", ".")
    assert result.code == 0, result.output
    assert FIXED_LINE in outside.read_text()
    assert (root / "model.py").is_symlink()


def test_cli_writes_through_a_link_inside_the_tree(tmp_path: Path) -> None:
    root = project(tmp_path, "real.py")
    (root / "model.py").symlink_to("real.py")
    result = run_cli(root, "check", "--fix", "--no-cache", "model.py")
    assert result.code == 0, result.output
    assert FIXED_LINE in (root / "real.py").read_text()
    assert (root / "model.py").is_symlink()


def test_policy_roots_are_the_common_directory_and_the_project(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "c").mkdir()
    (tmp_path / "a" / "b" / "m.py").write_text("")
    policy = writing.WritePolicy.for_paths([tmp_path / "a" / "b" / "m.py", tmp_path / "a" / "c"], tmp_path / "proj")
    assert policy.roots == ((tmp_path / "a").resolve(), (tmp_path / "proj").resolve())
    link = tmp_path / "a" / "b" / "link.py"
    assert policy.refusal(link, (tmp_path / "a" / "c" / "x.py").resolve()) is None
    assert policy.refusal(link, (tmp_path / "proj" / "x.py").resolve()) is None
    assert policy.refusal(link, (tmp_path / "other.py").resolve()) is not None
    anywhere = writing.WritePolicy(policy.roots, through_symlinks=True)
    assert anywhere.refusal(link, (tmp_path / "other.py").resolve()) is None


# ------------------------------------------------------------------ hard links


def test_a_file_with_hard_links_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "model.py"
    path.write_text("x = 1\n")
    os.link(path, tmp_path / "twin.py")
    with pytest.raises(WriteError, match="it has 2 hard links"):
        write(path, b"x = 2\n")
    assert path.read_text() == (tmp_path / "twin.py").read_text() == "x = 1\n"


def test_cli_refuses_a_hard_linked_file(tmp_path: Path) -> None:
    root = project(tmp_path)
    os.link(root / "model.py", tmp_path / "twin.py")
    result = run_cli(root, "check", "--fix", "--no-cache", ".")
    assert result.code == 2, result.output
    assert "model.py: error: cannot write the fixed file: it has 2 hard links" in result.err
    assert (tmp_path / "twin.py").read_text() == (root / "model.py").read_text() == KLO201_SOURCE
    assert (root / "model.py").stat().st_ino == (tmp_path / "twin.py").stat().st_ino


# ------------------------------------------------------------------ notebooks: only the sources change

CELL = KLO201_SOURCE.rstrip("\n")
FIXED_CELL = CELL.replace('loss={"output_small": "mse", "output_big": "mae"}', 'loss=["mse", "mae"]')


def source_lines(text: str) -> list[str]:
    lines = [line + "\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    return lines


def indented_notebook(source: str, indent: int = 1) -> str:
    """A notebook as Jupyter lays it out, with numbers json would not write back the same way."""
    cell = {"cell_type": "code", "execution_count": 1, "metadata": {"scale": "@SCALE@"}, "outputs": [],
            "source": source_lines(source)}
    data = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": ["# title"]}, cell],
            "metadata": {"huge": "@HUGE@"}, "nbformat": 4, "nbformat_minor": 5}
    text = json.dumps(data, indent=indent, ensure_ascii=False) + "\n"
    return text.replace('"@SCALE@"', "1.0e5").replace('"@HUGE@"', "1e400")


def test_numbers_and_layout_survive_a_fix() -> None:
    for indent in (1, 2, 4):
        original = indented_notebook(CELL, indent)
        rewritten = parse_notebook(original).with_cell_sources({2: FIXED_CELL})
        assert rewritten == indented_notebook(FIXED_CELL, indent)
        assert "1e400" in rewritten and "1.0e5" in rewritten and "Infinity" not in rewritten


def test_compact_json_stays_compact() -> None:
    data = {"cells": [{"cell_type": "code", "metadata": {"t": "@T@"}, "outputs": [], "source": CELL}],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    original = json.dumps(data, separators=(",", ":")).replace('"@T@"', "1.50")
    rewritten = parse_notebook(original).with_cell_sources({1: FIXED_CELL})
    assert rewritten == original.replace(json.dumps(CELL), json.dumps(FIXED_CELL))


def test_key_order_and_repeated_keys_are_kept() -> None:
    original = (
        '{"nbformat": 4, "metadata": {"tag": 1, "tag": 2}, "nbformat_minor": 5, "cells": [\n'
        ' {"source": ' + json.dumps(CELL) + ', "outputs": [], "metadata": {"a": 1, "a": 2}, "cell_type": "code"}\n'
        "]}\n"
    )
    rewritten = parse_notebook(original).with_cell_sources({1: FIXED_CELL})
    assert rewritten == original.replace(json.dumps(CELL), json.dumps(FIXED_CELL))


def test_a_repeated_source_key_is_refused() -> None:
    original = (
        '{"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "source": "x = 1", '
        '"source": ' + json.dumps(CELL) + '}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
    )
    with pytest.raises(NotebookError, match="cell 1 has the key 'source' twice"):
        parse_notebook(original).with_cell_sources({1: FIXED_CELL})


def test_crlf_json_keeps_its_line_breaks_and_list_layout() -> None:
    original = indented_notebook(CELL).replace("\n", "\r\n")
    rewritten = parse_notebook(original).with_cell_sources({2: FIXED_CELL})
    assert rewritten == indented_notebook(FIXED_CELL).replace("\n", "\r\n")


def test_an_empty_list_source_gets_the_document_layout() -> None:
    original = json.dumps({"cells": [{"cell_type": "code", "source": []}], "nbformat": 4}, indent=1)
    rewritten = parse_notebook(original).with_cell_sources({1: "a = 1\nb = 2"})
    expected = {"cells": [{"cell_type": "code", "source": ["a = 1\n", "b = 2"]}], "nbformat": 4}
    assert rewritten == json.dumps(expected, indent=1)


def _no_constants(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


def test_cli_fixes_a_notebook_without_touching_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "train.ipynb"
    path.write_text(indented_notebook(CELL), encoding="utf-8")
    result = run_cli(tmp_path, "check", "--fix", "--no-cache", "train.ipynb")
    assert result.code == 0, result.output
    written = path.read_text(encoding="utf-8")
    assert written == indented_notebook(FIXED_CELL)
    json.loads(written, parse_constant=_no_constants)  # strict JSON still


def test_cli_leaves_a_notebook_with_a_repeated_source_key_alone(tmp_path: Path) -> None:
    path = tmp_path / "train.ipynb"
    original = indented_notebook(CELL).replace('"outputs": [],', '"source": "x = 1",\n   "outputs": [],', 1)
    path.write_text(original, encoding="utf-8")
    result = run_cli(tmp_path, "check", "--fix", "--no-cache", "train.ipynb")
    assert result.code != 0, result.output
    assert "train.ipynb: error: cannot fix: cell 2 has the key 'source' twice" in result.err
    assert path.read_text(encoding="utf-8") == original
