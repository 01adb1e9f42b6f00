"""What `keras-loss-lint check` was asked on its command line: the fix mode (`FixOptions`), the
option layer (`cli_options`) that goes on top of every configuration file, the combinations ruff
refuses (`check_conflicts`) and `--ignore-noqa` (`NoqaIgnoredConfig`); a bad value is a `UsageError`
naming the flag."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from typing import TYPE_CHECKING, Iterable

from keras_loss_lint.faces.cli.exits import UsageError
from keras_loss_lint.faces.cli.output import APPLY, DIFF, GENERATE
from keras_loss_lint.project.config import (
    ConfigError,
    Options,
    Pattern,
    PerFileIgnore,
    ResolvedConfig,
    validate_keras_version,
    validate_selector,
)

if TYPE_CHECKING:
    from keras_loss_lint.project.settings import Settings


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


def cli_options(args: argparse.Namespace, cwd: Path) -> Options:
    """The command line's option layer; patterns are relative to `cwd`."""
    keras_version = args.keras_version
    if keras_version is not None:
        from keras_loss_lint.keras.versions import InvalidKerasVersion

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


def config_file_option(args: argparse.Namespace, cwd: Path) -> Path | None:
    """The `--config` file, checked to exist and not to be combined with `--isolated`."""
    if args.config is None:
        return None
    if args.isolated:
        raise UsageError("--config and --isolated cannot be used together")
    path = cwd / args.config
    if not os.path.lexists(path):
        raise ConfigError(f"{args.config}: no such configuration file")
    return path  # anything else that makes it unreadable is reported when it is read


def check_conflicts(args: argparse.Namespace) -> None:
    """The flag combinations ruff refuses, refused the same way."""
    pairs = (
        ("diff", "show_fixes", "--diff", "--show-fixes"),
        ("exit_zero", "exit_non_zero_on_fix", "--exit-zero", "--exit-non-zero-on-fix"),
        ("verbose", "quiet", "--verbose", "--quiet"),
        ("verbose", "silent", "--verbose", "--silent"),
    )
    for first, second, first_flag, second_flag in pairs:
        if getattr(args, first) and getattr(args, second):
            raise UsageError(f"{first_flag} cannot be used with {second_flag}")


class NoqaIgnoredConfig(ResolvedConfig):
    """A configuration whose files are linted with `# noqa` comments not applied (`--ignore-noqa`).

    This is the core's `ignore_noqa=True`: neither comments nor file-level directives apply. As in ruff, whose `--ignore-noqa`
    still runs RUF100, KLO900 is still reported for a comment whose codes silence nothing (a comment
    that would silence a finding is used, even though it is not applied now)."""

    # No `__slots__` of its own: `Record` reads the fields from `__slots__`, which must stay the parent's.

    @classmethod
    def of(cls, config: ResolvedConfig) -> "NoqaIgnoredConfig":
        return cls(*config._fields())

    def settings_for(self, path: Path | None, notebook_cells: Iterable[str] | None = None) -> "Settings":
        from dataclasses import replace  # only with --ignore-noqa: a warm run must not import it

        return replace(super().settings_for(path, notebook_cells), ignore_noqa=True)
