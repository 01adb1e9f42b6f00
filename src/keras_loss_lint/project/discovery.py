"""Which files `keras-loss-lint check PATH...` looks at.

Like ruff: directories are walked for `.py`, `.pyi` and `.ipynb` files, skipping what `.gitignore`
files ignore (nested ones too, with git's precedence: the deeper file wins, `!pattern` re-includes),
`.git/info/exclude`, the default excludes (`.git`, `.venv`, `__pycache__`, `node_modules`, ...) and
the configured `exclude` / `extend-exclude`. A path given on the command line is always checked, whatever
its extension, unless `--force-exclude` is on: then the configured excludes apply to it and to its
parent directories as well (that is what makes the pre-commit hook respect `exclude`). Symlinked
directories are not followed, so a link loop cannot trap the walk.

The .gitignore files that count are those of the directory being walked and, inside a git work tree,
of its ancestors up to the work tree's root; outside a work tree only those from the walked directory
down, so a stray ~/.gitignore does not hide a project.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator, Sequence

from keras_loss_lint.project.config import ConfigResolver
from keras_loss_lint.project.files import read_regular_text

if TYPE_CHECKING:
    import pathspec

SOURCE_SUFFIXES = (".py", ".pyi", ".ipynb")


class Discovery:
    __slots__ = ("files", "missing")

    def __init__(self, files: tuple[Path, ...], missing: tuple[tuple[Path, str], ...] = ()) -> None:
        self.files = files  # absolute, sorted, unique
        self.missing = missing  # (path as given, reason) for inputs that do not exist


def is_source_file(path: Path) -> bool:
    return path.suffix in SOURCE_SUFFIXES


def discover(paths: Sequence[Path], resolver: ConfigResolver, force_exclude: bool = False) -> Discovery:
    """Every file to check under `paths` (relative paths are taken from the resolver's cwd)."""
    found: dict[Path, None] = {}
    missing: list[tuple[Path, str]] = []
    gitignore = GitIgnore()
    for given in paths:
        path = _absolute(given, resolver.cwd)
        if not os.path.lexists(path):
            missing.append((given, "No such file or directory"))
            continue
        if force_exclude and is_excluded(path, resolver):
            continue
        if path.is_dir():
            for file in _walk(path, resolver, gitignore):
                found.setdefault(file, None)
        else:
            found.setdefault(path, None)
    return Discovery(tuple(sorted(found)), tuple(missing))


def is_excluded(path: Path, resolver: ConfigResolver) -> bool:
    """Whether `path` or a parent below the project root matches the configured excludes."""
    config = resolver.for_path(path)
    stop = config.root if _is_relative_to(path, config.root) else resolver.cwd
    for candidate in (path, *path.parents):
        if candidate == stop or not _is_relative_to(candidate, stop):
            break
        if resolver.for_path(candidate).is_excluded(candidate):
            return True
    return False


def _walk(top: Path, resolver: ConfigResolver, gitignore: GitIgnore) -> Iterator[Path]:
    gitignore.prime(top)
    stack = [top]
    while stack:
        directory = stack.pop()
        config = resolver.for_directory(directory)
        subdirectories = []
        for entry in _entries(directory):
            path = Path(entry.path)
            is_dir = _is_real_dir(entry)
            if config.is_excluded(path):
                continue
            if config.respect_gitignore and gitignore.ignores(path, is_dir):
                continue
            if is_dir:
                subdirectories.append(path)
            elif is_source_file(path) and (_is_file(entry) or entry.is_symlink()):
                # A broken or looping link is yielded too: reading it gives the user a one-line error
                # (as flake8's E902) instead of a file that silently goes unchecked.
                yield path
        stack.extend(sorted(subdirectories, reverse=True))


def _entries(directory: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(directory) as iterator:
            return sorted(iterator, key=lambda entry: entry.name)
    except OSError:
        return []  # unreadable directory: nothing to check there (ruff does the same)


def _is_real_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def _is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return False


def _absolute(path: Path, cwd: Path) -> Path:
    joined = path if path.is_absolute() else cwd / path
    return Path(os.path.normpath(joined))


def _is_relative_to(path: Path, other: Path) -> bool:
    try:
        path.relative_to(other)
    except ValueError:
        return False
    return True


class GitIgnore:
    """.gitignore files by directory, read once each, applied with git's precedence."""

    def __init__(self) -> None:
        self._specs: dict[Path, pathspec.GitIgnoreSpec | None] = {}
        self._roots: dict[Path, Path] = {}  # walked dir -> first dir whose rules count

    def prime(self, top: Path) -> None:
        """Decide which ancestors of `top` contribute rules: up to the git work tree root, if any."""
        work_tree = _work_tree_root(top)
        self._roots[top] = work_tree if work_tree is not None else top

    def ignores(self, path: Path, is_dir: bool) -> bool:
        verdict: bool | None = None
        for directory in self._rule_directories(path.parent):
            spec = self._spec(directory)
            if spec is None:
                continue
            relative = path.relative_to(directory).as_posix() + ("/" if is_dir else "")
            result = spec.check_file(relative)
            if result.include is not None:
                verdict = result.include  # deeper files are visited later and win
        return bool(verdict)

    def _rule_directories(self, directory: Path) -> list[Path]:
        root = self._root_for(directory)
        chain = [directory]
        while chain[-1] != root and chain[-1].parent != chain[-1]:
            chain.append(chain[-1].parent)
        return list(reversed(chain))

    def _root_for(self, directory: Path) -> Path:
        best: Path | None = None
        for top, root in self._roots.items():
            if _is_relative_to(directory, top) and (best is None or len(top.parts) > len(best.parts)):
                best = top
        return self._roots[best] if best is not None else directory

    def _spec(self, directory: Path) -> pathspec.GitIgnoreSpec | None:
        if directory not in self._specs:
            self._specs[directory] = _load_spec(directory)
        return self._specs[directory]


def _load_spec(directory: Path) -> pathspec.GitIgnoreSpec | None:
    lines: list[str] = []
    for source in (directory / ".git" / "info" / "exclude", directory / ".gitignore"):
        lines.extend(_read_lines(source))
    if not any(line.strip() and not line.lstrip().startswith("#") for line in lines):
        return None
    import pathspec  # only when there are rules: the import costs more than most warm runs

    return pathspec.GitIgnoreSpec.from_lines(lines)


def _read_lines(path: Path) -> Iterable[str]:
    try:
        return read_regular_text(path, errors="replace").splitlines()
    except (OSError, ValueError):
        return []


def _work_tree_root(start: Path) -> Path | None:
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return None
