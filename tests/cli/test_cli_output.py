"""Output formats, driven through `main(argv)` with a stand-in rule (conftest.FAKE_RULE)."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest

from cli_helpers import FAKE_CODE, notebook, write

SOURCE = textwrap.dedent("""\
    import keras

    model = keras.Sequential()
    model.compile(loss="mse")
    """)
# The stand-in rule reports the whole `model.compile(loss="mse")` call: line 4, columns 1-26.
HEADER = "a.py:4:1: KLO999 [*] compile call seen"
FIXABLE = "[*] 1 fixable with the --fix option."


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write(tmp_path, {"a.py": SOURCE, "clean.py": "x = 1\n"})


def test_full_is_the_default_and_shows_source_caret_and_help(cli, fake_rule, project):
    run = cli("check")
    assert run.code == 1, run.err
    expected = textwrap.dedent("""\
        a.py:4:1: KLO999 [*] compile call seen
          |
        3 | model = keras.Sequential()
        4 | model.compile(loss="mse")
          | ^^^^^^^^^^^^^^^^^^^^^^^^^ KLO999
          |
          = help: Touch the call

        Found 1 error.
        [*] 1 fixable with the --fix option.
        """)
    assert run.out == expected
    assert run.err == ""


def test_concise(cli, fake_rule, project):
    run = cli("check", "--output-format", "concise")
    assert run.out == f"{HEADER}\nFound 1 error.\n{FIXABLE}\n"
    assert run.code == 1


def test_all_checks_passed(cli, fake_rule, tmp_path):
    write(tmp_path, {"clean.py": "import keras\n"})
    run = cli("check", "--output-format", "concise")
    assert (run.code, run.out) == (0, "All checks passed!\n")


def test_quiet_drops_the_summary_and_silent_prints_nothing(cli, fake_rule, project):
    quiet = cli("check", "--output-format", "concise", "-q")
    assert quiet.out == f"{HEADER}\n"
    silent = cli("check", "-s")
    assert (silent.code, silent.out, silent.err) == (1, "", "")


def test_exit_zero(cli, fake_rule, project):
    run = cli("check", "--exit-zero", "--output-format", "concise")
    assert run.code == 0
    assert HEADER in run.out


def test_json_has_ruffs_schema(cli, fake_rule, project):
    run = cli("check", "--output-format", "json")
    assert run.code == 1
    [entry] = run.json()
    assert list(entry) == [
        "cell",
        "code",
        "end_location",
        "filename",
        "fix",
        "location",
        "message",
        "name",
        "noqa_row",
        "severity",
        "url",
    ]
    assert (entry["name"], entry["severity"]) == ("compile-call-seen", "error")
    assert entry["code"] == FAKE_CODE
    assert entry["filename"] == str(project / "a.py")
    assert entry["location"] == {"column": 1, "row": 4}
    assert entry["end_location"] == {"column": 26, "row": 4}
    assert entry["noqa_row"] == 4
    assert entry["cell"] is None
    assert entry["url"].endswith("/KLO999.md")
    assert entry["fix"] == {
        "applicability": "safe",
        "edits": [
            {
                "content": "model.compile",
                "end_location": {"column": 14, "row": 4},
                "location": {"column": 1, "row": 4},
            }
        ],
        "message": "Touch the call",
    }


def test_json_lines(cli, fake_rule, project):
    write(project, {"b.py": SOURCE})
    run = cli("check", "--output-format", "json-lines")
    lines = run.out.splitlines()
    assert len(lines) == 2
    assert [json.loads(line)["filename"] for line in lines] == [str(project / "a.py"), str(project / "b.py")]


def test_json_empty_is_an_empty_list(cli, fake_rule, tmp_path):
    write(tmp_path, {"clean.py": "x = 1\n"})
    run = cli("check", "--output-format", "json")
    assert (run.code, run.json()) == (0, [])


def test_github_annotations(cli, fake_rule, project):
    run = cli("check", "--output-format", "github")
    path = project / "a.py"
    assert run.out == (
        f"::error title=keras-loss-lint (KLO999),file={path},line=4,col=1,endLine=4,endColumn=26::"
        f"{HEADER.replace('[*] ', '')}\n"  # annotations carry no fix marks, as ruff's
    )


def test_github_escapes_workflow_command_characters(cli, fake_rule, tmp_path):
    write(tmp_path, {"a,b%.py": SOURCE})
    run = cli("check", "--output-format", "github")
    assert "file=" + str(tmp_path).replace(":", "%3A") + "/a%2Cb%25.py," in run.out
    assert "::a,b%25.py:4:1: KLO999" in run.out


def test_sarif(cli, fake_rule, project):
    run = cli("check", "--output-format", "sarif")
    assert run.code == 1
    log = run.json()
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-2.1.0.json")
    [sarif_run] = log["runs"]
    driver = sarif_run["tool"]["driver"]
    assert driver["name"] == "keras-loss-lint"
    [rule] = driver["rules"]
    assert rule["id"] == FAKE_CODE
    assert rule["name"] == "compile-call-seen"
    assert rule["shortDescription"]["text"] == "A `compile` call (test rule)"
    assert rule["helpUri"].endswith("/KLO999.md")
    assert {"text", "markdown"} <= set(rule["help"])
    [result] = sarif_run["results"]
    assert result["ruleId"] == FAKE_CODE
    assert result["ruleIndex"] == 0
    assert result["level"] == "error"
    assert result["message"]["text"] == "compile call seen"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "a.py", "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": 4, "startColumn": 1, "endLine": 4, "endColumn": 26}
    assert sarif_run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == project.as_uri() + "/"


def test_statistics(cli, fake_rule, project):
    write(project, {"b.py": SOURCE})
    run = cli("check", "--statistics")
    assert run.out == "2\tKLO999\t[*] compile-call-seen\nFound 2 errors.\n[*] 2 fixable with the --fix option.\n"
    assert run.code == 1
    as_json = cli("check", "--statistics", "--output-format", "json")
    assert as_json.json() == [{"code": "KLO999", "name": "compile-call-seen", "count": 2, "fixable": True}]


def test_statistics_rejects_formats_without_a_statistics_form(cli, fake_rule, project):
    run = cli("check", "--statistics", "--output-format", "sarif")
    assert run.code == 2
    assert run.err.startswith("keras-loss-lint: error: --statistics")


def test_colour_only_when_forced_or_on_a_terminal(cli, fake_rule, project):
    plain = cli("check", "--output-format", "concise")
    assert "\x1b[" not in plain.out  # captured output is not a terminal
    forced = cli("check", "--output-format", "concise", env={"FORCE_COLOR": "1"})
    assert "\x1b[1;31mKLO999\x1b[0m" in forced.out.replace("\x1b[1m\x1b[31m", "\x1b[1;31m")
    assert re.sub(r"\x1b\[[0-9;]*m", "", forced.out) == plain.out


def test_no_color_wins_over_a_terminal(monkeypatch):
    from keras_loss_lint.faces.cli.output.style import color_enabled

    class Tty:
        def isatty(self) -> bool:
            return True

    assert color_enabled(Tty(), {}) is True
    assert color_enabled(Tty(), {"NO_COLOR": "1"}) is False
    assert color_enabled(Tty(), {"TERM": "dumb"}) is False
    assert color_enabled(Tty(), {"NO_COLOR": "1", "FORCE_COLOR": "1"}) is True
    assert color_enabled(Tty(), {"FORCE_COLOR": "0"}) is True  # "0" only means "do not force"
    assert color_enabled(object(), {"FORCE_COLOR": "0"}) is False


def test_machine_formats_never_carry_colour(cli, fake_rule, project):
    run = cli("check", "--output-format", "json", env={"FORCE_COLOR": "1"})
    assert "\x1b[" not in run.out
    run.json()


def test_output_is_sorted_by_path_then_position(cli, fake_rule, tmp_path):
    two_calls = SOURCE + "model.compile(loss='mae')\n"
    write(tmp_path, {"z.py": SOURCE, "a/b.py": two_calls, "m.py": SOURCE})
    run = cli("check", "--output-format", "concise", "-q")
    assert [line.split(": ")[0] for line in run.out.splitlines()] == [
        "a/b.py:4:1",
        "a/b.py:5:1",
        "m.py:4:1",
        "z.py:4:1",
    ]


def test_output_format_from_configuration(cli, fake_rule, project):
    write(project, {"pyproject.toml": '[tool.keras-loss-lint]\noutput-format = "concise"\n'})
    assert cli("check").out == f"{HEADER}\nFound 1 error.\n{FIXABLE}\n"
    assert cli("check", "--output-format", "json").json()[0]["code"] == FAKE_CODE


def test_syntax_error_is_reported_like_ruff(cli, fake_rule, tmp_path):
    write(tmp_path, {"broken.py": "import keras\nmodel.compile(loss={\n"})
    run = cli("check", "--output-format", "concise")
    assert run.out == "broken.py:2:20: SyntaxError: '{' was never closed\nFound 1 error.\n"
    assert run.code == 1
    [entry] = cli("check", "--output-format", "json").json()
    assert (entry["code"], entry["url"], entry["location"]) == (
        "invalid-syntax",
        None,
        {"column": 20, "row": 2},
    )
    sarif = cli("check", "--output-format", "sarif").json()
    assert sarif["runs"][0]["results"][0]["ruleId"] == "invalid-syntax"
    assert "invalid-syntax" in [rule["id"] for rule in sarif["runs"][0]["tool"]["driver"]["rules"]]


def test_notebook_positions_in_every_format(cli, fake_rule, tmp_path):
    text = notebook(
        ("markdown", "# Title\n"),
        ("code", "import keras\n"),
        ("code", "model = keras.Sequential()\n\nmodel.compile(loss='mse')\n"),
    )
    write(tmp_path, {"nb.ipynb": text})
    concise = cli("check", "--output-format", "concise", "-q")
    assert concise.out == "nb.ipynb:cell 3 (code cell 2, [3]):3:1: KLO999 [*] compile call seen\n"
    full = cli("check", "-q")
    assert full.out.splitlines()[:5] == [
        "nb.ipynb:cell 3 (code cell 2, [3]):3:1: KLO999 [*] compile call seen",
        "  |",
        "1 | model = keras.Sequential()",
        "2 |",
        "3 | model.compile(loss='mse')",
    ]
    [entry] = cli("check", "--output-format", "json").json()
    assert (entry["cell"], entry["location"], entry["noqa_row"]) == (3, {"column": 1, "row": 3}, 3)
    assert (entry["code_cell"], entry["execution_count"]) == (2, 3)
    assert entry["fix"]["edits"][0]["location"] == {"column": 1, "row": 3}
    github = cli("check", "--output-format", "github").out
    assert "line=1,col=1,endLine=1,endColumn=1::nb.ipynb:cell 3:3:1: KLO999" in github
    sarif = cli("check", "--output-format", "sarif").json()["runs"][0]["results"][0]
    assert "region" not in sarif["locations"][0]["physicalLocation"]
    assert sarif["properties"]["cell"] == 3
    assert (sarif["properties"]["codeCell"], sarif["properties"]["executionCount"]) == (2, 3)
