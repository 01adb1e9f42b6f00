"""Formats for CI systems and review bots, as ruff writes them: `gitlab` (Code Quality), `junit`,
`pylint`, `azure` (Pipelines logging commands) and `rdjson` (reviewdog).

Only imported when one of them is asked for. Notebooks: like ruff, the formats whose consumers read
a position as a line of the file (gitlab, pylint, azure) anchor a notebook finding at 1:1, since a
line of the notebook's JSON would mean nothing. Two differ from ruff, for the same reason: junit's
failure text names the cell (`cell 3, line 5, col 62, ...`), and rdjson's message starts with
`cell N:row:col:` and has no range and no suggestions (ruff gives positions in its concatenated
cells, which point nowhere in the file).
"""

from __future__ import annotations

import hashlib
import json
import os
from itertools import groupby
from typing import Any, Mapping, Sequence

from keras_loss_lint.faces.cli.output.machine import INFORMATION_URI, SEVERITY, TOOL_NAME, rule_name, url_of
from keras_loss_lint.faces.cli.output.text import iter_messages
from keras_loss_lint.faces.cli.results import FileResult, Location, Message

ORIGIN = Location(1, 1)  # where a notebook finding is anchored in formats that address file lines


def _start(message: Message) -> Location:
    return ORIGIN if message.cell is not None else message.location


def _end(message: Message) -> Location:
    return ORIGIN if message.cell is not None else message.end_location


def _cell_prefix(message: Message) -> str:
    if message.cell is None:
        return ""
    return f"cell {message.cell}:{message.location.row}:{message.location.column}: "


# ---------------------------------------------------------------------------------------------------
# pylint and Azure Pipelines: one line per finding


def render_pylint(results: Sequence[FileResult]) -> list[str]:
    """`path:row: [CODE] message` (flake8's pylint format), path relative to the working directory."""
    return [
        f"{result.display_path}:{_start(message).row}: [{message.output_code}] {message.message}"
        for result, message in iter_messages(results)
    ]


def render_azure(results: Sequence[FileResult]) -> list[str]:
    """`##vso[task.logissue type=error;sourcepath=...;linenumber=..;columnnumber=..;code=..;]message`."""
    lines = []
    for result, message in iter_messages(results):
        start = _start(message)
        lines.append(
            f"##vso[task.logissue type={SEVERITY};sourcepath={result.path};"
            f"linenumber={start.row};columnnumber={start.column};code={message.output_code};]{message.message}"
        )
    return lines


# ---------------------------------------------------------------------------------------------------
# GitLab Code Quality


def render_gitlab(results: Sequence[FileResult], environ: Mapping[str, str] = os.environ) -> str:
    """A Code Quality report: paths relative to `$CI_PROJECT_DIR` (else to the working directory),
    one fingerprint per finding, unique within the report, that survives moving the finding."""
    project_dir = environ.get("CI_PROJECT_DIR")
    used: set[int] = set()
    issues = []
    for result, message in iter_messages(results):
        path = _gitlab_path(result, project_dir)
        issues.append(_gitlab_issue(message, path, _unique_fingerprint(message, path, used)))
    return json.dumps(issues, indent=2, ensure_ascii=False)


def _gitlab_path(result: FileResult, project_dir: str | None) -> str:
    if project_dir is None or result.path == "-":
        return result.display_path
    return os.path.relpath(result.path, project_dir)


def _gitlab_issue(message: Message, path: str, fingerprint: int) -> dict[str, Any]:
    code = message.output_code
    start, end = _start(message), _end(message)
    return {
        "check_name": code,
        # GitLab shows `description`, not `check_name`, so the code goes in front (as ruff does).
        "description": f"{code}: {message.message}",
        "severity": "major",
        "fingerprint": f"{fingerprint:x}",
        "location": {
            "path": path,
            "positions": {
                "begin": {"line": start.row, "column": start.column},
                "end": {"line": end.row, "column": end.column},
            },
        },
    }


def _unique_fingerprint(message: Message, path: str, used: set[int]) -> int:
    """ruff's scheme: the rule and the path (not the position, so an edit elsewhere in the file keeps
    it), salted with the previous value until unique. Hashed with SHA-256, not ruff's per-platform
    hasher, so that a report's fingerprints are the same on every machine and every run."""
    salt = 0
    while True:
        digest = hashlib.sha256(f"{salt}\0{rule_name(message)}\0{path}".encode()).digest()
        value = int.from_bytes(digest[:8], "big")
        if value not in used:
            used.add(value)
            return value
        salt = value


# ---------------------------------------------------------------------------------------------------
# JUnit XML


def render_junit(results: Sequence[FileResult]) -> str:
    """ruff's JUnit report: a test suite per file, a failed test case per finding; a run with no
    findings is one passing case, so that CI shows the check ran."""
    pairs = sorted(iter_messages(results), key=lambda pair: pair[0].path)
    total = len(pairs)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>']
    lines.append(f'<testsuites name="{TOOL_NAME}" tests="{max(total, 1)}" failures="{total}" errors="0">')
    if not pairs:
        lines += _junit_suite(TOOL_NAME, 1, 0)
        lines.append(f'        <testcase name="No errors found" classname="{TOOL_NAME}">')
        lines.append("        </testcase>")
        lines.append("    </testsuite>")
    for path, group in groupby(pairs, key=lambda pair: pair[0].path):
        messages = [message for _, message in group]
        lines += _junit_suite(path, len(messages), len(messages))
        for message in messages:
            lines += _junit_case(path, message)
        lines.append("    </testsuite>")
    lines.append("</testsuites>")
    return "\n".join(lines)


def _junit_suite(name: str, tests: int, failures: int) -> list[str]:
    return [
        f'    <testsuite name="{_xml(name)}" tests="{tests}" disabled="0" errors="0" '
        f'failures="{failures}" package="org.{TOOL_NAME}">'
    ]


def _junit_case(path: str, message: Message) -> list[str]:
    classname = os.path.splitext(path)[0]
    where = ""
    if message.cell is None:
        where = f' line="{message.location.row}" column="{message.location.column}"'
    prefix = "" if message.cell is None else f"cell {message.cell}, "
    description = f"{prefix}line {message.location.row}, col {message.location.column}, {message.message}"
    return [
        f'        <testcase name="org.{TOOL_NAME}.{_xml(message.output_code)}" classname="{_xml(classname)}"{where}>',
        "            <properties>",
        f'                <property name="severity" value="{SEVERITY}"/>',
        "            </properties>",
        f'            <failure message="{_xml(message.message)}">{_xml(description)}</failure>',
        "        </testcase>",
    ]


def _xml(text: str) -> str:
    """Escaped for attributes and text alike, as quick-junit (ruff's writer) escapes."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&apos;")
    )


# ---------------------------------------------------------------------------------------------------
# reviewdog diagnostic format


def render_rdjson(results: Sequence[FileResult]) -> str:
    """reviewdog's `DiagnosticResult`: the findings, each with its code (and URL), location and the
    fix's edits as suggestions, which reviewdog offers as suggested changes."""
    report = {
        "diagnostics": [_rdjson_diagnostic(result, message) for result, message in iter_messages(results)],
        "severity": "WARNING",
        "source": {"name": TOOL_NAME, "url": INFORMATION_URI},
    }
    return json.dumps(report, indent=2, ensure_ascii=False)


def _rdjson_diagnostic(result: FileResult, message: Message) -> dict[str, Any]:
    url = url_of(message)
    code: dict[str, str] = {"url": url, "value": message.output_code} if url else {"value": message.output_code}
    location: dict[str, Any] = {"path": result.path}
    if message.cell is None:
        location["range"] = _rdjson_range(message.location, message.end_location)
    entry: dict[str, Any] = {"code": code, "location": location, "message": _cell_prefix(message) + message.message}
    if message.fix is not None and message.cell is None:
        entry["suggestions"] = [
            {"range": _rdjson_range(edit.location, edit.end_location), "text": edit.content}
            for edit in message.fix.edits
        ]
    return entry


def _rdjson_range(start: Location, end: Location) -> dict[str, Any]:
    return {
        "end": {"column": end.column, "line": end.row},
        "start": {"column": start.column, "line": start.row},
    }
