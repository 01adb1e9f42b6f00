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
    assert len([path for path in result.dependencies if Path(path).is_file()]) == 32


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
    # A package `models/` would be imported instead of models.py: its absence counts too.
    absent_package = str(tmp_path / "models" / "__init__.py")
    assert result.diagnostics == () and result.dependencies == (str(tmp_path / "models.py"), absent_package)
    # No call word here: models.py may still come to compile in `build`, which this file names.
    imported_only = lint_source("from models import build\n", str(tmp_path / "train.py"))
    assert imported_only.dependencies == result.dependencies
    # Importing no project module at all: nothing another file says can make it a candidate.
    assert lint_source("import os\nos.compile = 1\n", str(tmp_path / "train.py")).dependencies == ()


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


# ---------------------------------------------------------------- a helper of another module compiles

HELPERS = """\
def compile_fixed(model):
    model.compile(optimizer="adam", loss={"category": "mse", "severity": "mae"})
    return model
"""
# Neither `keras` nor a `.compile(` here: the call is in helpers.py, the model comes from models.py.
CALLS_HELPER = "from models import build\nfrom helpers import compile_fixed\n\ncompile_fixed(build())\n"


def test_a_helper_compiling_the_callers_model_is_reported_at_the_callers_call(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, {"pyproject.toml": "", "models.py": MODELS, "helpers.py": HELPERS, "train.py": CALLS_HELPER})
    train = str(tmp_path / "train.py")
    found = lint_source(CALLS_HELPER, train).diagnostics
    assert [(d.line, d.column, d.code) for d in found] == [(4, 0, "KLO201")]
    assert found[0].fix is None  # the dict to rewrite is helpers.py's text
    assert found[0].message.endswith(
        "(`compile()` in helpers.py:2 of `compile_fixed`, called here; outputs of `build` in models.py:7)"
    )
    # helpers.py alone cannot know the model it is handed; models.py compiles nothing.
    assert lint_source(HELPERS, str(tmp_path / "helpers.py")).diagnostics == ()
    assert cli_findings(capsys, tmp_path) == {("train.py", 4, "KLO201")}
    # Without the project's modules nothing is known.
    assert lint_source(CALLS_HELPER, train, project=False).diagnostics == ()


def test_the_recorded_call_says_where_it_really_is(tmp_path: Path) -> None:
    import libcst as cst

    from keras_loss_lint.analysis import extract_facts

    write(tmp_path, {"pyproject.toml": "", "models.py": MODELS, "helpers.py": HELPERS, "train.py": CALLS_HELPER})
    module = cst.parse_module(CALLS_HELPER)
    train = str(tmp_path / "train.py")
    facts = extract_facts(module, CALLS_HELPER, path=train, locator=index_for(train))
    (call,) = facts.calls
    anchor = module.body[-1].body[0].value  # `compile_fixed(build())`
    assert call.node is anchor and all(argument.node is anchor for argument in call.arguments.values())
    assert call.site is not None and call.site.display == "helpers.py" and call.site.function == "compile_fixed"
    assert call.site.module.code_for_node(call.site.node).startswith("model.compile(")


@pytest.mark.parametrize("helpers, train", [
    # Built inside the helper: helpers.py's own lint reports it (it runs its functions alone).
    (
        "from models import build\n\n\ndef train():\n    model = build()\n"
        "    model.compile(loss={'category': 'mse', 'severity': 'mae'})\n",
        "import helpers\n\nhelpers.train()\n",
    ),
    # A model of the helper module's top level: its own lint knows it too.
    (
        "from models import build\n\nMODEL = build()\n\n\ndef compile_it():\n"
        "    MODEL.compile(loss={'category': 'mse', 'severity': 'mae'})\n",
        "import helpers\n\nhelpers.compile_it()\n",
    ),
])
def test_a_finding_the_other_module_reports_itself_is_not_reported_twice(
    tmp_path: Path, helpers: str, train: str
) -> None:
    write(tmp_path, {"pyproject.toml": "", "models.py": MODELS, "helpers.py": helpers, "train.py": train})
    assert lint_source(train, str(tmp_path / "train.py")).diagnostics == ()
    assert [d.code for d in lint_source(helpers, str(tmp_path / "helpers.py")).diagnostics] == ["KLO201"]


def test_a_helper_reached_through_a_package_and_a_method(tmp_path: Path) -> None:
    trainer = (
        "class Trainer:\n    def __init__(self, model):\n        self.model = model\n\n"
        "    def prepare(self):\n        self.model.compile(loss={'category': 'mse', 'severity': 'mae'})\n"
    )
    files = {
        "pyproject.toml": "", "models.py": MODELS, "tools/__init__.py": "from .trainer import Trainer\n",
        "tools/trainer.py": trainer,
        "train.py": "from models import build\nfrom tools import Trainer\n\n"
        "model = build()\nTrainer(model).prepare()\n",
    }
    write(tmp_path, files)
    train = files["train.py"]
    assert [(d.line, d.code) for d in lint_source(train, str(tmp_path / "train.py")).diagnostics] == [(5, "KLO201")]


# ----------------------------------------------------------------------- imports of missing modules


def test_an_import_of_a_missing_module_depends_on_where_it_would_be(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "", "scripts/train.py": "import keras\n" + TRAIN, "src/models.py": MODELS})
    train = tmp_path / "scripts" / "train.py"
    result = lint_source(train.read_text(encoding="utf-8"), str(train))
    assert [d.code for d in result.diagnostics] == ["KLO201"]  # src/models.py, found behind the others
    # The script's directory and the root come first on the search path: a models.py or a models
    # package there would be imported instead.
    for shadowing in ("scripts/models.py", "scripts/models/__init__.py", "models.py", "models/__init__.py"):
        assert str(tmp_path / shadowing) in result.dependencies, shadowing
    assert str(tmp_path / "src" / "models.py") in result.dependencies
    # Nothing is looked for on behalf of a standard-library import.
    assert not any("/os" in path for path in result.dependencies)


def test_a_module_created_later_is_read_by_the_same_index(tmp_path: Path) -> None:
    """A memoised module whose import found nothing is not reused once the file exists."""
    helpers = "from models import build\n\n\ndef make():\n    return build()\n"
    train = "import keras\nfrom helpers import make\n\nmake().compile(loss={'severity': 'mse', 'category': 'mae'})\n"
    write(tmp_path, {"pyproject.toml": "", "helpers.py": helpers, "train.py": train})
    index = ProjectIndex(str(tmp_path))
    result = lint_source(train, str(tmp_path / "train.py"), project=index)
    assert result.diagnostics == () and str(tmp_path / "models.py") in result.dependencies
    write(tmp_path, {"models.py": MODELS})
    assert [d.code for d in lint_source(train, str(tmp_path / "train.py"), project=index).diagnostics] == ["KLO201"]


def test_creating_a_missing_module_invalidates_the_cached_importer(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "", "train.py": "import keras\n" + TRAIN})
    assert "train.py:" not in run_cli(tmp_path)  # `build` is unknown: no models.py yet
    assert "train.py:" not in run_cli(tmp_path)  # a cache hit
    write(tmp_path, {"models.py": MODELS})
    assert "train.py:5:" in run_cli(tmp_path)
    (tmp_path / "models.py").unlink()  # present then, absent now: a change as well
    assert "train.py:" not in run_cli(tmp_path)
