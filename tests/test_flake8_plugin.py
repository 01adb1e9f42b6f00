"""The flake8 face, driven through the real flake8 command."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from keras_loss_lint.core.lint import has_candidate, lint_source

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
    """Every fixture with findings passes the pre-check; removing the words it needs removes them."""
    from fixture_expectations import expected_diagnostics, fixture_files

    for path in fixture_files():
        source = path.read_text(encoding="utf-8")
        findings = lint_source(source).diagnostics
        if findings or expected_diagnostics(path):
            assert has_candidate(source), path
        for word in ("keras", "compile", "fit"):
            stripped = source.replace(word, "x" * len(word))
            if not has_candidate(stripped):
                # The pre-check is only allowed to skip what the full analysis would not report.
                from keras_loss_lint.core.lint import lint_module
                from keras_loss_lint.project.settings import DEFAULT_SETTINGS
                import libcst as cst

                module = cst.parse_module(stripped)
                # KLO900 judges `# noqa` comments only in files the linter analyses (documented).
                found = lint_module(module, stripped, DEFAULT_SETTINGS).diagnostics
                assert [d for d in found if d.code != "KLO900"] == [], (path, word)
