"""Configuration files, their validation, CLI overrides and --show-settings."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from cli_helpers import FAKE_CODE, write
from keras_loss_lint.project.config import ConfigError, Options, Pattern, combine, load_config_file

SOURCE = "import keras\nmodel = keras.Sequential()\nmodel.compile(loss='mse')\n"


def codes(run) -> list[str]:
    return [entry["code"] for entry in run.json()]


def pyproject(body: str) -> dict[str, str]:
    return {"pyproject.toml": "[tool.keras-loss-lint]\n" + textwrap.dedent(body)}


IN_TABLE = "pyproject.toml: {!r} in [tool.keras-loss-lint]: "


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            'selekt = ["KLO"]\n',
            "pyproject.toml: unknown key 'selekt' in [tool.keras-loss-lint] (did you mean 'select'?)",
        ),
        ('select = "KLO"\n', IN_TABLE.format("select") + "expected a list of strings, got a string"),
        (
            'ignore = ["E501"]\n',
            IN_TABLE.format("ignore")
            + "unknown rule selector 'E501' (keras-loss-lint codes start with 'KLO', e.g. 'KLO201')",
        ),
        (
            'keras-version = "three"\n',
            IN_TABLE.format("keras-version") + "invalid Keras version specifier 'three'",
        ),
        (
            "keras-version = 3\n",
            IN_TABLE.format("keras-version") + "expected a PEP 440 specifier string, got an integer",
        ),
        (
            'per-file-ignores = {"tests/*" = "KLO"}\n',
            IN_TABLE.format("per-file-ignores") + "'tests/*': expected a list of rule codes, got a string",
        ),
        (
            'respect-gitignore = "yes"\n',
            IN_TABLE.format("respect-gitignore") + "expected true or false, got a string",
        ),
        (
            'output-format = "xml"\n',
            IN_TABLE.format("output-format")
            + "expected one of full, concise, grouped, json, json-lines, junit, github, gitlab, pylint, rdjson, azure, "
            + "sarif, got 'xml'",
        ),
        ("select = [\n", "pyproject.toml: invalid TOML:"),
    ],
)
def test_bad_configuration_is_one_clear_line_and_exit_2(cli, tmp_path, body, message):
    write(tmp_path, {**pyproject(body), "a.py": SOURCE})
    run = cli("check")
    assert run.code == 2
    assert run.err.startswith(f"keras-loss-lint: error: {message}"), run.err
    assert run.err.count("\n") == 1
    assert run.out == ""


def test_unknown_code_is_checked_against_the_registry(cli, fake_rule, tmp_path):
    write(tmp_path, {**pyproject('ignore = ["KLO998"]\n'), "a.py": SOURCE})
    run = cli("check")
    assert run.code == 2
    assert "unknown rule selector 'KLO998' (did you mean 'KLO999'?)" in run.err


def test_select_and_ignore_from_pyproject(cli, fake_rule, tmp_path):
    write(tmp_path, {**pyproject('ignore = ["KLO9"]\n'), "a.py": SOURCE})
    assert cli("check", "--output-format", "json").json() == []
    # --select on the command line replaces the file's selection, its ignore included (as in ruff).
    assert codes(cli("check", "--output-format", "json", "--select", "KLO999")) == [FAKE_CODE]
    # --extend-select re-enables what the file ignored under that prefix.
    assert codes(cli("check", "--output-format", "json", "--extend-select", "KLO99")) == [FAKE_CODE]


def test_cli_ignore_and_select_all(cli, fake_rule, tmp_path):
    write(tmp_path, {"a.py": SOURCE})
    assert cli("check", "--output-format", "json", "--ignore", "KLO999").json() == []
    assert codes(cli("check", "--output-format", "json", "--select", "ALL")) == [FAKE_CODE]
    bad = cli("check", "--select", "F401")
    assert bad.code == 2
    assert bad.err.startswith(
        "keras-loss-lint: error: invalid value for --select: unknown rule selector 'F401'"
    )


def test_per_file_ignores(cli, fake_rule, tmp_path):
    write(
        tmp_path,
        {
            **pyproject(
                '[tool.keras-loss-lint.per-file-ignores]\n"tests/*" = ["KLO9"]\n"b.py" = ["KLO999"]\n'
            ),
            "tests/a.py": SOURCE,
            "src/b.py": SOURCE,
            "c.py": SOURCE,
        },
    )
    run = cli("check", "--output-format", "json")
    assert [Path(entry["filename"]).name for entry in run.json()] == ["c.py"]
    # Per-file ignores win even over an explicit selection of the same code, as in ruff.
    assert len(cli("check", "--output-format", "json", "--select", "KLO999").json()) == 1
    override = cli("check", "--output-format", "json", "--per-file-ignores", "c.py:KLO999")
    assert sorted(Path(e["filename"]).name for e in override.json()) == ["a.py", "b.py"]
    extended = cli("check", "--output-format", "json", "--extend-per-file-ignores", "c.py:KLO999")
    assert extended.json() == []


def test_bad_per_file_ignores_flag(cli, tmp_path):
    run = cli("check", "--per-file-ignores", "tests")
    assert run.code == 2
    assert "expected GLOB:CODE" in run.err


def test_standalone_config_file_needs_no_table_and_beats_pyproject(cli, fake_rule, tmp_path):
    write(
        tmp_path,
        {
            "keras-loss-lint.toml": 'ignore = ["KLO999"]\n',
            **pyproject('select = ["KLO999"]\n'),
            "a.py": SOURCE,
        },
    )
    assert cli("check", "--output-format", "json").json() == []
    write(tmp_path, {".keras-loss-lint.toml": "", "keras-loss-lint.toml": 'ignore = ["KLO999"]\n'})
    assert codes(cli("check", "--output-format", "json")) == [FAKE_CODE]
    write(tmp_path, {".keras-loss-lint.toml": "selekt = []\n"})
    run = cli("check")
    assert run.err.startswith(
        "keras-loss-lint: error: .keras-loss-lint.toml: unknown key 'selekt' in the file (did you mean 'select'?)"
    )


def test_nearest_configuration_wins(cli, fake_rule, tmp_path):
    write(
        tmp_path,
        {
            **pyproject('ignore = ["KLO999"]\n'),
            "a.py": SOURCE,
            "sub/pyproject.toml": "[tool.keras-loss-lint]\n",
            "sub/b.py": SOURCE,
        },
    )
    run = cli("check", "--output-format", "json")
    assert [Path(entry["filename"]).name for entry in run.json()] == ["b.py"]


def test_pyproject_without_the_table_is_skipped(cli, fake_rule, tmp_path):
    write(
        tmp_path,
        {
            **pyproject('ignore = ["KLO999"]\n'),
            "sub/pyproject.toml": "[project]\nname = 'x'\n",
            "sub/b.py": SOURCE,
        },
    )
    assert cli("check", "--output-format", "json", "sub").json() == []


def test_config_flag_and_isolated(cli, fake_rule, tmp_path):
    write(tmp_path, {**pyproject('ignore = ["KLO999"]\n'), "other.toml": "", "a.py": SOURCE})
    assert codes(cli("check", "--output-format", "json", "--config", "other.toml")) == [FAKE_CODE]
    assert codes(cli("check", "--output-format", "json", "--isolated")) == [FAKE_CODE]
    missing = cli("check", "--config", "nope.toml")
    assert (missing.code, missing.err) == (
        2,
        "keras-loss-lint: error: nope.toml: no such configuration file\n",
    )
    both = cli("check", "--config", "other.toml", "--isolated")
    assert both.code == 2


def test_invalid_keras_version_flag(cli, tmp_path):
    run = cli("check", "--keras-version", ">=banana")
    assert run.code == 2
    assert run.err.startswith(
        "keras-loss-lint: error: invalid value for --keras-version: invalid Keras version specifier '>=banana'"
    )


def test_show_settings_names_the_target_versions_and_their_source(cli, tmp_path):
    write(tmp_path, {**pyproject('keras-version = "==3.5.0"\nignore = ["KLO2"]\n'), "a.py": SOURCE})
    run = cli("check", "--show-settings", "a.py")
    assert run.code == 0
    assert "Resolved settings for: a.py" in run.out
    assert f"Settings path: {tmp_path / 'pyproject.toml'}" in run.out
    assert 'ignore = ["KLO2"]' in run.out
    assert "target Keras versions = 3.5.0" in run.out
    assert "target chosen from = keras-version in pyproject.toml (==3.5.0)" in run.out
    flag = cli("check", "--show-settings", "--keras-version", ">=3.7", "a.py")
    assert "target chosen from = --keras-version (>=3.7)" in flag.out


def test_show_settings_shows_the_limits_as_the_configuration_writes_them(cli, tmp_path):
    write(tmp_path, {**pyproject('max-file-size = "256KB"\nanalysis-time-limit = 0.5\n'), "a.py": SOURCE})
    run = cli("check", "--show-settings", "--analysis-memory-limit", "80", "a.py")
    assert 'max-file-size = "256KB"' in run.out
    assert "analysis-time-limit = 0.5" in run.out and "analysis-memory-limit = 80" in run.out
    default = cli("check", "--show-settings", "--isolated", "a.py")
    assert 'max-file-size = "64KB"' in default.out and "analysis-time-limit = 1.5" in default.out


def test_show_settings_uses_project_pins(cli, tmp_path):
    write(tmp_path, {"requirements.txt": "keras==3.6.0\n", "a.py": SOURCE})
    run = cli("check", "--show-settings")
    assert "target Keras versions = 3.6.0" in run.out
    assert "requirements.txt" in run.out


def test_keras_version_setting_changes_findings(cli, tmp_path):
    from cli_helpers import KLO201_SOURCE

    write(tmp_path, {"model.py": KLO201_SOURCE})
    assert "KLO201" in codes(cli("check", "--output-format", "json", "--keras-version", "==3.5.0"))
    assert "KLO201" not in codes(cli("check", "--output-format", "json", "--keras-version", ">=3.7"))


def test_combine_layers_like_ruff(tmp_path):
    file_layer = Options(select=("KLO1", "KLO2"), ignore=("KLO201",), exclude=(Pattern("a", tmp_path),))
    cli_layer = Options(extend_select=("KLO4",), extend_exclude=(Pattern("b", tmp_path),))
    resolved = combine(None, tmp_path, [file_layer, cli_layer])
    assert resolved.select == ("KLO1", "KLO2", "KLO4")
    assert resolved.ignore == ("KLO201",)
    assert [p.glob for p in resolved.exclude] == ["a", "b"]
    replaced = combine(None, tmp_path, [file_layer, Options(select=("KLO201",))])
    assert (replaced.select, replaced.ignore) == (("KLO201",), ())


def test_load_config_file_reports_the_file_it_was_given(tmp_path):
    path = write(tmp_path, {"pyproject.toml": "[tool.keras-loss-lint]\nexclude = [1]\n"}) / "pyproject.toml"
    with pytest.raises(
        ConfigError,
        match=r"^custom\.toml: 'exclude' in \[tool\.keras-loss-lint\]: expected a list of strings, got a list$",
    ):
        load_config_file(path, "custom.toml")


@pytest.mark.parametrize(
    ("glob", "relative", "expected"),
    [
        ("build", "build", True),
        ("build", "src/build", True),  # no "/": matches the last component anywhere
        ("build/", "src/build", True),
        ("src/build", "build", False),
        ("src/*.py", "src/a.py", True),
        ("src/*.py", "src/deep/a.py", True),  # `*` crosses directories
        ("./src/a.py", "src/a.py", True),
        ("**/gen.py", "gen.py", True),
        ("**/gen.py", "a/b/gen.py", True),
        ("*.ipynb", "a/nb.ipynb", True),
        ("tests", "src/tests_util.py", False),
    ],
)
def test_pattern_semantics(tmp_path, glob, relative, expected):
    anchor = tmp_path / "we[i]rd*dir"
    assert Pattern(glob, anchor).matches(anchor / relative) is expected


# ---------------------------------------------------------------------------------------------------
# The size limit and the analysis ceiling: keys, flags, flake8's options


BIG_SOURCE = SOURCE + "#" * 2000 + "\n"  # above a 2KB limit
# A refused file is one KLO902 finding (exit 1, silenced like any code), not an error.
TOO_LARGE = "big.py:1:1: KLO902 not analysed: too large to analyse "
TOO_LARGE += f"({len(BIG_SOURCE):,} bytes; max-file-size is 2,048 bytes)"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('max-file-size = "big"\n', IN_TABLE.format("max-file-size")
         + 'expected a size such as "256KB" or "1MB" (a number alone is KB), got \'big\''),
        ("max-file-size = 0\n", IN_TABLE.format("max-file-size") + "expected a size from 1B to 15.3 MB, got 0"),
        ('max-file-size = "1GB"\n', IN_TABLE.format("max-file-size")
         + 'expected a size such as "256KB" or "1MB" (a number alone is KB), got \'1GB\''),
        ('max-file-size = "100MB"\n', IN_TABLE.format("max-file-size")
         + "expected a size from 1B to 15.3 MB, got '100MB'"),
        ("max-file-size = true\n", IN_TABLE.format("max-file-size")
         + 'expected a size such as "256KB" or "1MB" (a number alone is KB), got a boolean'),
        ("analysis-time-limit = 0\n", IN_TABLE.format("analysis-time-limit")
         + "expected a positive number of seconds (e.g. 2 or 0.5), got 0"),
        ('analysis-time-limit = "2"\n', IN_TABLE.format("analysis-time-limit")
         + "expected a positive number of seconds (e.g. 2 or 0.5), got '2'"),
        ("analysis-time-limit = inf\n", IN_TABLE.format("analysis-time-limit")
         + "expected a positive number of seconds (e.g. 2 or 0.5), got inf"),
        ("analysis-memory-limit = -5\n", IN_TABLE.format("analysis-memory-limit")
         + "expected a positive number of MB (e.g. 150), got -5"),
        ("analysis-memory-limit = [150]\n", IN_TABLE.format("analysis-memory-limit")
         + "expected a positive number of MB (e.g. 150), got a list"),
    ],
)
def test_bad_limits_are_one_clear_line_and_exit_2(cli, tmp_path, body, message):
    write(tmp_path, {**pyproject(body), "a.py": SOURCE})
    run = cli("check")
    assert (run.code, run.out) == (2, "")
    assert run.err == f"keras-loss-lint: error: {message}\n", run.err


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--max-file-size", "lots", 'expected a size such as "256KB" or "1MB" (a number alone is KB), got \'lots\''),
        ("--max-file-size", "9" * 5000, "expected a size from 1B to 15.3 MB, got '" + "9" * 36 + "..."),
        ("--analysis-time-limit", "soon", "expected a positive number of seconds (e.g. 2 or 0.5), got 'soon'"),
        ("--analysis-memory-limit", "nan", "expected a positive number of MB (e.g. 150), got 'nan'"),
    ],
)
def test_bad_limit_flags_are_usage_errors(cli, tmp_path, flag, value, message):
    write(tmp_path, {"a.py": SOURCE})
    run = cli("check", f"{flag}={value}")
    assert (run.code, run.out) == (2, "")
    assert run.err == f"keras-loss-lint: error: invalid value for {flag}: {message}\n", run.err


@pytest.fixture
def never_parsed(monkeypatch):
    from keras_loss_lint.core import lint

    def parse(*args, **kwargs):
        raise AssertionError("a file above the size limit was parsed")

    monkeypatch.setattr(lint.cst, "parse_module", parse)


def test_max_file_size_from_the_file_refuses_a_larger_file_unparsed(cli, tmp_path, never_parsed):
    write(tmp_path, {**pyproject('max-file-size = "2KB"\n'), "big.py": BIG_SOURCE})
    run = cli("check", "--no-cache", "--output-format", "concise", "big.py")
    assert (run.code, run.out.splitlines()[0], run.err) == (1, TOO_LARGE, ""), (run.out, run.err)
    ignored = cli("check", "--no-cache", "--ignore", "KLO902", "big.py")
    assert ignored.code == 0, (ignored.out, ignored.err)


def test_an_integer_max_file_size_is_kb_and_the_flag_overrides_the_file(cli, fake_rule, tmp_path):
    write(tmp_path, {**pyproject("max-file-size = 2\n"), "big.py": BIG_SOURCE, "small.py": SOURCE})
    run = cli("check", "--no-cache", "--output-format", "json")
    refused = [(Path(e["filename"]).name, e["code"]) for e in run.json() if e["code"] == "KLO902"]
    assert refused == [("big.py", "KLO902")]
    raised = cli("check", "--no-cache", "--output-format", "json", "--max-file-size", "3kb")
    assert "KLO902" not in {entry["code"] for entry in raised.json()}
    assert sorted({Path(entry["filename"]).name for entry in raised.json()}) == ["big.py", "small.py"]
    lowered = cli("check", "--no-cache", "--output-format", "concise", "--max-file-size", "10B", "small.py")
    expected = "small.py:1:1: KLO902 not analysed: too large to analyse "
    expected += f"({len(SOURCE)} bytes; max-file-size is 10 bytes)"
    assert expected in lowered.out, (lowered.out, lowered.err)


def test_the_limits_reach_every_face_through_the_resolved_settings(tmp_path):
    write(tmp_path, pyproject('max-file-size = "1.5MB"\nanalysis-time-limit = 0.5\nanalysis-memory-limit = 80\n'))
    options = load_config_file(tmp_path / "pyproject.toml", "pyproject.toml")
    config = combine(tmp_path / "pyproject.toml", tmp_path, [options])
    limits = config.settings_for(tmp_path / "a.py").limits
    assert (limits.max_file_size, limits.seconds, limits.memory_mb) == (1_572_864, 0.5, 80.0)
    flags = Options(analysis_time_limit=3.0)
    later = combine(tmp_path / "pyproject.toml", tmp_path, [options, flags]).settings_for(None).limits
    assert (later.max_file_size, later.seconds, later.memory_mb) == (1_572_864, 3.0, 80.0)
    default = combine(None, tmp_path, []).settings_for(None).limits
    assert (default.max_file_size, default.seconds, default.memory_mb) == (64 * 1024, 1.5, 150.0)


def test_the_flake8_section_sets_the_limits_for_every_face(cli, tmp_path):
    write(tmp_path, {"setup.cfg": "[flake8]\nkeras-max-file-size = 2\nkeras-analysis-time-limit = 1.5\n",
                     "big.py": BIG_SOURCE})
    run = cli("check", "--no-cache", "--output-format", "concise", "big.py")
    assert TOO_LARGE in run.out, (run.out, run.err)
    write(tmp_path, {"setup.cfg": "[flake8]\nkeras_analysis_memory_limit = none\n"})
    bad = cli("check", "--no-cache", "big.py")
    assert bad.code == 2
    assert bad.err == (
        "keras-loss-lint: error: setup.cfg: 'keras-analysis-memory-limit' in [flake8]: "
        "expected a positive number of MB (e.g. 150), got 'none'\n"
    ), bad.err
