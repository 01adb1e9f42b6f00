"""Where a project's own modules are, found the way Python's import system would find them, from the
filesystem alone: nothing is imported or run.

The project root is the nearest directory above a linted file that holds `pyproject.toml`,
`setup.cfg`, `setup.py` or `.git`. A module name is looked up, in order, in:

1. directories a module puts in front of `sys.path` (`sys.path.insert(0, ...)`, the research idiom);
2. the linted script's own directory (`sys.path[0]` for `python train.py`; a notebook's directory);
3. directories appended to `sys.path`;
4. the root and its `src/` directory (a project installed in development mode, or run from its root).

Entries of 1 and 2 come before the standard library on a real `sys.path`, so a `random.py` beside the
script shadows it as it would at run time; the others come after it, so a standard-library name found
there is not the project's. Which third-party packages the project's environment holds is not known
(the linter may not even run in it), so a name the project itself defines is taken to be the project's.

Files outside the root, in virtual environments, site-packages or the default-excluded directories
(`.git`, `.venv`, `build`, ...) are never read. Texts are read through a reader callback (the language
server supplies unsaved editor text) or from disk, cached by modification time and size.
"""

from __future__ import annotations

import os
import stat
import re
import sys
import threading
from typing import Callable, Iterable, NamedTuple, Optional, Protocol, Sequence

from keras_loss_lint.project.config import DEFAULT_EXCLUDES

__all__ = [
    "PROJECT_MARKERS",
    "Located",
    "ProjectIndex",
    "Reader",
    "SearchPath",
    "find_root",
    "index_for",
]

PROJECT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")
SKIPPED_DIRECTORIES = frozenset(DEFAULT_EXCLUDES) | {
    "site-packages", "dist-packages", "venv", "env", ".env", "virtualenv", "node_modules", "build",
}
STANDARD_LIBRARY = frozenset(sys.stdlib_module_names)
# A module is looked for as a package directory first, then as a module file, as Python does.
SOURCE_SUFFIX = ".py"
MAX_MODULE_BYTES = 2_000_000

Reader = Callable[[str], Optional[str]]
# (directory, whether it comes before the standard library on sys.path)
SearchPath = tuple[tuple[str, bool], ...]

_IMPORT_LINE = re.compile(r"^[ \t]*(?:from[ \t]+(\.*)([\w.]*)[ \t]+import\b|import[ \t]+([\w., \t]+))", re.M)


class Located(NamedTuple):
    """A module found on the search path: its file (None for a namespace package), and for a package
    the directories its submodules are looked up in."""

    name: str
    file: Optional[str]
    package_dirs: tuple[str, ...] = ()

    @property
    def is_package(self) -> bool:
        return bool(self.package_dirs)


class Package(Protocol):
    """What `submodule` needs of a package (a `Located`, or the analysis's view of one)."""

    @property
    def name(self) -> str: ...

    @property
    def package_dirs(self) -> tuple[str, ...]: ...


def find_root(path: str) -> Optional[str]:
    """The nearest directory at or above `path`'s directory holding a project marker."""
    directory = os.path.dirname(os.path.abspath(path))
    while True:
        if any(os.path.exists(os.path.join(directory, marker)) for marker in PROJECT_MARKERS):
            return directory
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


class ProjectIndex:
    """The modules of one project, and their texts."""

    def __init__(self, root: str, reader: Optional[Reader] = None) -> None:
        self.root = os.path.abspath(root)
        self._reader = reader
        self._texts: dict[str, tuple[tuple[int, int], str]] = {}
        self._lock = threading.Lock()
        self._summaries: dict[tuple[str, SearchPath], tuple[str, tuple[bool, tuple[Located, ...]]]] = {}
        self._contained: dict[str, bool] = {}  # a path's place never changes: asked for every read

    # ---------------------------------------------------------------------------- what is inside

    def contains(self, path: str) -> bool:
        """Whether `path` is a project file: under the root, and in no skipped directory."""
        known = self._contained.get(path)
        if known is None:
            known = self._contained[path] = self._is_inside(path)
        return known

    def _is_inside(self, path: str) -> bool:
        absolute = os.path.abspath(path)
        relative = os.path.relpath(absolute, self.root)
        if relative == os.curdir:
            return True
        parts = relative.split(os.sep)
        if parts[0] == os.pardir or os.path.isabs(relative):
            return False
        return not any(part in SKIPPED_DIRECTORIES or part.endswith(".egg-info") for part in parts[:-1])

    def display(self, path: str) -> str:
        """`path` relative to the root, with forward slashes, as messages show it."""
        absolute = os.path.abspath(path)
        if not self.contains(absolute):
            return absolute
        return os.path.relpath(absolute, self.root).replace(os.sep, "/")

    # ---------------------------------------------------------------------------------- reading

    def read(self, path: str) -> Optional[str]:
        """The text of a project file (the reader's, when it has one), or None."""
        if not self.contains(path):
            return None
        absolute = os.path.abspath(path)
        if self._reader is not None:
            supplied = self._reader(absolute)
            if supplied is not None:
                return supplied
        return self._read_disk(absolute)

    def _read_disk(self, path: str) -> Optional[str]:
        try:
            status = os.stat(path)
        except OSError:
            return None
        stamp = (status.st_mtime_ns, status.st_size)
        with self._lock:
            cached = self._texts.get(path)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        if status.st_size > MAX_MODULE_BYTES or not stat.S_ISREG(status.st_mode):
            return None  # a module linked to /dev/zero or a FIFO is never read
        try:
            with open(path, encoding="utf-8", errors="surrogateescape") as handle:
                text = handle.read(MAX_MODULE_BYTES + 1)
        except (OSError, ValueError):
            return None
        if len(text) > MAX_MODULE_BYTES:
            return None
        with self._lock:
            self._texts[path] = (stamp, text)
        return text

    # ---------------------------------------------------------------------------- search paths

    def search_path(
        self, script: Optional[str], front: Sequence[str] = (), back: Sequence[str] = ()
    ) -> SearchPath:
        """The directories an import in `script` is resolved in (see the module docstring)."""
        entries: list[tuple[str, bool]] = [(d, True) for d in front]
        if script is not None:
            entries.append((os.path.dirname(os.path.abspath(script)), True))
        entries += [(d, False) for d in back]
        entries += [(self.root, False), (os.path.join(self.root, "src"), False)]
        seen: set[str] = set()
        kept: list[tuple[str, bool]] = []
        for directory, shadows in entries:
            normal = os.path.normpath(os.path.abspath(directory))
            if normal not in seen and self.contains(os.path.join(normal, "x")) and os.path.isdir(normal):
                seen.add(normal)
                kept.append((normal, shadows))
        return tuple(kept)

    # ------------------------------------------------------------------------------- resolution

    def find(self, name: str, search: SearchPath) -> Optional[Located]:
        """The project module `name` (dotted, absolute) as Python would import it, or None."""
        parts = name.split(".")
        if not all(part.isidentifier() for part in parts):
            return None
        top = parts[0]
        candidates = [d for d, shadows in search if shadows or top not in STANDARD_LIBRARY]
        found = self._find_in(top, candidates)
        for part in parts[1:]:
            if found is None or not found.is_package:
                return None
            found = self._find_in(part, list(found.package_dirs), f"{found.name}.")
        return found

    def find_relative(self, name: Optional[str], importer: str, level: int) -> Optional[Located]:
        """`from .name import ...` (`level` dots) in the module whose file is `importer`."""
        base = os.path.dirname(os.path.abspath(importer))
        for _ in range(level - 1):
            base = os.path.dirname(base)
        if not self.contains(os.path.join(base, "x")):
            return None
        package = Located(os.path.basename(base), _file_if_exists(os.path.join(base, "__init__.py")), (base,))
        if not name:
            return package
        found: Optional[Located] = package
        for part in name.split("."):
            if found is None or not found.is_package or not part.isidentifier():
                return None
            found = self._find_in(part, list(found.package_dirs), f"{found.name}.")
        return found

    def submodule(self, package: Package, name: str) -> Optional[Located]:
        if not package.package_dirs or not name.isidentifier():
            return None
        return self._find_in(name, list(package.package_dirs), f"{package.name}.")

    def _find_in(self, part: str, directories: Iterable[str], prefix: str = "") -> Optional[Located]:
        namespace: list[str] = []
        for directory in directories:
            if not self.contains(os.path.join(directory, part, "x")):
                continue
            package = os.path.join(directory, part)
            init = os.path.join(package, "__init__.py")
            if os.path.isfile(init):
                return Located(prefix + part, init, (package,))
            module = os.path.join(directory, part + SOURCE_SUFFIX)
            if os.path.isfile(module) and self.contains(module):
                return Located(prefix + part, module)
            if os.path.isdir(package):
                namespace.append(package)
        if namespace:
            return Located(prefix + part, None, tuple(namespace))
        return None

    # ------------------------------------------------------------------------------ pre-check

    def reaches_keras(self, source: str, path: Optional[str], limit: int = 32) -> bool:
        """Whether `source` imports (read from its import lines, transitively, at most `limit`
        modules) a project module whose text mentions Keras: then it may compile a model it did not
        build itself. Only a cheap textual question: the analysis decides what the imports mean.

        flake8 asks this for every file holding a word like `compile`, so each module's answer
        (whether it mentions Keras, what it imports) is kept per search path while its text is
        unchanged: a run reads and scans each module once, not once per importer."""
        return self._reach(source, path, limit)[0]

    def consulted(self, source: str, path: Optional[str], limit: int = 32) -> tuple[str, ...]:
        """The project files `reaches_keras` reads to answer for `source`: a file it turned away
        must be asked again when one of them changes (it may come to import a Keras model)."""
        return tuple(sorted(self._reach(source, path, limit)[1]))

    def _reach(self, source: str, path: Optional[str], limit: int) -> tuple[bool, set[str]]:
        search = self.search_path(path)
        pending = list(self._textual_imports(source, path, search))
        seen: set[str] = set()
        while pending:
            located = pending.pop()
            if located.file is None or located.file in seen:
                continue
            seen.add(located.file)
            summary = self._summary(located.file, search)
            if summary is None:
                continue
            mentions_keras, imports = summary
            if mentions_keras:
                return True, seen
            if len(seen) < limit:
                pending.extend(imports)
        return False, seen

    def _summary(self, file: str, search: SearchPath) -> Optional[tuple[bool, tuple[Located, ...]]]:
        text = self.read(file)
        if text is None:
            return None
        key = (file, search)
        with self._lock:
            cached = self._summaries.get(key)
        if cached is not None and cached[0] is text:  # `read` hands back the same string while unchanged
            return cached[1]
        summary = ("keras" in text, tuple(self._textual_imports(text, file, search)))
        with self._lock:
            self._summaries[key] = (text, summary)
        return summary

    def _textual_imports(self, text: str, importer: Optional[str], search: SearchPath) -> list[Located]:
        found: list[Located] = []
        for match in _IMPORT_LINE.finditer(text):
            dots, module, names = match.group(1), match.group(2), match.group(3)
            if names is not None:
                for item in names.split(","):
                    dotted = item.split()[0] if item.split() else ""
                    found.extend(self._along(dotted, lambda prefix: self.find(prefix, search)) if dotted else ())
                continue
            chain = self._imported_chain(dots, module, importer, search)
            found.extend(chain)
            if chain and chain[-1].is_package:
                # `from pkg import submodule`: the submodules named after `import` are read too.
                found.extend(self._package_members(text, match.end(), chain[-1]))
        return found

    def _imported_chain(
        self, dots: str, module: str, importer: Optional[str], search: SearchPath
    ) -> list[Located]:
        """The modules `from <dots><module> import ...` runs, outermost package first."""
        if not dots:
            return self._along(module, lambda prefix: self.find(prefix, search)) if module else []
        if importer is None:
            return []
        level, script = len(dots), importer
        if not module:
            package = self.find_relative(None, script, level)
            return [package] if package is not None else []
        return self._along(module, lambda prefix: self.find_relative(prefix, script, level))

    @staticmethod
    def _along(dotted: str, find: Callable[[str], Optional[Located]]) -> list[Located]:
        """`a`, `a.b`, `a.b.c`: every package `__init__` on the way runs when `a.b.c` is imported."""
        parts = dotted.split(".")
        chain = [find(".".join(parts[: count + 1])) for count in range(len(parts))]
        return [located for located in chain if located is not None] if chain[-1] is not None else []

    def _package_members(self, text: str, start: int, package: Located) -> list[Located]:
        tail = re.match(r"[ \t]*\(?([\w, \t\n]*)", text[start:start + 2_000])
        names = tail.group(1).replace("\n", " ").split(",") if tail else []
        found = []
        for item in names:
            words = item.split()
            located = self.submodule(package, words[0]) if words else None
            if located is not None:
                found.append(located)
        return found


def _file_if_exists(path: str) -> Optional[str]:
    return path if os.path.isfile(path) else None


_INDEXES: dict[str, ProjectIndex] = {}
_INDEXES_LOCK = threading.Lock()


def index_for(path: Optional[str]) -> Optional[ProjectIndex]:
    """The shared on-disk index of the project holding `path` (None: no path, or no project root)."""
    if not path or not os.path.isfile(path):
        return None
    root = find_root(path)
    if root is None:
        return None
    with _INDEXES_LOCK:
        index = _INDEXES.get(root)
        if index is None:
            index = _INDEXES[root] = ProjectIndex(root)
    return index
