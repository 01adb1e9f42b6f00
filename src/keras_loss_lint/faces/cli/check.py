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

This module is the run loop; the command-line options are read in `check_options`, the report and exit
code made in `check_report`, and `--show-settings` answered by `show_settings`. The report goes to
stdout, or to `--output-file`; diffs and a fixed stdin always go to stdout, `-v`'s log to stderr.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from functools import partial
from pathlib import Path
from typing import IO, TYPE_CHECKING, Sequence

from keras_loss_lint.core.writing import SourceFile, WritePolicy
from keras_loss_lint.faces.cli.cache import Cache, CachedResult, SettingsKeys, cache_directory
from keras_loss_lint.faces.cli.check_options import (
    FixOptions,
    NoqaIgnoredConfig,
    check_conflicts,
    cli_options,
    config_file_option,
)
from keras_loss_lint.faces.cli.check_report import (
    Run,
    describe_error,
    display_path,
    finish,
    warn,
    write_bytes,
    write_diffs,
    write_out,
)
from keras_loss_lint.faces.cli.exits import EXIT_OK, UsageError
from keras_loss_lint.faces.cli.output import APPLY, DIFF, STATISTICS_FORMATS, FileResult
from keras_loss_lint.faces.cli.runner import (
    CheckTask,
    cell_labels,
    cell_lines,
    check_task,
    clean_result,
    decode_stdin,
    default_jobs,
    needs_linting,
    read_source,
    run_tasks,
)
from keras_loss_lint.faces.cli.verbose import QUIET, Log, elapsed
from keras_loss_lint.project.config import ConfigResolver, Options, ResolvedConfig
from keras_loss_lint.project.discovery import discover, is_excluded
from keras_loss_lint.project.files import MAX_NOTEBOOK_BYTES, MAX_SOURCE_BYTES

if TYPE_CHECKING:
    from keras_loss_lint.faces.cli.fixer import FixOutcome

STDIN = "-"


def run_check(args: argparse.Namespace) -> int:
    check_conflicts(args)
    report = _open_output_file(args.output_file)
    try:
        return _check(args, report)
    finally:
        if report is not None:
            report.close()


def _open_output_file(name: str | None) -> IO[str] | None:
    """`--output-file`: created (with its directories) before anything runs, as ruff does, so that
    a CI step reading it finds it even when nothing was reported."""
    if name is None:
        return None
    path = Path(name)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return path.open("w", encoding="utf-8", newline="")
    except OSError as error:
        raise UsageError(f"cannot write --output-file {name}: {error.strerror or error}") from None


def _check(args: argparse.Namespace, report: IO[str] | None) -> int:
    cwd = Path.cwd()
    options = _with_limit_options(cli_options(args, cwd), args)
    resolver = ConfigResolver(cwd, options, config_file_option(args, cwd), isolated=args.isolated)
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
        return _check_stdin(args, resolver, force_exclude, output_format, fix, report)
    return _check_paths(args, resolver, paths, force_exclude, output_format, fix, report)


def _with_limit_options(options: Options, args: argparse.Namespace) -> Options:
    """`--max-file-size`, `--analysis-time-limit` and `--analysis-memory-limit` on the option layer."""
    from keras_loss_lint.project.config_options import validate_file_size, validate_memory_limit, validate_time_limit

    checks = (
        ("max_file_size", "--max-file-size", validate_file_size),
        ("analysis_time_limit", "--analysis-time-limit", partial(validate_time_limit, text=True)),
        ("analysis_memory_limit", "--analysis-memory-limit", partial(validate_memory_limit, text=True)),
    )
    given: dict[str, float | int] = {}
    for field, flag, validate in checks:
        value = getattr(args, field, None)
        if value is not None:
            try:
                given[field] = validate(value)
            except ValueError as error:
                raise UsageError(f"invalid value for {flag}: {error}") from None
    return options.replace(**given) if given else options


def _check_paths(
    args: argparse.Namespace,
    resolver: ConfigResolver,
    paths: list[Path],
    force_exclude: bool,
    output_format: str,
    fix: FixOptions,
    report: IO[str] | None = None,
) -> int:
    log = Log(args.verbose)
    started = time.perf_counter()
    found = discover(paths, resolver, force_exclude)
    if args.show_files:
        write_out("".join(f"{path}\n" for path in found.files), report)
        return EXIT_OK
    if args.show_settings:
        return _show_settings(resolver, found.files[0] if found.files else None, report)
    _log_configuration(log, resolver)
    log.debug(f"Identified {len(found.files)} files to check in: {elapsed(started)}")
    tasks, unreadable = _tasks(found.files, resolver, args.ignore_noqa)
    unreadable = [(str(given), reason) for given, reason in found.missing] + unreadable
    if not found.files and not unreadable:
        warn("No Python files found under the given path(s)", args)
        return finish(args, Run([], [], []), output_format, fix, nothing_to_check=True, stream=report)
    # As in ruff, --ignore-noqa runs neither read nor write the cache: its results hold what the
    # comments silence, which no other run should be answered with.
    cache = None if args.no_cache or args.ignore_noqa else _open_cache(args, resolver, log)
    policy = _write_policy(args, resolver, paths) if fix.mode == APPLY else None
    checking = time.perf_counter()
    run = _run(tasks, args.jobs or default_jobs(), fix, cache, policy, log)
    log.debug(f"Checked {len(tasks)} files in: {elapsed(checking)}")
    run.unreadable = unreadable + run.unreadable
    if cache is not None:
        cache.save()
    if fix.mode == DIFF and not args.silent:
        write_diffs(run.fixed, sys.stdout)
    return finish(args, run, output_format, fix, stream=report)


def _log_configuration(log: Log, resolver: ConfigResolver) -> None:
    if log.enabled:
        config_path = resolver.for_directory(resolver.cwd).config_path
        log.debug(f"Using configuration file: {config_path}" if config_path else "No configuration file found")


def _open_cache(args: argparse.Namespace, resolver: ConfigResolver, log: Log = QUIET) -> Cache:
    """The project's cache: under the directory of the configuration in force for the working
    directory (where ruff puts `.ruff_cache`), else under the working directory."""
    config_path = resolver.for_directory(resolver.cwd).config_path
    root = config_path.parent if config_path is not None else resolver.cwd
    cache = Cache.open(cache_directory(args.cache_dir, root, resolver.cwd), root)
    log.debug(f"Using the cache: {cache.path}")
    return cache


def _write_policy(args: argparse.Namespace, resolver: ConfigResolver, paths: list[Path]) -> WritePolicy:
    """`--fix` writes through a symbolic link only into the tree being checked (or anywhere, when asked)."""
    config_path = resolver.for_directory(resolver.cwd).config_path
    project_root = config_path.parent if config_path is not None else None
    return WritePolicy.for_paths(paths, project_root, bool(getattr(args, "fix_through_symlinks", False)))


def _run(
    tasks: list[CheckTask],
    jobs: int,
    fix: FixOptions,
    cache: Cache | None,
    policy: WritePolicy | None = None,
    log: Log = QUIET,
) -> Run:
    """Check (or fix) every task: files without a Keras call need nothing, cache hits need no
    analysis (unless a fix would apply to them), the rest go to the runner."""
    results, keys, pending = _answered_without_analysis(tasks, fix, cache, log)
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
        if result.partial is not None:
            log.debug(f"Partly analysed: {task.display_path}: {result.partial}")
        for note in result.notes:
            log.debug(f"Note: {task.display_path}: {note}")
        # A rewritten file's result is for its new content, which the next run will hash anew.
        if cache is not None and not result.internal_error and id(task) not in rewritten:
            digest = task.source.digest
            cache.put(task.filename, digest, keys[index], result.messages, result.error, result.dependencies)
    run.results = [result for result in results if result is not None]
    if fix.mode == APPLY:
        _write_fixed(run, policy)
    return run


def _answered_without_analysis(
    tasks: list[CheckTask], fix: FixOptions, cache: Cache | None, log: Log = QUIET
) -> tuple[list[FileResult | None], dict[int, str], list[int]]:
    """Results for the tasks that need no analysis (no Keras call, or a cache hit), each pending
    task's settings key, and the indexes of the tasks still to analyse."""
    results: list[FileResult | None] = [None] * len(tasks)
    settings_keys = SettingsKeys()
    keys: dict[int, str] = {}
    pending: list[int] = []
    for index, task in enumerate(tasks):
        if not needs_linting(task):
            log.debug(f"No Keras call, nothing to analyse: {task.display_path}")
            results[index] = clean_result(task)
            continue
        if cache is not None:
            keys[index] = settings_keys.key(task.config, task.path)
            hit = cache.get(task.filename, task.source.digest, keys[index])
            # A file with something to fix needs the fixer: the cache only says what is wrong.
            if hit is not None and not (fix.fixing and any(m.fixable(fix.unsafe) for m in hit.messages)):
                log.debug(f"Cache hit: {task.display_path}")
                results[index] = _from_cache(task, hit)
                continue
        if log.enabled:
            log.debug(f"Checking: {task.display_path} ({_target_description(task)})")
        pending.append(index)
    return results, keys, pending


def _target_description(task: CheckTask) -> str:
    """The Keras releases the file is checked against and why (for `-v`; imports the version model)."""
    cells = None
    if task.notebook:
        from keras_loss_lint.faces.notebook import NotebookError, parse_notebook

        try:
            cells = parse_notebook(task.text, task.config.limits).raw_cell_sources
        except NotebookError:
            pass
    target = task.config.target_for(task.path, cells)
    return f"target Keras versions: {target.describe()}, from {target.source}"


def _fix_worker(task: CheckTask, unsafe: bool) -> FixOutcome:
    from keras_loss_lint.faces.cli.fixer import fix_task  # imports the core: only when something is fixed

    return fix_task(task, unsafe)


def _from_cache(task: CheckTask, hit: CachedResult) -> FileResult:
    """A cached result, with what the text formats need to show source (recomputed, not stored)."""
    if hit.error is not None or not hit.messages:
        return FileResult(task.filename, task.display_path, error=hit.error)
    if not task.notebook:
        return FileResult(task.filename, task.display_path, hit.messages, source=task.text)
    from keras_loss_lint.faces.notebook import NotebookError, parse_notebook

    try:
        notebook = parse_notebook(task.text)
    except NotebookError as error:  # cannot happen for a text that was linted; be safe anyway
        return FileResult(task.filename, task.display_path, error=str(error))
    return FileResult(
        task.filename,
        task.display_path,
        hit.messages,
        source=notebook.display_source,
        cell_lines=cell_lines(notebook),
        cell_labels=cell_labels(notebook),
    )


def _write_fixed(run: Run, policy: WritePolicy | None = None) -> None:
    """Write each fixed file; a file that cannot be written becomes a one-line error for that file."""
    from keras_loss_lint.core.writing import WriteError, write_if_unchanged

    failed: dict[str, str] = {}
    for task, text in run.fixed:
        assert task.path is not None
        try:
            data = task.source.encode(text)
        except UnicodeEncodeError as error:
            failed[task.filename] = f"cannot write the fixed file: not representable in {error.encoding}"
            continue
        try:
            write_if_unchanged(task.path, data, task.source.digest, policy)
        except WriteError as error:
            failed[task.filename] = str(error)
    if failed:
        run.write_failed = True
        run.fixed = [(task, text) for task, text in run.fixed if task.filename not in failed]
        run.results = [
            FileResult(r.path, r.display_path, error=failed[r.path]) if r.path in failed else r
            for r in run.results
        ]


def _check_stdin(
    args: argparse.Namespace,
    resolver: ConfigResolver,
    force_exclude: bool,
    output_format: str,
    fix: FixOptions,
    report: IO[str] | None = None,
) -> int:
    name = args.stdin_filename
    path = Path(os.path.normpath(resolver.cwd / name)) if name else None
    if args.show_settings:
        return _show_settings(resolver, path, report)
    if args.show_files:
        write_out(f"{path if path is not None else STDIN}\n", report)
        return EXIT_OK
    notebook = path is not None and path.suffix == ".ipynb"
    data, whole = _read_stdin(MAX_NOTEBOOK_BYTES if notebook else MAX_SOURCE_BYTES)
    if path is not None and force_exclude and is_excluded(path, resolver):
        if fix.mode == APPLY:
            _pass_through(data)  # like ruff: an excluded file passes through unchanged
        return finish(args, Run([], [], []), output_format, fix, nothing_to_check=True, stream=report)
    display = display_path(path, resolver.cwd) if path is not None else STDIN
    # With a fix mode, stdout carries the source (or its diff), so the report goes to stderr.
    unchecked_report = sys.stderr if fix.fixing else report
    if not whole:  # as for a file of that size: its one-line error, and the input left as it was
        if fix.mode == APPLY:
            _pass_through(data)
        too_large = f"larger than {len(data) - 1} bytes"
        return finish(args, Run([], [(display, too_large)], []), output_format, fix, stream=unchecked_report)
    try:
        source = decode_stdin(data, notebook)
    except (UnicodeDecodeError, SyntaxError, LookupError) as error:
        if fix.mode == APPLY:
            write_bytes(data)
        unreadable = Run([], [(display, describe_error(error))], [])
        return finish(args, unreadable, output_format, fix, stream=unchecked_report)
    config = resolver.for_path(path) if path is not None else resolver.for_directory(resolver.cwd)
    config = _with_noqa_option(config, args.ignore_noqa)
    task = CheckTask(path, str(path) if path is not None else STDIN, display, source, notebook, config)
    log = Log(args.verbose)
    if log.enabled:
        log.debug(f"Checking: {display} ({_target_description(task)})")
    if not fix.fixing:
        return finish(args, Run(run_tasks([task], 1, check_task), [], []), output_format, fix, stream=report)
    # With a fix mode, stdout carries the source (or its diff), so the report goes to stderr.
    outcome = _fix_worker(task, fix.unsafe)
    run = Run([outcome.result], [], [] if outcome.fixed_text is None else [(task, outcome.fixed_text)])
    if fix.mode == APPLY:
        write_bytes(_encoded_or_original(run, source, outcome.fixed_text, data))
    elif not args.silent:
        write_diffs(run.fixed, sys.stdout)
    return finish(args, run, output_format, fix, stream=sys.stderr)


def _read_stdin(max_bytes: int) -> tuple[bytes, bool]:
    """At most `max_bytes + 1` bytes of stdin, the bound a file read from a path has, and whether
    that was all of it (an endless stdin is never read to its end)."""
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:  # a text stream without bytes under it (an embedding application)
        data = sys.stdin.read(max_bytes + 1).encode("utf-8")
    else:
        data = stream.read(max_bytes + 1)
    return data, len(data) <= max_bytes


def _pass_through(data: bytes) -> None:
    """Write stdin's `data`, then the rest of stdin, to stdout unchanged: a piece at a time."""
    write_bytes(data)
    stream, out = getattr(sys.stdin, "buffer", None), getattr(sys.stdout, "buffer", None)
    if stream is not None and out is not None:
        while chunk := stream.read(1 << 20):
            out.write(chunk)
        out.flush()


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


def _tasks(
    files: Sequence[Path], resolver: ConfigResolver, ignore_noqa: bool = False
) -> tuple[list[CheckTask], list[tuple[str, str]]]:
    tasks, unreadable = [], []
    for path in files:
        display = display_path(path, resolver.cwd)
        try:
            source = read_source(path)
        except (OSError, UnicodeDecodeError, SyntaxError, LookupError) as error:
            unreadable.append((display, describe_error(error)))
            continue
        config = _with_noqa_option(resolver.for_path(path), ignore_noqa)
        tasks.append(CheckTask(path, str(path), display, source, path.suffix == ".ipynb", config))
    return tasks, unreadable


def _with_noqa_option(config: ResolvedConfig, ignore_noqa: bool) -> ResolvedConfig:
    return NoqaIgnoredConfig.of(config) if ignore_noqa else config


def _show_settings(resolver: ConfigResolver, path: Path | None, report: IO[str] | None = None) -> int:
    # Imported here: only --show-settings needs it, and every run, a warm one too, imports this module.
    from keras_loss_lint.faces.cli.show_settings import show_settings

    return show_settings(resolver, path, report)
