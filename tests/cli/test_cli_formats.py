"""The CI output formats (grouped, pylint, azure, gitlab, junit, rdjson) and JSON's ruff fields,
each read back with its consumer's parser or against its documented structure."""

from __future__ import annotations

import json
import re
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from junitparser import Failure, JUnitXml

from cli_helpers import FAKE_CODE, notebook, write

SOURCE = textwrap.dedent("""\
    import keras

    model = keras.Sequential()
    model.compile(loss="mse")
    """)
TWICE = SOURCE + "model.compile(loss='mae')\n"  # a second finding, at 5:1-5:26
MESSAGE = "compile call seen"
NOTEBOOK = notebook(
    ("markdown", "# Title\n"),
    ("code", "import keras\n"),
    ("code", "model = keras.Sequential()\n\nmodel.compile(loss='mse')\n"),
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write(tmp_path, {"a.py": SOURCE, "b.py": TWICE, "clean.py": "x = 1\n"})


def test_every_format_is_accepted_on_the_command_line_and_in_configuration(cli, fake_rule, project):
    from keras_loss_lint.faces.cli.output import FORMATS
    from keras_loss_lint.project.config import OUTPUT_FORMATS

    assert set(FORMATS) == set(OUTPUT_FORMATS)
    for fmt in OUTPUT_FORMATS:
        write(project, {"pyproject.toml": f'[tool.keras-loss-lint]\noutput-format = "{fmt}"\n'})
        from_config = cli("check")
        assert from_config.code == 1, (fmt, from_config.err)
        assert from_config.out == cli("check", "--output-format", fmt).out, fmt


# ---------------------------------------------------------------------------------------------------
# grouped, pylint, azure: ruff's line formats


def test_grouped(cli, fake_rule, project):
    run = cli("check", "--output-format", "grouped")
    assert run.code == 1
    assert run.out == textwrap.dedent(f"""\
        a.py:
          4:1 {FAKE_CODE} [*] {MESSAGE}

        b.py:
          4:1 {FAKE_CODE} [*] {MESSAGE}
          5:1 {FAKE_CODE} [*] {MESSAGE}

        Found 3 errors.
        [*] 3 fixable with the --fix option.
        """)


def test_grouped_aligns_rows_and_columns_and_names_cells(cli, fake_rule, tmp_path):
    source = "import keras\n" + "\n" * 8 + "model.compile(loss='mse')\n" + "x = 1;    model.compile(loss='mae')\n"
    write(tmp_path, {"a.py": source, "nb.ipynb": NOTEBOOK})
    lines = cli("check", "--output-format", "grouped", "-q").out.splitlines()
    assert lines == [
        "a.py:",
        f"  10:1  {FAKE_CODE} [*] {MESSAGE}",
        f"  11:11 {FAKE_CODE} [*] {MESSAGE}",
        "",
        "nb.ipynb:",
        f"  cell 3 (code cell 2, [3]):3:1 {FAKE_CODE} [*] {MESSAGE}",
        "",
    ]
    # The stand-in fix changes nothing, so the findings stay; while fixing nothing is marked.
    fixing = cli("check", "--output-format", "grouped", "-q", "--fix").out.splitlines()
    assert fixing[1] == f"  10:1  {FAKE_CODE} {MESSAGE}"


def test_grouped_syntax_error_reads_like_ruffs(cli, tmp_path):
    write(tmp_path, {"bad.py": "import keras\nmodel.compile(\n"})
    lines = cli("check", "--output-format", "grouped").out.splitlines()
    assert lines[0] == "bad.py:"
    assert re.fullmatch(r"  \d+:\d+ invalid-syntax: .+", lines[1]), lines[1]


def test_pylint(cli, fake_rule, project):
    run = cli("check", "--output-format", "pylint")
    assert run.code == 1
    assert run.out == (
        f"a.py:4: [{FAKE_CODE}] {MESSAGE}\n"
        f"b.py:4: [{FAKE_CODE}] {MESSAGE}\n"
        f"b.py:5: [{FAKE_CODE}] {MESSAGE}\n"
    )


def test_azure_logging_commands(cli, fake_rule, project):
    run = cli("check", "--output-format", "azure")
    command = re.compile(r"##vso\[task\.logissue ((?:[a-z]+=[^;\]]*;)+)\](.*)")
    parsed = []
    for line in run.out.splitlines():
        match = command.fullmatch(line)
        assert match is not None, line
        properties = dict(item.split("=", 1) for item in match.group(1).rstrip(";").split(";"))
        parsed.append((properties, match.group(2)))
    assert parsed[0] == (
        {
            "type": "error",
            "sourcepath": str(project / "a.py"),
            "linenumber": "4",
            "columnnumber": "1",
            "code": FAKE_CODE,
        },
        MESSAGE,
    )
    assert [p["linenumber"] for p, _ in parsed] == ["4", "4", "5"]


def test_line_formats_anchor_notebook_findings_at_one_one(cli, fake_rule, tmp_path):
    write(tmp_path, {"nb.ipynb": NOTEBOOK})
    assert cli("check", "--output-format", "pylint").out == f"nb.ipynb:1: [{FAKE_CODE}] {MESSAGE}\n"
    assert "linenumber=1;columnnumber=1;" in cli("check", "--output-format", "azure").out


# ---------------------------------------------------------------------------------------------------
# GitLab Code Quality


# The keys GitLab's Code Quality report requires (docs.gitlab.com/ci/testing/code_quality,
# "Code Quality report format"), with positions as the CodeClimate spec defines them.
GITLAB_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string"},
            "check_name": {"type": "string"},
            "fingerprint": {"type": "string", "minLength": 1},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {
                "type": "object",
                "required": ["path"],
                "properties": {
                    "path": {"type": "string"},
                    "lines": {"type": "object", "required": ["begin"]},
                    "positions": {
                        "type": "object",
                        "required": ["begin", "end"],
                        "properties": {
                            "begin": {"$ref": "#/$defs/position"},
                            "end": {"$ref": "#/$defs/position"},
                        },
                    },
                },
                "oneOf": [{"required": ["lines"]}, {"required": ["positions"]}],
            },
        },
    },
    "$defs": {
        "position": {
            "type": "object",
            "required": ["line", "column"],
            "properties": {"line": {"type": "integer", "minimum": 1}, "column": {"type": "integer", "minimum": 1}},
        }
    },
}


def test_gitlab_code_quality(cli, fake_rule, project, monkeypatch):
    monkeypatch.delenv("CI_PROJECT_DIR", raising=False)
    run = cli("check", "--output-format", "gitlab")
    assert run.code == 1
    report = run.json()
    jsonschema.validate(report, GITLAB_SCHEMA)
    first = report[0]
    assert list(first) == ["check_name", "description", "severity", "fingerprint", "location"]
    assert first["check_name"] == FAKE_CODE
    assert first["description"] == f"{FAKE_CODE}: {MESSAGE}"
    assert first["severity"] == "major"
    assert first["location"] == {
        "path": "a.py",
        "positions": {"begin": {"line": 4, "column": 1}, "end": {"line": 4, "column": 26}},
    }
    fingerprints = [issue["fingerprint"] for issue in report]
    assert len(set(fingerprints)) == 3  # two findings of one rule in one file still differ
    assert cli("check", "--output-format", "gitlab").json() == report  # stable across runs


def test_gitlab_paths_are_relative_to_the_ci_project_dir(cli, fake_rule, tmp_path, monkeypatch):
    write(tmp_path, {"sub/a.py": SOURCE})
    monkeypatch.setenv("CI_PROJECT_DIR", str(tmp_path))
    report = cli("check", "--output-format", "gitlab", cwd=tmp_path / "sub").json()
    assert report[0]["location"]["path"] == "sub/a.py"


def test_gitlab_notebook_and_empty(cli, fake_rule, tmp_path, monkeypatch):
    monkeypatch.delenv("CI_PROJECT_DIR", raising=False)
    write(tmp_path, {"nb.ipynb": NOTEBOOK})
    [issue] = cli("check", "--output-format", "gitlab").json()
    jsonschema.validate([issue], GITLAB_SCHEMA)
    assert issue["location"]["positions"]["begin"] == {"line": 1, "column": 1}
    (tmp_path / "nb.ipynb").unlink()
    assert cli("check", "--output-format", "gitlab").json() == []


# ---------------------------------------------------------------------------------------------------
# JUnit XML


def test_junit_read_by_junitparser(cli, fake_rule, project):
    run = cli("check", "--output-format", "junit")
    assert run.code == 1
    assert run.out.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="keras-loss-lint"')
    xml = JUnitXml.fromstring(run.out)
    suites = list(xml)
    assert [suite.name for suite in suites] == [str(project / "a.py"), str(project / "b.py")]
    assert (suites[1].tests, suites[1].failures, suites[1].errors) == (2, 2, 0)
    case = list(suites[0])[0]
    assert case.name == f"org.keras-loss-lint.{FAKE_CODE}"
    assert case.classname == str(project / "a")
    [failure] = case.result
    assert isinstance(failure, Failure)
    assert failure.message == MESSAGE
    assert failure.text == f"line 4, col 1, {MESSAGE}"
    root = ET.fromstring(run.out)
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("3", "3", "0")
    testcase = root.find("testsuite/testcase")
    assert testcase is not None
    assert (testcase.get("line"), testcase.get("column")) == ("4", "1")
    assert testcase.find("properties/property").attrib == {"name": "severity", "value": "error"}


def test_junit_escapes_and_a_clean_run_is_one_passing_case(cli, tmp_path):
    write(tmp_path, {"bad.py": "import keras\nmodel.compile('<&>\n"})
    root = ET.fromstring(cli("check", "--output-format", "junit").out)  # well-formed despite <&>
    assert root.find("testsuite/testcase").get("name") == "org.keras-loss-lint.invalid-syntax"
    write(tmp_path, {"bad.py": "x = 1\n"})
    run = cli("check", "--output-format", "junit")
    assert run.code == 0
    xml = JUnitXml.fromstring(run.out)
    [suite] = list(xml)
    [case] = list(suite)
    assert (suite.name, suite.tests, suite.failures) == ("keras-loss-lint", 1, 0)
    assert (case.name, case.is_passed) == ("No errors found", True)


def test_junit_notebook_case_names_the_cell(cli, fake_rule, tmp_path):
    write(tmp_path, {"nb.ipynb": NOTEBOOK})
    case = ET.fromstring(cli("check", "--output-format", "junit").out).find("testsuite/testcase")
    assert case is not None and case.get("line") is None
    assert case.find("failure").text == f"cell 3, line 3, col 1, {MESSAGE}"


# ---------------------------------------------------------------------------------------------------
# reviewdog diagnostic format


# reviewdog's proto/rdf/reviewdog.proto: DiagnosticResult{diagnostics, source, severity},
# Diagnostic{message, location, severity, source, code, suggestions, original_output, related_locations},
# Location{path, range}, Range{start, end}, Position{line, column}, Suggestion{range, text}, Code{value, url}.
_POSITION = {
    "type": "object",
    "properties": {"line": {"type": "integer", "minimum": 1}, "column": {"type": "integer", "minimum": 1}},
    "additionalProperties": False,
}
_RANGE = {
    "type": "object",
    "required": ["start"],
    "properties": {"start": _POSITION, "end": _POSITION},
    "additionalProperties": False,
}
_SEVERITY = {"enum": ["UNKNOWN_SEVERITY", "ERROR", "WARNING", "INFO"]}
_SOURCE = {
    "type": "object",
    "required": ["name"],
    "properties": {"name": {"type": "string"}, "url": {"type": "string"}},
    "additionalProperties": False,
}
RDJSON_SCHEMA = {
    "type": "object",
    "required": ["diagnostics"],
    "additionalProperties": False,
    "properties": {
        "source": _SOURCE,
        "severity": _SEVERITY,
        "diagnostics": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["message", "location"],
                "additionalProperties": False,
                "properties": {
                    "message": {"type": "string"},
                    "location": {
                        "type": "object",
                        "required": ["path"],
                        "properties": {"path": {"type": "string"}, "range": _RANGE},
                        "additionalProperties": False,
                    },
                    "severity": _SEVERITY,
                    "source": _SOURCE,
                    "code": {
                        "type": "object",
                        "required": ["value"],
                        "properties": {"value": {"type": "string"}, "url": {"type": "string"}},
                        "additionalProperties": False,
                    },
                    "suggestions": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["range", "text"],
                            "properties": {"range": _RANGE, "text": {"type": "string"}},
                            "additionalProperties": False,
                        },
                    },
                    "original_output": {"type": "string"},
                    "related_locations": {"type": "array"},
                },
            },
        },
    },
}


def test_rdjson_validates_against_reviewdogs_fields(cli, fake_rule, project):
    run = cli("check", "--output-format", "rdjson")
    assert run.code == 1
    report = run.json()
    jsonschema.validate(report, RDJSON_SCHEMA)
    assert (report["severity"], report["source"]["name"]) == ("WARNING", "keras-loss-lint")
    first = report["diagnostics"][0]
    assert first["code"]["value"] == FAKE_CODE and first["code"]["url"].endswith("/KLO999.md")
    assert first["location"] == {
        "path": str(project / "a.py"),
        "range": {"end": {"column": 26, "line": 4}, "start": {"column": 1, "line": 4}},
    }
    # The fix's edit, as a suggestion reviewdog can apply.
    assert first["suggestions"] == [
        {"range": {"end": {"column": 14, "line": 4}, "start": {"column": 1, "line": 4}}, "text": "model.compile"}
    ]


def test_rdjson_syntax_error_and_notebook(cli, fake_rule, tmp_path):
    write(tmp_path, {"bad.py": "import keras\nmodel.compile(\n", "nb.ipynb": NOTEBOOK})
    report = cli("check", "--output-format", "rdjson").json()
    jsonschema.validate(report, RDJSON_SCHEMA)
    by_path = {Path(d["location"]["path"]).name: d for d in report["diagnostics"]}
    assert by_path["bad.py"]["code"] == {"value": "invalid-syntax"}  # no URL, as in ruff
    cell = by_path["nb.ipynb"]
    assert cell["message"] == f"cell 3:3:1: {MESSAGE}"
    assert "range" not in cell["location"] and "suggestions" not in cell


# ---------------------------------------------------------------------------------------------------
# JSON: ruff's current fields


def test_json_name_and_severity_also_for_syntax_errors(cli, tmp_path):
    write(tmp_path, {"bad.py": "import keras\nmodel.compile(\n"})
    [entry] = cli("check", "--output-format", "json").json()
    assert (entry["code"], entry["name"], entry["severity"], entry["url"], entry["noqa_row"]) == (
        "invalid-syntax",
        "invalid-syntax",
        "error",
        None,
        None,
    )
    [line] = cli("check", "--output-format", "json-lines").out.splitlines()
    assert json.loads(line) == entry


def test_statistics_still_refuse_the_ci_formats(cli, fake_rule, project):
    run = cli("check", "--statistics", "--output-format", "grouped")
    assert run.code == 2 and "--statistics works with" in run.err
