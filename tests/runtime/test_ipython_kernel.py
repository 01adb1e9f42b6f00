"""The IPython extension in a real kernel: notebooks executed by nbclient, outputs read back.

The kernel has no Keras: linting is static, and for the check after `compile(` a small stand-in
`keras` package (written below) exposes what Keras 3.5.0 exposes on a compiled model (see
runtime/reading.py). The real releases are exercised by tests/conformance/test_explain.py.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

STAND_IN = '''
"""A stand-in for Keras 3.5.0: builds and compiles nothing, but exposes what Keras exposes."""
__version__ = "3.5.0"


class KerasTensor:
    def __init__(self, layer):
        self._keras_history = (layer, 0, 0)
        self.name = layer.name


class Dense:
    def __init__(self, units=1, name="dense", **kwargs):
        self.name = name

    def __call__(self, x):
        return KerasTensor(self)


class layers:
    Dense = Dense


def Input(shape=None, name="input_layer"):
    return KerasTensor(Dense(name=name))


class Model:
    def __new__(cls, *args, **kwargs):
        return object.__new__(Functional if cls is Model else cls)

    def __init__(self, inputs=None, outputs=None):
        self._inputs_struct, self._outputs_struct = inputs, outputs
        self.compiled = False

    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None, **kwargs):
        config = {"optimizer": optimizer, "loss": loss, "loss_weights": loss_weights, "metrics": metrics,
                  "weighted_metrics": kwargs.get("weighted_metrics")}
        self._compile_config = type("SerializableDict", (), {"config": config})()
        self.compiled = True


class Functional(Model):
    pass


Model.__module__ = "keras.src.models.model"
Functional.__module__ = "keras.src.models.functional"
'''

LOAD = "%load_ext keras_loss_lint"
INPUTS = """\
import keras
from keras import layers

inputs = keras.Input(shape=(8,), name="features")
hidden = layers.Dense(16, name="trunk")(inputs)"""
HEADS = """\
small = layers.Dense(1, name="output_small")(hidden)
big = layers.Dense(1, name="output_big")(hidden)
model = keras.Model(inputs, [small, big])"""
COMPILE_DICT = """\
# one loss per head
model.compile(
    optimizer="adam",
    loss={"output_small": "mse", "output_big": "mae"},
)"""
COMPILE_LIST = """\
# one loss per head
model.compile(
    optimizer="adam",
    loss=["mse", "mae"],
)"""
AFTER = 'print("compiled")'


def run_notebook(tmp_path: Path, cells: list[str]) -> list[str]:
    """Execute the cells in a fresh kernel; the text each cell printed."""
    (tmp_path / "keras").mkdir()
    (tmp_path / "keras" / "__init__.py").write_text(textwrap.dedent(STAND_IN))
    setup = f"import sys\nsys.path.insert(0, {str(tmp_path)!r})"
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in [setup, *cells]]
    client = nbclient.NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    return [_text(cell) for cell in notebook.cells[1:]]


def _text(cell: object) -> str:
    return "".join(output.get("text", "") for output in cell.outputs if output.get("output_type") == "stream")


@pytest.fixture(scope="module")
def buggy(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    return run_notebook(tmp_path_factory.mktemp("buggy"), [LOAD, INPUTS, HEADS, COMPILE_DICT, AFTER])


def test_a_bug_spread_over_three_cells_is_found_in_the_cell_that_makes_it(buggy: list[str]) -> None:
    load, inputs, heads, compile_cell, after = buggy
    lint_lines = [line for line in compile_cell.splitlines() if line.startswith("keras-loss-lint: line")]
    assert len(lint_lines) == 1, compile_cell
    # Line 4 of the cell holds the loss dict (the cell's own numbering, not the joined module's).
    assert lint_lines[0].startswith("keras-loss-lint: line 4, col 10: KLO201 "), compile_cell
    assert "'output_small' would get the loss for 'output_big'" in lint_lines[0]
    assert not any("keras-loss-lint" in text for text in (load, inputs, heads, after)), buggy


def test_after_compile_the_live_model_is_checked_for_the_installed_release(buggy: list[str]) -> None:
    compile_cell = buggy[3]
    assert "keras-loss-lint: `model` as compiled, on the installed Keras:" in compile_cell
    assert "on Keras 3.5.0 'output_small' gets the loss for 'output_big'" in compile_cell
    assert "KLO201" in compile_cell.split("as compiled")[1]


def test_a_correct_notebook_prints_nothing(tmp_path: Path) -> None:
    outputs = run_notebook(tmp_path, [LOAD, INPUTS, HEADS, COMPILE_LIST, AFTER])
    assert not any("keras-loss-lint" in text for text in outputs), outputs
    assert outputs[-1] == "compiled\n"


def test_cells_run_before_loading_count_too(tmp_path: Path) -> None:
    outputs = run_notebook(tmp_path, [INPUTS, HEADS, LOAD, COMPILE_DICT])
    assert "KLO201" in outputs[-1], outputs
