"""A notebook's cells as one module and positions mapped back into each cell (no server here)."""

from __future__ import annotations

from pathlib import Path

from keras_loss_lint.core.diagnostics import Applicability, Diagnostic, Edit, Fix, Position, Span
from keras_loss_lint.faces.lsp.linting import Linter
from keras_loss_lint.faces.lsp.notebook_cells import CellText, NotebookModule, is_code_cell

PIP, TITLE, MODEL, BASH, COMPILE = (f"cell:{n}" for n in range(1, 6))
CELLS = [
    CellText(PIP, True, "!pip install keras==3.5.0"),
    CellText(TITLE, False, "# The model\nwith markdown that is no code"),
    CellText(MODEL, True, "import keras\r\nx = 1\r\n%time y = 2"),
    CellText(BASH, True, "%%bash\necho hi"),
    CellText(COMPILE, True, "\nmodel.compile(loss={})"),
]


def test_cells_are_joined_in_order_with_ipython_syntax_masked_like_the_cli() -> None:
    module = NotebookModule(CELLS)
    assert module.source == "pass\nimport keras\nx = 1\npass\n\nmodel.compile(loss={})\n"
    assert module.code_cell_uris == (PIP, MODEL, COMPILE)  # markdown and a cell magic are no code
    assert module.raw_cells[0] == "!pip install keras==3.5.0" and module.raw_cells[1] == ""


def test_positions_map_to_the_cell_and_back() -> None:
    module = NotebookModule(CELLS)
    assert module.to_cell(Position(1, 0)) == (PIP, Position(1, 0))
    assert module.to_cell(Position(3, 4)) == (MODEL, Position(2, 4))
    assert module.to_cell(Position(6, 14)) == (COMPILE, Position(2, 14))
    assert module.to_module(COMPILE, Position(2, 14)) == Position(6, 14)
    assert module.to_module(TITLE, Position(1, 0)) is None  # markdown is not in the module
    assert module.to_module("cell:unknown", Position(1, 0)) is None


def test_diagnostics_move_into_their_cell_and_a_fix_spanning_cells_is_withheld() -> None:
    module = NotebookModule(CELLS)
    in_compile = Span(Position(6, 19), Position(6, 21))
    inside = Fix("Rewrite", Applicability.SAFE, (Edit(in_compile, "[]"),))
    across = Fix("Rewrite", Applicability.SAFE, (Edit(in_compile, "[]"), Edit(Span.at(2, 0), "# ")))
    moved = module.in_cells(
        [Diagnostic("KLO201", "m", in_compile, inside), Diagnostic("KLO201", "m", in_compile, across)]
    )
    assert [item.uri for item in moved] == [COMPILE, COMPILE]
    first, second = (item.diagnostic for item in moved)
    assert first.span == Span(Position(2, 19), Position(2, 21))
    assert first.fix is not None and first.fix.edits[0].span == first.span
    assert second.fix is None


def test_a_cell_that_is_not_python_is_left_out_and_the_rest_still_counts() -> None:
    cells = [*CELLS, CellText("cell:6", True, "def broken(:\n")]
    module = NotebookModule(cells)
    assert module.broken_cells() == [6]
    assert module.blanked([6]).endswith("model.compile(loss={})\n\n\n")


def test_code_cells_are_python_cells_only() -> None:
    assert is_code_cell(True, "python") and is_code_cell(True, None)
    assert not is_code_cell(False, "python") and not is_code_cell(True, "sql")


def test_a_pip_cell_pins_the_target_versions(tmp_path: Path) -> None:
    module = NotebookModule(CELLS)
    settings = Linter().file_settings(tmp_path / "train.ipynb", [tmp_path], module.raw_cells).settings
    assert [str(version) for version in settings.target.versions] == ["3.5.0"]
    assert "cell 1" in settings.target.source
