"""Target-version detection: explicit setting, notebook pip lines, project files, default."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Callable

import pytest
from packaging.version import Version

from keras_loss_lint.project import target
from keras_loss_lint.project.target import clear_cache, notebook_pin, resolve_target
from keras_loss_lint.keras.versions import CANDIDATES, KNOWN_RELEASES, InvalidKerasVersion, TargetVersions


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Fence every test inside tmp_path (a `.git` stops the walk) and start from an empty cache."""
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)  # sources are shown relative to the working directory
    clear_cache()
    yield tmp_path
    clear_cache()


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def module(directory: Path) -> Path:
    return write(directory / "train.py", "import keras\n")


def keras3_from(first: str) -> tuple[Version, ...]:
    return tuple(v for v in CANDIDATES if v >= Version(first))


KERAS2 = tuple(v for v in CANDIDATES if v.major < 3)
KERAS3 = keras3_from("3.0.0")


# --- requirements*.txt --------------------------------------------------------------------------


def test_requirements_exact_pin(tmp_path: Path) -> None:
    write(tmp_path / "requirements.txt", "numpy\n# pinned\nkeras==3.5.0\n")
    result = resolve_target(module(tmp_path))
    assert result.versions == (Version("3.5.0"),)
    assert result.specifier == "==3.5.0"
    assert result.source == "requirements.txt:3 (keras==3.5.0)"


def test_requirements_range(tmp_path: Path) -> None:
    write(tmp_path / "requirements-dev.txt", "keras >= 3.7  # newest metrics\n")
    result = resolve_target(module(tmp_path))
    assert result.versions == keras3_from("3.7.0")
    assert result.source == "requirements-dev.txt:1 (keras>=3.7)"


def test_requirements_options_hashes_and_continuations(tmp_path: Path) -> None:
    write(
        tmp_path / "requirements.txt",
        """
        --index-url https://example.invalid/simple
        -e ./local
        keras==3.6.0 \\
            --hash=sha256:abc
        """,
    )
    result = resolve_target(module(tmp_path))
    assert result.versions == (Version("3.6.0"),)
    assert result.source == "requirements.txt:3 (keras==3.6.0)"


def test_requirements_include_with_cycle(tmp_path: Path) -> None:
    write(tmp_path / "requirements.txt", "-r reqs/base.txt\n")
    write(tmp_path / "reqs" / "base.txt", "-r ../requirements.txt\n--requirement=more.txt\n")
    write(tmp_path / "reqs" / "more.txt", "-r base.txt\nkeras==3.4.1\n")
    result = resolve_target(module(tmp_path))
    assert result.versions == (Version("3.4.1"),)
    assert result.source == "reqs/more.txt:2 (keras==3.4.1)"


def test_constraints_file_is_followed(tmp_path: Path) -> None:
    write(tmp_path / "requirements.txt", "keras\n-c constraints.txt\n")
    write(tmp_path / "constraints.txt", "keras==3.3.3\n")
    assert resolve_target(module(tmp_path)).versions == (Version("3.3.3"),)


def test_unmarked_line_preferred_over_marked(tmp_path: Path) -> None:
    write(
        tmp_path / "requirements.txt",
        'keras==3.0.5; python_version < "3.9"\nkeras>=3.7\n',
    )
    assert resolve_target(module(tmp_path)).specifier == ">=3.7"


# --- pyproject.toml, setup.cfg, Pipfile --------------------------------------------------------


def test_pyproject_pep621(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        """
        [project]
        name = "demo"
        dependencies = ["numpy", "keras>=3.7"]
        """,
    )
    result = resolve_target(module(tmp_path / "src" / "demo"))
    assert result.versions == keras3_from("3.7.0")
    assert result.source == "pyproject.toml [project.dependencies] (keras>=3.7)"


def test_pyproject_optional_dependencies(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        """
        [project]
        name = "demo"
        [project.optional-dependencies]
        train = ["keras>=3.5,<3.7"]
        """,
    )
    result = resolve_target(module(tmp_path))
    assert result.versions == (Version("3.5.0"), Version("3.6.0"))
    assert result.source.startswith("pyproject.toml [project.optional-dependencies.train]")


@pytest.mark.parametrize(
    ("constraint", "expected"),
    [
        ('"^3.5"', keras3_from("3.5.0")),
        ('"~3.6.0"', (Version("3.6.0"),)),
        ('{version = "^3.12", optional = true}', keras3_from("3.12.0")),
        ('"3.5.0"', (Version("3.5.0"),)),
        ('">= 3.5, < 3.7"', (Version("3.5.0"), Version("3.6.0"))),
    ],
)
def test_poetry_syntax(tmp_path: Path, constraint: str, expected: tuple[Version, ...]) -> None:
    write(
        tmp_path / "pyproject.toml",
        f"""
        [tool.poetry.dependencies]
        python = "^3.10"
        keras = {constraint}
        """,
    )
    result = resolve_target(module(tmp_path))
    assert result.versions == expected
    assert result.source.startswith("pyproject.toml [tool.poetry.dependencies] (keras = ")


def test_poetry_caret_source(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.poetry.dependencies]\nkeras = "^3.5"\n')
    result = resolve_target(module(tmp_path))
    assert result.source == 'pyproject.toml [tool.poetry.dependencies] (keras = "^3.5")'
    assert min(result.versions) == Version("3.5.0")
    assert all(v < Version("4") for v in result.versions)


@pytest.mark.parametrize(
    ("constraint", "expected"),
    [
        ("^1.2.3", ">=1.2.3,<2"),
        ("^0.2.3", ">=0.2.3,<0.3"),
        ("^0.0.3", ">=0.0.3,<0.0.4"),
        ("^0", ">=0,<1"),
        ("~1.2.3", ">=1.2.3,<1.3"),
        ("~1", ">=1,<2"),
        ("*", None),
        ("^1 || ^2", None),
        ("^not.a.version", None),
    ],
)
def test_poetry_conversion(constraint: str, expected: str | None) -> None:
    assert target._poetry_to_pep440(constraint) == expected


def test_setup_cfg(tmp_path: Path) -> None:
    write(
        tmp_path / "setup.cfg",
        """
        [metadata]
        name = demo

        [options]
        install_requires =
            numpy
            keras>=3.5,<3.7
        """,
    )
    result = resolve_target(module(tmp_path))
    assert result.versions == (Version("3.5.0"), Version("3.6.0"))
    assert result.source == "setup.cfg [options] install_requires (keras<3.7,>=3.5)"


def test_pipfile(tmp_path: Path) -> None:
    write(tmp_path / "Pipfile", '[packages]\nkeras = "==3.8.0"\nnumpy = "*"\n')
    assert resolve_target(module(tmp_path)).versions == (Version("3.8.0"),)


# --- TensorFlow and tf-keras -------------------------------------------------------------------


def test_tensorflow_215_means_keras2(tmp_path: Path) -> None:
    write(tmp_path / "requirements.txt", "tensorflow==2.15.0\n")
    result = resolve_target(module(tmp_path))
    assert result.versions == KERAS2
    assert all(v < Version("3") for v in result.versions)
    assert result.source == "tensorflow==2.15.0 in requirements.txt:1 implies Keras 2"


def test_tensorflow_217_means_keras3(tmp_path: Path) -> None:
    write(tmp_path / "requirements.txt", "tensorflow-cpu==2.17.0\n")
    result = resolve_target(module(tmp_path))
    assert result.versions == KERAS3
    assert result.source == "tensorflow-cpu==2.17.0 in requirements.txt:1 implies Keras 3"


@pytest.mark.parametrize(
    ("requirement", "expected"),
    [
        ("tensorflow~=2.15.0", KERAS2),
        ("tensorflow<2.16", KERAS2),
        ("tensorflow>=2.16", KERAS3),
        ("tensorflow==2.16.0rc0", KERAS3),
        ("tensorflow-gpu==2.10.1", KERAS2),
    ],
)
def test_tensorflow_ranges(tmp_path: Path, requirement: str, expected: tuple[Version, ...]) -> None:
    write(tmp_path / "requirements.txt", requirement + "\n")
    assert resolve_target(module(tmp_path)).versions == expected


@pytest.mark.parametrize("requirement", ["tensorflow>=2.10", "tensorflow", "tf-nightly==2.17.0"])
def test_uninformative_tensorflow_is_no_finding(tmp_path: Path, requirement: str) -> None:
    write(tmp_path / "requirements.txt", requirement + "\n")
    assert resolve_target(module(tmp_path)) == TargetVersions.all_known()


def test_tf_keras_means_keras2(tmp_path: Path) -> None:
    write(tmp_path / "requirements.txt", "tensorflow==2.17.0\ntf-keras==2.17.0\n")
    result = resolve_target(module(tmp_path))
    assert result.versions == KERAS2
    assert result.source == "tf-keras==2.17.0 in requirements.txt:2 implies Keras 2"


def test_keras_beats_tensorflow(tmp_path: Path) -> None:
    write(tmp_path / "requirements.txt", "tensorflow==2.17.0\n")
    write(tmp_path / "pyproject.toml", '[project]\ndependencies = ["keras>=3.7"]\n')
    assert resolve_target(module(tmp_path)).versions == keras3_from("3.7.0")


# --- lock files --------------------------------------------------------------------------------


def test_lock_file_beats_range(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\ndependencies = ["keras>=3.0"]\n')
    write(
        tmp_path / "uv.lock",
        """
        version = 1
        [[package]]
        name = "keras"
        version = "3.6.0"
        [[package]]
        name = "numpy"
        version = "2.0.0"
        """,
    )
    result = resolve_target(module(tmp_path))
    assert result.versions == (Version("3.6.0"),)
    assert result.source == "uv.lock (keras==3.6.0)"


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("poetry.lock", '[[package]]\nname = "Keras"\nversion = "3.5.0"\n'),
        ("pdm.lock", '[[package]]\nname = "keras"\nversion = "3.5.0"\n'),
        ("pylock.toml", 'lock-version = "1.0"\n[[packages]]\nname = "keras"\nversion = "3.5.0"\n'),
        ("Pipfile.lock", '{"default": {"keras": {"version": "==3.5.0"}}, "develop": {}}'),
    ],
)
def test_lock_formats(tmp_path: Path, name: str, text: str) -> None:
    write(tmp_path / name, text)
    result = resolve_target(module(tmp_path))
    assert result.versions == (Version("3.5.0"),)
    assert result.source == f"{name} (keras==3.5.0)"


def test_lock_with_tensorflow_and_keras_uses_keras(tmp_path: Path) -> None:
    write(
        tmp_path / "poetry.lock",
        '[[package]]\nname = "tensorflow"\nversion = "2.15.0"\n'
        '[[package]]\nname = "keras"\nversion = "2.15.0"\n',
    )
    assert resolve_target(module(tmp_path)).versions == (Version("2.15.0"),)


# --- notebooks ---------------------------------------------------------------------------------


def test_notebook_pip_line(tmp_path: Path) -> None:
    cells = ["import keras", "!pip install keras==3.5.0", "model.compile(loss='mse')"]
    result = resolve_target(tmp_path / "nb.ipynb", notebook_source=cells)
    assert result.versions == (Version("3.5.0"),)
    assert result.source == "notebook cell 2 (!pip install keras==3.5.0)"


def test_notebook_beats_project_files(tmp_path: Path) -> None:
    write(tmp_path / "requirements.txt", "keras==3.9.0\n")
    result = resolve_target(tmp_path / "nb.ipynb", notebook_source="%pip install keras==3.5.0\n")
    assert result.versions == (Version("3.5.0"),)
    assert result.source == "notebook line 1 (%pip install keras==3.5.0)"


def test_notebook_without_pin_falls_back_to_project(tmp_path: Path) -> None:
    write(tmp_path / "requirements.txt", "keras==3.9.0\n")
    result = resolve_target(tmp_path / "nb.ipynb", notebook_source="# !pip install keras==3.5.0\n")
    assert result.versions == (Version("3.9.0"),)


@pytest.mark.parametrize(
    ("line", "specifier"),
    [
        ("!pip install keras==3.5.0", "==3.5.0"),
        ('%pip install "keras>=3.7"', ">=3.7"),
        ("!pip install -q tensorflow==2.15", "<3"),
        ("!pip install -U keras==3.6.0", "==3.6.0"),
        ("!pip install --upgrade 'keras[jax]==3.6.0' numpy", "==3.6.0"),
        ("!pip3 install -q numpy keras==3.4.1 pandas", "==3.4.1"),
        ("!python -m pip install --index-url https://x.invalid keras==3.1.0", "==3.1.0"),
        ("!pip install -q tensorflow==2.17.0 keras==3.8.0 && echo ok", "==3.8.0"),
        ("  !uv pip install keras==3.2.0  # pin", "==3.2.0"),
    ],
)
def test_notebook_pin_forms(line: str, specifier: str) -> None:
    found = notebook_pin(f"import keras\n{line}\n")
    assert found is not None
    assert found[0] == specifier
    assert found[1].startswith("notebook line 2 (") or found[1].startswith("tensorflow")


@pytest.mark.parametrize(
    "code",
    [
        "import keras",
        "!pip install keras",
        "!pip install -r requirements.txt",
        "!pip list keras==3",
    ],
)
def test_notebook_without_pin(code: str) -> None:
    assert notebook_pin(code) is None


@pytest.mark.parametrize(
    "line", ["!pip install -U keras", "%pip install --upgrade keras", "!pip install -qU 'Keras[jax]' numpy"]
)
def test_an_upgrade_without_a_version_means_the_newest_release(line: str, tmp_path: Path) -> None:
    newest = max(KNOWN_RELEASES)
    assert notebook_pin(f"import keras\n{line}\n") == (f">={newest}", f"notebook line 2 ({line})")
    result = resolve_target(tmp_path / "nb.ipynb", notebook_source=f"{line}\n")
    # The newest known release, and the stand-in for any later one.
    assert result.versions == tuple(version for version in CANDIDATES if version >= newest)


def test_an_upgrade_of_another_package_says_nothing_of_keras() -> None:
    assert notebook_pin("!pip install -U numpy keras") is not None
    assert notebook_pin("!pip install -U numpy && pip install keras") is None


def test_notebook_tensorflow_description() -> None:
    assert notebook_pin(["!pip install -q tensorflow==2.15"]) == (
        "<3",
        "tensorflow==2.15 in notebook cell 1 (!pip install -q tensorflow==2.15) implies Keras 2",
    )


# --- precedence, walking, explicit -------------------------------------------------------------


def test_nearest_directory_wins(tmp_path: Path) -> None:
    write(tmp_path / "requirements.txt", "keras==3.9.0\n")
    write(tmp_path / "sub" / "pyproject.toml", '[project]\ndependencies = ["keras>=3.5,<3.7"]\n')
    nested = resolve_target(module(tmp_path / "sub" / "pkg"))
    assert nested.versions == (Version("3.5.0"), Version("3.6.0"))
    assert nested.source == "sub/pyproject.toml [project.dependencies] (keras<3.7,>=3.5)"
    assert resolve_target(module(tmp_path / "other")).versions == (Version("3.9.0"),)


def test_directory_without_finding_is_skipped(tmp_path: Path) -> None:
    write(tmp_path / "requirements.txt", "keras==3.9.0\n")
    write(tmp_path / "sub" / "pyproject.toml", '[project]\ndependencies = ["numpy"]\n')
    assert resolve_target(module(tmp_path / "sub")).versions == (Version("3.9.0"),)


def test_explicit_beats_everything(tmp_path: Path) -> None:
    write(tmp_path / "requirements.txt", "keras==3.9.0\n")
    result = resolve_target(
        module(tmp_path), explicit=">=3.5,<3.7", notebook_source="!pip install keras==3.1.0"
    )
    assert result.versions == (Version("3.5.0"), Version("3.6.0"))
    assert result.source == "--keras-version (>=3.5,<3.7)"


def test_explicit_source_is_named(tmp_path: Path) -> None:
    setting = "pyproject.toml [tool.keras-loss-lint] keras-version"
    result = resolve_target(None, explicit="3.5.0", explicit_source=setting)
    assert result.versions == (Version("3.5.0"),)
    assert result.source == f"{setting} (3.5.0)"


def test_invalid_explicit_raises_naming_value(tmp_path: Path) -> None:
    with pytest.raises(InvalidKerasVersion, match="banana>"):
        resolve_target(module(tmp_path), explicit="banana>")


def test_blank_explicit_is_unset(tmp_path: Path) -> None:
    write(tmp_path / "requirements.txt", "keras==3.9.0\n")
    assert resolve_target(module(tmp_path), explicit="  ").versions == (Version("3.9.0"),)


def test_nothing_found_means_all_known(tmp_path: Path) -> None:
    assert resolve_target(module(tmp_path)) == TargetVersions.all_known()
    assert resolve_target(None) == TargetVersions.all_known()


def test_git_boundary_stops_walk(tmp_path: Path) -> None:
    write(tmp_path / "requirements.txt", "keras==3.9.0\n")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    assert resolve_target(module(repo / "src")) == TargetVersions.all_known()
    # The boundary directory itself is still checked.
    write(repo / "requirements.txt", "keras==3.5.0\n")
    clear_cache()
    assert resolve_target(module(repo / "src")).versions == (Version("3.5.0"),)


def test_git_file_is_a_boundary_too(tmp_path: Path) -> None:
    """Submodules and worktrees have a `.git` file instead of a directory."""
    write(tmp_path / "requirements.txt", "keras==3.9.0\n")
    write(tmp_path / "sub" / ".git", "gitdir: ../.git/modules/sub\n")
    assert resolve_target(module(tmp_path / "sub")) == TargetVersions.all_known()


def test_directory_path_is_accepted(tmp_path: Path) -> None:
    write(tmp_path / "requirements.txt", "keras==3.9.0\n")
    assert resolve_target(tmp_path).versions == (Version("3.9.0"),)


# --- broken files ------------------------------------------------------------------------------


def test_broken_files_are_ignored(tmp_path: Path) -> None:
    project = tmp_path / "project"
    write(project / "pyproject.toml", "[project\ndependencies = [")
    write(project / "setup.cfg", "no section header\n")
    write(project / "uv.lock", "[[package]]\nname = 3\n")
    write(project / "Pipfile.lock", "{not json")
    write(project / "requirements.txt", "keras=====\n${KERAS}\nkeras @ \nkeras>=3.7\n")
    (project / "requirements-bin.txt").write_bytes(b"\xff\xfe\x00keras==1")
    (project / "requirements-dir.txt").mkdir()
    result = resolve_target(module(project))
    assert result.versions == keras3_from("3.7.0")
    assert result.source == "project/requirements.txt:4 (keras>=3.7)"


def test_only_broken_files_fall_through_to_parent(tmp_path: Path) -> None:
    write(tmp_path / "requirements.txt", "keras==3.9.0\n")
    write(tmp_path / "sub" / "pyproject.toml", "this is = not [toml")
    write(tmp_path / "sub" / "requirements.txt", "-r missing.txt\nkeras==\n")
    assert resolve_target(module(tmp_path / "sub")).versions == (Version("3.9.0"),)


# --- caching -----------------------------------------------------------------------------------


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every project-file read, in order."""
    seen: list[Path] = []
    real: Callable[[Path], str | None] = target._read_text

    def counting(path: Path) -> str | None:
        seen.append(path)
        return real(path)

    monkeypatch.setattr(target, "_read_text", counting)
    return seen


def test_each_project_file_read_once(tmp_path: Path, reads: list[Path]) -> None:
    write(tmp_path / "pyproject.toml", '[project]\ndependencies = ["keras>=3.7"]\n')
    files = [write(tmp_path / "pkg" / f"m{i}.py", "") for i in range(50)]
    for path in files:
        assert resolve_target(path).versions == keras3_from("3.7.0")
    assert [p.name for p in reads] == ["pyproject.toml"]


def test_modified_file_is_not_reread_until_cleared(tmp_path: Path, reads: list[Path]) -> None:
    requirements = write(tmp_path / "requirements.txt", "keras==3.5.0\n")
    path = module(tmp_path)
    assert resolve_target(path).versions == (Version("3.5.0"),)
    requirements.write_text("keras==3.6.0\n")
    assert resolve_target(path).versions == (Version("3.5.0"),)
    assert len(reads) == 1
    clear_cache()
    assert resolve_target(path).versions == (Version("3.6.0"),)
    assert len(reads) == 2


def test_clear_cache_for_one_file(tmp_path: Path, reads: list[Path]) -> None:
    write(tmp_path / "requirements.txt", "-r shared/base.txt\n")
    base = write(tmp_path / "shared" / "base.txt", "keras==3.5.0\n")
    other = write(tmp_path / "other" / "requirements.txt", "keras==3.9.0\n")
    path, other_path = module(tmp_path), module(tmp_path / "other")
    resolve_target(path), resolve_target(other_path)
    base.write_text("keras==3.6.0\n")
    clear_cache(base)  # drops the directory that included it, keeps `other`
    before = len(reads)
    assert resolve_target(path).versions == (Version("3.6.0"),)
    assert resolve_target(other_path).versions == (Version("3.9.0"),)
    assert other not in reads[before:]


def test_clear_cache_for_new_file(tmp_path: Path) -> None:
    path = module(tmp_path)
    assert resolve_target(path) == TargetVersions.all_known()
    created = write(tmp_path / "requirements.txt", "keras==3.5.0\n")
    clear_cache(created)
    assert resolve_target(path).versions == (Version("3.5.0"),)
