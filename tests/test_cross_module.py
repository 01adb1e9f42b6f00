"""Whole-project resolution: models, constants and loss dicts from the project's other modules,
through the core, the CLI (in process and with worker processes), flake8 and notebooks."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fixture_expectations import FIXTURES, expected_diagnostics
from keras_loss_lint.core.lint import lint_source
from keras_loss_lint.core.precheck import has_candidate, needs_analysis
from keras_loss_lint.faces.cli.main import main
from keras_loss_lint.project.index import ProjectIndex, index_for

PROJECTS = FIXTURES / "projects"
PROJECT_FILES = sorted(PROJECTS.rglob("*.py"))
CONCISE = re.compile(r"^(?P<path>.+?):(?P<row>\d+):(?P<col>\d+): (?P<code>KLO\d{3}) ")

MODELS = """\
import keras
from keras import layers


def build(first="severity", second="category"):
    inputs = keras.Input(shape=(8,))
    return keras.Model(inputs, [layers.Dense(1, name=first)(inputs), layers.Dense(1, name=second)(inputs)])
"""
# No Keras word here at all: the model comes from models.py.
TRAIN = """\
from models import build

model = build()
model.compile(optimizer="adam", loss={"severity": "mse", "category": "mae"})
"""


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def expected_in(project: Path) -> set[tuple[str, int, str]]:
    return {
        (path.relative_to(project).as_posix(), row, code)
        for path in sorted(project.rglob("*.py"))
        for row, code in expected_diagnostics(path)
    }


def cli_findings(capsys: pytest.CaptureFixture[str], project: Path, *options: str) -> set[tuple[str, int, str]]:
    capsys.readouterr()
    main(["check", "--no-cache", "--output-format", "concise", *options, str(project)])
    found = set()
    for line in capsys.readouterr().out.splitlines():
        match = CONCISE.match(line)
        if match:
            path = Path(match["path"]).resolve().relative_to(project.resolve()).as_posix()
            found.add((path, int(match["row"]), match["code"]))
    return found


def flake8_findings(project: Path) -> set[tuple[str, int, str]]:
    files = [str(path) for path in sorted(project.rglob("*.py"))]
    completed = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select", "KLO", "--format=%(path)s|%(row)d|%(code)s", *files],
        capture_output=True, text=True, check=False, cwd=project,
    )
    assert "Traceback" not in completed.stderr, completed.stderr
    found = set()
    for line in completed.stdout.splitlines():
        path, row, code = line.split("|")
        found.add((Path(path).resolve().relative_to(project.resolve()).as_posix(), int(row), code))
    return found


PROJECT_DIRS = sorted(path for path in PROJECTS.iterdir() if path.is_dir())


@pytest.mark.parametrize("project", PROJECT_DIRS, ids=lambda p: p.name)
def test_fixture_projects_through_the_cli(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_findings(capsys, project) == expected_in(project)


@pytest.mark.parametrize("project", PROJECT_DIRS, ids=lambda p: p.name)
def test_fixture_projects_through_flake8(project: Path) -> None:
    assert flake8_findings(project) == expected_in(project)


def test_messages_say_where_the_outputs_were_built() -> None:
    path = PROJECTS / "src_layout" / "scripts" / "train.py"
    result = lint_source(path.read_text(encoding="utf-8"), str(path))
    first = result.diagnostics[0]
    assert first.code == "KLO201"
    assert first.message.endswith("(outputs of `build_multitask` in src/trainer/models/heads.py:17)")
    config = PROJECTS / "config_module" / "train.py"
    message = lint_source(config.read_text(encoding="utf-8"), str(config)).diagnostics[0].message
    assert message.endswith("(outputs of the model built in model.py:10)")


def test_results_list_their_dependencies() -> None:
    path = PROJECTS / "src_layout" / "scripts" / "train.py"
    result = lint_source(path.read_text(encoding="utf-8"), str(path))
    heads = str((PROJECTS / "src_layout" / "src" / "trainer" / "models" / "heads.py").resolve())
    assert heads in result.dependencies
    assert result.partial is None
    alone = lint_source(path.read_text(encoding="utf-8"), str(path), project=False)
    assert alone.diagnostics == () and alone.dependencies == ()


def test_no_fix_edits_another_module() -> None:
    path = PROJECTS / "config_module" / "train.py"
    diagnostics = lint_source(path.read_text(encoding="utf-8"), str(path)).diagnostics
    first = [d for d in diagnostics if d.line == 7]
    assert [d.code for d in first] == ["KLO201"] and first[0].fix is None  # the dict is config.py's text
    # The dict this file wrote itself (line 11) is fixed in place, where adding its None is safe (on
    # 3.5.0-3.6.0 that None would drop the other loss too, and the fix is withheld there).
    from keras_loss_lint.keras.versions import TargetVersions
    from keras_loss_lint.project.settings import Settings

    settings = Settings(target=TargetVersions.from_specifier(">=3.7", "test"))
    diagnostics = lint_source(path.read_text(encoding="utf-8"), str(path), settings).diagnostics
    assert any(d.fix is not None and d.fix.edits[0].span.start.line == 11 for d in diagnostics)


def test_a_file_without_the_word_keras_passes_the_project_pre_check(tmp_path: Path) -> None:
    plain = "import re\nre.compile('x')\n"
    write(tmp_path, {"pyproject.toml": "", "models.py": MODELS, "train.py": TRAIN, "plain.py": plain})
    index = index_for(str(tmp_path / "train.py"))
    assert not has_candidate(TRAIN)
    assert needs_analysis(TRAIN, str(tmp_path / "train.py"), index)
    # A file with a method word whose imports reach no Keras module stays skipped.
    assert not needs_analysis("import re\nre.compile('x')\n", str(tmp_path / "plain.py"), index)
    result = lint_source(TRAIN, str(tmp_path / "train.py"))
    assert [(d.line, d.code) for d in result.diagnostics] == [(4, "KLO201")]
    assert flake8_findings(tmp_path) == {("train.py", 4, "KLO201")}


def test_worker_processes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = {"pyproject.toml": "", "models.py": MODELS}
    files.update({f"train_{number:02}.py": TRAIN for number in range(20)})
    write(tmp_path, files)
    found = cli_findings(capsys, tmp_path, "--jobs", "2")
    assert found == {(f"train_{number:02}.py", 4, "KLO201") for number in range(20)}


def test_a_notebook_imports_from_its_own_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cell = {
        "cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": TRAIN.splitlines(True)
    }
    notebook = {
        "cells": [cell], "metadata": {"language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5
    }
    files = {"pyproject.toml": "", "notebooks/models.py": MODELS, "notebooks/explore.ipynb": json.dumps(notebook)}
    write(tmp_path, files)
    capsys.readouterr()
    main(["check", "--no-cache", "--output-format", "concise", str(tmp_path / "notebooks" / "explore.ipynb")])
    assert "KLO201" in capsys.readouterr().out


def test_unsaved_text_of_a_dependency_is_used(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "", "models.py": MODELS, "train.py": TRAIN})
    models = str(tmp_path / "models.py")
    texts: dict[str, str] = {}
    index = ProjectIndex(str(tmp_path), reader=texts.get)
    train = str(tmp_path / "train.py")
    assert [d.code for d in lint_source(TRAIN, train, project=index).diagnostics] == ["KLO201"]
    # Heads renamed in the editor, not saved: the memoised module is not reused.
    texts[models] = MODELS.replace('"severity"', '"alpha"').replace('"category"', '"beta"')
    assert [d.code for d in lint_source(TRAIN, train, project=index).diagnostics] == ["KLO101", "KLO101"]


def test_changes_to_an_imported_module_do_not_leak_into_other_files(tmp_path: Path) -> None:
    config = 'LOSSES = {"severity": "mse", "category": "mae"}\n'
    mutating = (
        "import keras\nimport config\nfrom models import build\n"
        "config.LOSSES = {'severity': 'mse'}\nbuild().compile(loss=config.LOSSES)\n"
    )
    reading = "import keras\nimport config\nfrom models import build\nbuild().compile(loss=config.LOSSES)\n"
    write(tmp_path, {"pyproject.toml": "", "models.py": MODELS, "config.py": config, "a.py": mutating, "b.py": reading})
    index = ProjectIndex(str(tmp_path))
    assert [d.code for d in lint_source(mutating, str(tmp_path / "a.py"), project=index).diagnostics] == ["KLO104"]
    assert [d.code for d in lint_source(reading, str(tmp_path / "b.py"), project=index).diagnostics] == ["KLO201"]


def test_too_many_modules_make_the_result_partial(tmp_path: Path) -> None:
    files = {"pyproject.toml": "", "models.py": MODELS}
    files.update({f"m{number}.py": f"VALUE = {number}\n" for number in range(40)})
    imports = "".join(f"import m{number}\n" for number in range(40))
    train = imports + TRAIN
    files["train.py"] = train
    write(tmp_path, files)
    result = lint_source(train, str(tmp_path / "train.py"))
    assert result.partial is not None and "32" in result.partial
    assert len(result.dependencies) == 32


def test_an_import_cycle_terminates(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "", "a.py": "from b import B\nA = 1\n", "b.py": "from a import A\nB = A\n"})
    train = "import keras\nfrom a import A\nfrom b import B\nkeras.Model().compile(loss=B)\n"
    result = lint_source(train, str(tmp_path / "train.py"))
    assert result.error is None


def test_a_run_time_choice_of_model_stays_silent() -> None:
    path = PROJECTS / "factory" / "train.py"
    assert lint_source(path.read_text(encoding="utf-8"), str(path)).diagnostics == ()


def test_importing_a_dotted_module_runs_every_package_init_on_the_way() -> None:
    project = PROJECTS / "package_init"
    train = project / "train.py"
    assert not has_candidate(train.read_text(encoding="utf-8"))
    assert needs_analysis(train.read_text(encoding="utf-8"), str(train), index_for(str(train)))
    result = lint_source(train.read_text(encoding="utf-8"), str(train))
    assert str((project / "app" / "nets" / "__init__.py").resolve()) in result.dependencies
    # `import app.nets.towers as towers` never names `app.nets`, yet its `__init__` chose the heads.
    evaluate = project / "evaluate.py"
    assert lint_source(evaluate.read_text(encoding="utf-8"), str(evaluate)).diagnostics == ()


def run_cli(project: Path) -> str:
    """`keras-loss-lint check` in a subprocess, with its cache (the cache is what is under test)."""
    completed = subprocess.run(
        [sys.executable, "-m", "keras_loss_lint", "check", "--output-format", "concise", "."],
        capture_output=True, text=True, check=False, cwd=project,
    )
    assert "Traceback" not in completed.stderr, completed.stderr
    return completed.stdout


def test_fixing_a_broken_dependency_invalidates_the_cached_importer(tmp_path: Path) -> None:
    train = "import keras\n" + TRAIN.replace('{"severity": "mse", "category": "mae"}', '["mse"]')
    write(tmp_path, {"pyproject.toml": "", "models.py": MODELS.replace("def build(", "def build(("), "train.py": train})
    assert "train.py:" not in run_cli(tmp_path)  # models.py does not parse: its model is unknown
    assert "train.py:" not in run_cli(tmp_path)  # a cache hit
    (tmp_path / "models.py").write_text(MODELS, encoding="utf-8")
    assert "train.py:5:" in run_cli(tmp_path)


def test_a_package_init_on_the_import_path_is_a_dependency(tmp_path: Path) -> None:
    project = tmp_path / "package_init"
    shutil.copytree(PROJECTS / "package_init", project)
    assert "evaluate.py:" not in run_cli(project)
    assert "evaluate.py:" not in run_cli(project)  # a cache hit
    init = project / "app" / "nets" / "__init__.py"
    init.write_text(init.read_text(encoding="utf-8").replace('"category", "severity"', '"kind", "level"'))
    assert "evaluate.py:7:" in run_cli(project)


def test_a_file_the_pre_check_turns_away_lists_what_it_read(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "", "models.py": "def build():\n    return None\n", "train.py": TRAIN})
    result = lint_source(TRAIN, str(tmp_path / "train.py"))
    assert result.diagnostics == () and result.dependencies == (str(tmp_path / "models.py"),)
    # No call word: nothing another module says can make it a candidate.
    assert lint_source("from models import build\n", str(tmp_path / "train.py")).dependencies == ()


DICT_OUTPUTS = """\
import keras
from keras import layers


def build():
    inputs = keras.Input(shape=(8,))
    outputs = {"sev": layers.Dense(1, name="severity")(inputs), "cat": layers.Dense(1, name="category")(inputs)}
    return keras.Model(inputs, outputs)
"""


def test_a_finding_on_another_modules_model_is_reported_at_this_files_compile(tmp_path: Path) -> None:
    """KLO107 points at an output key; when the model is built in models.py, which never compiles it,
    models.py's own lint has nothing to report, so the compile here carries it, with where."""
    train = "from models import build\n\nmodel = build()\nmodel.compile(loss={'sev': 'mse', 'cat': 'mae'})\n"
    write(tmp_path, {"pyproject.toml": "", "models.py": DICT_OUTPUTS, "train.py": train})
    found = lint_source(train, str(tmp_path / "train.py")).diagnostics
    assert [(d.line, d.column, d.code) for d in found] == [(4, 0, "KLO107"), (4, 0, "KLO107")]
    assert all(d.message.endswith("(outputs of `build` in models.py:8)") and d.fix is None for d in found)
    assert lint_source(DICT_OUTPUTS, str(tmp_path / "models.py")).diagnostics == ()
    # Two models of the same builder: which compile the rule spoke of is not known, so nothing moves.
    twice = "from models import build\n\nbuild().compile(loss={'sev': 'mse'})\nbuild().compile(loss='mse')\n"
    assert [d.code for d in lint_source(twice, str(tmp_path / "twice.py")).diagnostics if d.code == "KLO107"] == []
    # Built and compiled in one module: reported at the key itself, as before.
    alone = DICT_OUTPUTS + "\n\nbuild().compile(loss={'sev': 'mse', 'cat': 'mae'})\n"
    assert [(d.line, d.code) for d in lint_source(alone, str(tmp_path / "alone.py")).diagnostics] == [
        (7, "KLO107"), (7, "KLO107")
    ]


def test_every_project_fixture_has_a_root() -> None:
    for path in PROJECT_FILES:
        index = index_for(str(path))
        assert index is not None and Path(index.root).parent == PROJECTS, path
