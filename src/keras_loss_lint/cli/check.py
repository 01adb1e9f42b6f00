"""`keras-loss-lint check`: discovery, settings, linting (or fixing), output and the exit code.

Outcomes, ruff's way:
- findings, syntax errors (a file that is not valid Python) -> reported, exit 1;
- a file that cannot be read or is not a valid notebook -> `path: error: reason` on stderr, the run goes
  on; exit 1 if anything else was checked (a file was left unchecked: that is never a pass), exit 2 if
  nothing at all could be checked;
- an internal error while checking one file -> reported like an unreadable file, exit 2;
- a fixed file that could not be written (or that changed on disk meanwhile, so it was left alone)
  -> `path: error: reason`, exit 2;
- `--exit-zero` turns exit 1 into 0; it never hides exit 2.

Fix modes, as ruff's: `--fix` writes fixed files and reports what is left; `--fix-only` writes them and
reports only how many were fixed; `--diff` prints what `--fix` would change and writes nothing (exit 1
if there is anything to fix). Files are read once, in this process; fixes are computed with the checks
(in the pool when there are many), and written here, one file at a time, atomically.
"""

from __future__ import annotations

import argparse
import os
import sys
from functools import partial
from pathlib import Path
from typing import IO, TYPE_CHECKING, Sequence

from keras_loss_lint.cache import Cache, CachedResult, SettingsKeys, cache_directory
from keras_loss_lint.cli.main import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, PROG, UsageError
from keras_loss_lint.cli.runner import (
    CheckTask,
    cell_lines,
    check_task,
    clean_result,
    decode_stdin,
    default_jobs,
    needs_linting,
    read_source,
    run_tasks,
)
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
from keras_loss_lint.output import (
    APPLY,
    DIFF,
    GENERATE,
    STATISTICS_FORMATS,
    FileResult,
    ReportOptions,
    Style,
    color_enabled,
    render,
)
from keras_loss_lint.writing import SourceFile

if TYPE_CHECKING:
    from keras_loss_lint.cli.fixer import FixOutcome

STDIN = "-"


class FixOptions:
    # Plain classes here, not dataclasses: making one costs a warm run about a millisecond.
    __slots__ = ("mode", "only", "unsafe", "hint_unsafe")

    def __init__(self, mode: str = GENERATE, only: bool = False, unsafe: bool = False, hint_unsafe: bool = True):
        self.mode = mode  # GENERATE (report), APPLY (--fix, --fix-only) or DIFF (--diff)
        self.only = only  # --fix-only / --diff: report what was fixed, not the findings left
        self.unsafe = unsafe  # --unsafe-fixes
        self.hint_unsafe = hint_unsafe  # neither --unsafe-fixes nor --no-unsafe-fixes

    @property
    def fixing(self) -> bool:
        return self.mode != GENERATE

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> "FixOptions":
        # --diff wins over --fix, as in ruff: it never writes.
        mode = DIFF if args.diff else APPLY if (args.fix or args.fix_only) else GENERATE
        return cls(mode, args.diff or args.fix_only, bool(args.unsafe_fixes), args.unsafe_fixes is None)


class Run:
    """What one run produced: a result per checked file, files that could not be checked, and the
    new text of every fixed file (written already with --fix, printed as a diff with --diff)."""

    __slots__ = ("results", "unreadable", "fixed", "write_failed")

    def __init__(
        self, results: list[FileResult], unreadable: list[tuple[str, str]], fixed: list[tuple[CheckTask, str]]
    ) -> None:
        self.results = results
        self.unreadable = unreadable
        self.fixed = fixed
        self.write_failed = False


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
    fix = FixOptions.from_args(args)
    if any(str(p) == STDIN for p in paths):
        if len(paths) > 1:
            raise UsageError("'-' (stdin) cannot be combined with other paths")
        return _check_stdin(args, resolver, force_exclude, output_format, fix)
    return _check_paths(args, resolver, paths, force_exclude, output_format, fix)


def _check_paths(
    args: argparse.Namespace,
    resolver: ConfigResolver,
    paths: list[Path],
    force_exclude: bool,
    output_format: str,
    fix: FixOptions,
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
        return _finish(args, Run([], [], []), output_format, fix, nothing_to_check=True)
    cache = None if args.no_cache else _open_cache(args, resolver)
    run = _run(tasks, args.jobs or default_jobs(), fix, cache)
    run.unreadable = unreadable + run.unreadable
    if cache is not None:
        cache.save()
    if fix.mode == DIFF and not args.silent:
        _write_diffs(run.fixed, sys.stdout)
    return _finish(args, run, output_format, fix)


def _open_cache(args: argparse.Namespace, resolver: ConfigResolver) -> Cache:
    """The project's cache: under the directory of the configuration in force for the working
    directory (where ruff puts `.ruff_cache`), else under the working directory."""
    config_path = resolver.for_directory(resolver.cwd).config_path
    root = config_path.parent if config_path is not None else resolver.cwd
    return Cache.open(cache_directory(args.cache_dir, root, resolver.cwd), root)


def _run(tasks: list[CheckTask], jobs: int, fix: FixOptions, cache: Cache | None) -> Run:
    """Check (or fix) every task: files without a Keras call need nothing, cache hits need no
    analysis (unless a fix would apply to them), the rest go to the runner."""
    results, keys, pending = _answered_without_analysis(tasks, fix, cache)
    run = Run([], [], [])
    if fix.fixing:
        outcomes = run_tasks([tasks[i] for i in pending], jobs, partial(_fix_worker, unsafe=fix.unsafe))
        checked = [outcome.result for outcome in outcomes]
        run.fixed = [(tasks[i], o.fixed_text) for i, o in zip(pending, outcomes) if o.fixed_text is not None]
    else:
        checked = run_tasks([tasks[i] for i in pending], jobs, check_task)
    rewritten = {id(task) for task, _ in run.fixed}
    for index, result in zip(pending, checked):
        results[index] = result
        task = tasks[index]
        # A rewritten file's result is for its new content, which the next run will hash anew.
        if cache is not None and not result.internal_error and id(task) not in rewritten:
            cache.put(task.filename, task.source.digest, keys[index], result.messages, result.error)
    run.results = [result for result in results if result is not None]
    if fix.mode == APPLY:
        _write_fixed(run)
    return run


def _answered_without_analysis(
    tasks: list[CheckTask], fix: FixOptions, cache: Cache | None
) -> tuple[list[FileResult | None], dict[int, str], list[int]]:
    """Results for the tasks that need no analysis (no Keras call, or a cache hit), each pending
    task's settings key, and the indexes of the tasks still to analyse."""
    results: list[FileResult | None] = [None] * len(tasks)
    settings_keys = SettingsKeys()
    keys: dict[int, str] = {}
    pending: list[int] = []
    for index, task in enumerate(tasks):
        if not needs_linting(task):
            results[index] = clean_result(task)
            continue
        if cache is not None:
            keys[index] = settings_keys.key(task.config, task.path)
            hit = cache.get(task.filename, task.source.digest, keys[index])
            # A file with something to fix needs the fixer: the cache only says what is wrong.
            if hit is not None and not (fix.fixing and any(m.fixable(fix.unsafe) for m in hit.messages)):
                results[index] = _from_cache(task, hit)
                continue
        pending.append(index)
    return results, keys, pending


def _fix_worker(task: CheckTask, unsafe: bool) -> FixOutcome:
    from keras_loss_lint.cli.fixer import fix_task  # imports the core: only when something is fixed

    return fix_task(task, unsafe)


def _from_cache(task: CheckTask, hit: CachedResult) -> FileResult:
    """A cached result, with what the text formats need to show source (recomputed, not stored)."""
    if hit.error is not None or not hit.messages:
        return FileResult(task.filename, task.display_path, error=hit.error)
    if not task.notebook:
        return FileResult(task.filename, task.display_path, hit.messages, source=task.text)
    from keras_loss_lint.notebook import NotebookError, parse_notebook

    try:
        notebook = parse_notebook(task.text)
    except NotebookError as error:  # cannot happen for a text that was linted; be safe anyway
        return FileResult(task.filename, task.display_path, error=str(error))
    return FileResult(
        task.filename, task.display_path, hit.messages, source=notebook.source, cell_lines=cell_lines(notebook)
    )


def _write_fixed(run: Run) -> None:
    """Write each fixed file; a file that cannot be written becomes a one-line error for that file."""
    from keras_loss_lint.writing import WriteError, write_if_unchanged

    failed: dict[str, str] = {}
    for task, text in run.fixed:
        assert task.path is not None
        try:
            data = task.source.encode(text)
        except UnicodeEncodeError as error:
            failed[task.filename] = f"cannot write the fixed file: not representable in {error.encoding}"
            continue
        try:
            write_if_unchanged(task.path, data, task.source.digest)
        except WriteError as error:
            failed[task.filename] = str(error)
    if failed:
        run.write_failed = True
        run.fixed = [(task, text) for task, text in run.fixed if task.filename not in failed]
        run.results = [
            FileResult(r.path, r.display_path, error=failed[r.path]) if r.path in failed else r
            for r in run.results
        ]


def _write_diffs(fixed: list[tuple[CheckTask, str]], stream: IO[str]) -> None:
    from keras_loss_lint.notebook import parse_notebook
    from keras_loss_lint.output.diff import file_diff, notebook_diff

    for task, text in sorted(fixed, key=lambda item: item[0].display_path):
        if task.notebook:
            old = parse_notebook(task.text).raw_cell_sources
            new = parse_notebook(text).raw_cell_sources
            stream.write(notebook_diff(old, new, task.display_path))
        else:
            stream.write(file_diff(task.text, text, task.display_path))
    stream.flush()


def _check_stdin(
    args: argparse.Namespace, resolver: ConfigResolver, force_exclude: bool, output_format: str, fix: FixOptions
) -> int:
    name = args.stdin_filename
    path = Path(os.path.normpath(resolver.cwd / name)) if name else None
    if args.show_settings:
        return _show_settings(resolver, path)
    if args.show_files:
        _write(f"{path if path is not None else STDIN}\n")
        return EXIT_OK
    data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode("utf-8")
    if path is not None and force_exclude and is_excluded(path, resolver):
        if fix.mode == APPLY:
            _write_bytes(data)  # like ruff: an excluded file passes through unchanged
        return _finish(args, Run([], [], []), output_format, fix, nothing_to_check=True)
    display = _display(path, resolver.cwd) if path is not None else STDIN
    notebook = path is not None and path.suffix == ".ipynb"
    try:
        source = decode_stdin(data, notebook)
    except (UnicodeDecodeError, SyntaxError, LookupError) as error:
        if fix.mode == APPLY:
            _write_bytes(data)
        return _finish(args, Run([], [(display, _reason(error))], []), output_format, fix)
    config = resolver.for_path(path) if path is not None else resolver.for_directory(resolver.cwd)
    task = CheckTask(path, str(path) if path is not None else STDIN, display, source, notebook, config)
    if not fix.fixing:
        return _finish(args, Run(run_tasks([task], 1, check_task), [], []), output_format, fix)
    # With a fix mode, stdout carries the source (or its diff), so the report goes to stderr.
    outcome = _fix_worker(task, fix.unsafe)
    run = Run([outcome.result], [], [] if outcome.fixed_text is None else [(task, outcome.fixed_text)])
    if fix.mode == APPLY:
        _write_bytes(_encoded_or_original(run, source, outcome.fixed_text, data))
    elif not args.silent:
        _write_diffs(run.fixed, sys.stdout)
    return _finish(args, run, output_format, fix, stream=sys.stderr)


def _encoded_or_original(run: Run, source: SourceFile, fixed_text: str | None, data: bytes) -> bytes:
    """The fixed stdin in its own encoding; the input unchanged if there is nothing to fix or the
    fix cannot be encoded (then reported as an error, as for a file that cannot be written)."""
    if fixed_text is None:
        return data
    try:
        return source.encode(fixed_text)
    except UnicodeEncodeError as error:
        reason = f"cannot write the fixed source: not representable in {error.encoding}"
        run.results = [FileResult(r.path, r.display_path, error=reason) for r in run.results]
        run.write_failed = True
        return data


def _tasks(files: Sequence[Path], resolver: ConfigResolver) -> tuple[list[CheckTask], list[tuple[str, str]]]:
    tasks, unreadable = [], []
    for path in files:
        display = _display(path, resolver.cwd)
        try:
            source = read_source(path)
        except (OSError, UnicodeDecodeError, SyntaxError, LookupError) as error:
            unreadable.append((display, _reason(error)))
            continue
        config = resolver.for_path(path)
        tasks.append(CheckTask(path, str(path), display, source, path.suffix == ".ipynb", config))
    return tasks, unreadable


def _finish(
    args: argparse.Namespace,
    run: Run,
    output_format: str,
    fix: FixOptions,
    nothing_to_check: bool = False,
    stream: IO[str] | None = None,
) -> int:
    results = run.results
    problems = run.unreadable + [(r.display_path, r.error) for r in results if r.error is not None]
    if not args.silent:
        for display, reason in sorted(problems):
            print(f"{display}: error: {reason}", file=sys.stderr)
    shown = sorted((r for r in results if r.error is None), key=lambda r: r.display_path)
    out = stream or sys.stdout
    options = ReportOptions(
        output_format=output_format,
        statistics=args.statistics,
        quiet=args.quiet,
        style=Style(color_enabled(out) and output_format in ("full", "concise")),
        cwd=Path.cwd(),
        file_errors=len(problems),
        fix_mode=fix.mode,
        show_violations=not fix.only,
        unsafe_fixes=fix.unsafe,
        hint_unsafe=fix.hint_unsafe,
    )
    if not args.silent:
        _write(render(shown, options), out)
    return _exit_code(args, run, shown, problems, fix, nothing_to_check)


def _exit_code(
    args: argparse.Namespace,
    run: Run,
    shown: list[FileResult],
    problems: list,
    fix: FixOptions,
    nothing_to_check: bool,
) -> int:
    if run.write_failed or any(r.internal_error for r in run.results):
        return EXIT_ERROR
    if problems and not shown:
        return EXIT_ERROR  # nothing at all could be checked
    if nothing_to_check or args.exit_zero:
        return EXIT_OK
    fixed = any(r.fixed for r in shown)
    if fix.mode == DIFF:
        failed = fixed or bool(problems)
    elif fix.only:
        failed = (fixed and args.exit_non_zero_on_fix) or bool(problems)
    else:
        remaining = bool(problems) or any(r.messages for r in shown)
        failed = remaining or (fixed and args.exit_non_zero_on_fix)
    return EXIT_FINDINGS if failed else EXIT_OK


# ---------------------------------------------------------------------------------------------------
# Options from the command line


def cli_options(args: argparse.Namespace, cwd: Path) -> Options:
    keras_version = args.keras_version
    if keras_version is not None:
        from keras_loss_lint.versions import InvalidKerasVersion

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
        return parse_notebook(read_source(path).text).raw_cell_sources
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


def _write(text: str, stream: IO[str] | None = None) -> None:
    if text:
        out = stream or sys.stdout
        out.write(text)
        out.flush()


def _write_bytes(data: bytes) -> None:
    """Source for stdout, in its own encoding (it may not be the terminal's)."""
    buffer = getattr(sys.stdout, "buffer", None)
    sys.stdout.flush()
    if buffer is not None:
        buffer.write(data)
        buffer.flush()
    else:
        sys.stdout.write(data.decode("utf-8", "replace"))
        sys.stdout.flush()
