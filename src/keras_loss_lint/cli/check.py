"""`keras-loss-lint check`: discovery, settings, linting, output and the exit code.

Outcomes, ruff's way:
- findings, syntax errors (a file that is not valid Python) -> reported, exit 1;
- a file that cannot be read or is not a valid notebook -> `path: error: reason` on stderr, the run goes
  on; exit 1 if anything else was checked (a file was left unchecked: that is never a pass), exit 2 if
  nothing at all could be checked;
- an internal error while checking one file -> reported like an unreadable file, exit 2;
- `--exit-zero` turns exit 1 into 0; it never hides exit 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Sequence

from keras_loss_lint.cli.main import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, PROG, UsageError
from keras_loss_lint.cli.runner import CheckTask, decode_python, default_jobs, read_source, run_tasks
from keras_loss_lint.config import (
    ConfigError,
    ConfigResolver,
    Options,
    Pattern,
    PerFileIgnore,
    validate_keras_version,
    validate_selector,
)
from keras_loss_lint.discovery import discover, is_excluded
from keras_loss_lint.output import STATISTICS_FORMATS, FileResult, ReportOptions, Style, color_enabled, render
from keras_loss_lint.versions import InvalidKerasVersion

STDIN = "-"


def run_check(args: argparse.Namespace) -> int:
    cwd = Path.cwd()
    resolver = ConfigResolver(cwd, cli_options(args, cwd), _config_path(args, cwd), isolated=args.isolated)
    root_config = resolver.for_directory(cwd)
    output_format = args.output_format or root_config.output_format
    if args.statistics and output_format not in STATISTICS_FORMATS:
        raise UsageError(
            f"--statistics works with the full, concise and json output formats, not {output_format!r}"
        )
    paths = [Path(p) for p in (args.paths or ["."])]
    if args.stdin_filename is not None and not args.paths:
        paths = [Path(STDIN)]
    force_exclude = args.force_exclude if args.force_exclude is not None else root_config.force_exclude
    if any(str(p) == STDIN for p in paths):
        if len(paths) > 1:
            raise UsageError("'-' (stdin) cannot be combined with other paths")
        return _check_stdin(args, resolver, force_exclude, output_format)
    return _check_paths(args, resolver, paths, force_exclude, output_format)


def _check_paths(
    args: argparse.Namespace,
    resolver: ConfigResolver,
    paths: list[Path],
    force_exclude: bool,
    output_format: str,
) -> int:
    found = discover(paths, resolver, force_exclude)
    if args.show_files:
        _write("".join(f"{path}\n" for path in found.files))
        return EXIT_OK
    if args.show_settings:
        return _show_settings(resolver, found.files[0] if found.files else None)
    tasks, unreadable = _tasks(found.files, resolver)
    unreadable = [(str(given), reason) for given, reason in found.missing] + unreadable
    if not found.files and not unreadable:
        _warn("No Python files found under the given path(s)", args)
        return _finish(args, [], [], output_format, nothing_to_check=True)
    results = run_tasks(tasks, args.jobs or default_jobs())
    return _finish(args, results, unreadable, output_format)


def _check_stdin(
    args: argparse.Namespace, resolver: ConfigResolver, force_exclude: bool, output_format: str
) -> int:
    name = args.stdin_filename
    path = Path(os.path.normpath(resolver.cwd / name)) if name else None
    if args.show_settings:
        return _show_settings(resolver, path)
    if args.show_files:
        _write(f"{path if path is not None else STDIN}\n")
        return EXIT_OK
    if path is not None and force_exclude and is_excluded(path, resolver):
        return _finish(args, [], [], output_format, nothing_to_check=True)
    data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode("utf-8")
    display = _display(path, resolver.cwd) if path is not None else STDIN
    notebook = path is not None and path.suffix == ".ipynb"
    try:
        text = data.decode("utf-8-sig") if notebook else decode_python(data)
    except (UnicodeDecodeError, SyntaxError, LookupError) as error:
        return _finish(args, [], [(display, _reason(error))], output_format)
    config = resolver.for_path(path) if path is not None else resolver.for_directory(resolver.cwd)
    task = CheckTask(path, str(path) if path is not None else STDIN, display, text, notebook, config)
    return _finish(args, run_tasks([task], 1), [], output_format)


def _tasks(files: Sequence[Path], resolver: ConfigResolver) -> tuple[list[CheckTask], list[tuple[str, str]]]:
    tasks, unreadable = [], []
    for path in files:
        display = _display(path, resolver.cwd)
        try:
            text = read_source(path)
        except (OSError, UnicodeDecodeError, SyntaxError, LookupError) as error:
            unreadable.append((display, _reason(error)))
            continue
        config = resolver.for_path(path)
        tasks.append(CheckTask(path, str(path), display, text, path.suffix == ".ipynb", config))
    return tasks, unreadable


def _finish(
    args: argparse.Namespace,
    results: list[FileResult],
    unreadable: list[tuple[str, str]],
    output_format: str,
    nothing_to_check: bool = False,
) -> int:
    problems = unreadable + [(r.display_path, r.error) for r in results if r.error is not None]
    if not args.silent:
        for display, reason in sorted(problems):
            print(f"{display}: error: {reason}", file=sys.stderr)
    shown = sorted((r for r in results if r.error is None), key=lambda r: r.display_path)
    options = ReportOptions(
        output_format=output_format,
        statistics=args.statistics,
        quiet=args.quiet,
        style=Style(color_enabled(sys.stdout) and output_format in ("full", "concise")),
        cwd=Path.cwd(),
        file_errors=len(problems),
    )
    if not args.silent:
        _write(render(shown, options))
    return _exit_code(args, shown, problems, results, nothing_to_check)


def _exit_code(
    args: argparse.Namespace,
    shown: list[FileResult],
    problems: list,
    results: list[FileResult],
    nothing_to_check: bool,
) -> int:
    if any(r.internal_error for r in results):
        return EXIT_ERROR
    if problems and not shown:
        return EXIT_ERROR  # nothing at all could be checked
    if nothing_to_check:
        return EXIT_OK
    failed = bool(problems) or any(r.messages for r in shown)
    return EXIT_FINDINGS if failed and not args.exit_zero else EXIT_OK


# ---------------------------------------------------------------------------------------------------
# Options from the command line


def cli_options(args: argparse.Namespace, cwd: Path) -> Options:
    keras_version = args.keras_version
    if keras_version is not None:
        try:
            validate_keras_version(keras_version)
        except InvalidKerasVersion as error:
            raise UsageError(f"invalid value for --keras-version: {error}") from None
    return Options(
        select=_codes(args.select, "--select"),
        extend_select=_codes(args.extend_select, "--extend-select") or (),
        ignore=_codes(args.ignore, "--ignore") or (),
        per_file_ignores=_per_file(args.per_file_ignores, "--per-file-ignores", cwd),
        extend_per_file_ignores=_per_file(args.extend_per_file_ignores, "--extend-per-file-ignores", cwd)
        or (),
        exclude=_patterns(args.exclude, cwd),
        extend_exclude=_patterns(args.extend_exclude, cwd) or (),
        keras_version=keras_version,
        keras_version_source="--keras-version" if keras_version is not None else "",
        respect_gitignore=args.respect_gitignore,
        force_exclude=args.force_exclude,
        output_format=args.output_format,
    )


def _split(values: list[str] | None) -> list[str] | None:
    if values is None:
        return None
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def _codes(values: list[str] | None, flag: str) -> tuple[str, ...] | None:
    items = _split(values)
    if items is None:
        return None
    try:
        return tuple(validate_selector(item) for item in items)
    except ValueError as error:
        raise UsageError(f"invalid value for {flag}: {error}") from None


def _patterns(values: list[str] | None, cwd: Path) -> tuple[Pattern, ...] | None:
    items = _split(values)
    return None if items is None else tuple(Pattern(item, cwd) for item in items)


def _per_file(values: list[str] | None, flag: str, cwd: Path) -> tuple[PerFileIgnore, ...] | None:
    items = _split(values)
    if items is None:
        return None
    entries = []
    for item in items:
        glob, separator, code = item.rpartition(":")
        if not separator or not glob or not code:
            raise UsageError(f"invalid value for {flag}: {item!r} (expected GLOB:CODE, e.g. 'tests/*:KLO2')")
        try:
            entries.append(PerFileIgnore(Pattern(glob, cwd), (validate_selector(code),)))
        except ValueError as error:
            raise UsageError(f"invalid value for {flag}: {error}") from None
    return tuple(entries)


def _config_path(args: argparse.Namespace, cwd: Path) -> Path | None:
    if args.config is None:
        return None
    if args.isolated:
        raise UsageError("--config and --isolated cannot be used together")
    path = cwd / args.config
    if not path.is_file():
        raise ConfigError(f"{args.config}: no such configuration file")
    return path


# ---------------------------------------------------------------------------------------------------
# --show-settings


def _show_settings(resolver: ConfigResolver, path: Path | None) -> int:
    if path is None:
        raise UsageError("--show-settings: no file to show settings for")
    config = resolver.for_path(path)
    notebook_cells = _notebook_cells(path)
    target = config.target_for(path, notebook_cells)
    from keras_loss_lint.rules.registry import ALL_RULES

    enabled = [rule.code for rule in ALL_RULES if config.selection.is_enabled(rule.code)]
    ignored_here = config.ignored_codes(path)
    lines = [
        f"Resolved settings for: {_display(path, resolver.cwd)}",
        f"Settings path: {config.config_path if config.config_path is not None else '(none: built-in defaults)'}",
        "",
        f"select = {_toml_list(config.select)}",
        f"ignore = {_toml_list(config.ignore)}",
        "per-file-ignores = {"
        + ", ".join(f"{e.pattern.glob!r} = {_toml_list(e.codes)}" for e in config.per_file_ignores)
        + "}",
        f"per-file-ignores for this file = {_toml_list(ignored_here)}",
        f"exclude = {_toml_list([p.glob for p in config.exclude])}",
        f"respect-gitignore = {str(config.respect_gitignore).lower()}",
        f"force-exclude = {str(config.force_exclude).lower()}",
        f"output-format = {config.output_format!r}",
        f"keras-version = {config.keras_version!r}" if config.keras_version else "keras-version = (not set)",
        "",
        f"target Keras versions = {target.describe()}",
        f"target chosen from = {target.source}",
        f"enabled rules = {', '.join(c for c in enabled if not c.startswith(ignored_here)) or '(none registered)'}",
    ]
    _write("\n".join(lines) + "\n")
    return EXIT_OK


def _notebook_cells(path: Path) -> tuple[str, ...] | None:
    if path.suffix != ".ipynb":
        return None
    from keras_loss_lint.notebook import NotebookError, parse_notebook

    try:
        return parse_notebook(read_source(path)).raw_cell_sources
    except (OSError, UnicodeDecodeError, NotebookError):
        return None


def _toml_list(items: Sequence[str]) -> str:
    return "[" + ", ".join(f'"{item}"' for item in items) + "]"


# ---------------------------------------------------------------------------------------------------


def _display(path: Path, cwd: Path) -> str:
    try:
        return str(path.relative_to(cwd))
    except ValueError:
        return str(path)


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    if isinstance(error, UnicodeDecodeError):
        data = error.object if isinstance(error.object, bytes) else b""
        line = data[: error.start].count(b"\n") + 1
        byte = data[error.start : error.start + 1].hex() or "??"
        return f"cannot decode as {error.encoding}: invalid byte 0x{byte} on line {line}"
    if isinstance(error, SyntaxError):  # an invalid PEP 263 coding cookie
        return f"cannot decode: {error.msg}"
    return str(error)


def _warn(message: str, args: argparse.Namespace) -> None:
    if not (args.silent or args.quiet):
        print(f"{PROG}: warning: {message}", file=sys.stderr)


def _write(text: str) -> None:
    if text:
        sys.stdout.write(text)
        sys.stdout.flush()
