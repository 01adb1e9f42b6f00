"""`keras-loss-lint`: the ruff-style command line.

    keras-loss-lint check [PATH ...]     lint files and directories (default: .); --fix, --diff
    keras-loss-lint rule KLO201          print a rule's documentation (--all: every rule)
    keras-loss-lint linter               list the rule families (KLO1, KLO2, ...)
    keras-loss-lint server               run the language server over stdio (needs the `lsp` extra)
    keras-loss-lint version              print the version (--output-format json)
    keras-loss-lint generate-shell-completion bash|zsh|fish

Exit codes follow ruff: 0 nothing found, 1 findings (or a file that could not be checked), 2 bad usage,
bad configuration, nothing at all could be checked, or an internal error. Every error is one line on
stderr, `keras-loss-lint: error: ...`; no traceback ever reaches the user.
"""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn, Sequence

from keras_loss_lint import __version__
from keras_loss_lint.faces.cli.exits import EXIT_ERROR, EXIT_OK, PROG, UsageError
from keras_loss_lint.project.config import OUTPUT_FORMATS, ConfigError

LSP_HINT = "the language server needs: pip install 'keras-loss-lint[lsp]'"
COMMANDS = ("check", "rule", "linter", "server", "version", "generate-shell-completion")
SHELLS = ("bash", "zsh", "fish")
COLOR_CHOICES = ("auto", "always", "never")  # as output.style's; not imported: it costs a warm run
EPILOG = (
    f"Each command lists its own options: '{PROG} check --help' lists those of check "
    "(rule selection, files, fixes, output, cache)."
)


class _Parser(argparse.ArgumentParser):
    """argparse, but its errors become one line instead of usage text plus a message."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (the console script passes it to `sys.exit`)."""
    _tolerate_unencodable_output()
    try:
        return _run(list(sys.argv[1:] if argv is None else argv))
    except (UsageError, ConfigError) as error:
        return fail(str(error))
    except SystemExit as exit_:  # --help / --version
        return exit_.code if isinstance(exit_.code, int) else (EXIT_OK if exit_.code is None else EXIT_ERROR)
    except KeyboardInterrupt:
        return fail("interrupted", code=130)
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_OK  # the reader (e.g. `| head`) went away: nothing more to say
    except Exception as error:  # noqa: BLE001 - never a traceback: one line and exit 2
        return fail(f"internal error: {type(error).__name__}: {error}")


def fail(message: str, code: int = EXIT_ERROR) -> int:
    first_line = message.strip().splitlines()[0] if message.strip() else "unknown error"
    print(f"{PROG}: error: {first_line}", file=sys.stderr)
    return code


def _tolerate_unencodable_output() -> None:
    """Messages quote user code and use "–": on a terminal that cannot show a character, print a
    replacement instead of failing (e.g. PYTHONIOENCODING=ascii, a legacy Windows console)."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="replace")
            except (ValueError, OSError):
                pass


def _silence_stdout() -> None:
    """After a broken pipe, point stdout at devnull so the interpreter's final flush stays quiet."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _run(argv: list[str]) -> int:
    if argv and argv[0] == "server":
        return run_server(argv[1:])  # its options are the server's own: hand them over unparsed
    # Only the named command's options are set up (they cost a warm run a few milliseconds); the
    # others are listed by name, which is all `--help` and argparse's "invalid choice" need.
    parser = build_parser(only=argv[0] if argv and not argv[0].startswith("-") else None)
    if not argv:
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        raise UsageError(_unrecognized(parser, args.command, unknown))
    return _dispatch(args)


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "check":
        from keras_loss_lint.faces.cli.check import run_check

        return run_check(args)
    if args.command == "rule":
        from keras_loss_lint.faces.cli.rule import run_rule

        return run_rule(args)
    if args.command == "linter":
        from keras_loss_lint.faces.cli.linter import run_linter

        return run_linter(args.output_format)
    if args.command == "generate-shell-completion":
        from keras_loss_lint.faces.cli.completion import completion_script

        sys.stdout.write(completion_script(args.shell, build_parser()))
        return EXIT_OK
    return _version(args.output_format)


def _version(output_format: str) -> int:
    """ruff's `version`: `keras-loss-lint X`, or ruff's JSON (`version`, `commit_info`)."""
    if output_format == "json":
        import json

        sys.stdout.write(json.dumps({"version": __version__, "commit_info": None}, indent=2) + "\n")
    else:
        print(f"{PROG} {__version__}")
    return EXIT_OK


def _unrecognized(parser: argparse.ArgumentParser, command: str, unknown: list[str]) -> str:
    """argparse reports a command's unknown option from the top-level parser, whose help does not
    list it; point at the command's own help, with the nearest option when one is close."""
    from keras_loss_lint.core.text import did_you_mean

    options = _command_options(parser, command)
    first = unknown[0].split("=", 1)[0]
    hint = did_you_mean(first, options) if first.startswith("-") else ""
    return f"unrecognized arguments: {' '.join(unknown)}{hint} (see '{PROG} {command} --help')"


def _command_options(parser: argparse.ArgumentParser, command: str) -> list[str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            sub = action.choices.get(command)
            if sub is not None:
                return [option for a in sub._actions for option in a.option_strings]
    return []


def run_server(argv: list[str]) -> int:
    """`keras-loss-lint server`: the language server lives in an optional extra (pygls), so it is
    imported only here, and its absence is one line, not a traceback."""
    try:
        from keras_loss_lint.faces.lsp import server
    except ImportError:
        return fail(LSP_HINT)
    try:
        import lsprotocol.types  # noqa: F401
        import pygls.lsp.server  # noqa: F401 - pygls 1.x has no pygls.lsp.server
    except ImportError:
        return fail(LSP_HINT)
    return server.main(argv)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser; with `only`, the other commands get no options (they will not be parsed)."""
    parser = _Parser(
        prog=PROG,
        description="Catch Keras multi-output models whose losses, loss weights, metrics or labels "
        "are wired to the wrong outputs.",
        epilog=EPILOG,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True
    check = commands.add_parser(
        "check",
        help="Lint files and directories (default: the current directory); options: 'check --help'.",
    )
    rule = commands.add_parser("rule", help="Explain a rule (or --all rules).")
    if only in (None, "check"):
        _add_check(check)
    if only in (None, "rule"):
        _add_rule(rule)
    linter = commands.add_parser("linter", help="List the rule families (KLO1, KLO2, ...).")
    _add_help_format(linter)
    commands.add_parser(
        "server",
        help="Run the language server over stdio, for editors (needs: pip install 'keras-loss-lint[lsp]').",
    )
    version = commands.add_parser("version", help="Print the version.")
    _add_help_format(version)
    completion = commands.add_parser(
        "generate-shell-completion", help="Print a shell completion script (bash, zsh or fish)."
    )
    completion.add_argument("shell", choices=SHELLS, help="The shell to complete for.")
    return parser


def _add_help_format(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--output-format", choices=("text", "json"), default="text", help="text (default) or json."
    )


def _add_check(check: argparse.ArgumentParser) -> None:
    check.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="Files or directories to check ('-' reads stdin). Default: '.'",
    )
    rules = check.add_argument_group("rule selection")
    rules.add_argument(
        "--select",
        action="append",
        metavar="CODES",
        help="Comma-separated rule codes or prefixes to enable (replaces the configured selection). 'KLO' selects all.",
    )
    rules.add_argument(
        "--extend-select",
        action="append",
        metavar="CODES",
        help="Rule codes or prefixes to enable on top of the selection.",
    )
    rules.add_argument(
        "--ignore", action="append", metavar="CODES", help="Rule codes or prefixes to disable."
    )
    rules.add_argument(
        "--per-file-ignores",
        action="append",
        metavar="GLOB:CODE,...",
        help="Comma-separated GLOB:CODE pairs replacing the configured per-file-ignores.",
    )
    rules.add_argument(
        "--extend-per-file-ignores",
        action="append",
        metavar="GLOB:CODE,...",
        help="GLOB:CODE pairs added to the per-file-ignores.",
    )
    rules.add_argument(
        "--keras-version",
        metavar="SPECIFIER",
        help="The Keras versions the code runs on, as a PEP 440 specifier ('==3.5.0', '>=3.7'). "
        "Default: from the project's pins, else every version.",
    )
    files = check.add_argument_group("file selection")
    files.add_argument(
        "--exclude",
        action="append",
        metavar="GLOBS",
        help="Comma-separated globs to exclude (replaces the configured and default excludes).",
    )
    files.add_argument(
        "--extend-exclude",
        action="append",
        metavar="GLOBS",
        help="Globs to exclude on top of the configured ones.",
    )
    files.add_argument(
        "--force-exclude",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="Apply excludes to paths given on the command line too (use in pre-commit).",
    )
    files.add_argument(
        "--respect-gitignore",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="Skip files ignored by .gitignore (default: on).",
    )
    files.add_argument(
        "--stdin-filename",
        metavar="PATH",
        help="The name of the file read from stdin ('-'), for messages, configuration and notebook detection.",
    )
    fixes = check.add_argument_group("fixes")
    fixes.add_argument(
        "--fix",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="Apply the safe fixes (with --unsafe-fixes: the unsafe ones too), then report what is left.",
    )
    fixes.add_argument(
        "--unsafe-fixes",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="Count unsafe fixes as fixable: --fix applies them and [*] marks them. "
        "--no-unsafe-fixes also stops the hint about them.",
    )
    fixes.add_argument(
        "--fix-only",
        action="store_true",
        help="Apply fixes without reporting the findings left (implies --fix).",
    )
    fixes.add_argument(
        "--diff",
        action="store_true",
        help="Print a diff of what --fix would change and write nothing; exit 1 if there is something to fix.",
    )
    fixes.add_argument(
        "--fix-through-symlinks",
        action="store_true",
        help="Let --fix write through a symbolic link to a file outside the checked paths and the project.",
    )
    fixes.add_argument(
        "--exit-non-zero-on-fix",
        action="store_true",
        help="Exit with 1 when something was fixed, even if nothing is left.",
    )
    fixes.add_argument(
        "--show-fixes",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="After --fix or --fix-only, list what was fixed, per file and rule (not with --diff).",
    )
    fixes.add_argument(
        "--ignore-noqa",
        action="store_true",
        help="Report (and fix) findings whatever '# noqa' comments say (the cache is not used).",
    )
    cache = check.add_argument_group("cache")
    cache.add_argument(
        "-n", "--no-cache", action="store_true", help="Neither read nor write the cache of results."
    )
    cache.add_argument(
        "--cache-dir",
        metavar="PATH",
        help="Where to keep the cache (default: $KERAS_LOSS_LINT_CACHE_DIR, else .keras-loss-lint-cache "
        "in the project root).",
    )
    config = check.add_argument_group("configuration")
    config.add_argument(
        "--config",
        metavar="PATH",
        help="Use this configuration file (pyproject.toml or keras-loss-lint.toml) for every file.",
    )
    config.add_argument("--isolated", action="store_true", help="Ignore every configuration file.")
    limits = check.add_argument_group("limits")
    limits.add_argument(
        "--max-file-size",
        metavar="SIZE",
        help="Files larger than this are not analysed and get KLO902: e.g. 256KB or 1MB, a number alone "
        "is KB (default: 64KB).",
    )
    limits.add_argument(
        "--analysis-time-limit",
        metavar="SECONDS",
        help="CPU seconds one file's analysis may take; past them it stops and the file gets KLO902 (default: 2).",
    )
    limits.add_argument(
        "--analysis-memory-limit",
        metavar="MB",
        help="MB of memory one file's analysis may add; past them it stops and the file gets KLO902 "
        "(default: 150).",
    )
    output = check.add_argument_group("output")
    output.add_argument(
        "--output-format",
        choices=OUTPUT_FORMATS,
        default=None,
        metavar="FORMAT",
        help=f"How to print findings: {', '.join(OUTPUT_FORMATS)} (default: full).",
    )
    output.add_argument(
        "-o",
        "--output-file",
        metavar="FILE",
        help="Write the report to FILE instead of stdout (never coloured; diffs still go to stdout).",
    )
    output.add_argument(
        "--color",
        choices=COLOR_CHOICES,
        default=None,
        help="Colour the full, concise and grouped formats: auto (default: on a terminal), always, never.",
    )
    output.add_argument(
        "--statistics",
        action="store_true",
        help="Print the number of findings per rule instead of the findings.",
    )
    output.add_argument(
        "-e", "--exit-zero", action="store_true", help="Exit with 0 even when there are findings."
    )
    output.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="Log to stderr what is checked, cache hits and each file's target Keras versions.",
    )
    output.add_argument("-q", "--quiet", action="store_true", help="Print findings only, no summary.")
    output.add_argument(
        "-s", "--silent", action="store_true", help="Print nothing; only the exit code tells."
    )
    output.add_argument(
        "--show-files", action="store_true", help="List the files that would be checked, then exit."
    )
    output.add_argument(
        "--show-settings",
        action="store_true",
        help="Print the settings that apply to the first file, then exit.",
    )
    check.add_argument(
        "-j",
        "--jobs",
        type=_positive_int,
        default=None,
        metavar="N",
        help="Check files in N processes (default: one per CPU).",
    )


def _add_rule(rule: argparse.ArgumentParser) -> None:
    rule.add_argument("code", nargs="?", metavar="CODE", help="A rule code, e.g. KLO201.")
    rule.add_argument("--all", action="store_true", help="Explain every rule.")
    rule.add_argument(
        "--output-format", choices=("text", "json"), default="text", help="text (default) or json."
    )


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}")
    return number


if __name__ == "__main__":
    sys.exit(main())
