"""Which files `check` looks at: .gitignore, default and configured excludes, --force-exclude, stdin."""

from __future__ import annotations

from pathlib import Path

from cli_helpers import write

PY = "x = 1\n"


def relative(run, root: Path) -> list[str]:
    return [str(Path(line).relative_to(root)) for line in run.out.splitlines()]


def test_walks_python_stub_and_notebook_files_only(cli, tmp_path):
    write(tmp_path, {"a.py": PY, "b.pyi": PY, "c.ipynb": "{}", "d.txt": PY, "pkg/e.py": PY, "README.md": "x"})
    run = cli("check", "--show-files")
    assert run.code == 0
    assert relative(run, tmp_path) == ["a.py", "b.pyi", "c.ipynb", "pkg/e.py"]


def test_default_excludes(cli, tmp_path):
    files = {
        f"{name}/x.py": PY
        for name in (".git", ".venv", "__pycache__", "node_modules", "build/.tox", "site-packages")
    }
    write(tmp_path, {**files, "kept.py": PY, "build/kept.py": PY})
    assert relative(cli("check", "--show-files"), tmp_path) == ["build/kept.py", "kept.py"]


def test_gitignore_nested_and_negated(cli, tmp_path):
    write(
        tmp_path,
        {
            ".gitignore": "generated/\n*_pb2.py\n/top_only.py\n",
            "generated/model.py": PY,
            "proto_pb2.py": PY,
            "top_only.py": PY,
            "sub/top_only.py": PY,
            "sub/.gitignore": "local.py\n!keep_pb2.py\n",
            "sub/local.py": PY,
            "sub/keep_pb2.py": PY,
            "sub/other_pb2.py": PY,
            "main.py": PY,
        },
    )
    run = cli("check", "--show-files")
    assert relative(run, tmp_path) == ["main.py", "sub/keep_pb2.py", "sub/top_only.py"]
    everything = cli("check", "--show-files", "--no-respect-gitignore")
    assert len(everything.out.splitlines()) == 8


def test_gitignore_of_the_work_tree_root_applies_to_a_subdirectory(cli, tmp_path):
    write(
        tmp_path,
        {
            ".git/HEAD": "ref: refs/heads/main\n",
            ".gitignore": "ignored.py\n",
            "src/ignored.py": PY,
            "src/ok.py": PY,
        },
    )
    run = cli("check", "--show-files", "src")
    assert relative(run, tmp_path) == ["src/ok.py"]


def test_git_info_exclude(cli, tmp_path):
    write(tmp_path, {".git/info/exclude": "secret.py\n", "secret.py": PY, "ok.py": PY})
    assert relative(cli("check", "--show-files"), tmp_path) == ["ok.py"]


def test_gitignore_outside_the_walk_is_ignored_without_a_work_tree(cli, tmp_path):
    write(tmp_path, {".gitignore": "*.py\n", "project/a.py": PY})
    assert relative(cli("check", "--show-files", "project"), tmp_path) == ["project/a.py"]


def test_exclude_and_extend_exclude_from_configuration(cli, tmp_path):
    write(
        tmp_path,
        {
            "pyproject.toml": '[tool.keras-loss-lint]\nextend-exclude = ["legacy", "scripts/*.py"]\n',
            "legacy/a.py": PY,
            "scripts/b.py": PY,
            "scripts/sub/c.py": PY,
            "src/legacy/d.py": PY,
            "src/e.py": PY,
            ".venv/f.py": PY,
        },
    )
    # `*` crosses directories (fnmatch), like ruff's globs without literal separators.
    assert relative(cli("check", "--show-files"), tmp_path) == ["src/e.py"]


def test_exclude_replaces_the_defaults(cli, tmp_path):
    write(
        tmp_path,
        {
            "pyproject.toml": '[tool.keras-loss-lint]\nexclude = ["skip.py"]\n',
            ".venv/a.py": PY,
            "skip.py": PY,
            "b.py": PY,
        },
    )
    assert relative(cli("check", "--show-files"), tmp_path) == [".venv/a.py", "b.py"]


def test_cli_exclude_flags(cli, tmp_path):
    write(tmp_path, {"a.py": PY, "b.py": PY, "c/d.py": PY})
    assert relative(cli("check", "--show-files", "--extend-exclude", "a.py,c"), tmp_path) == ["b.py"]


def test_explicit_paths_bypass_excludes_unless_forced(cli, tmp_path):
    write(
        tmp_path,
        {
            "pyproject.toml": '[tool.keras-loss-lint]\nextend-exclude = ["legacy"]\n',
            "legacy/a.py": PY,
            "b.py": PY,
            ".venv/c.py": PY,
        },
    )
    explicit = cli("check", "--show-files", "legacy/a.py", "b.py", ".venv/c.py")
    assert relative(explicit, tmp_path) == [".venv/c.py", "b.py", "legacy/a.py"]
    forced = cli("check", "--show-files", "--force-exclude", "legacy/a.py", "b.py", ".venv/c.py")
    assert relative(forced, tmp_path) == ["b.py"]


def test_force_exclude_from_configuration(cli, tmp_path):
    write(
        tmp_path,
        {
            "pyproject.toml": '[tool.keras-loss-lint]\nforce-exclude = true\nextend-exclude = ["gen_*.py"]\n',
            "gen_a.py": PY,
        },
    )
    assert cli("check", "--show-files", "gen_a.py").out == ""


def test_explicit_file_with_any_extension_is_checked(cli, tmp_path):
    write(tmp_path, {"script": PY})
    assert relative(cli("check", "--show-files", "script"), tmp_path) == ["script"]


def test_missing_path_is_a_one_line_error(cli, tmp_path):
    write(tmp_path, {"a.py": PY})
    run = cli("check", "nope.py", "a.py")
    assert run.err == "nope.py: error: No such file or directory\n"
    assert run.code == 1  # something was checked, but not everything
    alone = cli("check", "nope.py")
    assert alone.code == 2  # nothing could be checked


def test_no_files_found_warns_and_passes(cli, tmp_path):
    write(tmp_path, {"notes.txt": "x"})
    run = cli("check")
    assert run.code == 0
    assert run.err == "keras-loss-lint: warning: No Python files found under the given path(s)\n"


def test_symlinked_directories_are_not_followed(cli, tmp_path):
    write(tmp_path, {"real/a.py": PY})
    (tmp_path / "real" / "loop").symlink_to(tmp_path / "real", target_is_directory=True)
    assert relative(cli("check", "--show-files"), tmp_path) == ["real/a.py"]


def test_stdin_with_filename(cli, fake_rule, tmp_path):
    source = b"import keras\nmodel = keras.Sequential()\nmodel.compile(loss='mse')\n"
    run = cli("check", "-", "--stdin-filename", "pkg/model.py", "--output-format", "concise", stdin=source)
    assert run.out == (
        "pkg/model.py:3:1: KLO999 [*] compile call seen\nFound 1 error.\n[*] 1 fixable with the --fix option.\n"
    )
    assert run.code == 1
    unnamed = cli("check", "-", "--output-format", "json", stdin=source)
    assert unnamed.json()[0]["filename"] == "-"


def test_stdin_filename_alone_reads_stdin(cli, fake_rule, tmp_path):
    run = cli(
        "check",
        "--stdin-filename",
        "m.py",
        "--output-format",
        "concise",
        stdin=b"import keras\nm = keras.Sequential()\nm.compile(loss='mse')\n",
    )
    assert run.out.startswith("m.py:3:1: KLO999")


def test_stdin_force_exclude_checks_nothing(cli, fake_rule, tmp_path):
    write(tmp_path, {"pyproject.toml": '[tool.keras-loss-lint]\nextend-exclude = ["gen"]\n'})
    source = b"import keras\nm = keras.Sequential()\nm.compile(loss='mse')\n"
    run = cli(
        "check",
        "-",
        "--stdin-filename",
        "gen/x.py",
        "--force-exclude",
        "--output-format",
        "concise",
        stdin=source,
    )
    assert run.code == 0
    assert "KLO999" not in run.out


def test_stdin_notebook(cli, fake_rule, tmp_path):
    from cli_helpers import notebook

    text = notebook(("code", "import keras\nm = keras.Sequential()\nm.compile(loss='mse')\n"))
    run = cli(
        "check", "-", "--stdin-filename", "nb.ipynb", "--output-format", "concise", "-q", stdin=text.encode()
    )
    assert run.out == "nb.ipynb:cell 1 ([1]):3:1: KLO999 [*] compile call seen\n"


def test_stdin_cannot_be_mixed_with_paths(cli, tmp_path):
    run = cli("check", "-", "a.py")
    assert run.code == 2
    assert run.err.startswith("keras-loss-lint: error: '-' (stdin)")
