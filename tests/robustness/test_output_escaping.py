"""Names and sources cannot forge output: control characters in a file name or in a source line are
shown as visible stand-ins (each of the width of one column), never sent to the terminal as they are."""

from __future__ import annotations

from pathlib import Path

from robust_helpers import KLO201_SOURCE, run_cli

ESCAPE = "\x1b"


def test_a_file_name_with_a_newline_cannot_forge_an_annotation(tmp_path: Path) -> None:
    name = "bad\n::notice::forged.py"
    (tmp_path / name).write_text(KLO201_SOURCE, encoding="utf-8")
    (tmp_path / "unreadable\n::warning::x.py").symlink_to(tmp_path / "missing-target")
    for output_format in ("github", "concise", "full"):
        result = run_cli(tmp_path, "check", "--no-cache", "--output-format", output_format, ".")
        lines = (result.out + result.err).splitlines()
        assert not [line for line in lines if line.startswith(("::notice::", "::warning::"))], lines
        assert "KLO201" in result.out


def test_escape_sequences_in_the_source_do_not_reach_the_terminal(tmp_path: Path) -> None:
    source = KLO201_SOURCE + f"note = 1  # {ESCAPE}[2J{ESCAPE}]0;pwned\x07\n"  # in the finding's code frame
    (tmp_path / "train.py").write_text(source, encoding="utf-8")
    result = run_cli(tmp_path, "check", "--no-cache", "--output-format", "full", "train.py")
    assert "KLO201" in result.out
    assert ESCAPE not in result.out and "\x07" not in result.out
    assert "\u241b[2J" in result.out  # shown, as the control picture for ESC
