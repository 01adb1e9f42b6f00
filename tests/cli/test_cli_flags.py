"""ruff's flags that `check` and the top-level command have: --output-file, --show-fixes,
--ignore-noqa, --verbose, --color, the short forms, `linter`, shell completion, `version` as JSON,
and usage errors that point at the help listing the option."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from cli_helpers import KLO201_LINE, KLO201_SOURCE, write

ANSI = re.compile(r"\x1b\[[0-9;]*m")
KLO201_NOQA = KLO201_SOURCE.rstrip("\n") + "  # noqa: KLO201\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write(tmp_path, {"model.py": KLO201_SOURCE, "clean.py": "x = 1\n"})


# ---------------------------------------------------------------------------------------------------
# --output-file / -o


def test_output_file_gets_the_report_uncoloured(cli, project):
    plain = cli("check", "--output-format", "concise")
    run = cli("check", "-o", "reports/lint.txt", "--output-format", "concise", "--color", "always")
    assert (run.code, run.out, run.err) == (1, "", "")
    assert (project / "reports" / "lint.txt").read_text(encoding="utf-8") == plain.out  # no ANSI codes
    forced = cli("check", "--output-file", "lint.json", "--output-format", "json", env={"FORCE_COLOR": "1"})
    assert forced.out == ""
    assert json.loads((project / "lint.json").read_text(encoding="utf-8"))[0]["code"] == "KLO201"


def test_output_file_is_written_even_when_clean_and_takes_show_files(cli, tmp_path):
    write(tmp_path, {"clean.py": "x = 1\n"})
    assert cli("check", "-o", "out.txt").code == 0
    assert (tmp_path / "out.txt").read_text(encoding="utf-8") == "All checks passed!\n"
    cli("check", "--show-files", "-o", "files.txt")
    assert (tmp_path / "files.txt").read_text(encoding="utf-8") == f"{tmp_path / 'clean.py'}\n"


def test_diffs_still_go_to_stdout_with_an_output_file(cli, project):
    run = cli("check", "--diff", "-o", "summary.txt")
    assert run.out.startswith("--- model.py\n+++ model.py\n")
    assert (project / "summary.txt").read_text(encoding="utf-8") == "Would fix 1 error.\n"


def test_an_unwritable_output_file_is_a_usage_error(cli, project):
    (project / "taken").write_text("", encoding="utf-8")
    run = cli("check", "-o", "taken/out.txt")
    assert run.code == 2
    assert run.err.startswith("keras-loss-lint: error: cannot write --output-file taken/out.txt")


# ---------------------------------------------------------------------------------------------------
# --show-fixes


def test_show_fixes_lists_what_fix_fixed_as_ruff_does(cli, project):
    run = cli("check", "--fix", "--show-fixes", "--output-format", "concise", "model.py")
    assert run.code == 0
    assert run.out == (
        "\n"
        "Fixed 1 error:\n"
        "- model.py:\n"
        "    1 × KLO201 (dict-loss-sorted-order)\n"
        "\n"
        "Found 1 error (1 fixed, 0 remaining).\n"
    )


def test_show_fixes_with_fix_only_and_grouped(cli, project):
    write(project, {"other.py": KLO201_SOURCE})
    run = cli("check", "--fix-only", "--show-fixes", "--output-format", "grouped")
    assert run.out == (
        "\n"
        "Fixed 2 errors:\n"
        "- model.py:\n"
        "    1 × KLO201 (dict-loss-sorted-order)\n"
        "- other.py:\n"
        "    1 × KLO201 (dict-loss-sorted-order)\n"
        "\n"
        "Fixed 2 errors.\n"
    )


def test_show_fixes_without_fixing_and_in_machine_formats_adds_nothing(cli, project):
    assert cli("check", "--show-fixes").out == cli("check").out
    fixed_json = cli("check", "--fix", "--show-fixes", "--output-format", "json")
    assert fixed_json.json() == []


def test_show_fixes_conflicts_with_diff_as_in_ruff(cli, project):
    run = cli("check", "--diff", "--show-fixes")
    assert run.code == 2
    assert "--diff cannot be used with --show-fixes" in run.err


# ---------------------------------------------------------------------------------------------------
# --ignore-noqa


def test_ignore_noqa_reports_silenced_findings(cli, tmp_path, isolated_cache):
    unused = "import keras\nmodel.compile(loss='mse')  # noqa: KLO203\n"
    write(tmp_path, {"model.py": KLO201_NOQA, "unused.py": unused})
    honoured = cli("check", "--output-format", "concise", "--no-cache")
    assert [line.split(" ")[:2] for line in honoured.out.splitlines()[:1]] == [["unused.py:2:28:", "KLO900"]]
    assert "KLO201" not in honoured.out
    ignored = cli("check", "--output-format", "concise", "--ignore-noqa")
    assert ignored.code == 1
    codes = [line.split(" ")[:2] for line in ignored.out.splitlines()[:2]]
    # The KLO201 comment is used (it would silence a finding), so only the other one is unused,
    # as ruff still reports RUF100 under --ignore-noqa.
    assert codes == [[f"model.py:{KLO201_LINE}:38:", "KLO201"], ["unused.py:2:28:", "KLO900"]]
    assert list(isolated_cache.iterdir()) == []  # the cache is neither read nor written


def test_ignore_noqa_fixes_silenced_findings(cli, tmp_path):
    write(tmp_path, {"model.py": KLO201_NOQA})
    assert cli("check", "--fix").code == 0
    assert (tmp_path / "model.py").read_text(encoding="utf-8") == KLO201_NOQA
    assert cli("check", "--fix", "--ignore-noqa").code == 0  # fixed: nothing is left
    text = (tmp_path / "model.py").read_text(encoding="utf-8")
    # Once KLO201 is fixed its comment silences nothing, so KLO900's fix removes it (as ruff's RUF100
    # fix does under --ignore-noqa --fix).
    assert text == KLO201_SOURCE.replace('loss={"output_small": "mse", "output_big": "mae"}', 'loss=["mse", "mae"]')


# ---------------------------------------------------------------------------------------------------
# --verbose / -v


def test_verbose_logs_checked_files_targets_and_cache_hits_on_stderr(cli, project):
    quiet = cli("check", "--output-format", "concise")
    cold = cli("check", "-v", "--output-format", "concise", "--no-cache")
    assert cold.out == quiet.out  # the report is unchanged
    log = [re.sub(r"^\[[0-9-]+\]\[[0-9:]+\]", "", line) for line in cold.err.splitlines()]
    assert all(line.startswith("[keras_loss_lint.check][DEBUG] ") for line in log), log
    messages = [line.split("] ", 1)[1] for line in log]
    assert "No configuration file found" in messages
    assert "No Keras call, nothing to analyse: clean.py" in messages
    [checking] = [m for m in messages if m.startswith("Checking: model.py")]
    assert checking.startswith("Checking: model.py (target Keras versions: ")
    assert any(m.startswith("Checked 2 files in: ") for m in messages)
    warm = cli("check", "--verbose")
    assert "Cache hit: model.py" in warm.err


def test_verbose_names_the_pin_a_target_came_from(cli, project):
    write(project, {"requirements.txt": "keras==3.5.0\n"})
    run = cli("check", "-v", "-n")
    [line] = [line for line in run.err.splitlines() if "Checking: model.py" in line]
    assert line.endswith("(target Keras versions: 3.5.0, from requirements.txt:1 (keras==3.5.0))"), line


def test_verbose_conflicts_with_quiet_and_silent(cli, project):
    for flag in ("-q", "-s"):
        run = cli("check", "-v", flag)
        assert run.code == 2 and "--verbose cannot be used with" in run.err


# ---------------------------------------------------------------------------------------------------
# --color


@pytest.mark.parametrize("fmt", ["full", "concise", "grouped"])
def test_color_always_and_never(cli, project, fmt):
    always = cli("check", "--color", "always", "--output-format", fmt)
    assert ANSI.search(always.out)
    never = cli("check", "--color", "never", "--output-format", fmt, env={"FORCE_COLOR": "1"})
    assert not ANSI.search(never.out)
    assert ANSI.sub("", always.out) == never.out


def test_color_auto_follows_the_environment_and_machine_formats_stay_plain(cli, project):
    assert not ANSI.search(cli("check", "--color", "auto").out)  # piped
    assert ANSI.search(cli("check", "--color", "auto", env={"FORCE_COLOR": "1"}).out)
    assert not ANSI.search(cli("check", "--color", "always", "--output-format", "json").out)
    assert cli("check", "--color", "sometimes").code == 2


# ---------------------------------------------------------------------------------------------------
# Short forms: -e (--exit-zero), -n (--no-cache)


def test_short_exit_zero_and_no_cache(cli, project, isolated_cache):
    run = cli("check", "-e", "-n")
    assert run.code == 0 and "KLO201" in run.out
    assert list(isolated_cache.iterdir()) == []
    assert cli("check", "-e", "--exit-non-zero-on-fix").code == 2  # ruff refuses the pair too


# ---------------------------------------------------------------------------------------------------
# linter, version, shell completion


def test_linter_lists_the_families_and_every_rule_is_in_one(cli, tmp_path):
    from keras_loss_lint.rules.codes import known_codes

    text = cli("linter")
    assert text.code == 0
    assert text.out.splitlines()[:2] == ["KLO1 output names", "KLO2 output order"]
    families = cli("linter", "--output-format", "json").json()
    assert all(set(family) == {"prefix", "name", "description", "rules"} for family in families)
    listed = [code for family in families for code in family["rules"]]
    assert sorted(listed) == sorted(known_codes())  # each code once, none left out


def test_version_as_json(cli, tmp_path):
    from keras_loss_lint import __version__

    assert cli("version", "--output-format", "json").json() == {"version": __version__, "commit_info": None}
    assert cli("version").out == f"keras-loss-lint {__version__}\n"


def _bash_complete(script: Path, *words: str) -> list[str]:
    line = " ".join(words)
    program = (
        f"source {script}\n"
        f"COMP_WORDS=({line})\nCOMP_CWORD={len(words) - 1}\n"
        "_keras_loss_lint\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n"
    )
    completed = subprocess.run(["bash", "-c", program], capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0, completed.stderr
    return completed.stdout.split()


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_completion_completes_commands_options_and_values(cli, tmp_path):
    run = cli("generate-shell-completion", "bash")
    assert run.code == 0
    script = tmp_path / "completion.bash"
    script.write_text(run.out, encoding="utf-8")
    assert "linter" in _bash_complete(script, "keras-loss-lint", "li")
    assert sorted(_bash_complete(script, "keras-loss-lint", "check", "--output-f")) == [
        "--output-file",
        "--output-format",
    ]
    assert "gitlab" in _bash_complete(script, "keras-loss-lint", "check", "--output-format", "'g'")
    assert _bash_complete(script, "keras-loss-lint", "check", "--color", "'n'") == ["never"]
    from keras_loss_lint.core.catalogue import known_codes

    family = [code for code in known_codes() if code.startswith("KLO20")]
    assert _bash_complete(script, "keras-loss-lint", "rule", "KLO20") == family
    assert "KLO201" in _bash_complete(script, "keras-loss-lint", "rule", "KLO20")


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_zsh_and_fish_completion(cli, tmp_path, shell):
    run = cli("generate-shell-completion", shell)
    assert run.code == 0
    if shell == "zsh":
        assert run.out.startswith("#compdef keras-loss-lint\n")
        assert "--output-format'[" in run.out and "(full concise grouped" in run.out
    else:
        assert "complete -c keras-loss-lint -n '__fish_seen_subcommand_from check' -l output-format" in run.out
        assert "-s o -l output-file" in run.out or "-l output-file" in run.out
    if shutil.which(shell):
        script = tmp_path / f"completion.{shell}"
        script.write_text(run.out, encoding="utf-8")
        check = [shell, "-n", str(script)] if shell == "zsh" else [shell, "--no-execute", str(script)]
        assert subprocess.run(check, capture_output=True, timeout=60).returncode == 0


def test_completion_needs_a_known_shell(cli, tmp_path):
    run = cli("generate-shell-completion", "tcsh")
    assert run.code == 2 and "invalid choice" in run.err


# ---------------------------------------------------------------------------------------------------
# Help and usage errors


def test_an_unknown_check_option_points_at_check_help(cli, project):
    run = cli("check", "--output-fiel", "out.txt", "model.py")
    assert run.code == 2
    assert run.err == (
        "keras-loss-lint: error: unrecognized arguments: --output-fiel "
        "(did you mean '--output-file'?) (see 'keras-loss-lint check --help')\n"
    )


def test_top_level_help_points_at_command_help(cli, tmp_path):
    run = cli("--help")
    assert run.code == 0
    assert "'keras-loss-lint check --help' lists those of check" in " ".join(run.out.split())
    for command in ("check", "rule", "linter", "server", "version", "generate-shell-completion"):
        assert command in run.out


def test_check_help_lists_every_new_flag(cli, tmp_path):
    text = cli("check", "--help").out
    # argparse writes "-o FILE, --output-file FILE" up to Python 3.12 and "-o, --output-file FILE" from 3.13.
    assert "-o FILE, --output-file FILE" in text or "-o, --output-file FILE" in text
    for flag in (
        "--show-fixes",
        "--ignore-noqa",
        "-v, --verbose",
        "--color {auto,always,never}",
        "-e, --exit-zero",
        "-n, --no-cache",
    ):
        assert flag in text, flag
    for fmt in ("grouped", "junit", "gitlab", "pylint", "rdjson", "azure"):
        assert fmt in text
