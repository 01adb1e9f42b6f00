"""Notebooks: joining cells into one module, IPython syntax, position maps, writing cells back."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from keras_loss_lint.core.diagnostics import Position
from keras_loss_lint.faces.notebook import NotebookError, parse_notebook, transform_cell

MODEL_CELL = textwrap.dedent("""\
    inp = keras.Input(shape=(4,))
    small = layers.Dense(1, name="output_small")(inp)
    big = layers.Dense(1, name="output_big")(inp)
    model = keras.Model(inp, [small, big])
    model.compile(optimizer="adam", loss={"output_small": "mse", "output_big": "mae"})""")
IMPORTS = "import keras\nfrom keras import layers\n"


def make(*cells: tuple[str, str | list[str]], language: str | None = "python", indent: int = 1) -> str:
    body = []
    for kind, source in cells:
        cell: dict[str, object] = {"cell_type": kind, "metadata": {}, "source": source}
        if kind == "code":
            cell.update(
                execution_count=None, outputs=[{"output_type": "stream", "name": "stdout", "text": ["hi\n"]}]
            )
        body.append(cell)
    metadata = {"kernelspec": {"language": language, "name": "k"}} if language else {}
    return (
        json.dumps({"cells": body, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}, indent=indent)
        + "\n"
    )


# ---------------------------------------------------------------------------------------------------
# Joining and mapping


def test_cells_join_like_ruff_and_number_among_all_cells():
    nb = parse_notebook(
        make(("markdown", "# T"), ("code", ["a = 1\n", "b = 2\n"]), ("raw", "x"), ("code", "c = 3"))
    )
    assert nb.source == "a = 1\nb = 2\n\nc = 3\n"
    assert [(cell.number, cell.first_line, cell.line_count) for cell in nb.cells] == [(2, 1, 3), (4, 4, 1)]
    assert nb.to_cell(Position(2, 4)) == (2, Position(2, 4))
    assert nb.to_cell(Position(4, 0)) == (4, Position(1, 0))
    assert nb.to_module(4, Position(1, 2)) == Position(4, 2)
    assert nb.to_module(2, Position(9, 0)) is None
    assert nb.to_module(1, Position(1, 0)) is None  # a markdown cell is not in the module


def test_empty_cells_keep_one_line():
    nb = parse_notebook(make(("code", ""), ("code", "x = 1")))
    assert nb.source == "\nx = 1\n"
    assert nb.to_cell(Position(2, 0)) == (2, Position(1, 0))


def test_raw_sources_keep_magics_for_the_version_search():
    nb = parse_notebook(
        make(("markdown", "!pip install keras==2.0"), ("code", "%pip install keras==3.5.0\nimport keras"))
    )
    assert nb.raw_cell_sources == ("", "%pip install keras==3.5.0\nimport keras")


def test_crlf_cells():
    nb = parse_notebook(make(("code", "a = 1\r\nb = 2\r\n")))
    assert nb.source == "a = 1\nb = 2\n\n"


def test_non_python_notebooks_are_recognised():
    assert not parse_notebook(make(("code", "x <- 1"), language="R")).is_python
    assert parse_notebook(make(("code", "x = 1"), language=None)).is_python


# ---------------------------------------------------------------------------------------------------
# IPython syntax


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("%pip install keras", "pass"),
        ("!ls -la", "pass"),
        ("files = !ls", "pass"),
        ("a, b = %sx echo 1", "pass"),
        ("?model.fit", "pass"),
        ("model.fit?", "pass"),
        ("model.fit??", "pass"),
        ("pip install keras", "pass"),
        ("cd /tmp", "cd /tmp"),  # valid Python (a division): left alone
        ("time = 3", "time = 3"),
        ("x = 'what?'  # really?", "x = 'what?'  # really?"),
        ("x != y", "x != y"),
        ("   ", "   "),
    ],
)
def test_line_escapes(line, expected):
    assert transform_cell(line) == expected


def test_escapes_keep_indentation_and_line_count():
    source = "for i in range(3):\n    !echo $i\n    %time f(i)\nprint(i)"
    assert transform_cell(source) == "for i in range(3):\n    pass\n    pass\nprint(i)"


def test_continued_magic():
    assert transform_cell("%pip install \\\n    keras\nx = 1") == "pass\npass\nx = 1"


def test_lines_inside_strings_and_brackets_are_not_escapes():
    source = 'doc = """\n!not a shell\nwhy?\n"""\ncall(\n    %s\n)'
    assert transform_cell(source) == source


def test_cell_magic_skips_the_cell():
    assert transform_cell("\n%%time\nx = 1") is None
    nb = parse_notebook(make(("code", "%%bash\necho hi"), ("code", "x = 1")))
    assert nb.source == "x = 1\n"
    assert nb.cells[0].number == 2


# ---------------------------------------------------------------------------------------------------
# Malformed notebooks


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"cells": [', "not a valid notebook: invalid JSON at line 1 column 12"),
        ("[1, 2]", "not a valid notebook: the JSON is not an object"),
        ('{"metadata": {}}', "not a valid notebook: no 'cells' list"),
        ('{"cells": [{"source": "x"}]}', "not a valid notebook: cell 1 has no 'cell_type'"),
        (
            '{"cells": [{"cell_type": "code", "source": 3}]}',
            "not a valid notebook: cell 1 has a 'source' that is not text",
        ),
        ('{"nbformat": 3, "worksheets": []}', "unsupported notebook format 3"),
    ],
)
def test_malformed(text, message):
    with pytest.raises(NotebookError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        parse_notebook(text)


# ---------------------------------------------------------------------------------------------------
# Writing back


def test_with_cell_sources_keeps_layout_and_outputs():
    text = make(("markdown", "# T"), ("code", ["a = 1\n", "b = 2"]), ("code", "c = 3"))
    nb = parse_notebook(text)
    assert nb.with_cell_sources({}) == text
    rewritten = json.loads(nb.with_cell_sources({2: "a = 10\nb = 2", 3: "c = 30"}))
    assert rewritten["cells"][1]["source"] == ["a = 10\n", "b = 2"]
    assert rewritten["cells"][2]["source"] == "c = 30"
    assert rewritten["cells"][1]["outputs"][0]["text"] == ["hi\n"]
    compact = make(("code", "x = 1"), indent=None).rstrip("\n")
    assert parse_notebook(compact).with_cell_sources({}) == compact


def test_with_cell_sources_keeps_escaped_non_ascii_escaped():
    data = json.loads(make(("markdown", "# Modèle"), ("code", "x = 1")))
    text = json.dumps(data, indent=1, ensure_ascii=True) + "\n"
    nb = parse_notebook(text)
    assert nb.with_cell_sources({}) == text
    assert "\\u00e8" in nb.with_cell_sources({2: "x = 'è'"})
    assert "è" in parse_notebook(make(("code", "x = 1"))).with_cell_sources({1: "x = 'è'"})


def test_with_cell_sources_splits_lines_like_nbformat():
    # Only "\n" ends a stored line: a form feed or a Unicode line separator stays inside its line.
    nb = parse_notebook(make(("code", ["a = 1\n", "b = 2"])))
    rewritten = json.loads(nb.with_cell_sources({1: "a = 1\x0c\nb = '\u2028'\nc = 3\n"}))
    assert rewritten["cells"][0]["source"] == ["a = 1\x0c\n", "b = '\u2028'\n", "c = 3\n"]
    assert json.loads(nb.with_cell_sources({1: ""}))["cells"][0]["source"] == []


# ---------------------------------------------------------------------------------------------------
# Through the CLI


def cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "keras_loss_lint.faces.cli.main", "check", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def write(tmp_path: Path, name: str, text: str) -> None:
    (tmp_path / name).write_text(text, encoding="utf-8")


def test_finding_is_reported_by_cell(tmp_path):
    magic_imports = "%pip install -q keras\n!nvidia-smi\n" + IMPORTS
    write(
        tmp_path,
        "nb.ipynb",
        make(
            ("markdown", "# Model"), ("code", magic_imports), ("code", "%%time\nx = 1"), ("code", MODEL_CELL)
        ),
    )
    run = cli(tmp_path, "--output-format", "concise")
    assert run.returncode == 1, run.stderr
    assert run.stdout.startswith("nb.ipynb:cell 4 (code cell 3):5:38: KLO201 ")
    [entry] = json.loads(cli(tmp_path, "--output-format", "json").stdout)
    assert (entry["cell"], entry["location"], entry["end_location"]) == (
        4,
        {"column": 38, "row": 5},
        {"column": 82, "row": 5},
    )
    full = cli(tmp_path).stdout.splitlines()
    assert full[1:5] == [
        "  |",
        '3 | big = layers.Dense(1, name="output_big")(inp)',
        "4 | model = keras.Model(inp, [small, big])",
        '5 | model.compile(optimizer="adam", loss={"output_small": "mse", "output_big": "mae"})',
    ]


def test_a_broken_cell_is_reported_and_the_rest_still_checked(tmp_path):
    write(
        tmp_path,
        "nb.ipynb",
        make(("code", IMPORTS), ("code", "def broken(:\n    pass"), ("code", MODEL_CELL)),
    )
    run = cli(tmp_path, "--output-format", "concise")
    assert run.returncode == 1
    lines = run.stdout.splitlines()
    assert lines[0] == "nb.ipynb:cell 2:1:12: SyntaxError: invalid syntax"
    assert lines[1].startswith("nb.ipynb:cell 3:5:38: KLO201 ")


def test_malformed_notebook_is_an_error_for_that_file_only(tmp_path):
    write(tmp_path, "truncated.ipynb", make(("code", IMPORTS + MODEL_CELL))[:150])
    write(tmp_path, "good.ipynb", make(("code", IMPORTS + MODEL_CELL)))
    run = cli(tmp_path, "--output-format", "concise")
    assert run.returncode == 1
    assert run.stderr.startswith("truncated.ipynb: error: not a valid notebook: invalid JSON at line")
    assert run.stderr.count("\n") == 1
    assert "good.ipynb:cell 1:7:38: KLO201" in run.stdout
    alone = cli(tmp_path, "truncated.ipynb")
    assert alone.returncode == 2


def test_notebook_pip_pin_sets_the_target(tmp_path):
    pinned = "%pip install keras==3.7.0\n" + IMPORTS
    write(tmp_path, "nb.ipynb", make(("code", pinned), ("code", MODEL_CELL)))
    assert cli(tmp_path).returncode == 0  # KLO201 is a 3.5-3.6 problem; the notebook pins 3.7.0
    settings = cli(tmp_path, "--show-settings", "nb.ipynb").stdout
    assert "target Keras versions = 3.7.0" in settings
    assert "cell 1" in settings


def test_non_python_notebook_is_skipped(tmp_path):
    write(tmp_path, "r.ipynb", make(("code", IMPORTS + MODEL_CELL), language="R"))
    assert cli(tmp_path).returncode == 0


# ---------------------------------------------------------------------------------------------------
# Indented cells: IPython strips a common leading indent before running a cell


INDENTED_MODEL = textwrap.indent(IMPORTS + MODEL_CELL, "    ")


def test_an_indented_cell_is_dedented_and_columns_map_back():
    nb = parse_notebook(make(("markdown", "# T"), ("code", "  a = 1\n\n  if a:\n      b = {1: 2}")))
    [cell] = nb.cells
    assert (cell.indent, cell.code) == ("  ", "a = 1\n\nif a:\n    b = {1: 2}")
    assert nb.source == "a = 1\n\nif a:\n    b = {1: 2}\n"
    # Module column 8 of `b = {1: 2}` is the `{`; in the cell as written it is column 10.
    assert nb.to_cell(Position(4, 8)) == (2, Position(4, 10))
    assert nb.to_module(2, Position(4, 10)) == Position(4, 8)
    assert nb.to_module(2, Position(4, 1)) == Position(4, 0)  # inside the stripped indent
    assert nb.to_cell(Position(2, 0)) == (2, Position(2, 0))  # a blank line keeps its columns
    assert nb.display_source == "  a = 1\n\n  if a:\n      b = {1: 2}\n"


@pytest.mark.parametrize(
    ("source", "indent"),
    [
        ("    x = 1\n    y = 2", "    "),
        ("\t x = 1\n\t y = 2", "\t "),
        ("\n   \n  x = 1\n\n  y = 2\n", "  "),  # blank lines, even whitespace-only ones, do not count
        ("  # a comment first\n  x = 1", "  "),  # as IPython 9 reads it
        ("x = 1\n  y = 2", ""),  # not indented at all
        ("    x = 1\n  y = 2", ""),  # lines do not all share the first one's indent
        ("  x = 1\n# a comment at column 0\n  y = 2", ""),  # IPython 9 strips nothing here either
        ("  x = '''\nat column 0\n'''", ""),  # string lines count: IPython's dedent is textual
    ],
)
def test_which_cells_count_as_indented(source, indent):
    from keras_loss_lint.faces.notebook_magics import cell_indent

    assert cell_indent(source) == indent


def test_an_indented_cell_with_magics_and_a_cell_magic():
    assert transform_cell("  %pip install keras\n  import keras") == "pass\nimport keras"
    assert transform_cell("  %%time\n  x = 1") is None  # after the dedent, a cell magic


def test_the_way_back_is_exact_and_indents_new_lines():
    nb = parse_notebook(make(("code", "  a = 1\n   \n  b = 2")))
    [cell] = nb.cells
    assert cell.unindented_source == "a = 1\n   \nb = 2"
    assert cell.indented(cell.unindented_source) == cell.source
    assert cell.indented("a = (\n    1\n)\n   \nb = 2") == "  a = (\n      1\n  )\n   \n  b = 2"


def test_an_indented_cell_is_checked_and_reported_at_its_own_columns(tmp_path):
    write(tmp_path, "nb.ipynb", make(("markdown", "# Model"), ("code", INDENTED_MODEL)))
    run = cli(tmp_path, "--output-format", "concise")
    assert run.returncode == 1, run.stderr
    assert run.stdout.startswith("nb.ipynb:cell 2 (code cell 1):7:42: KLO201 ")
    [entry] = json.loads(cli(tmp_path, "--output-format", "json").stdout)
    assert (entry["location"], entry["end_location"]) == ({"column": 42, "row": 7}, {"column": 86, "row": 7})
    assert entry["fix"]["edits"][0]["location"] == {"column": 42, "row": 7}
    full = cli(tmp_path).stdout.splitlines()
    # The code frame shows the cell as written, the carets under the dict.
    assert full[4:6] == [
        '7 |     model.compile(optimizer="adam", loss={"output_small": "mse", "output_big": "mae"})',
        "  | " + " " * 41 + "^" * 44 + " KLO201",
    ]


def test_an_indented_cell_is_fixed_in_place_keeping_its_indent(tmp_path):
    write(tmp_path, "nb.ipynb", make(("code", INDENTED_MODEL)))
    run = cli(tmp_path, "--fix")
    assert run.returncode == 0, run.stdout + run.stderr
    [cell] = json.loads((tmp_path / "nb.ipynb").read_text(encoding="utf-8"))["cells"]
    assert cell["source"] == INDENTED_MODEL.replace(
        'loss={"output_small": "mse", "output_big": "mae"}', 'loss=["mse", "mae"]'
    )


def test_a_syntax_error_in_an_indented_cell_is_at_its_own_column(tmp_path):
    write(tmp_path, "nb.ipynb", make(("code", IMPORTS), ("code", "    model.compile(\n    y = 2")))
    run = cli(tmp_path, "--output-format", "concise")
    assert run.stdout.splitlines()[0] == "nb.ipynb:cell 2:1:18: SyntaxError: '(' was never closed"


# ---------------------------------------------------------------------------------------------------
# Positions users can find: the code cell's number and the execution count


def test_code_cell_numbers_and_execution_counts():
    data = json.loads(make(("markdown", "# T"), ("code", "a = 1"), ("code", "%%bash\nls"), ("code", "b = 2")))
    data["cells"][1]["execution_count"] = 12
    data["cells"][3]["execution_count"] = True  # not a count: ignored
    nb = parse_notebook(json.dumps(data))
    assert [(c.number, c.code_number, c.execution_count) for c in nb.cells] == [(2, 1, 12), (4, 3, None)]


def test_a_finding_names_the_code_cell_and_its_execution_count(tmp_path):
    data = json.loads(make(("markdown", "# Model"), ("code", IMPORTS), ("markdown", "## Fit"), ("code", MODEL_CELL)))
    data["cells"][3]["execution_count"] = 7
    write(tmp_path, "nb.ipynb", json.dumps(data))
    run = cli(tmp_path, "--output-format", "concise")
    assert run.stdout.startswith("nb.ipynb:cell 4 (code cell 2, [7]):5:38: KLO201 ")
    [entry] = json.loads(cli(tmp_path, "--output-format", "json").stdout)
    assert (entry["cell"], entry["code_cell"], entry["execution_count"]) == (4, 2, 7)
    assert list(entry) == sorted(entry)  # ruff's keys, in ruff's order, the two new ones among them
    grouped = cli(tmp_path, "--output-format", "grouped").stdout.splitlines()
    assert grouped[1].startswith("  cell 4 (code cell 2, [7]):5:38 KLO201 ")
