"""Formats for programs: `json` and `json-lines` (ruff's schema), `sarif` (2.1.0) and `github`.

JSON objects carry ruff's keys in ruff's (alphabetical) order: `cell`, `code`, `end_location`,
`filename`, `fix`, `location`, `message`, `name`, `noqa_row`, `severity`, `url`. Rows and columns are
1-based; in a notebook they count within the cell named by `cell` (1-based among all cells, as in
ruff), and a notebook finding has two more keys, in the same order: `code_cell` (1-based among code
cells) and `execution_count` (the cell's saved `[N]`, or null). `filename` is absolute. A syntax
error has code and name `invalid-syntax` and url null, as in ruff; every finding's severity is
`error`, as ruff reports lint findings.

The CI formats (gitlab, junit, pylint, azure, rdjson) live in `ci`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

from keras_loss_lint import __version__
from keras_loss_lint.faces.cli.results import FileResult, FixView, Location, Message, SYNTAX_ERROR
from keras_loss_lint.faces.cli.output.text import iter_messages, statistics_rows

TOOL_NAME = "keras-loss-lint"
INFORMATION_URI = "https://github.com/keras-loss-lint/keras-loss-lint"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SEVERITY = "error"  # ruff reports every lint finding as an error


# ---------------------------------------------------------------------------------------------------
# JSON


def json_object(result: FileResult, message: Message) -> dict[str, Any]:
    entry = {
        "cell": message.cell,
        "code": message.output_code,
        "end_location": _location(message.end_location),
        "filename": result.path,
        "fix": _fix(message.fix),
        "location": _location(message.location),
        "message": message.message,
        "name": rule_name(message),
        "noqa_row": message.noqa_row,
        "severity": SEVERITY,
        "url": url_of(message),
    }
    if message.cell is not None:  # a notebook finding: how else the cell is found, keys kept sorted
        label = result.cell_label(message.cell)
        entry.update(code_cell=label.code_number, execution_count=label.execution_count)
        entry = dict(sorted(entry.items()))
    return entry


def rule_name(message: Message) -> str:
    """The rule's name (`invalid-syntax` for a syntax error, as ruff's JSON names it)."""
    if message.code is None:
        return SYNTAX_ERROR
    if message.name is not None:
        return message.name
    from keras_loss_lint.core.catalogue import rule_by_code  # only for messages made without a name

    rule = rule_by_code(message.code)
    return rule.name if rule is not None else message.code


def url_of(message: Message) -> str | None:
    if message.code is None or message.url is not None:
        return message.url
    from keras_loss_lint.core.catalogue import rule_by_code  # only for messages made without a URL

    rule = rule_by_code(message.code)
    return rule.url if rule is not None else None


def render_json(results: Sequence[FileResult]) -> str:
    objects = [json_object(result, message) for result, message in iter_messages(results)]
    return json.dumps(objects, indent=2, ensure_ascii=False)


def render_json_lines(results: Sequence[FileResult]) -> list[str]:
    return [
        json.dumps(json_object(result, message), ensure_ascii=False)
        for result, message in iter_messages(results)
    ]


def render_statistics_json(results: Sequence[FileResult], unsafe: bool = False) -> str:
    rows = [
        {"code": code, "name": name, "count": count, "fixable": fixable}
        for count, code, name, fixable in statistics_rows(results, unsafe)
    ]
    return json.dumps(rows, indent=2)


def _location(location: Location) -> dict[str, int]:
    return {"column": location.column, "row": location.row}


def _fix(fix: FixView | None) -> dict[str, Any] | None:
    if fix is None:
        return None
    edits = [
        {
            "content": edit.content,
            "end_location": _location(edit.end_location),
            "location": _location(edit.location),
        }
        for edit in fix.edits
    ]
    return {"applicability": fix.applicability, "edits": edits, "message": fix.message}


# ---------------------------------------------------------------------------------------------------
# GitHub Actions workflow commands


def render_github(results: Sequence[FileResult]) -> list[str]:
    """`::error title=keras-loss-lint (KLO201),file=...,line=..::path:row:col: KLO201 message`.

    Like ruff, the annotation text repeats `path:row:col:` and a notebook finding is anchored at 1:1
    (a line of the .ipynb JSON would be meaningless); its text says which cell.
    """
    lines = []
    for result, message in iter_messages(results):
        code = message.output_code
        start, end = (
            (Location(1, 1), Location(1, 1))
            if message.cell is not None
            else (message.location, message.end_location)
        )
        properties = ",".join(
            [
                f"title={_escape_property(f'{TOOL_NAME} ({code})')}",
                f"file={_escape_property(result.path)}",
                f"line={start.row}",
                f"col={start.column}",
                f"endLine={end.row}",
                f"endColumn={end.column}",
            ]
        )
        cell = f"cell {message.cell}:" if message.cell is not None else ""
        where = f"{result.display_path}:{cell}{message.location.row}:{message.location.column}:"
        body = f"SyntaxError: {message.message}" if message.is_syntax_error else f"{code} {message.message}"
        lines.append(f"::error {properties}::{_escape_data(f'{where} {body}')}")
    return lines


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


# ---------------------------------------------------------------------------------------------------
# SARIF 2.1.0


def render_sarif(results: Sequence[FileResult], cwd: Path) -> str:
    """A SARIF log GitHub code scanning accepts: every rule in `tool.driver.rules`, one result each.

    URIs are relative to the working directory (`%SRCROOT%`, which `originalUriBaseIds` defines), as
    code scanning wants paths relative to the repository; files outside it get absolute file URIs.
    """
    rules, index = _sarif_rules(results)
    sarif_results = [_sarif_result(result, message, index, cwd) for result, message in iter_messages(results)]
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": TOOL_NAME,
                        "informationUri": INFORMATION_URI,
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": rules,
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": cwd.as_uri() + "/"}},
                "columnKind": "unicodeCodePoints",
                "results": sarif_results,
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False)


def _sarif_rules(results: Sequence[FileResult]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    from keras_loss_lint.core.catalogue import all_rules
    rules = [_sarif_rule(rule) for rule in all_rules()]
    if any(message.is_syntax_error for _, message in iter_messages(results)):
        rules.append(
            {
                "id": SYNTAX_ERROR,
                "name": "syntax-error",
                "shortDescription": {"text": "The file is not valid Python, so it cannot be analysed"},
                "fullDescription": {
                    "text": "The file (or a notebook cell) is not valid Python, so it cannot be analysed."
                },
                "defaultConfiguration": {"level": "error"},
                "properties": {"problem.severity": "error"},
            }
        )
    return rules, {rule["id"]: position for position, rule in enumerate(rules)}


def _sarif_rule(rule: Any) -> dict[str, Any]:
    doc = rule.doc or rule.summary
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": _first_section(doc) or rule.summary},
        "help": {"text": doc, "markdown": doc},
        "helpUri": rule.url,
        "defaultConfiguration": {"level": "error"},
        "properties": {
            "tags": ["correctness", "keras"],
            "precision": "very-high",
            "problem.severity": "error",
            "affected-keras-versions": rule.affects_description,
        },
    }


def _first_section(doc: str) -> str:
    """The prose under the doc's first heading ("What it does"), for `fullDescription`."""
    paragraphs: list[str] = []
    started = False
    for line in doc.splitlines():
        if line.startswith("#"):
            if started:
                break
            started = True
            continue
        if line.strip() or paragraphs:
            paragraphs.append(line)
    return " ".join(line.strip() for line in paragraphs if line.strip())


def _sarif_result(result: FileResult, message: Message, index: dict[str, int], cwd: Path) -> dict[str, Any]:
    code = message.output_code
    physical: dict[str, Any] = {"artifactLocation": _artifact(result.path, cwd)}
    properties: dict[str, Any] = {}
    if message.cell is None:
        physical["region"] = {
            "startLine": message.location.row,
            "startColumn": message.location.column,
            "endLine": message.end_location.row,
            "endColumn": message.end_location.column,
        }
    else:
        # A region would index lines of the notebook's JSON; the cell position goes in properties.
        label = result.cell_label(message.cell)
        properties = {
            "cell": message.cell,
            "codeCell": label.code_number,
            "executionCount": label.execution_count,
            "cellStartLine": message.location.row,
            "cellStartColumn": message.location.column,
            "cellEndLine": message.end_location.row,
            "cellEndColumn": message.end_location.column,
        }
    text = (
        message.message
        if message.cell is None
        else f"cell {message.cell}:{message.location.row}:{message.location.column}: {message.message}"
    )
    entry: dict[str, Any] = {
        "ruleId": code,
        "ruleIndex": index[code],
        "level": "error",
        "message": {"text": text},
        "locations": [{"physicalLocation": physical}],
    }
    if properties:
        entry["properties"] = properties
    if message.fix is not None:
        entry["properties"] = {
            **entry.get("properties", {}),
            "fix": {"message": message.fix.message, "applicability": message.fix.applicability},
        }
    return entry


def _artifact(path: str, cwd: Path) -> dict[str, str]:
    if path == "-":
        return {"uri": "stdin"}
    absolute = Path(path)
    try:
        relative = absolute.relative_to(cwd)
    except ValueError:
        return {"uri": absolute.as_uri()}
    return {"uri": relative.as_posix(), "uriBaseId": "%SRCROOT%"}
