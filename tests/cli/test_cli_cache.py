"""The result cache: hits, what invalidates it, where it lives, and that a warm run never loads LibCST."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import keras_loss_lint
import keras_loss_lint.faces.cli.cache as cache
import keras_loss_lint.core.lint as core
import keras_loss_lint.core.fixing as fixing
from cli_helpers import CLEAN_SOURCE, KLO201_SOURCE, notebook, write

# A notebook and a file whose findings depend on the target Keras version (KLO201: 3.5.0-3.6.0 only).
NOTEBOOK = notebook(("markdown", "# t\n"), ("code", "%pip install -q h5py\n" + KLO201_SOURCE))
REPORT_LIBCST = (
    "import sys\n"
    "from keras_loss_lint.faces.cli.main import main\n"
    "code = main(sys.argv[1:])\n"
    "print('libcst imported:', 'libcst' in sys.modules, file=sys.stderr)\n"
    "sys.exit(code)\n"
)


@pytest.fixture
def linted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths the core lints, in order (the runner looks the core's function up when it lints)."""
    calls: list[str] = []
    real = core.lint_source

    def counting(source, path=None, *args, **kwargs):
        calls.append(Path(path).name if path not in (None, "-") else str(path))
        return real(source, path, *args, **kwargs)

    monkeypatch.setattr(core, "lint_source", counting)
    monkeypatch.setattr(fixing, "lint_source", counting)  # the fix loop holds its own reference
    return calls


def cache_files(directory: Path) -> list[Path]:
    return sorted(directory.rglob("*.json"))


def run_reporting_libcst(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", REPORT_LIBCST, *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


# ---------------------------------------------------------------------------------------------------
# Hits


def test_a_second_run_is_answered_by_the_cache(cli, tmp_path, linted):
    write(tmp_path, {"model.py": KLO201_SOURCE, "clean.py": CLEAN_SOURCE, "nb.ipynb": NOTEBOOK})
    cold = {fmt: cli("check", "--output-format", fmt) for fmt in ("full", "concise", "json", "sarif")}
    assert sorted(set(linted)) == ["model.py", "nb.ipynb"]
    linted.clear()
    for fmt, first in cold.items():
        warm = cli("check", "--output-format", fmt)
        assert (warm.code, warm.out, warm.err) == (first.code, first.out, first.err), fmt
    assert linted == []  # nothing was analysed again, notebooks included
    assert "nb.ipynb:cell 2 (code cell 1, [2]):8:38: KLO201 [*]" in cold["full"].out
    assert "8 | model.compile(" in cold["full"].out  # code frames come from the file itself


def test_the_cache_is_what_answers(cli, tmp_path, isolated_cache):
    write(tmp_path, {"model.py": KLO201_SOURCE})
    cli("check")
    [path] = cache_files(isolated_cache)
    data = json.loads(path.read_text())
    [entry] = data["entries"].values()
    entry["r"]["m"][0][1] = "a message only the cache knows"
    path.write_text(json.dumps(data))
    assert "a message only the cache knows" in cli("check", "--output-format", "concise").out
    assert "a message only the cache knows" not in cli("check", "--no-cache", "--output-format", "concise").out


def test_one_cache_file_per_project_with_a_gitignore(cli, tmp_path, isolated_cache):
    write(tmp_path, {f"m{i}.py": KLO201_SOURCE for i in range(5)})
    cli("check")
    assert len(cache_files(isolated_cache)) == 1
    assert (isolated_cache / ".gitignore").read_text().splitlines()[-1] == "*"
    assert (isolated_cache / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")


# ---------------------------------------------------------------------------------------------------
# Invalidation


def test_a_content_change_invalidates_only_that_file(cli, tmp_path, linted):
    write(tmp_path, {"a.py": KLO201_SOURCE, "b.py": KLO201_SOURCE})
    cli("check")
    linted.clear()
    write(tmp_path, {"b.py": KLO201_SOURCE + "# edited\n"})
    assert cli("check").code == 1
    assert linted == ["b.py"]


@pytest.mark.parametrize(
    ("change", "args"),
    [
        ("select", ["--select", "KLO1"]),
        ("ignore", ["--ignore", "KLO201"]),
        ("keras version", ["--keras-version", "==3.7.0"]),
        ("per-file-ignores", ["--per-file-ignores", "model.py:KLO2"]),
    ],
)
def test_a_settings_change_invalidates(cli, tmp_path, linted, change, args):
    write(tmp_path, {"model.py": KLO201_SOURCE})
    first = cli("check", "--output-format", "concise")
    linted.clear()
    changed = cli("check", "--output-format", "concise", *args)
    assert linted == ["model.py"], change
    assert changed.out != first.out
    linted.clear()
    assert cli("check", "--output-format", "concise", *args).out == changed.out
    assert linted == []  # and the new settings are cached in turn


def test_a_configuration_file_change_invalidates(cli, tmp_path, linted):
    write(tmp_path, {"model.py": KLO201_SOURCE, "pyproject.toml": "[tool.keras-loss-lint]\n"})
    assert cli("check").code == 1
    linted.clear()
    write(tmp_path, {"pyproject.toml": '[tool.keras-loss-lint]\nkeras-version = ">=3.7"\n'})
    run = cli("check")
    assert (run.code, linted) == (0, ["model.py"])


def test_a_new_keras_pin_in_the_project_invalidates(cli, tmp_path, linted):
    from keras_loss_lint.project import target

    def check() -> int:
        target.clear_cache()  # the pin detection caches per process: each CLI run is a new process
        return cli("check").code

    write(tmp_path, {".git/HEAD": "", "src/model.py": KLO201_SOURCE, "requirements.txt": "keras==3.5.0\n"})
    assert check() == 1
    linted.clear()
    write(tmp_path, {"requirements.txt": "keras==3.8.0\n"})
    assert (check(), linted) == (0, ["model.py"])
    linted.clear()
    write(tmp_path, {"src/requirements-dev.txt": "keras==3.5.0\n"})  # nearer to the file: it wins
    assert (check(), linted) == (1, ["model.py"])
    linted.clear()
    assert (check(), linted) == (1, [])


def test_a_package_version_change_invalidates(cli, tmp_path, linted, monkeypatch, isolated_cache):
    write(tmp_path, {"model.py": KLO201_SOURCE})
    cli("check")
    linted.clear()
    version = keras_loss_lint.__version__
    monkeypatch.setattr(keras_loss_lint, "__version__", "99.0.0")
    assert cli("check").code == 1
    assert linted == ["model.py"]
    assert {path.parent.name for path in cache_files(isolated_cache)} == {version, "99.0.0"}


def test_an_edited_module_of_the_package_invalidates(tmp_path, monkeypatch):
    # A development install changes without a version bump: the fingerprint covers every module.
    package = tmp_path / "pkg"
    write(package, {"__init__.py": "", "rules/klo999_x.py": "A = 1\n"})
    monkeypatch.setattr(keras_loss_lint, "__file__", str(package / "__init__.py"))
    monkeypatch.setattr(cache, "_PACKAGE_FINGERPRINT", None)
    before = cache.package_fingerprint()
    write(package, {"rules/klo999_x.py": "A = 22\n"})
    monkeypatch.setattr(cache, "_PACKAGE_FINGERPRINT", None)
    assert cache.package_fingerprint() != before


# ---------------------------------------------------------------------------------------------------
# Never an error


@pytest.mark.parametrize("garbage", [b"", b"{not json", b"[]", b'{"format": 1, "package": 3, "entries": []}'])
def test_a_corrupt_cache_file_is_ignored_and_rewritten(cli, tmp_path, isolated_cache, garbage):
    write(tmp_path, {"model.py": KLO201_SOURCE})
    cli("check")
    [path] = cache_files(isolated_cache)
    path.write_bytes(garbage)
    run = cli("check", "--output-format", "concise")
    assert (run.code, run.err) == (1, "")
    assert "KLO201" in run.out
    assert json.loads(path.read_text())["entries"]


def test_a_damaged_entry_is_a_miss(cli, tmp_path, isolated_cache, linted):
    write(tmp_path, {"model.py": KLO201_SOURCE})
    cli("check")
    [path] = cache_files(isolated_cache)
    data = json.loads(path.read_text())
    [entry] = data["entries"].values()
    entry["r"]["m"][0][2] = ["not", "a", "location"]
    path.write_text(json.dumps(data))
    linted.clear()
    run = cli("check", "--output-format", "concise")
    assert (run.code, run.err, linted) == (1, "", ["model.py"])


def test_an_unwritable_cache_is_skipped_silently(cli, tmp_path):
    write(tmp_path, {"model.py": KLO201_SOURCE, "blocker": "a file where the cache directory should be"})
    run = cli("check", "--cache-dir", "blocker/cache", "--output-format", "concise")
    assert (run.code, run.err) == (1, "")


def test_no_cache_neither_reads_nor_writes(cli, tmp_path, isolated_cache):
    write(tmp_path, {"model.py": KLO201_SOURCE})
    cli("check", "--no-cache")
    assert cache_files(isolated_cache) == []


# ---------------------------------------------------------------------------------------------------
# Where the cache lives


def test_default_location_is_the_project_root(cli, tmp_path, monkeypatch):
    monkeypatch.delenv("KERAS_LOSS_LINT_CACHE_DIR")
    write(tmp_path, {"pyproject.toml": "[tool.keras-loss-lint]\n", "pkg/model.py": KLO201_SOURCE})
    cli("check", cwd=tmp_path / "pkg")
    assert cache_files(tmp_path / ".keras-loss-lint-cache")
    assert not (tmp_path / "pkg" / ".keras-loss-lint-cache").exists()
    assert (tmp_path / ".keras-loss-lint-cache" / ".gitignore").read_text().endswith("*\n")
    # The cache directory is excluded from discovery, like the other caches.
    assert "keras-loss-lint-cache" not in cli("check", "--show-files").out


def test_without_configuration_the_working_directory_holds_it(cli, tmp_path, monkeypatch):
    monkeypatch.delenv("KERAS_LOSS_LINT_CACHE_DIR")
    write(tmp_path, {"model.py": KLO201_SOURCE})
    cli("check")
    assert cache_files(tmp_path / ".keras-loss-lint-cache")


def test_cache_dir_option_and_environment(cli, tmp_path, monkeypatch):
    write(tmp_path, {"model.py": KLO201_SOURCE})
    monkeypatch.setenv("KERAS_LOSS_LINT_CACHE_DIR", str(tmp_path / "from-env"))
    cli("check")
    assert cache_files(tmp_path / "from-env")
    cli("check", "--cache-dir", "from-option")  # relative to the working directory; wins over the variable
    assert cache_files(tmp_path / "from-option")


# ---------------------------------------------------------------------------------------------------
# Fixing and the cache


def test_fix_does_not_trust_the_cache_for_fixable_files(cli, tmp_path, linted):
    write(tmp_path, {"model.py": KLO201_SOURCE, "other.py": KLO201_SOURCE.replace("\"mae\"}", "\"mae\"})  # noqa")})
    cli("check")  # both cached
    linted.clear()
    run = cli("check", "--fix", "--output-format", "concise")
    assert run.out == "Found 1 error (1 fixed, 0 remaining).\n"
    assert "model.py" in linted and "other.py" not in linted  # nothing to fix there: the cache answers
    linted.clear()
    assert cli("check").code == 0
    assert linted == ["model.py"]  # the rewritten file is new content: analysed (and cached) afresh


# ---------------------------------------------------------------------------------------------------
# A warm run does not load LibCST


def test_a_warm_run_never_imports_libcst(tmp_path):
    write(
        tmp_path,
        {
            "pyproject.toml": '[tool.keras-loss-lint]\nselect = ["KLO2", "KLO101"]\n',
            "model.py": KLO201_SOURCE,
            "nb.ipynb": NOTEBOOK,
            "clean.py": CLEAN_SOURCE,
            ".gitignore": "build/\n",
        },
    )
    cold = run_reporting_libcst(tmp_path, "check")
    assert cold.stderr.endswith("libcst imported: True\n")
    for fmt in ("full", "json"):
        warm = run_reporting_libcst(tmp_path, "check", "--output-format", fmt)
        assert warm.stderr == "libcst imported: False\n", warm.stderr
        assert warm.returncode == 1
    assert run_reporting_libcst(tmp_path, "check").stdout == cold.stdout
    write(tmp_path, {"model.py": KLO201_SOURCE + "# edited\n"})
    assert run_reporting_libcst(tmp_path, "check").stderr.endswith("libcst imported: True\n")


def test_a_warm_run_by_importtime(tmp_path):
    write(tmp_path, {"model.py": KLO201_SOURCE})

    def imports() -> str:
        completed = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "keras_loss_lint.faces.cli.main", "check"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert completed.returncode == 1
        return completed.stderr

    assert "| libcst" in imports()
    warm = imports()
    assert "| libcst" not in warm
    assert "keras_loss_lint.project.target" not in warm and "| packaging" not in warm


# ---------------------------------------------------------------------------------------------------
# What the cache key relies on


def test_rule_codes_are_known_without_the_registry():
    from keras_loss_lint.rules.registry import ALL_RULES

    script = (
        "import sys\nfrom keras_loss_lint.project.config import known_codes\ncodes = known_codes()\n"
        "assert 'keras_loss_lint.rules.registry' not in sys.modules\nprint(','.join(codes))\n"
    )
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert completed.stdout.strip().split(",") == [rule.code for rule in ALL_RULES]


def test_the_cache_watches_every_project_file_the_target_reads():
    from keras_loss_lint.project import target

    for name in (*target.LOCK_FILES, "pyproject.toml", "setup.cfg", "Pipfile", "requirements.txt"):
        assert cache.is_project_file(name), name
    assert cache.is_project_file("requirements-dev.txt") and cache.is_project_file("pylock.dev.toml")
    assert not cache.is_project_file("model.py")


# ---------------------------------------------------------------------------------------------------
# Dependencies that do not exist yet


MODELS = (
    "import keras\nfrom keras import layers\n\n\ndef build():\n    inputs = keras.Input(shape=(8,))\n"
    "    return keras.Model(inputs, [layers.Dense(1, name='b')(inputs), layers.Dense(1, name='a')(inputs)])\n"
)
IMPORTS_MODELS = "import keras\nfrom models import build\n\nbuild().compile(loss={'b': 'mse', 'a': 'mae'})\n"


def test_an_absent_dependency_is_a_change_once_present_and_back(tmp_path):
    entries = cache.Cache(tmp_path / "c.json", tmp_path, "p", {})
    missing = str(tmp_path / "models.py")
    entries.put("train.py", "h", "s", [], None, [missing])
    assert entries.get("train.py", "h", "s") is not None  # still absent: a hit
    (tmp_path / "models.py").write_text("x = 1\n", encoding="utf-8")
    assert entries.get("train.py", "h", "s") is None  # absent then, present now
    entries.put("train.py", "h", "s", [], None, [missing])
    (tmp_path / "models.py").unlink()
    assert entries.get("train.py", "h", "s") is None  # present then, absent now


def test_creating_the_module_an_import_looked_for_invalidates_the_importer(cli, tmp_path, linted):
    write(tmp_path, {"pyproject.toml": "", "train.py": IMPORTS_MODELS})
    assert cli("check").code == 0  # `build` is unknown while there is no models.py
    linted.clear()
    assert cli("check").code == 0 and linted == []  # a hit
    write(tmp_path, {"models.py": MODELS})
    assert cli("check").code == 1
    assert "train.py" in linted
