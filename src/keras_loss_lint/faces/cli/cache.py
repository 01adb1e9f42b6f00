"""A content-hash cache of each file's findings, like ruff's: a warm run over an unchanged tree only reads.

One JSON file per project (the directory of the configuration that applies to the working directory,
else the working directory) under the cache directory: `.keras-loss-lint-cache/<version>/<project>.json`.
Reading one file is cheaper than one per source file, and a hit needs no parsing, so a fully warm run
never imports LibCST.

An entry is used only when all of these match what this run would lint with:
- the file's content hash;
- the settings that change its findings: the selection, the codes `per-file-ignores` switch off for it,
  the explicit Keras version, and the project files the target Keras version is read from (every
  requirements/lock/pyproject/setup.cfg/Pipfile file in its directory and each ancestor up to the git
  work tree root, by name, size and modification time);
- the package: its version, the size and modification time of each of its modules (so an edited rule in
  a development install invalidates the cache) and the Python version (syntax error messages);
- the other project files the result depends on (`LintResult.dependencies`), by size and modification
  time. Some of them may not exist: an import that found nothing (or found a module behind others on
  the search path) depends on the files it looked for. Such a file is recorded as absent (`-`), so
  its creation is a change, as is the deletion of one that was present.

The cache is an optimisation and never an error: an unreadable, corrupt or foreign file is ignored and
rewritten; a cache directory that cannot be written is skipped silently. It is written atomically (a
temporary file renamed over the old one), only when something changed, and entries not seen for 30 days
are dropped. The directory gets a `.gitignore` holding `*` and a `CACHEDIR.TAG`, as ruff's does.
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys
import time
from pathlib import Path
from typing import Any, Iterable

from keras_loss_lint.core.diagnostics import Position, Span
from keras_loss_lint.faces.cli.results import EditView, FixView, Location, Message
from keras_loss_lint.core.writing import blake2b

DEFAULT_DIRECTORY_NAME = ".keras-loss-lint-cache"
ENVIRONMENT_VARIABLE = "KERAS_LOSS_LINT_CACHE_DIR"
FORMAT = 1
MAX_AGE_DAYS = 30
GITIGNORE = "# Automatically created by keras-loss-lint.\n*\n"
CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by keras-loss-lint.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)
# The project files keras_loss_lint.project.target reads pins from (kept in step with it by a test).
PROJECT_FILE_NAMES = frozenset(
    {"pyproject.toml", "setup.cfg", "Pipfile", "Pipfile.lock", "poetry.lock", "uv.lock", "pdm.lock", "pylock.toml"}
)
# Configuration files whose `[flake8]` section may configure this tool (project/flake8_config.py).
FLAKE8_CONFIG_NAMES = frozenset({"tox.ini", ".flake8"})
# `-r other.txt` / `-c constraints.txt` in a requirements file: the included files count too.
INCLUDE = re.compile(r"^\s*(?:-r|-c|--requirement|--constraint)(?:\s*=\s*|\s+)(\S+)", re.MULTILINE)
MAX_INCLUDE_DEPTH = 16


def cache_directory(option: str | None, root: Path, cwd: Path) -> Path:
    """`--cache-dir`, else $KERAS_LOSS_LINT_CACHE_DIR, else `.keras-loss-lint-cache` in the project root."""
    chosen = option or os.environ.get(ENVIRONMENT_VARIABLE) or ""
    if chosen:
        return Path(os.path.normpath(cwd / os.path.expanduser(chosen)))
    return root / DEFAULT_DIRECTORY_NAME


# Plain classes, not dataclasses: a warm run imports this module, and each dataclass costs ~1 ms to make.


class CachedResult:
    __slots__ = ("messages", "error")

    def __init__(self, messages: tuple[Message, ...], error: str | None) -> None:
        self.messages = messages
        self.error = error


class Cache:
    """The findings of one project's files, loaded once, saved once."""

    def __init__(self, path: Path, directory: Path, package: str, entries: dict[str, Any]) -> None:
        self.path = path  # the cache file
        self.directory = directory  # the cache directory (holds the .gitignore)
        self.package = package
        self.entries = entries
        self.seen: set[str] = set()
        self.dirty = False
        self.hits = 0
        self.misses = 0

    @classmethod
    def open(cls, directory: Path, root: Path) -> "Cache":
        from keras_loss_lint import __version__

        project = blake2b(str(root).encode("utf-8", "surrogateescape"), digest_size=8).hexdigest()
        path = directory / _safe_name(__version__) / f"{project}.json"
        package = package_fingerprint()
        return cls(path, directory, package, _load_entries(path, package))

    def get(self, filename: str, digest: str, settings: str) -> CachedResult | None:
        entry = self.entries.get(filename)
        if (
            isinstance(entry, dict)
            and entry.get("h") == digest
            and entry.get("s") == settings
            and _dependencies_unchanged(entry.get("d", []))
        ):
            result = _decode_result(entry.get("r"))
            if result is not None:
                self.seen.add(filename)
                self.hits += 1
                return result
        self.misses += 1
        return None

    def put(
        self,
        filename: str,
        digest: str,
        settings: str,
        messages: Iterable[Message],
        error: str | None,
        dependencies: Iterable[str] = (),
    ) -> None:
        """`dependencies`: the other project modules the findings were read from; editing one of them
        (`models.py`) makes this file's entry (`train.py`) stale."""
        entry = {"h": digest, "s": settings, "t": _today(), "r": _encode_result(messages, error)}
        if dependencies:
            entry["d"] = [[path, _stat(path)] for path in sorted(set(dependencies))]
        self.entries[filename] = entry
        self.seen.add(filename)
        self.dirty = True

    def save(self) -> None:
        """Write the cache if anything changed; silently give up if it cannot be written."""
        if not self.dirty:
            return
        today = _today()
        for filename in self.seen:
            entry = self.entries.get(filename)
            if isinstance(entry, dict):
                entry["t"] = today
        fresh = {
            name: entry
            for name, entry in self.entries.items()
            if isinstance(entry, dict) and isinstance(entry.get("t"), int) and today - entry["t"] <= MAX_AGE_DAYS
        }
        payload = {"format": FORMAT, "package": self.package, "entries": fresh}
        try:
            self._prepare_directory()
            _replace_atomically(self.path, json.dumps(payload, ensure_ascii=False, separators=(",", ":")))
        except (OSError, ValueError):
            return
        self.dirty = False

    def _prepare_directory(self) -> None:
        """Create the cache file's directory, never through a symlink (a committed cache directory
        holding links must not make the tool write outside the tree), and mark the cache directory
        as ignored only when this tool made it: `--cache-dir src` must not hide `src` from git."""
        created = not os.path.lexists(self.directory) or _is_empty(self.directory)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if _holds_a_link(self.directory, self.path):
            raise OSError("a symbolic link inside the cache directory")
        if not (created or _is_ours(self.directory)):
            return
        for name, content in ((".gitignore", GITIGNORE), ("CACHEDIR.TAG", CACHEDIR_TAG)):
            marker = self.directory / name
            if not os.path.lexists(marker):
                marker.write_text(content, encoding="utf-8")


def _dependencies_unchanged(recorded: Any) -> bool:
    """Whether every module an entry's findings came from still has the size and mtime it had."""
    if not isinstance(recorded, list):
        return False
    return all(isinstance(item, list) and len(item) == 2 and _stat(str(item[0])) == item[1] for item in recorded)


def _is_empty(directory: Path) -> bool:
    try:
        with os.scandir(directory) as entries:
            return next(entries, None) is None
    except OSError:
        return False


def _is_ours(directory: Path) -> bool:
    """A directory an earlier run created: its CACHEDIR.TAG is this tool's."""
    tag = directory / "CACHEDIR.TAG"
    try:
        return not tag.is_symlink() and tag.read_text(encoding="utf-8") == CACHEDIR_TAG
    except (OSError, UnicodeDecodeError):
        return False


def _holds_a_link(directory: Path, path: Path) -> bool:
    """Whether `path`, or a directory between `directory` and it, is a symbolic link."""
    current = path
    while True:
        if current.is_symlink():
            return True
        if current == directory or current.parent == current:
            return False
        current = current.parent


def _safe_name(text: str) -> str:
    return "".join(char if char.isalnum() or char in ".-_" else "_" for char in text) or "unknown"


def _today() -> int:
    return int(time.time() // 86400)


def _load_entries(path: Path, package: str) -> dict[str, Any]:
    try:
        if path.is_symlink() or path.parent.is_symlink():
            return {}  # never read (or later write) through a link inside the cache directory
        data = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError, MemoryError):
        return {}  # missing, unreadable or corrupt: start afresh
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("package") != package:
        return {}
    entries = data.get("entries")
    return entries if isinstance(entries, dict) else {}


def _replace_atomically(path: Path, text: str) -> None:
    import tempfile

    descriptor, temporary = tempfile.mkstemp(prefix=".cache.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


# ---------------------------------------------------------------------------------------------------
# What an entry is valid for


_PACKAGE_FINGERPRINT: str | None = None


def package_fingerprint() -> str:
    """The package version, the Python version and every module's size and mtime, hashed."""
    global _PACKAGE_FINGERPRINT
    import keras_loss_lint

    version = keras_loss_lint.__version__
    if _PACKAGE_FINGERPRINT is None or not _PACKAGE_FINGERPRINT.startswith(f"{version}:"):
        root = Path(keras_loss_lint.__file__).parent
        parts = [sys.version]
        for directory, subdirectories, files in os.walk(root):
            subdirectories[:] = sorted(name for name in subdirectories if name != "__pycache__")
            for name in sorted(files):
                if name.endswith(".py"):
                    stat = _stat(os.path.join(directory, name))
                    parts.append(f"{os.path.relpath(os.path.join(directory, name), root)}:{stat}")
        _PACKAGE_FINGERPRINT = f"{version}:{_hash(parts)}"
    return _PACKAGE_FINGERPRINT


def _stat(path: str) -> str:
    """`size:mtime`, or `-` for a file that does not exist (an absent dependency)."""
    try:
        result = os.stat(path)
    except OSError:
        return "-"
    return f"{result.st_size}:{result.st_mtime_ns}"


def _hash(parts: Iterable[str]) -> str:
    return blake2b("\0".join(parts).encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()


def is_project_file(name: str) -> bool:
    return (
        name in PROJECT_FILE_NAMES
        or (name.startswith("requirements") and name.endswith(".txt"))
        or (name.startswith("pylock.") and name.endswith(".toml"))
    )


class SettingsKeys:
    """The settings part of a cache key, per file; project directories are looked at once each."""

    def __init__(self) -> None:
        self._directories: dict[str, tuple[str, bool]] = {}  # real directory -> (its project files, .git?)
        self._chains: dict[str, str] = {}  # directory as given -> fingerprint of it and its ancestors
        self._configs: dict[int, tuple[Any, str]] = {}

    def key(self, config: Any, path: Path | None) -> str:
        """`config` is a `ResolvedConfig` (not imported here, to keep this module light).

        The project files of the file's directory and its ancestors count, and so do those of the
        directory of the file a symlinked source points to, since target detection follows it."""
        ignored = config.ignored_codes(path) if path is not None else ()
        chain = ""
        if path is not None:
            chain = self._chain(str(path.parent))
            real_directory = os.path.dirname(os.path.realpath(path))
            if real_directory != os.path.realpath(path.parent):
                chain += self._chain(real_directory)
        return _hash((self._config_part(config), ",".join(ignored), chain))

    def _config_part(self, config: Any) -> str:
        cached = self._configs.get(id(config))
        if cached is None or cached[0] is not config:
            text = repr((
                config.select, config.ignore, config.keras_version,
                # A file over one size limit, or cut short by one ceiling, is analysed under another.
                config.max_file_size, config.analysis_time_limit, config.analysis_memory_limit,
            ))
            cached = self._configs[id(config)] = (config, text)
        return cached[1]

    def _chain(self, directory: str) -> str:
        cached = self._chains.get(directory)
        if cached is None:
            parts = []
            current = os.path.realpath(directory)
            while True:
                files, boundary = self._directory(current)
                parts.append(f"{current}|{files}")
                parent = os.path.dirname(current)
                if boundary or parent == current:
                    break
                current = parent
            cached = self._chains[directory] = _hash(parts)
        return cached

    def _directory(self, directory: str) -> tuple[str, bool]:
        cached = self._directories.get(directory)
        if cached is None:
            found, boundary = [], False
            try:
                with os.scandir(directory) as entries:
                    for entry in entries:
                        if entry.name == ".git":
                            boundary = True
                        elif is_project_file(entry.name) or entry.name in FLAKE8_CONFIG_NAMES:
                            found.append(f"{entry.name}:{_stat(entry.path)}")
                            if entry.name.startswith("requirements"):
                                found.extend(_includes(entry.path, set(), 0))
            except OSError:
                pass
            cached = self._directories[directory] = (";".join(sorted(found)), boundary)
        return cached


def _includes(path: str, seen: set[str], depth: int) -> list[str]:
    """`path:stat` of every file a requirements file includes, transitively (cycles and depth bounded)."""
    real = os.path.realpath(path)
    if real in seen or depth > MAX_INCLUDE_DEPTH:
        return []
    seen.add(real)
    try:
        if not stat.S_ISREG(os.stat(path).st_mode) or os.stat(path).st_size > 4_000_000:
            return []
        with open(path, encoding="utf-8", errors="replace") as stream:
            text = stream.read()
    except OSError:
        return []
    found = []
    for included in INCLUDE.findall(text):
        target = os.path.join(os.path.dirname(path), included)
        found.append(f"{target}:{_stat(target)}")
        found.extend(_includes(target, seen, depth + 1))
    return found


# ---------------------------------------------------------------------------------------------------
# Messages <-> JSON


def _encode_result(messages: Iterable[Message], error: str | None) -> dict[str, Any]:
    return {"m": [_encode_message(message) for message in messages], "e": error}


def _decode_result(data: Any) -> CachedResult | None:
    try:
        messages = tuple(_decode_message(item) for item in data["m"])
        error = data["e"]
    except (KeyError, TypeError, ValueError, IndexError):
        return None  # an entry from a damaged file: a miss, never an error
    if error is not None and not isinstance(error, str):
        return None
    return CachedResult(messages, error)


def _encode_message(message: Message) -> list[Any]:
    span = message.span
    return [
        message.code,
        message.message,
        [message.location.row, message.location.column, message.end_location.row, message.end_location.column],
        [span.start.line, span.start.column, span.end.line, span.end.column],
        message.cell,
        message.noqa_row,
        _encode_fix(message.fix),
        message.url,
        message.name,
    ]


def _decode_message(item: list[Any]) -> Message:
    code, text, location, span, cell, noqa_row, fix, url, name = item
    if not isinstance(text, str) or not (code is None or isinstance(code, str)):
        raise ValueError("not a message")
    row, column, end_row, end_column = (int(value) for value in location)
    start_line, start_column, end_line, end_column_ = (int(value) for value in span)
    return Message(
        code,
        text,
        Location(row, column),
        Location(end_row, end_column),
        Span(Position(start_line, start_column), Position(end_line, end_column_)),
        cell=None if cell is None else int(cell),
        fix=_decode_fix(fix),
        noqa_row=None if noqa_row is None else int(noqa_row),
        url=url if isinstance(url, str) else None,
        name=name if isinstance(name, str) else None,
    )


def _encode_fix(fix: FixView | None) -> list[Any] | None:
    if fix is None:
        return None
    edits = [
        [edit.content, edit.location.row, edit.location.column, edit.end_location.row, edit.end_location.column]
        for edit in fix.edits
    ]
    return [fix.message, fix.applicability, edits]


def _decode_fix(data: Any) -> FixView | None:
    if data is None:
        return None
    message, applicability, edits = data
    if not isinstance(message, str) or applicability not in ("safe", "unsafe"):
        raise ValueError("not a fix")
    views = tuple(
        EditView(str(content), Location(int(row), int(column)), Location(int(end_row), int(end_column)))
        for content, row, column, end_row, end_column in edits
    )
    return FixView(message, applicability, views)
