"""The flake8 face, driven through the real flake8 command."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

BUGGY = textwrap.dedent(
    """\
    import keras
    from keras import layers
    inp = keras.Input(shape=(4,))
    small = layers.Dense(1, name="output_small")(inp)
    big = layers.Dense(1, name="output_big")(inp)
    model = keras.Model(inp, [small, big])
    model.compile(optimizer="adam", loss={"output_small": "mse", "output_big": "mae"})
    """
)


def flake8(path: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select", "KLO", *options, str(path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=path.parent,
    )


def test_reports_with_zero_based_columns_converted_by_flake8(tmp_path: Path) -> None:
    path = tmp_path / "train.py"
    path.write_text(BUGGY)
    result = flake8(path, "--format=%(row)d:%(col)d:%(code)s")
    assert result.returncode == 1, result.stderr
    # The dict starts at 0-based column 37; flake8 prints columns 1-based.
    assert result.stdout.strip() == "7:38:KLO201"
    line = BUGGY.splitlines()[6]
    assert line[37] == "{"


def test_noqa_is_honoured(tmp_path: Path) -> None:
    path = tmp_path / "train.py"
    path.write_text(BUGGY.replace('"mae"})', '"mae"})  # noqa: KLO201'))
    assert flake8(path).stdout == ""
    path.write_text(BUGGY.replace('"mae"})', '"mae"})  # noqa: KLO1'))
    assert "KLO201" in flake8(path).stdout


def test_keras_version_option(tmp_path: Path) -> None:
    path = tmp_path / "train.py"
    path.write_text(BUGGY)
    assert "KLO201" in flake8(path, "--keras-version", "==3.5.0").stdout
    assert flake8(path, "--keras-version", "==3.4.1").stdout == ""
    assert flake8(path, "--keras-version", ">=3.7").stdout == ""
    bad = flake8(path, "--keras-version", "three")
    assert bad.returncode != 0
    assert "three" in bad.stderr and "Traceback" not in bad.stderr


def test_keras_version_from_flake8_config(tmp_path: Path) -> None:
    path = tmp_path / "train.py"
    path.write_text(BUGGY)
    (tmp_path / "setup.cfg").write_text("[flake8]\nkeras-version = ==3.4.1\n")
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "KLO", str(path)],
        capture_output=True, text=True, check=False, cwd=tmp_path,
    )
    assert result.stdout == "", result.stdout


def test_target_detected_from_requirements(tmp_path: Path) -> None:
    path = tmp_path / "train.py"
    path.write_text(BUGGY)
    (tmp_path / "requirements.txt").write_text("keras==3.7.0\n")
    assert flake8(path).stdout == ""
    (tmp_path / "requirements.txt").write_text("numpy\nkeras==3.5.0\n")
    assert "KLO201" in flake8(path).stdout


def test_syntax_error_is_flake8s_business(tmp_path: Path) -> None:
    path = tmp_path / "broken.py"
    path.write_text("import keras\nmodel.compile(loss={\n")
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", str(path)], capture_output=True, text=True, check=False
    )
    assert "E999" in result.stdout and "Traceback" not in result.stderr


def test_precheck_never_hides_a_finding() -> None:
    """Every fixture (the projects' modules with their project index) whose full analysis finds
    something passes both pre-checks, the textual one and the one on flake8's `ast` tree; removing
    the words the textual check needs removes the findings. tests/test_ast_precheck.py compares
    whole results, fixtures and generated programs."""
    import ast

    import libcst as cst
    from fixture_expectations import expected_diagnostics, fixture_files

    from keras_loss_lint.core.lint import lint_module
    from keras_loss_lint.core.precheck import needs_analysis
    from keras_loss_lint.project.index import index_for
    from keras_loss_lint.project.settings import DEFAULT_SETTINGS

    for path in fixture_files():
        source = path.read_text(encoding="utf-8")
        index = index_for(str(path))
        found = lint_module(cst.parse_module(source), source, DEFAULT_SETTINGS, path=str(path), project=index)
        if found.diagnostics or expected_diagnostics(path):
            assert needs_analysis(source, str(path), index, syntactic=True, tree=ast.parse(source)), path
        for word in ("keras", "compile", "fit"):
            stripped = source.replace(word, "x" * len(word))
            if not needs_analysis(stripped, str(path), index):
                # The pre-check is only allowed to skip what the full analysis would not report.
                module = cst.parse_module(stripped)
                # KLO900 judges `# noqa` comments only in files the linter analyses (documented).
                found = lint_module(module, stripped, DEFAULT_SETTINGS, path=str(path), project=index)
                assert [d for d in found.diagnostics if d.code != "KLO900"] == [], (path, word)


def test_a_file_without_a_call_the_rules_read_is_not_parsed_by_libcst(tmp_path: Path) -> None:
    """flake8's own tree settles it: a Keras module whose only compile/fit are in its docstring never
    imports LibCST, let alone parses it; the module with a finding beside it is still reported."""
    (tmp_path / "docs.py").write_text('"""Use it as `model.compile(loss={"a": "mse"})`, then fit."""\nimport keras\n')
    (tmp_path / "train.py").write_text(BUGGY)
    probe = (
        "import sys\nfrom flake8.main.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        "print('libcst imported:', 'libcst' in sys.modules)\n"
    )

    def flake8_probe(*paths: str) -> str:
        command = [sys.executable, "-c", probe, "--isolated", "-j", "1", "--select", "KLO", *paths]
        return subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False).stdout

    assert flake8_probe("docs.py").strip() == "libcst imported: False"
    both = flake8_probe("docs.py", "train.py")
    assert "train.py:" in both and "docs.py:" not in both and "libcst imported: True" in both
