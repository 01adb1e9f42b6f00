"""Configuration: `[tool.keras-loss-lint]` in pyproject.toml (or a keras-loss-lint.toml), CLI overrides.

Discovery follows ruff: each file uses the nearest configuration among its ancestor directories, where a
directory's `.keras-loss-lint.toml` beats its `keras-loss-lint.toml`, which beats a `pyproject.toml`
that has a `[tool.keras-loss-lint]` table (a pyproject.toml without the table is no configuration).
`--config PATH` uses one file for everything; `--isolated` uses none. CLI options override the file:
`--select` replaces the file's whole selection (as in ruff, its `ignore` too), `--extend-select` and
`--ignore` add to it.

Patterns in `exclude`, `extend-exclude` and `per-file-ignores` are globs relative to the directory of
the file that declares them (CLI patterns: relative to the working directory). A pattern matches a
path when it matches the path itself or, for patterns without a `/`, its last component, so
`exclude = ["build"]` skips every directory named `build`.

Every problem is a `ConfigError` with one line that names the file and the key.

This module is on the path of every run, including a run answered entirely by the cache, so what only
some runs need (TOML, the version machinery, the rule registry) is imported where it is used.
"""

from __future__ import annotations

import fnmatch
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Iterable, Mapping, TypeVar

if TYPE_CHECKING:
    from keras_loss_lint.settings import Selection, Settings
    from keras_loss_lint.versions import TargetVersions

TOOL = "keras-loss-lint"
CONFIG_FILES = (".keras-loss-lint.toml", "keras-loss-lint.toml", "pyproject.toml")
OUTPUT_FORMATS = ("full", "concise", "json", "json-lines", "sarif", "github")
# ruff's default excludes, plus caches of this tool and of Python itself.
DEFAULT_EXCLUDES = (
    ".bzr",
    ".direnv",
    ".eggs",
    ".git",
    ".git-rewrite",
    ".hg",
    ".ipynb_checkpoints",
    ".keras-loss-lint-cache",
    ".mypy_cache",
    ".nox",
    ".pants.d",
    ".pyenv",
    ".pytest_cache",
    ".pytype",
    ".ruff_cache",
    ".svn",
    ".tox",
    ".venv",
    ".vscode",
    "__pycache__",
    "__pypackages__",
    "_build",
    "buck-out",
    "dist",
    "node_modules",
    "site-packages",
    "venv",
)
RULE_SELECTOR = re.compile(r"^KLO[0-9]{0,3}$")
RULE_MODULE = re.compile(r"^(klo[0-9]{3})_\w+\.py$")


class ConfigError(Exception):
    """A configuration or option problem, stated in one line."""


# ---------------------------------------------------------------------------------------------------
# Values

R = TypeVar("R", bound="_Record")


class _Record:
    """A frozen value with defaults: what `@dataclass(frozen=True)` gives, without importing
    `dataclasses` (and with it `inspect`, `ast`, `dis`) or generating code per class, which together
    cost a run answered by the cache more than the rest of that run. Fields are the `__slots__`."""

    __slots__: tuple[str, ...] = ()
    _defaults: ClassVar[dict[str, Any]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        names = self.__slots__
        if len(args) > len(names):
            raise TypeError(f"{type(self).__name__}() takes at most {len(names)} positional arguments")
        values = dict(zip(names, args))
        for name, value in kwargs.items():
            if name not in names or name in values:
                raise TypeError(f"{type(self).__name__}() got an unexpected or repeated argument {name!r}")
            values[name] = value
        for name in names:
            if name not in values:
                if name not in self._defaults:
                    raise TypeError(f"{type(self).__name__}() is missing the argument {name!r}")
                values[name] = self._defaults[name]
            object.__setattr__(self, name, values[name])

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen: cannot assign to {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen: cannot delete {name!r}")

    def _fields(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def replace(self: R, **changes: Any) -> R:
        """A copy with some fields changed (`dataclasses.replace`)."""
        return type(self)(**{**dict(zip(self.__slots__, self._fields())), **changes})

    def __reduce__(self) -> tuple[Any, ...]:  # pickled to pool workers: rebuild through __init__
        return (type(self), self._fields())

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other._fields() == self._fields()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={value!r}" for name, value in zip(self.__slots__, self._fields()))
        return f"{type(self).__name__}({fields})"


class Pattern(_Record):
    """A glob and the directory it is relative to."""

    __slots__ = ("glob", "anchor")
    glob: str
    anchor: Path

    def matches(self, path: Path) -> bool:
        name_matcher, absolute_matchers = _matchers(self.glob, self.anchor)
        if name_matcher is not None and name_matcher(path.name):
            return True
        target = path.as_posix()
        return any(matcher(target) for matcher in absolute_matchers)


Matcher = Callable[[str], bool]
_MATCHERS: dict[tuple[str, Path], tuple[Matcher | None, tuple[Matcher, ...]]] = {}
_GLOB_MAGIC = re.compile(r"[*?[]")


def _matchers(glob_text: str, anchor: Path) -> tuple[Matcher | None, tuple[Matcher, ...]]:
    """Compiled once per pattern: every walked path is tested against every exclude, and compiling a
    glob costs far more than matching it. A glob without wildcards is a plain string comparison."""
    key = (glob_text, anchor)
    cached = _MATCHERS.get(key)
    if cached is None:
        glob = glob_text.rstrip("/") or "/"
        if glob.startswith("./"):
            glob = glob[2:]
        name = _matcher(glob) if "/" not in glob else None
        cached = _MATCHERS[key] = (name, tuple(_absolute_matchers(glob, anchor)))
    return cached


def _absolute_matchers(glob: str, anchor: Path) -> Iterable[Matcher]:
    if os.path.isabs(glob):
        yield _matcher(Path(glob).as_posix())
        return
    base = anchor.as_posix().rstrip("/")
    relative = [glob, glob[3:]] if glob.startswith("**/") else [glob]  # `**/x` also matches `x` at the anchor
    for pattern in relative:
        if _GLOB_MAGIC.search(pattern) is None:
            yield f"{base}/{pattern}".__eq__
        else:
            import glob as globlib

            # The anchor is a literal directory: brackets or stars in its name must not act as wildcards.
            yield _matcher(f"{globlib.escape(base)}/{pattern}")


def _matcher(pattern: str) -> Matcher:
    if _GLOB_MAGIC.search(pattern) is None:
        return pattern.__eq__
    match = re.compile(fnmatch.translate(pattern)).match
    return lambda text: match(text) is not None


class PerFileIgnore(_Record):
    __slots__ = ("pattern", "codes")
    pattern: Pattern
    codes: tuple[str, ...]


class Options(_Record):
    """One layer of options (a configuration file or the command line); None means "not set"."""

    __slots__ = (
        "select",
        "extend_select",
        "ignore",
        "per_file_ignores",
        "extend_per_file_ignores",
        "exclude",
        "extend_exclude",
        "keras_version",
        "keras_version_source",
        "respect_gitignore",
        "force_exclude",
        "output_format",
    )
    _defaults = {
        "select": None,
        "extend_select": (),
        "ignore": (),
        "per_file_ignores": None,
        "extend_per_file_ignores": (),
        "exclude": None,
        "extend_exclude": (),
        "keras_version": None,
        "keras_version_source": "",
        "respect_gitignore": None,
        "force_exclude": None,
        "output_format": None,
    }
    select: tuple[str, ...] | None
    extend_select: tuple[str, ...]
    ignore: tuple[str, ...]
    per_file_ignores: tuple[PerFileIgnore, ...] | None
    extend_per_file_ignores: tuple[PerFileIgnore, ...]
    exclude: tuple[Pattern, ...] | None
    extend_exclude: tuple[Pattern, ...]
    keras_version: str | None
    keras_version_source: str
    respect_gitignore: bool | None
    force_exclude: bool | None
    output_format: str | None


class ResolvedConfig(_Record):
    """What applies to the files under one configuration (or to all files, without one)."""

    __slots__ = (
        "config_path",
        "root",
        "select",
        "ignore",
        "per_file_ignores",
        "exclude",
        "keras_version",
        "keras_version_source",
        "respect_gitignore",
        "force_exclude",
        "output_format",
    )
    _defaults = {
        "select": ("KLO",),
        "ignore": (),
        "per_file_ignores": (),
        "exclude": (),
        "keras_version": None,
        "keras_version_source": "",
        "respect_gitignore": True,
        "force_exclude": False,
        "output_format": "full",
    }
    config_path: Path | None
    root: Path
    select: tuple[str, ...]
    ignore: tuple[str, ...]
    per_file_ignores: tuple[PerFileIgnore, ...]
    exclude: tuple[Pattern, ...]
    keras_version: str | None
    keras_version_source: str
    respect_gitignore: bool
    force_exclude: bool
    output_format: str

    @property
    def selection(self) -> Selection:
        from keras_loss_lint.settings import Selection

        return Selection(self.select, self.ignore)

    def is_excluded(self, path: Path) -> bool:
        return any(pattern.matches(path) for pattern in self.exclude)

    def ignored_codes(self, path: Path) -> tuple[str, ...]:
        """Codes (prefixes) that `per-file-ignores` switches off for `path`."""
        codes: list[str] = []
        for entry in self.per_file_ignores:
            if entry.pattern.matches(path):
                codes.extend(entry.codes)
        return tuple(dict.fromkeys(codes))

    def settings_for(self, path: Path | None, notebook_cells: Iterable[str] | None = None) -> Settings:
        """Settings for one file: selection plus the Keras versions it targets."""
        from keras_loss_lint.settings import Settings

        return Settings(self.selection, self.target_for(path, notebook_cells))

    def target_for(self, path: Path | None, notebook_cells: Iterable[str] | None = None) -> TargetVersions:
        from keras_loss_lint.target import resolve_target

        cells = list(notebook_cells) if notebook_cells is not None else None
        return resolve_target(path, self.keras_version, self.keras_version_source, cells)


def combine(config_path: Path | None, root: Path, layers: Iterable[Options]) -> ResolvedConfig:
    """Apply option layers in order (file first, then the command line), later layers winning."""
    select: tuple[str, ...] = ("KLO",)
    ignore: tuple[str, ...] = ()
    resolved = ResolvedConfig(config_path, root, exclude=default_excludes(root))
    per_file: tuple[PerFileIgnore, ...] = ()
    exclude = resolved.exclude
    for layer in layers:
        if layer.select is not None:
            select, ignore = layer.select, ()
        select = _unique(select + layer.extend_select)
        # A later layer that selects a prefix again re-enables what an earlier layer ignored under it.
        ignore = tuple(code for code in ignore if not code.startswith(layer.extend_select or ("\0",)))
        ignore = _unique(ignore + layer.ignore)
        if layer.per_file_ignores is not None:
            per_file = layer.per_file_ignores
        per_file += layer.extend_per_file_ignores
        if layer.exclude is not None:
            exclude = layer.exclude
        exclude += layer.extend_exclude
        resolved = _apply_scalars(resolved, layer)
    return resolved.replace(select=select, ignore=ignore, per_file_ignores=per_file, exclude=exclude)


def _apply_scalars(resolved: ResolvedConfig, layer: Options) -> ResolvedConfig:
    changes: dict[str, Any] = {}
    if layer.keras_version is not None:
        changes.update(keras_version=layer.keras_version, keras_version_source=layer.keras_version_source)
    if layer.respect_gitignore is not None:
        changes["respect_gitignore"] = layer.respect_gitignore
    if layer.force_exclude is not None:
        changes["force_exclude"] = layer.force_exclude
    if layer.output_format is not None:
        changes["output_format"] = layer.output_format
    return resolved.replace(**changes)


def default_excludes(anchor: Path) -> tuple[Pattern, ...]:
    return tuple(Pattern(name, anchor) for name in DEFAULT_EXCLUDES)


def _unique(items: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


# ---------------------------------------------------------------------------------------------------
# Reading a configuration file


KNOWN_KEYS = (
    "select",
    "extend-select",
    "ignore",
    "per-file-ignores",
    "extend-per-file-ignores",
    "exclude",
    "extend-exclude",
    "keras-version",
    "respect-gitignore",
    "force-exclude",
    "output-format",
)


def find_config_file(directory: Path) -> Path | None:
    """The configuration file that applies in `directory`: its own, else the nearest ancestor's."""
    for candidate_dir in (directory, *directory.parents):
        found = config_file_in(candidate_dir)
        if found is not None:
            return found
    return None


def config_file_in(directory: Path) -> Path | None:
    for name in CONFIG_FILES:
        path = directory / name
        if not path.is_file():
            continue
        if name != "pyproject.toml" or _has_tool_table(path):
            return path
    return None


def _has_tool_table(path: Path) -> bool:
    """Whether a pyproject.toml has `[tool.keras-loss-lint]`; a broken one counts (to report it)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return False
    if TOOL not in text:
        return False
    tomllib = _tomllib()
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError):
        return True
    tool = data.get("tool")
    return isinstance(tool, dict) and TOOL in tool


def load_config_file(path: Path, display: str | None = None) -> Options:
    """Read and validate one configuration file; every problem raises `ConfigError`."""
    shown = display or str(path)
    tomllib = _tomllib()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{shown}: no such configuration file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{shown}: cannot read configuration: {_reason(error)}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{shown}: invalid TOML: {error}") from None
    except RecursionError:
        raise ConfigError(f"{shown}: invalid TOML: nested too deeply") from None
    if path.name == "pyproject.toml":
        table = _tool_table(data, shown)
        where = f"[tool.{TOOL}]"
    else:
        table, where = data, "the file"
    return parse_options(table, path.parent.resolve(), f"{shown}", where)


def _tomllib() -> Any:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised only on Python < 3.11
        import tomli as tomllib
    return tomllib


def _tool_table(data: dict[str, Any], shown: str) -> dict[str, Any]:
    tool = data.get("tool", {})
    table = tool.get(TOOL, {}) if isinstance(tool, dict) else {}
    if not isinstance(table, dict):
        raise ConfigError(f"{shown}: [tool.{TOOL}] must be a table")
    return table


def parse_options(table: Mapping[str, Any], anchor: Path, shown: str, where: str) -> Options:
    """Validate a table of settings into an `Options` layer."""
    for key in table:
        if key not in KNOWN_KEYS:
            raise ConfigError(f"{shown}: unknown key {key!r} in {where}{_did_you_mean(key, KNOWN_KEYS)}")
    context = _Context(shown, where)
    keras_version = context.keras_version(table)
    return Options(
        select=context.codes(table, "select", none_if_missing=True),
        extend_select=context.codes(table, "extend-select") or (),
        ignore=context.codes(table, "ignore") or (),
        per_file_ignores=context.per_file_ignores(table, "per-file-ignores", anchor),
        extend_per_file_ignores=context.per_file_ignores(table, "extend-per-file-ignores", anchor) or (),
        exclude=context.patterns(table, "exclude", anchor),
        extend_exclude=context.patterns(table, "extend-exclude", anchor) or (),
        keras_version=keras_version,
        keras_version_source=f"keras-version in {shown}" if keras_version is not None else "",
        respect_gitignore=context.boolean(table, "respect-gitignore"),
        force_exclude=context.boolean(table, "force-exclude"),
        output_format=context.choice(table, "output-format", OUTPUT_FORMATS),
    )


class _Context(_Record):
    __slots__ = ("shown", "where")
    shown: str
    where: str

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.shown}: {key!r} in {self.where}: {problem}")

    def strings(self, table: Mapping[str, Any], key: str) -> tuple[str, ...] | None:
        if key not in table:
            return None
        value = table[key]
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.fail(key, f"expected a list of strings, got {_describe(value)}")
        return tuple(value)

    def codes(
        self, table: Mapping[str, Any], key: str, none_if_missing: bool = False
    ) -> tuple[str, ...] | None:
        values = self.strings(table, key)
        if values is None:
            return None if none_if_missing else ()
        try:
            return tuple(validate_selector(value) for value in values)
        except ValueError as error:
            raise self.fail(key, str(error)) from None

    def patterns(self, table: Mapping[str, Any], key: str, anchor: Path) -> tuple[Pattern, ...] | None:
        values = self.strings(table, key)
        return None if values is None else tuple(Pattern(value, anchor) for value in values)

    def per_file_ignores(
        self, table: Mapping[str, Any], key: str, anchor: Path
    ) -> tuple[PerFileIgnore, ...] | None:
        if key not in table:
            return None
        value = table[key]
        if not isinstance(value, dict):
            raise self.fail(key, f"expected a table of glob = [codes], got {_describe(value)}")
        entries = []
        for glob, codes in value.items():
            if not isinstance(codes, list) or not all(isinstance(code, str) for code in codes):
                raise self.fail(key, f"{glob!r}: expected a list of rule codes, got {_describe(codes)}")
            try:
                checked = tuple(validate_selector(code) for code in codes)
            except ValueError as error:
                raise self.fail(key, f"{glob!r}: {error}") from None
            entries.append(PerFileIgnore(Pattern(glob, anchor), checked))
        return tuple(entries)

    def keras_version(self, table: Mapping[str, Any]) -> str | None:
        if "keras-version" not in table:
            return None
        value = table["keras-version"]
        if not isinstance(value, str):
            raise self.fail("keras-version", f"expected a PEP 440 specifier string, got {_describe(value)}")
        from keras_loss_lint.versions import InvalidKerasVersion

        try:
            validate_keras_version(value)
        except InvalidKerasVersion as error:
            raise self.fail("keras-version", str(error)) from None
        return value

    def boolean(self, table: Mapping[str, Any], key: str) -> bool | None:
        if key not in table:
            return None
        value = table[key]
        if not isinstance(value, bool):
            raise self.fail(key, f"expected true or false, got {_describe(value)}")
        return value

    def choice(self, table: Mapping[str, Any], key: str, choices: tuple[str, ...]) -> str | None:
        if key not in table:
            return None
        value = table[key]
        if value not in choices:
            raise self.fail(key, f"expected one of {', '.join(choices)}, got {value!r}")
        return value


def validate_selector(value: str) -> str:
    """A rule code or prefix (`KLO`, `KLO2`, `KLO201`); `ALL` means `KLO`. ValueError otherwise."""
    code = value.strip().upper()
    if code == "ALL":
        return "KLO"
    if not RULE_SELECTOR.match(code):
        hint = " (keras-loss-lint codes start with 'KLO', e.g. 'KLO201')"
        raise ValueError(f"unknown rule selector {value!r}{hint}")
    known = known_codes()
    # While the registry is empty (or a prefix is exactly a family), only the shape can be checked.
    if known and code != "KLO" and not any(rule_code.startswith(code) for rule_code in known):
        raise ValueError(f"unknown rule selector {value!r}{_did_you_mean(code, known)}")
    return code


def known_codes() -> list[str]:
    """The codes of the registered rules.

    The registry imports every rule and with them LibCST (half a second), which a run answered by the
    cache must not pay just to validate `select = [...]`. When the registry is not loaded yet, the
    codes are read from the rule modules' names (`klo201_dict_loss_sorted_order.py`), which the
    registry's one-module-per-rule layout guarantees (a test checks that both agree).
    """
    registry = sys.modules.get("keras_loss_lint.rules.registry")
    if registry is not None:
        return [rule.code for rule in registry.ALL_RULES]
    rules = Path(__file__).with_name("rules")
    try:
        names = os.listdir(rules)
    except OSError:
        names = []
    codes = sorted({match.group(1).upper() for match in map(RULE_MODULE.match, names) if match is not None})
    if codes:
        return codes
    from keras_loss_lint.rules.registry import ALL_RULES  # e.g. installed as a zip: ask the registry

    return [rule.code for rule in ALL_RULES]


def validate_keras_version(value: str) -> TargetVersions:
    """Raise `InvalidKerasVersion` for a specifier that is not PEP 440."""
    from keras_loss_lint.versions import InvalidKerasVersion, TargetVersions, parse_specifier

    if not value.strip():
        raise InvalidKerasVersion("empty Keras version specifier: expected e.g. '==3.5.0' or '>=3.7'")
    parse_specifier(value)
    return TargetVersions.from_specifier(value, "")


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _describe(value: object) -> str:
    names = {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
    }
    return names.get(type(value), type(value).__name__)


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error)


# ---------------------------------------------------------------------------------------------------
# Resolving per directory


class ConfigResolver:
    """Finds the configuration for each directory (cached) and applies the CLI layer on top."""

    def __init__(
        self,
        cwd: Path,
        cli: Options | None = None,
        config_file: Path | None = None,  # --config: one file for everything
        isolated: bool = False,
    ) -> None:
        self.cwd = cwd
        self.cli = cli if cli is not None else Options()
        self.config_file = config_file
        self.isolated = isolated
        self._by_dir: dict[Path, ResolvedConfig] = {}
        self._by_file: dict[Path, ResolvedConfig] = {}
        if self.config_file is not None:
            fixed = self._load(self.config_file.resolve(), display=str(self.config_file))
            self._fixed: ResolvedConfig | None = fixed
        elif self.isolated:
            self._fixed = combine(None, self.cwd, [self.cli])
        else:
            self._fixed = None

    def for_path(self, path: Path) -> ResolvedConfig:
        """The configuration for a file or directory (a file uses its directory's)."""
        directory = path if path.is_dir() else path.parent
        return self.for_directory(directory)

    def for_directory(self, directory: Path) -> ResolvedConfig:
        if self._fixed is not None:
            return self._fixed
        cached = self._by_dir.get(directory)
        if cached is None:
            found = config_file_in(directory)
            if found is not None:
                cached = self._load(found)
            elif directory.parent != directory:
                cached = self.for_directory(directory.parent)  # each ancestor is looked at once
            else:
                cached = combine(None, self.cwd, [self.cli])
            self._by_dir[directory] = cached
        return cached

    def _load(self, path: Path, display: str | None = None) -> ResolvedConfig:
        cached = self._by_file.get(path)
        if cached is None:
            options = load_config_file(path, display or _display(path, self.cwd))
            cached = combine(path, path.parent, [options, self.cli])
            self._by_file[path] = cached
        return cached


def _display(path: Path, cwd: Path) -> str:
    try:
        return str(path.relative_to(cwd))
    except ValueError:
        return str(path)
