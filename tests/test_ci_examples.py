"""The GitHub Actions workflows in docs/examples: their structure, and their command run as the runner runs it.

Each workflow's `keras-loss-lint check ...` line is taken from the file and executed unchanged on a small
project with a KLO201 bug. The SARIF it writes is validated against the structure SARIF 2.1.0 and GitHub
code scanning require (a test-local subset of the official schema, which is not redistributed here);
the `github` format's lines are checked against the workflow-command grammar the runner parses.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from lsp.lsp_helpers import KLO201_LINE, KLO201_SOURCE

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "docs" / "examples"
SARIF_WORKFLOW = EXAMPLES / "github-actions-sarif.yml"
ANNOTATIONS_WORKFLOW = EXAMPLES / "github-actions-annotations.yml"
WORKFLOWS = sorted(EXAMPLES.glob("github-actions-*.yml"))

KLO201_ROW, KLO201_COLUMN = KLO201_LINE + 1, KLO201_SOURCE.splitlines()[KLO201_LINE].index("{") + 1  # 1-based

# Anything here would make the shell run something other than the one command this test runs.
SHELL_SYNTAX = re.compile(r"[|&;<>$`\\\n]")

_POSITIVE = {"type": "integer", "minimum": 1}
# The part of SARIF 2.1.0 (https://json.schemastore.org/sarif-2.1.0.json) that GitHub code scanning
# reads, with the properties it needs made required: a subset, so a log valid here is valid there too.
SARIF_SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "$schema": {"type": "string", "format": "uri"},
        "version": {"enum": ["2.1.0"]},
        "runs": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["tool", "results"],
                "properties": {
                    "tool": {
                        "type": "object",
                        "required": ["driver"],
                        "properties": {
                            "driver": {
                                "type": "object",
                                "required": ["name", "rules"],
                                "properties": {
                                    "name": {"type": "string", "minLength": 1},
                                    "version": {"type": "string"},
                                    "semanticVersion": {"type": "string"},
                                    "informationUri": {"type": "string", "format": "uri"},
                                    "rules": {
                                        "type": "array",
                                        "uniqueItems": True,
                                        "items": {
                                            "type": "object",
                                            "required": ["id"],
                                            "properties": {
                                                "id": {"type": "string", "minLength": 1},
                                                "name": {"type": "string"},
                                                "shortDescription": {"$ref": "#/definitions/message"},
                                                "fullDescription": {"$ref": "#/definitions/message"},
                                                "help": {"$ref": "#/definitions/message"},
                                                "helpUri": {"type": "string", "format": "uri"},
                                            },
                                        },
                                    },
                                },
                            },
                        },
                    },
                    "originalUriBaseIds": {"type": "object"},
                    "columnKind": {"enum": ["utf16CodeUnits", "unicodeCodePoints"]},
                    "results": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["ruleId", "level", "message", "locations"],
                            "properties": {
                                "ruleId": {"type": "string", "minLength": 1},
                                "ruleIndex": {"type": "integer", "minimum": 0},
                                "level": {"enum": ["none", "note", "warning", "error"]},
                                "message": {"$ref": "#/definitions/message"},
                                "locations": {
                                    "type": "array",
                                    "minItems": 1,
                                    "items": {
                                        "type": "object",
                                        "required": ["physicalLocation"],
                                        "properties": {
                                            "physicalLocation": {
                                                "type": "object",
                                                "required": ["artifactLocation", "region"],
                                                "properties": {
                                                    "artifactLocation": {
                                                        "type": "object",
                                                        "required": ["uri"],
                                                        "properties": {
                                                            "uri": {"type": "string", "format": "uri-reference"},
                                                            "uriBaseId": {"type": "string"},
                                                        },
                                                    },
                                                    "region": {
                                                        "type": "object",
                                                        "required": ["startLine", "startColumn"],
                                                        "properties": {
                                                            "startLine": _POSITIVE,
                                                            "startColumn": _POSITIVE,
                                                            "endLine": _POSITIVE,
                                                            "endColumn": _POSITIVE,
                                                        },
                                                    },
                                                },
                                            },
                                        },
                                    },
                                },
                            },
                        },
                    },
                },
            },
        },
    },
    "definitions": {
        "message": {
            "type": "object",
            "required": ["text"],
            "properties": {"text": {"type": "string", "minLength": 1}, "markdown": {"type": "string"}},
        },
    },
}

# `::error key=value,...::message`, as the Actions runner parses it: property values and the message
# escape `%`, CR and LF (and values also `:` and `,`) as %25, %0D, %0A, %3A, %2C.
WORKFLOW_COMMAND = re.compile(r"::error (?P<properties>[^:\r\n]*)::(?P<message>[^\r\n]+)")
PROPERTY_VALUE = re.compile(r"(?:[^,:%\r\n]|%25|%0D|%0A|%3A|%2C)+")
ANNOTATION_PROPERTIES = ("title", "file", "line", "col", "endLine", "endColumn")


def load_workflow(path: Path) -> dict[Any, Any]:
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(workflow, dict), path
    return workflow


def triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    # YAML 1.1 (PyYAML) reads the bare key `on` as the boolean true; GitHub reads it as "on".
    on = workflow.get("on", workflow.get(True))
    assert isinstance(on, dict), on
    return on


def steps(workflow: dict[Any, Any]) -> list[dict[str, Any]]:
    (job,) = workflow["jobs"].values()
    result: list[dict[str, Any]] = job["steps"]
    return result


def lint_step(workflow: dict[Any, Any]) -> tuple[int, list[str]]:
    """The index of the one step that runs `keras-loss-lint check`, and its command line as argv."""
    found = [(i, step) for i, step in enumerate(steps(workflow)) if "keras-loss-lint check" in step.get("run", "")]
    assert len(found) == 1, found
    index, step = found[0]
    command = step["run"].strip()
    assert not SHELL_SYNTAX.search(command), f"not one plain command, so not what the test runs: {command!r}"
    return index, shlex.split(command)


def option(argv: list[str], *names: str) -> str | None:
    for position, part in enumerate(argv):
        if part in names:
            return argv[position + 1]
        for name in names:
            if name.startswith("--") and part.startswith(name + "="):
                return part.split("=", 1)[1]
    return None


def run_like_the_runner(argv: list[str], project: Path) -> subprocess.CompletedProcess[str]:
    """Run the workflow's command line in `project`, as the job's checkout; `keras-loss-lint` is this checkout's."""
    assert argv[0] == "keras-loss-lint", argv
    environment = dict(os.environ, NO_COLOR="1", KERAS_LOSS_LINT_CACHE_DIR=str(project.parent / "cache"))
    return subprocess.run(
        [sys.executable, "-m", "keras_loss_lint", *argv[1:]],
        cwd=project, env=environment, capture_output=True, text=True, timeout=120,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A repository as `actions/checkout` leaves it: a pyproject.toml pinning Keras and a model with KLO201."""
    root = tmp_path / "repository"
    (root / "src").mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "0"\ndependencies = ["keras==3.5.0"]\n', encoding="utf-8"
    )
    (root / "src" / "model.py").write_text(KLO201_SOURCE, encoding="utf-8")
    return root


def test_both_examples_exist() -> None:
    assert WORKFLOWS == sorted([SARIF_WORKFLOW, ANNOTATIONS_WORKFLOW])


def test_the_cli_docs_link_every_example() -> None:
    cli = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    for workflow in WORKFLOWS:
        assert f"](examples/{workflow.name})" in cli, f"docs/cli.md does not link {workflow.name}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=[path.name for path in WORKFLOWS])
def test_the_workflow_is_a_complete_job(path: Path) -> None:
    workflow = load_workflow(path)
    assert isinstance(workflow.get("name"), str)
    assert {"push", "pull_request"} <= set(triggers(workflow)), "it runs on pushes and on pull requests"
    (job,) = workflow["jobs"].values()
    assert job["runs-on"] == "ubuntu-latest"
    job_steps = steps(workflow)
    for step in job_steps:
        assert ("uses" in step) != ("run" in step), step
    uses = [step.get("uses", "") for step in job_steps]
    assert uses[0].startswith("actions/checkout@"), "the repository is checked out first"
    assert any(use.startswith("actions/setup-python@") for use in uses)
    index, argv = lint_step(workflow)
    install = [i for i, step in enumerate(job_steps) if step.get("run", "").startswith("pip install ")]
    assert install and install[0] < index, "keras-loss-lint is installed before it runs"
    assert "keras-loss-lint" in job_steps[install[0]]["run"]
    assert argv[:2] == ["keras-loss-lint", "check"], argv


def test_the_sarif_workflow_uploads_the_file_it_writes() -> None:
    workflow = load_workflow(SARIF_WORKFLOW)
    index, argv = lint_step(workflow)
    assert option(argv, "--output-format") == "sarif"
    written = option(argv, "-o", "--output-file")
    assert written, "the report goes to a file, not mixed into the log"
    # Findings must not stop the job before the upload step (exit 1); errors (exit 2) still do.
    assert "--exit-zero" in argv or "-e" in argv
    upload = [
        (i, step) for i, step in enumerate(steps(workflow))
        if step.get("uses", "").startswith("github/codeql-action/upload-sarif@")
    ]
    assert len(upload) == 1, upload
    upload_index, upload_step = upload[0]
    assert upload_index > index
    assert upload_step["with"]["sarif_file"] == written, "upload-sarif uploads the file the check step writes"
    (job,) = workflow["jobs"].values()
    assert job["permissions"]["security-events"] == "write", "upload-sarif needs it"


def test_the_annotations_workflow_prints_github_annotations() -> None:
    _, argv = lint_step(load_workflow(ANNOTATIONS_WORKFLOW))
    assert option(argv, "--output-format") == "github"
    assert option(argv, "-o", "--output-file") is None, "annotations are read from the step's output"
    assert "--exit-zero" not in argv and "-e" not in argv, "findings fail the job"


def test_the_sarif_workflows_command_writes_valid_sarif(project: Path) -> None:
    _, argv = lint_step(load_workflow(SARIF_WORKFLOW))
    completed = run_like_the_runner(argv, project)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    written = project / str(option(argv, "-o", "--output-file"))
    log = json.loads(written.read_text(encoding="utf-8"))

    jsonschema.Draft7Validator.check_schema(SARIF_SCHEMA)
    jsonschema.Draft7Validator(SARIF_SCHEMA, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER).validate(log)

    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert run["tool"]["driver"]["name"] == "keras-loss-lint"
    assert len({rule["id"] for rule in rules}) == len(rules)
    (result,) = run["results"]
    assert result["ruleId"] == "KLO201"
    assert rules[result["ruleIndex"]]["id"] == "KLO201", "ruleIndex points at the result's own rule"
    (location,) = result["locations"]
    # Code scanning resolves the URI against the repository root: relative, with forward slashes.
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "src/model.py"
    region = location["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (KLO201_ROW, KLO201_COLUMN)


def test_the_annotations_workflows_command_prints_workflow_commands(project: Path) -> None:
    _, argv = lint_step(load_workflow(ANNOTATIONS_WORKFLOW))
    completed = run_like_the_runner(argv, project)
    assert completed.returncode == 1, "a finding fails the step, as the example's comment says"
    lines = completed.stdout.splitlines()
    assert lines, completed.stderr
    for line in lines:
        command = WORKFLOW_COMMAND.fullmatch(line)
        assert command, f"not a workflow command: {line!r}"
        pairs = [pair.split("=", 1) for pair in command["properties"].split(",")]
        assert all(len(pair) == 2 and PROPERTY_VALUE.fullmatch(pair[1]) for pair in pairs), line
        properties = dict(pairs)
        assert tuple(properties) == ANNOTATION_PROPERTIES[:len(properties)], line
        assert {"title", "file", "line", "col"} <= set(properties), line
        assert re.fullmatch(r"keras-loss-lint \(KLO\d{3}\)", properties["title"]), line
        assert all(properties[key].isdigit() for key in ("line", "col", "endLine", "endColumn") if key in properties)
    (line,) = lines
    properties = dict(pair.split("=", 1) for pair in WORKFLOW_COMMAND.fullmatch(line)["properties"].split(","))
    assert properties["title"] == "keras-loss-lint (KLO201)"
    assert Path(properties["file"]).resolve() == (project / "src" / "model.py").resolve()
    assert (int(properties["line"]), int(properties["col"])) == (KLO201_ROW, KLO201_COLUMN)
