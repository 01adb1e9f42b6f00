"""Decide which Keras releases a linted file targets (RULES.md, "Target versions").

First match wins:

1. an explicit specifier (`--keras-version`, or `keras-version` in `[tool.keras-loss-lint]`;
   the caller reads the setting and names where it came from);
2. for a notebook, a `!pip install keras==X` / `%pip install "keras>=3.7"` line in its cells;
3. the project files nearest to the linted file, walking up to the filesystem root and stopping
   after the first directory that holds `.git` (like ruff's config discovery); the nearest
   directory with a usable pin wins;
4. every known release.

Within one source (a notebook, or one directory), a pin of `keras` beats `tf-keras` which beats
`tensorflow` (`import keras` loads the `keras` distribution; a TensorFlow pin only says which major
Keras ships with it); then an unconditional requirement beats one with an environment marker
(markers are not evaluated); then an exact pin beats a range; then the earlier one wins, in the
order: lock files, exact pins in requirements*.txt, `pyproject.toml`, `setup.cfg`, `Pipfile`,
ranges in requirements*.txt, and file order within each.

Nothing here imports Keras or runs project code, and nothing found in a project file ever raises:
a file that cannot be read or parsed is skipped, since a broken requirements line is not the
user's linting problem. Only an invalid *explicit* specifier raises `InvalidKerasVersion`.

Caching: what a directory contributes (its best pin, whether it is a `.git` boundary, which files
were read) is cached per resolved directory for the life of the process, so a run over 1,000 files
reads each project file once. Long-running callers (the LSP server) call `clear_cache(path)` when
a file changes, appears or disappears: it drops the entry of the directory holding `path` and of
every directory whose result was read from `path` (a `-r` include elsewhere), and nothing else.
`clear_cache()` drops everything. The cache is not keyed on mtimes: statting every project file of
every ancestor directory for every linted file would cost most of what the cache saves.
"""

from __future__ import annotations

import configparser
import json
import os
import re
import shlex
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from keras_loss_lint.versions import InvalidKerasVersion, TargetVersions

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on Python < 3.11
    import tomli as tomllib

__all__ = ["Pin", "clear_cache", "notebook_pin", "project_pin", "resolve_target"]

KERAS = "keras"
TF_KERAS = "tf-keras"
# Distributions that ship tf.keras. Nightlies (tf-nightly) are skipped: their versions say nothing
# stable about which Keras they bundle.
TENSORFLOW_DISTRIBUTIONS = frozenset(
    {"tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tensorflow-macos", "tensorflow-intel"}
)
# Lower rank wins: `import keras` loads the `keras` distribution whatever TensorFlow says.
FAMILY_RANK = {KERAS: 0, TF_KERAS: 1, **{name: 2 for name in TENSORFLOW_DISTRIBUTIONS}}
# TF 2.16 is the first release whose tf.keras is Keras 3.
FIRST_TF_WITH_KERAS3 = (2, 16)
# Ranges of TensorFlow versions are classified by the versions they admit from this grid.
TF_PROBES: tuple[Version, ...] = (Version("1.15.0"),) + tuple(
    Version(f"2.{minor}.{patch}") for minor in range(41) for patch in range(10)
)
LOCK_FILES = ("poetry.lock", "uv.lock", "pdm.lock", "Pipfile.lock", "pylock.toml")
MAX_INCLUDE_DEPTH = 16


@dataclass(frozen=True)
class Pin:
    """One mention of keras / tf-keras / tensorflow that says something about the Keras version."""

    package: str  # canonical distribution name
    requirement: str  # as the user wrote it (normalised a little), e.g. "keras==3.5.0"
    keras_specifier: str  # what it means for Keras: "==3.5.0", "<3", ">=3"
    exact: bool
    marked: bool  # carried an environment marker or a conditional constraint
    # After the file name (":3", " [project.dependencies]"), or all of "notebook cell 2 (...)".
    location: str
    file: Path | None = None  # the file, rendered relative to the working directory when described

    def rank(self) -> tuple[int, bool, bool]:
        # keras, tf-keras, tensorflow; then unconditional before marked; then exact before range.
        return (FAMILY_RANK[self.package], self.marked, not self.exact)

    def describe(self) -> str:
        where = self.location if self.file is None else _display(self.file) + self.location
        if self.package == KERAS:
            # A notebook location already quotes the whole pip line, which names the requirement.
            return where if self.file is None else f"{where} ({self.requirement})"
        major = "2" if self.keras_specifier == "<3" else "3"
        return f"{self.requirement} in {where} implies Keras {major}"


# ---------------------------------------------------------------------------------------------------
# Public entry points


def resolve_target(
    path: Path | None,
    explicit: str | None = None,
    explicit_source: str = "--keras-version",
    notebook_source: str | Sequence[str] | None = None,
) -> TargetVersions:
    """The Keras releases the file at `path` targets, and a `source` saying why.

    `explicit` is the user's specifier (blank counts as unset) and `explicit_source` names the
    setting it came from. `notebook_source` is a notebook's raw code (magics intact): one string,
    or one string per cell so that descriptions can say "cell N". `path=None` (e.g. stdin without
    a filename) skips the project search.
    """
    if explicit is not None and explicit.strip():
        # Raises InvalidKerasVersion naming the value: a bad explicit setting is the user's problem.
        return TargetVersions.from_specifier(explicit, f"{explicit_source} ({explicit.strip()})")
    pin = _best(_notebook_pins(notebook_source)) if notebook_source is not None else None
    if pin is None and path is not None:
        pin = project_pin(path)
    target = _to_target(pin) if pin is not None else None
    return target if target is not None else TargetVersions.all_known()


def notebook_pin(code: str | Sequence[str]) -> tuple[str, str] | None:
    """(Keras specifier, description) from a notebook's `!pip install` / `%pip install` lines."""
    pin = _best(_notebook_pins(code))
    return None if pin is None else (pin.keras_specifier, pin.describe())


def project_pin(path: Path) -> Pin | None:
    """The pin from the project files nearest to `path` (a file or a directory), if any."""
    for directory in _ancestors(_start_directory(path)):
        scan = _scan_cached(directory)
        if scan.pin is not None:
            return scan.pin
        if scan.boundary:
            return None
    return None


def clear_cache(path: Path | None = None) -> None:
    """Forget cached project detection: everything, or whatever depends on `path`.

    `path` may be a project file that changed, appeared or disappeared (its directory and every
    directory that read it are dropped) or a directory (its own entry is dropped).
    """
    with _LOCK:
        if path is None:
            _CACHE.clear()
            return
        target = _resolve(path)
        stale = [
            directory
            for directory, scan in _CACHE.items()
            if directory in (target, target.parent) or target in scan.files
        ]
        for directory in stale:
            del _CACHE[directory]


# ---------------------------------------------------------------------------------------------------
# Choosing and converting


def _best(pins: Iterable[Pin]) -> Pin | None:
    """The winning pin; ties go to the earliest, so callers list pins in precedence order."""
    ranked = [(pin.rank(), index, pin) for index, pin in enumerate(pins)]
    return min(ranked, key=lambda item: item[:2])[2] if ranked else None


def _to_target(pin: Pin) -> TargetVersions | None:
    try:
        return TargetVersions.from_specifier(pin.keras_specifier, pin.describe())
    except InvalidKerasVersion:  # cannot happen for specifiers we built, but never raise for files
        return None


def _make_pin(
    name: str, specifier: SpecifierSet, requirement: str, location: str, *,
    file: Path | None = None, marked: bool = False,
) -> Pin | None:
    """A Pin if `name` is a Keras-bearing distribution whose `specifier` tells us about Keras."""
    package = canonicalize_name(name)
    if not _well_formed(specifier):
        return None
    keras_specifier = _keras_specifier(package, specifier)
    if keras_specifier is None:
        return None
    return Pin(package, requirement, keras_specifier, _is_exact(specifier), marked, location, file)


def _well_formed(specifier: SpecifierSet) -> bool:
    """False for `===` with a non-version (`keras=====` parses as `=== "=="`): a typo, not a pin."""
    for item in specifier:
        if item.operator == "===":
            try:
                Version(item.version)
            except InvalidVersion:
                return False
    return True


def _keras_specifier(package: str, specifier: SpecifierSet) -> str | None:
    if package == KERAS:
        return str(specifier) or None  # a bare `keras` says nothing about the version
    if package == TF_KERAS:
        return "<3"  # tf-keras exists only to keep Keras 2 under TF >= 2.16
    if package in TENSORFLOW_DISTRIBUTIONS:
        return _tensorflow_keras(specifier)
    return None


def _tensorflow_keras(specifier: SpecifierSet) -> str | None:
    """`<3` or `>=3` if every TensorFlow the specifier admits bundles the same major Keras."""
    versions = _exact_versions(specifier) or list(specifier.filter(TF_PROBES))
    majors = {3 if v.release[:2] >= FIRST_TF_WITH_KERAS3 else 2 for v in versions}
    if majors == {2}:
        return "<3"
    if majors == {3}:
        return ">=3"
    return None  # no TensorFlow at all, or both sides of 2.16: no information


def _exact_versions(specifier: SpecifierSet) -> list[Version]:
    versions = []
    for item in specifier:
        if item.operator in ("==", "===") and "*" not in item.version:
            try:
                versions.append(Version(item.version))
            except InvalidVersion:
                continue
    return versions


def _is_exact(specifier: SpecifierSet) -> bool:
    items = list(specifier)
    return len(items) == 1 and items[0].operator in ("==", "===") and "*" not in items[0].version


def _pin_from_pep508(text: str, location: str, file: Path | None) -> Pin | None:
    """A Pin from one PEP 508 requirement string; anything unparseable is skipped."""
    try:
        requirement = Requirement(text.strip())
    except InvalidRequirement:
        return None
    shown = str(requirement).split(";")[0].strip()
    return _make_pin(
        requirement.name, requirement.specifier, shown, location,
        file=file, marked=requirement.marker is not None,
    )


# ---------------------------------------------------------------------------------------------------
# Walking and caching


@dataclass(frozen=True)
class _DirectoryScan:
    pin: Pin | None
    boundary: bool  # holds `.git`: the walk stops after this directory
    files: frozenset[Path]  # every file read, so clear_cache(path) can find dependants


_CACHE: dict[Path, _DirectoryScan] = {}
_LOCK = threading.Lock()  # the LSP server may lint from several threads


def _scan_cached(directory: Path) -> _DirectoryScan:
    with _LOCK:
        cached = _CACHE.get(directory)
    if cached is not None:
        return cached
    scan = _scan_directory(directory)  # outside the lock: two threads may both scan, harmlessly
    with _LOCK:
        _CACHE[directory] = scan
    return scan


def _resolve(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # symlink loops, vanished cwd
        return Path(os.path.abspath(path))


def _start_directory(path: Path) -> Path:
    resolved = _resolve(path)
    return resolved if resolved.is_dir() else resolved.parent


def _ancestors(directory: Path) -> Iterator[Path]:
    yield directory
    yield from directory.parents


def _display(path: Path) -> str:
    """Relative to the working directory when inside it (what the user typed), else absolute."""
    try:
        return str(path.relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path)


def _read_text(path: Path) -> str | None:
    """The one place project files are read (tests count calls to it)."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, ValueError):
        return None


def _list_directory(directory: Path) -> set[str]:
    try:
        return set(os.listdir(directory))
    except OSError:
        return set()


class _Reader:
    """Reads the project files of one directory, remembering which files it touched."""

    def __init__(self) -> None:
        self.files: set[Path] = set()

    def text(self, path: Path) -> str | None:
        self.files.add(path)
        return _read_text(path)

    def toml(self, path: Path) -> dict[str, Any] | None:
        text = self.text(path)
        if text is None:
            return None
        try:
            return tomllib.loads(text)
        except (ValueError, RecursionError):  # TOMLDecodeError is a ValueError
            return None


def _scan_directory(directory: Path) -> _DirectoryScan:
    names = _list_directory(directory)
    reader = _Reader()
    lock_pins = list(_lock_pins(directory, names, reader))
    requirement_pins = list(_requirements_pins(directory, names, reader))
    declared = list(_declared_pins(directory, names, reader))
    ordered = (
        lock_pins
        + [pin for pin in requirement_pins if pin.exact]
        + declared
        + [pin for pin in requirement_pins if not pin.exact]
    )
    return _DirectoryScan(_best(ordered), ".git" in names, frozenset(reader.files))


def _declared_pins(directory: Path, names: set[str], reader: _Reader) -> Iterator[Pin]:
    declared: tuple[tuple[str, Callable[[Path, _Reader], list[Pin]]], ...] = (
        ("pyproject.toml", _pyproject_pins),
        ("setup.cfg", _setup_cfg_pins),
        ("Pipfile", _pipfile_pins),
    )
    for name, read in declared:
        if name in names:
            yield from read(directory / name, reader)


# ---------------------------------------------------------------------------------------------------
# Lock files: exact versions of what is installed


def _lock_pins(directory: Path, names: set[str], reader: _Reader) -> Iterator[Pin]:
    extra_pylocks = sorted(n for n in names if n.startswith("pylock.") and n.endswith(".toml"))
    for name in LOCK_FILES + tuple(n for n in extra_pylocks if n != "pylock.toml"):
        if name not in names:
            continue
        path = directory / name
        if name == "Pipfile.lock":
            yield from _pipfile_lock_pins(path, reader)
        else:
            yield from _toml_lock_pins(path, reader)


def _toml_lock_pins(path: Path, reader: _Reader) -> Iterator[Pin]:
    """poetry.lock / uv.lock / pdm.lock use `[[package]]`, pylock.toml (PEP 751) `[[packages]]`."""
    data = reader.toml(path)
    if data is None:
        return
    entries = data.get("packages" if path.name.startswith("pylock") else "package")
    versions: dict[str, set[Version]] = {}
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict):
            _collect_locked(entry.get("name"), entry.get("version"), versions)
    yield from _locked_pins(versions, path)


def _pipfile_lock_pins(path: Path, reader: _Reader) -> Iterator[Pin]:
    text = reader.text(path)
    try:
        data = json.loads(text) if text is not None else None
    except (ValueError, RecursionError):
        return
    if not isinstance(data, dict):
        return
    versions: dict[str, set[Version]] = {}
    for section in ("default", "develop"):
        packages = data.get(section)
        for name, entry in packages.items() if isinstance(packages, dict) else ():
            if isinstance(entry, dict) and isinstance(entry.get("version"), str):
                _collect_locked(name, entry["version"].lstrip("="), versions)
    yield from _locked_pins(versions, path)


def _collect_locked(name: object, version: object, into: dict[str, set[Version]]) -> None:
    if not isinstance(name, str) or not isinstance(version, str):
        return
    package = canonicalize_name(name)
    if package not in FAMILY_RANK:
        return
    try:
        into.setdefault(package, set()).add(Version(version))
    except InvalidVersion:
        return


def _locked_pins(versions: dict[str, set[Version]], path: Path) -> Iterator[Pin]:
    # A lock may hold several versions of one package (uv forks by platform): span them.
    for package, found in sorted(versions.items(), key=lambda item: FAMILY_RANK[item[0]]):
        low, high = min(found), max(found)
        text = f"=={low}" if low == high else f">={low},<={high}"
        pin = _make_pin(package, SpecifierSet(text), f"{package}{text}", "", file=path)
        if pin is not None:
            yield pin


# ---------------------------------------------------------------------------------------------------
# requirements*.txt


def _requirements_pins(directory: Path, names: set[str], reader: _Reader) -> Iterator[Pin]:
    found = [n for n in names if n.startswith("requirements") and n.endswith(".txt")]
    seen: set[Path] = set()
    for name in sorted(found, key=lambda n: (n != "requirements.txt", n)):
        yield from _requirements_file(directory / name, reader, seen, depth=0)


def _requirements_file(path: Path, reader: _Reader, seen: set[Path], depth: int) -> Iterator[Pin]:
    resolved = _resolve(path)
    if resolved in seen or depth > MAX_INCLUDE_DEPTH:  # include cycles, runaway chains
        return
    seen.add(resolved)
    text = reader.text(resolved)
    if text is None:
        return
    for line_number, line in _logical_lines(text):
        include = _INCLUDE.match(line)
        if include is not None:
            target = include.group(1)
            if "://" not in target:  # remote includes are never fetched
                yield from _requirements_file(resolved.parent / target, reader, seen, depth + 1)
            continue
        if line.startswith("-"):
            continue  # other options: -e, --index-url, ...
        requirement = _PER_REQUIREMENT_OPTION.split(line, maxsplit=1)[0]
        pin = _pin_from_pep508(requirement, f":{line_number}", resolved)
        if pin is not None:
            yield pin


# `-r other.txt`, `-rother.txt`, `--requirement=other.txt`; also constraints files (`-c`): they pin.
_INCLUDE = re.compile(r"^(?:-r|-c|--requirement|--constraint)(?:\s*=\s*|\s*)(\S+)")
# `keras==3.5.0 --hash=sha256:...`: options after a requirement are not part of it.
_PER_REQUIREMENT_OPTION = re.compile(r"\s+--?[A-Za-z]")
# pip's comment rule: `#` at the start of a line or after whitespace.
_COMMENT = re.compile(r"(^|\s)#.*$")


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Non-empty lines without comments, `\\` continuations joined, numbered by their first line."""
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        if not pending:
            start = number
        line = _COMMENT.sub("", raw)
        if line.endswith("\\"):
            pending.append(line[:-1])
            continue
        joined = " ".join(pending + [line]).strip()
        pending = []
        if joined:
            yield start, joined
    if pending and " ".join(pending).strip():
        yield start, " ".join(pending).strip()


# ---------------------------------------------------------------------------------------------------
# pyproject.toml, setup.cfg, Pipfile: declared ranges (and the odd `==`)


def _pyproject_pins(path: Path, reader: _Reader) -> list[Pin]:
    data = reader.toml(path)
    if data is None:
        return []
    project = _table(data, "project")
    pins = _pep508_list(project.get("dependencies"), path, " [project.dependencies]")
    for extra, deps in _table(project, "optional-dependencies").items():
        pins += _pep508_list(deps, path, f" [project.optional-dependencies.{extra}]")
    for group, deps in _table(data, "dependency-groups").items():
        pins += _pep508_list(deps, path, f" [dependency-groups.{group}]")
    poetry = _table(_table(data, "tool"), "poetry")
    pins += _poetry_pins(_table(poetry, "dependencies"), path, " [tool.poetry.dependencies]")
    dev = _table(poetry, "dev-dependencies")
    pins += _poetry_pins(dev, path, " [tool.poetry.dev-dependencies]")
    for group, body in _table(poetry, "group").items():
        location = f" [tool.poetry.group.{group}.dependencies]"
        pins += _poetry_pins(_table(body, "dependencies"), path, location)
    return pins


def _table(data: object, key: str) -> dict[str, Any]:
    """`data[key]` if it is a table, else empty: malformed files must not raise."""
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def _pep508_list(items: object, path: Path, location: str) -> list[Pin]:
    if not isinstance(items, list):
        return []
    pins = [_pin_from_pep508(item, location, path) for item in items if isinstance(item, str)]
    return [pin for pin in pins if pin is not None]


def _poetry_pins(dependencies: dict[str, Any], path: Path, location: str) -> list[Pin]:
    pins = []
    for name, value in dependencies.items():
        for constraint, marked in _poetry_constraints(value):
            pin = _poetry_pin(name, constraint, marked, path, location)
            if pin is not None:
                pins.append(pin)
    return pins


def _poetry_constraints(value: object) -> Iterator[tuple[str, bool]]:
    """(constraint, conditional?) from `"^3.5"`, `{version = "^3.5", markers = ...}` or a list."""
    if isinstance(value, str):
        yield value, False
    elif isinstance(value, dict) and isinstance(value.get("version"), str):
        yield value["version"], bool(value.get("markers") or value.get("python"))
    elif isinstance(value, list):  # multiple-constraint form: each entry is conditional
        for item in value:
            if isinstance(item, dict) and isinstance(item.get("version"), str):
                yield item["version"], True


def _poetry_pin(name: str, constraint: str, marked: bool, path: Path, location: str) -> Pin | None:
    converted = _poetry_to_pep440(constraint)
    if converted is None:
        return None
    try:
        specifier = SpecifierSet(converted)
    except InvalidSpecifier:
        return None
    shown = f'{canonicalize_name(name)} = "{constraint.strip()}"'
    return _make_pin(name, specifier, shown, location, file=path, marked=marked)


_POETRY_OPERATOR_SPACE = re.compile(r"(\^|~=|~|==|!=|>=|<=|>|<|=)\s+")


def _poetry_to_pep440(constraint: str) -> str | None:
    """Poetry's constraint syntax as PEP 440: `^3.5` -> `>=3.5,<4`; None if it has no such form."""
    text = _POETRY_OPERATOR_SPACE.sub(r"\1", constraint.strip())
    if not text or "||" in text or "|" in text:
        return None  # `*` is handled per part; unions have no PEP 440 form
    parts = []
    for part in re.split(r"[\s,]+", text):
        converted = _poetry_part(part)
        if converted is None:
            return None
        parts.extend(converted)
    return ",".join(parts) or None


def _poetry_part(part: str) -> list[str] | None:
    if part in ("", "*"):
        return []
    if part.startswith("^"):
        return _bounded(part[1:], _caret_upper)
    if part.startswith("~") and not part.startswith("~="):
        return _bounded(part[1:], _tilde_upper)
    if part.startswith(("==", "!=", ">=", "<=", "~=", ">", "<")):
        return [part]
    if part.startswith("="):
        return [f"={part}"]
    return [f"=={part}"]  # a bare version is an exact pin in Poetry


def _bounded(version: str, upper: Callable[[list[int]], list[int]]) -> list[str] | None:
    try:
        release = list(Version(version).release)
    except InvalidVersion:
        return None
    return [f">={version}", "<" + ".".join(str(n) for n in upper(release))]


def _caret_upper(release: list[int]) -> list[int]:
    # ^1.2.3 -> <2, ^0.2.3 -> <0.3, ^0.0.3 -> <0.0.4, ^0.0 -> <0.1, ^0 -> <1
    nonzero = [i for i, n in enumerate(release) if n != 0]
    index = nonzero[0] if nonzero else len(release) - 1
    return release[:index] + [release[index] + 1]


def _tilde_upper(release: list[int]) -> list[int]:
    # ~1.2.3 -> <1.3, ~1.2 -> <1.3, ~1 -> <2
    index = 1 if len(release) >= 2 else 0
    return release[:index] + [release[index] + 1]


def _setup_cfg_pins(path: Path, reader: _Reader) -> list[Pin]:
    text = reader.text(path)
    if text is None:
        return []
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text, source=str(path))
    except configparser.Error:
        return []
    pins = _setup_cfg_list(parser, "options", "install_requires", path)
    if parser.has_section("options.extras_require"):
        for extra in parser.options("options.extras_require"):
            pins += _setup_cfg_list(parser, "options.extras_require", extra, path)
    return pins


def _setup_cfg_list(
    parser: configparser.ConfigParser, section: str, key: str, path: Path
) -> list[Pin]:
    value = parser.get(section, key, fallback="")
    location = f" [{section}] {key}"
    pins = [_pin_from_pep508(line, location, path) for line in value.splitlines() if line.strip()]
    return [pin for pin in pins if pin is not None]


def _pipfile_pins(path: Path, reader: _Reader) -> list[Pin]:
    data = reader.toml(path)
    pins = []
    for section in ("packages", "dev-packages"):
        for name, value in _table(data, section).items():
            version = value.get("version") if isinstance(value, dict) else value
            pin = _pipfile_pin(name, version, path, f" [{section}]")
            if pin is not None:
                pins.append(pin)
    return pins


def _pipfile_pin(name: str, version: object, path: Path, location: str) -> Pin | None:
    if not isinstance(version, str) or version.strip() in ("", "*"):
        return None
    try:
        specifier = SpecifierSet(version.strip())
    except InvalidSpecifier:
        return None
    shown = f"{canonicalize_name(name)}{specifier}"
    return _make_pin(name, specifier, shown, location, file=path)


# ---------------------------------------------------------------------------------------------------
# Notebooks: `!pip install ...` / `%pip install ...`

# pip options that consume the next token (`-r file`, `--index-url URL`, ...).
_PIP_OPTIONS_WITH_VALUE = frozenset(
    {
        "-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-i", "--index-url",
        "--extra-index-url", "-f", "--find-links", "-t", "--target", "--prefix", "--root",
        "--upgrade-strategy", "--platform", "--python-version", "--implementation", "--abi",
        "--no-binary", "--only-binary", "--trusted-host", "--proxy", "--timeout", "--retries",
        "--cache-dir", "--src", "--log", "--progress-bar", "-C", "--config-settings",
        "--global-option", "--report", "--python", "--exists-action", "--cert", "--client-cert",
        "--keyring-provider", "--root-user-action", "--use-feature", "--use-deprecated", "--group",
    }
)
_SHELL_SEPARATORS = frozenset({"&&", "||", ";", "|"})
_PIP_PROGRAM = re.compile(r"^pip[0-9.]*$")


def _notebook_pins(code: str | Sequence[str]) -> Iterator[Pin]:
    """Pins from pip lines; a sequence is one string per cell, so locations can say 'cell N'."""
    cells = [code] if isinstance(code, str) else list(code)
    by_cell = not isinstance(code, str)
    for cell_number, cell in enumerate(cells, 1):
        for line_number, line in enumerate(cell.splitlines(), 1):
            stripped = line.strip()
            if not stripped.startswith(("!", "%")):
                continue  # commented-out or ordinary Python lines never install anything
            unit = f"cell {cell_number}" if by_cell else f"line {line_number}"
            location = f"notebook {unit} ({stripped})"
            for requirement in _pip_install_arguments(stripped.lstrip("!%")):
                pin = _pin_from_pep508(requirement, location, None)
                if pin is not None:
                    yield pin


def _pip_install_arguments(command: str) -> list[str]:
    """The requirement arguments of every `pip install` in a shell command line."""
    try:
        tokens = shlex.split(command, comments=True)
    except ValueError:  # unbalanced quotes: fall back to whitespace, dropping stray quotes
        tokens = [token.strip("\"'") for token in command.split()]
    arguments: list[str] = []
    for segment in _shell_segments(tokens):
        arguments += _install_arguments(segment)
    return arguments


def _shell_segments(tokens: list[str]) -> Iterator[list[str]]:
    segment: list[str] = []
    for token in tokens:
        if token in _SHELL_SEPARATORS:
            yield segment
            segment = []
        elif token.endswith(";"):  # `pip install keras==3.5.0; echo done`
            segment.append(token[:-1])
            yield segment
            segment = []
        else:
            segment.append(token)
    yield segment


def _install_arguments(segment: list[str]) -> list[str]:
    """Arguments after `pip install` (also `python -m pip install`, `uv pip install`, `pip3.11`)."""
    for index, token in enumerate(segment[:-1]):
        if _PIP_PROGRAM.match(token.rsplit("/", 1)[-1]) and segment[index + 1] == "install":
            return _requirement_arguments(segment[index + 2:])
    return []


def _requirement_arguments(arguments: list[str]) -> list[str]:
    requirements = []
    skip_next = False
    for argument in arguments:
        if skip_next:
            skip_next = False
        elif argument.startswith("-"):
            skip_next = argument in _PIP_OPTIONS_WITH_VALUE  # `--opt=value` needs no skip
        else:
            requirements.append(argument)
    return requirements
