"""The project index: roots, and module names resolved the way Python would for the project."""

from __future__ import annotations

from pathlib import Path

import pytest

from keras_loss_lint.project.index import ProjectIndex, find_root, index_for


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write(
        tmp_path,
        {
            "pyproject.toml": "",
            "src/trainer/__init__.py": "from .heads import build\n",
            "src/trainer/heads.py": "import keras\n",
            "scripts/train.py": "from trainer import build\nmodel = build()\nmodel.compile()\n",
            "scripts/models.py": "import keras\n",
            "models/__init__.py": "",
            "lib/nets.py": "",
            "random.py": "",
            "scripts/json.py": "",
            "ns/part/mod.py": "",
            ".venv/lib/site-packages/pkg/__init__.py": "",
            "build/lib/built.py": "",
        },
    )
    return tmp_path


def test_the_root_is_the_nearest_directory_with_a_marker(project: Path) -> None:
    assert find_root(str(project / "scripts" / "train.py")) == str(project)
    write(project, {"scripts/sub/setup.cfg": "", "scripts/sub/x.py": ""})
    assert find_root(str(project / "scripts" / "sub" / "x.py")) == str(project / "scripts" / "sub")


def test_no_index_without_a_file_or_a_root(tmp_path: Path) -> None:
    assert index_for(None) is None
    assert index_for(str(tmp_path / "missing.py")) is None


def test_the_script_directory_comes_first(project: Path) -> None:
    index = ProjectIndex(str(project))
    search = index.search_path(str(project / "scripts" / "train.py"))
    found = index.find("models", search)
    # scripts/models.py shadows the root's models/ package, as sys.path[0] does.
    assert found is not None and found.file == str(project / "scripts" / "models.py")


def test_src_layout_packages_and_submodules(project: Path) -> None:
    index = ProjectIndex(str(project))
    search = index.search_path(str(project / "scripts" / "train.py"))
    package = index.find("trainer", search)
    assert package is not None and package.file == str(project / "src" / "trainer" / "__init__.py")
    heads = index.find("trainer.heads", search)
    assert heads is not None and heads.file == str(project / "src" / "trainer" / "heads.py")
    assert index.submodule(package, "heads") == heads


def test_relative_imports(project: Path) -> None:
    index = ProjectIndex(str(project))
    importer = str(project / "src" / "trainer" / "__init__.py")
    heads = index.find_relative("heads", importer, 1)
    assert heads is not None and heads.file == str(project / "src" / "trainer" / "heads.py")
    package = index.find_relative(None, importer, 1)
    assert package is not None and package.is_package
    # Two dots from src/trainer/ is src/: still inside the root; beyond the root nothing is found.
    two_up = index.find_relative("trainer.heads", importer, 2)
    assert two_up is not None and two_up.file == heads.file
    assert index.find_relative("anything", importer, 4) is None


def test_standard_library_names_are_the_project_s_only_beside_the_script(project: Path) -> None:
    index = ProjectIndex(str(project))
    search = index.search_path(str(project / "scripts" / "train.py"))
    assert index.find("random", search) is None  # the root's random.py comes after the stdlib
    json = index.find("json", search)
    assert json is not None and json.file == str(project / "scripts" / "json.py")


def test_extra_directories_from_sys_path(project: Path) -> None:
    index = ProjectIndex(str(project))
    script = str(project / "scripts" / "train.py")
    assert index.find("nets", index.search_path(script)) is None
    found = index.find("nets", index.search_path(script, back=[str(project / "lib")]))
    assert found is not None and found.file == str(project / "lib" / "nets.py")
    outside = index.search_path(script, front=[str(project.parent)])
    assert all(directory != str(project.parent) for directory, _ in outside)


def test_namespace_packages(project: Path) -> None:
    index = ProjectIndex(str(project))
    found = index.find("ns.part.mod", index.search_path(str(project / "scripts" / "train.py")))
    assert found is not None and found.file == str(project / "ns" / "part" / "mod.py")


def test_virtual_environments_and_build_directories_are_never_read(project: Path) -> None:
    index = ProjectIndex(str(project))
    front = [str(project / ".venv" / "lib" / "site-packages"), str(project / "build" / "lib")]
    search = index.search_path(None, front=front)
    assert index.find("pkg", search) is None
    assert index.find("built", search) is None
    assert index.read(str(project / ".venv" / "lib" / "site-packages" / "pkg" / "__init__.py")) is None
    assert index.read(str(project.parent / "elsewhere.py")) is None


def test_the_reader_supplies_unsaved_text(project: Path) -> None:
    heads = str(project / "src" / "trainer" / "heads.py")
    index = ProjectIndex(str(project), reader=lambda path: "unsaved\n" if path == heads else None)
    assert index.read(heads) == "unsaved\n"
    assert index.read(str(project / "lib" / "nets.py")) == ""


def test_disk_reads_follow_changes(project: Path) -> None:
    index = ProjectIndex(str(project))
    path = project / "lib" / "nets.py"
    assert index.read(str(path)) == ""
    path.write_text("changed = True\n", encoding="utf-8")
    assert index.read(str(path)) == "changed = True\n"


def test_reaches_keras_through_imports(project: Path) -> None:
    index = ProjectIndex(str(project))
    script = project / "scripts" / "train.py"
    assert index.reaches_keras(script.read_text(), str(script))  # trainer/__init__ -> .heads -> keras
    assert not index.reaches_keras("import nets\nfrom lib import nets\n", str(script))


def test_find_lists_the_files_that_would_be_imported_instead(project: Path) -> None:
    index = ProjectIndex(str(project))
    search = index.search_path(str(project / "scripts" / "train.py"))
    absent: list[str] = []
    found = index.find("trainer.heads", search, absent)
    assert found is not None and found.file == str(project / "src" / "trainer" / "heads.py")
    # scripts/ and the root come before src/; inside the package, a `heads/` package would win.
    assert absent == [
        str(project / "scripts" / "trainer" / "__init__.py"), str(project / "scripts" / "trainer.py"),
        str(project / "trainer" / "__init__.py"), str(project / "trainer.py"),
        str(project / "src" / "trainer" / "heads" / "__init__.py"),
    ]
    absent.clear()
    assert index.find("missing", search, absent) is None
    assert str(project / "missing.py") in absent and str(project / "src" / "missing" / "__init__.py") in absent
    absent.clear()
    assert index.find("os", search, absent) is None and absent == []  # not on behalf of the standard library


def test_the_pre_check_lists_the_missing_modules_it_looked_for(project: Path) -> None:
    index = ProjectIndex(str(project))
    source = "from helpers import build\nmodel = build()\nmodel.compile(loss={})\n"
    consulted = index.consulted(source, str(project / "scripts" / "train.py"))
    assert str(project / "scripts" / "helpers.py") in consulted and str(project / "helpers.py") in consulted


HELPER = "def compile_fixed(model):\n    model.compile(loss={'a': 'mse'})\n"


@pytest.mark.parametrize("files, source", [
    ({"helpers.py": HELPER}, "from helpers import compile_fixed\ncompile_fixed(m)\n"),
    ({"helpers.py": HELPER}, "from helpers import compile_fixed as cf\ncf(m)\n"),
    ({"helpers.py": HELPER}, "import helpers as h\nh.compile_fixed(m)\n"),
    ({"helpers.py": HELPER}, "from helpers import *\ncompile_fixed(m)\n"),
    # Re-exported by a package, and a helper of a helper in another module.
    ({"tools/__init__.py": "from .core import run\n", "tools/core.py": "from helpers import compile_fixed\n\n"
      "def run(model):\n    return compile_fixed(model)\n", "helpers.py": HELPER}, "from tools import run\nrun(m)\n"),
    # A class whose method fits, reached through a factory function and a registry dict.
    ({"trainers.py": "class T:\n    def go(self):\n        self.model.fit(x, y)\n\n\ndef make(m):\n    return T()\n\n\n"
      "REGISTRY = {'t': make}\n"}, "import trainers\ntrainers.REGISTRY['t'](m).go()\n"),
    # An import cycle: a.f calls b.g, which compiles.
    ({"a.py": "import b\n\ndef f(m):\n    b.g(m)\n", "b.py": "import a\n\ndef g(m):\n    m.compile(loss=1)\n"},
     "from a import f\nf(m)\n"),
])
def test_names_of_code_holding_a_recorded_call_pass_the_pre_check(
    tmp_path: Path, files: dict[str, str], source: str
) -> None:
    write(tmp_path, {"pyproject.toml": "", **files})
    index = ProjectIndex(str(tmp_path))
    assert index.calls_recording_code(source, str(tmp_path / "train.py"))


@pytest.mark.parametrize("files, source", [
    ({}, "import os\nimport pandas as pd\nos.getcwd()\n"),  # no project module at all
    ({"helpers.py": HELPER + "\n\ndef other():\n    return 1\n"}, "from helpers import other\nother()\n"),
    ({"helpers.py": HELPER}, "import helpers\n"),  # imported, but nothing of it named
    ({"helpers.py": "import re\n\n\ndef clean(text):\n    return re.compile('a').sub('b', text)\n"},
     "from helpers import clean\n"),
    # Code that runs when the module is imported is that module's own finding.
    ({"helpers.py": "import keras\nkeras.Model().compile(loss={'a': 1})\nVALUE = 1\n"}, "from helpers import VALUE\n"),
    # Keras's own packages are read as the Keras API, never as project code.
    ({"keras/__init__.py": HELPER}, "from keras import compile_fixed\n"),
])
def test_other_imports_do_not_pass_the_pre_check(tmp_path: Path, files: dict[str, str], source: str) -> None:
    write(tmp_path, {"pyproject.toml": "", **files})
    index = ProjectIndex(str(tmp_path))
    assert not index.calls_recording_code(source, str(tmp_path / "train.py"))


def test_the_pre_check_follows_as_many_modules_as_the_analysis(tmp_path: Path) -> None:
    chain = {f"m{number}.py": f"import m{number + 1}\n" for number in range(40)}
    chain["m20.py"] = "import m21\n\ndef run(model):\n    model.fit(x, y)\n"
    chain["m0.py"] = "import m1\nfrom m20 import run\n"
    write(tmp_path, {"pyproject.toml": "", **chain})
    index = ProjectIndex(str(tmp_path))
    source = "from m0 import run\nrun(m)\n"
    assert index.calls_recording_code(source, str(tmp_path / "train.py"))
    assert not index.calls_recording_code(source, str(tmp_path / "train.py"), limit=8)


def test_the_packages_read_as_keras_are_the_analysis_s() -> None:
    from keras_loss_lint.analysis.keras_api import UNDERSTOOD_PACKAGES
    from keras_loss_lint.project.index import ANALYSED_AS_KERAS

    assert ANALYSED_AS_KERAS == UNDERSTOOD_PACKAGES
