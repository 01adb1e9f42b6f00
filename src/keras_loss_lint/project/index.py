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

Over 500 lines: finding modules, reading their texts and the pre-check's walks over their imports
share one cache and one lock per index; what a module binds is read in `project/bindings.py`.
"""

from __future__ import annotations

import os
import re
import stat
import sys
import threading
from typing import Callable, Iterable, NamedTuple, Optional, Protocol, Sequence

from keras_loss_lint.keras.api import CANDIDATE_CALL
from keras_loss_lint.project.bindings import Binding, recording_names, top_level_bindings
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

# A name as a word of the text (`compile_fixed` in `from helpers import compile_fixed`).
_WORD = re.compile(r"[^\W\d]\w*")
# Packages the analysis reads as the Keras API and never as project code (analysis/keras_api.py's
# UNDERSTOOD_PACKAGES): a project that is Keras's own source imports itself through them.
ANALYSED_AS_KERAS = frozenset({"keras", "tensorflow", "tf_keras", "numpy"})
# How many modules `calls_recording_code` follows a file's imports through: as many as the analysis
# follows for one file (analysis/project_modules.py's MAX_MODULES).
RECORDING_REACH = 32

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
        self._summaries: dict[tuple[str, SearchPath], tuple[str, ModuleSummary]] = {}
        self._binding_cache: dict[str, tuple[str, tuple[Binding, ...]]] = {}
        self._seeded: dict[str, tuple[str, bool]] = {}
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

    def find(self, name: str, search: SearchPath, absent: Optional[list[str]] = None) -> Optional[Located]:
        """The project module `name` (dotted, absolute) as Python would import it, or None.

        `absent` collects the files that do not exist but would be imported instead if they did (see
        `_find_in`): a result read without them changes when one is created. A standard-library name
        adds none: a script's own `random.py` is possible, but not worth a dependency per import."""
        parts = name.split(".")
        if not all(part.isidentifier() for part in parts):
            return None
        top = parts[0]
        candidates = [d for d, shadows in search if shadows or top not in STANDARD_LIBRARY]
        absent = absent if top not in STANDARD_LIBRARY else None
        found = self._find_in(top, candidates, "", absent)
        for part in parts[1:]:
            if found is None or not found.is_package:
                return None
            found = self._find_in(part, list(found.package_dirs), f"{found.name}.", absent)
        return found

    def find_relative(
        self, name: Optional[str], importer: str, level: int, absent: Optional[list[str]] = None
    ) -> Optional[Located]:
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
            found = self._find_in(part, list(found.package_dirs), f"{found.name}.", absent)
        return found

    def submodule(self, package: Package, name: str, absent: Optional[list[str]] = None) -> Optional[Located]:
        if not package.package_dirs or not name.isidentifier():
            return None
        return self._find_in(name, list(package.package_dirs), f"{package.name}.", absent)

    def _find_in(
        self, part: str, directories: Iterable[str], prefix: str = "", absent: Optional[list[str]] = None
    ) -> Optional[Located]:
        """The first `part/__init__.py` or `part.py` along `directories`, else a namespace package.
        Each file looked for and missing before the one found (all of them, when none or only a
        namespace package is found) goes to `absent`: created, it would be the one imported."""
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
                if absent is not None:
                    absent.append(init)
                return Located(prefix + part, module)
            if absent is not None:
                absent += [init, module]
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

    def calls_recording_code(self, source: str, path: Optional[str], limit: int = RECORDING_REACH) -> bool:
        """Whether `source` names something a project module it imports defines around a call of a
        recorded method (`def compile_fixed(model): model.compile(...)`): such a call, made with what
        this file passes, is reported here, though this file's own text holds no `.compile(`.

        What a module defines is read from its `ast`, once per text: its top-level functions, classes
        and assignments that mention a recorded method as an attribute, or a name (of the module
        itself, or imported from another project module) that does, to a fixed point over every
        module reached, so re-exports, helpers of helpers and import cycles count. The walk stops at
        `limit` modules, the analysis's own bound per file (it follows no more either, though in an
        order of its own: in a file whose imports reach more modules, a helper found only past the
        bound may go unreported). A file importing no project module costs the scan of its import
        lines and their look-up; one whose imports reach no such call (most code that is not Keras
        code) the walk over the cached summaries of what they reach, parsing only the texts that
        hold a recorded method's name."""
        return self._recording(source, path, limit)[0]

    def recording_names(self, source: str, path: Optional[str], limit: int = RECORDING_REACH) -> frozenset[str]:
        """The names `source` imports from project modules that are bound to code holding a call of
        a recorded method (see `calls_recording_code`): a function of this file that calls one of
        them may record a call though its own text writes none."""
        names = set(self._imported_helpers(source, path, limit)[0])
        if not names:
            return frozenset()
        # The names this file binds them to (`from helpers import compile_fixed as cf`), and its own
        # functions that call them.
        for binding in top_level_bindings(source):
            if not binding.star and not binding.words.isdisjoint(names):
                names |= binding.names
        return frozenset(names)

    def consulted(self, source: str, path: Optional[str], limit: int = 32) -> tuple[str, ...]:
        """The project files the pre-check reads to answer for `source` (`reaches_keras` and
        `calls_recording_code`), and the files its imports would resolve to if they existed: a file
        it turned away must be asked again when one of them changes or appears."""
        found = self._reach(source, path, limit)[1] | self._recording(source, path, RECORDING_REACH)[1]
        return tuple(sorted(found))

    def _reach(self, source: str, path: Optional[str], limit: int) -> tuple[bool, set[str]]:
        search = self.search_path(path)
        absent: list[str] = []
        pending = list(self._textual_imports(source, path, search, absent))
        seen: set[str] = set()
        while pending:
            located = pending.pop()
            if located.file is None or located.file in seen:
                continue
            seen.add(located.file)
            summary = self._summary(located.file, search)
            if summary is None:
                continue
            mentions_keras, imports, missing = summary
            absent += missing
            if mentions_keras:
                return True, seen | set(absent)
            if len(seen) < limit:
                pending.extend(imports)
        return False, seen | set(absent)

    def _summary(self, file: str, search: SearchPath) -> Optional[ModuleSummary]:
        text = self.read(file)
        if text is None:
            return None
        key = (file, search)
        with self._lock:
            cached = self._summaries.get(key)
        if cached is not None and cached[0] is text:  # `read` hands back the same string while unchanged
            return cached[1]
        absent: list[str] = []
        imports = tuple(self._textual_imports(text, file, search, absent))
        summary = ("keras" in text, imports, tuple(absent))
        with self._lock:
            self._summaries[key] = (text, summary)
        return summary

    def _recording(self, source: str, path: Optional[str], limit: int) -> tuple[bool, set[str]]:
        """(`calls_recording_code`'s answer, the files read and the absent ones looked for)."""
        names, read = self._imported_helpers(source, path, limit)
        return bool(names) and not names.isdisjoint(_WORD.findall(source)), read

    def _imported_helpers(self, source: str, path: Optional[str], limit: int) -> tuple[frozenset[str], set[str]]:
        """The names the project modules `source` imports bind to code holding a recorded call, and
        the files read to say so (with the absent ones looked for)."""
        if _IMPORT_LINE.search(source) is None:
            return frozenset(), set()
        search = self.search_path(path)
        absent: list[str] = []
        direct = [
            located for located in self._textual_imports(source, path, search, absent)
            if located.name.split(".", 1)[0] not in ANALYSED_AS_KERAS
        ]
        if not direct:
            return frozenset(), set(absent)
        reached = self._reachable(direct, search, limit)
        read = set(reached) | set(absent)
        if not any(self._holds_recorded_call(file) for file in reached):
            return frozenset(), read
        return self._recording_names(reached, {located.file for located in direct if located.file}), read

    def _reachable(self, direct: list[Located], search: SearchPath, limit: int) -> dict[str, ModuleSummary]:
        """The project modules `direct` leads to through import lines (at most `limit`, in the order
        they are imported), with their summaries."""
        reached: dict[str, ModuleSummary] = {}
        pending = list(reversed(direct))
        while pending and len(reached) < limit:
            located = pending.pop()
            file = located.file
            if file is None or file in reached or located.name.split(".", 1)[0] in ANALYSED_AS_KERAS:
                continue
            summary = self._summary(file, search)
            if summary is None:
                continue
            reached[file] = summary
            pending.extend(reversed(summary[1]))
        return reached

    def _recording_names(self, reached: dict[str, ModuleSummary], wanted: set[str]) -> frozenset[str]:
        """The names the modules `wanted` bind to code holding a recorded call."""
        modules = {
            file: (self._bindings(file), [located.file for located in summary[1] if located.file is not None])
            for file, summary in reached.items()
        }
        return recording_names(modules, wanted)

    def _holds_recorded_call(self, file: str) -> bool:
        """Whether a binding of the module records; without a recorded method's word in its text
        none can, and the text is not parsed."""
        text = self.read(file)
        if text is None:
            return False
        with self._lock:
            cached = self._seeded.get(file)
        if cached is not None and cached[0] is text:
            return cached[1]
        seeded = CANDIDATE_CALL.search(text) is not None and any(binding.records for binding in self._bindings(file))
        with self._lock:
            self._seeded[file] = (text, seeded)
        return seeded

    def _bindings(self, file: str) -> tuple[Binding, ...]:
        """The module's top-level bindings (see `calls_recording_code`), kept while its text is."""
        text = self.read(file)
        if text is None:
            return ()
        with self._lock:
            cached = self._binding_cache.get(file)
        if cached is not None and cached[0] is text:
            return cached[1]
        bindings = tuple(top_level_bindings(text))
        with self._lock:
            self._binding_cache[file] = (text, bindings)
        return bindings

    def _textual_imports(
        self, text: str, importer: Optional[str], search: SearchPath, absent: Optional[list[str]] = None
    ) -> list[Located]:
        found: list[Located] = []

        def find(prefix: str) -> Optional[Located]:
            return self.find(prefix, search, absent)

        for match in _IMPORT_LINE.finditer(text):
            dots, module, names = match.group(1), match.group(2), match.group(3)
            if names is not None:
                for item in names.split(","):
                    dotted = item.split()[0] if item.split() else ""
                    found.extend(self._along(dotted, find) if dotted else ())
                continue
            chain = self._imported_chain(dots, module, importer, search, absent)
            found.extend(chain)
            if chain and chain[-1].is_package:
                # `from pkg import submodule`: the submodules named after `import` are read too.
                found.extend(self._package_members(text, match.end(), chain[-1], absent))
        return found

    def _imported_chain(
        self, dots: str, module: str, importer: Optional[str], search: SearchPath, absent: Optional[list[str]] = None
    ) -> list[Located]:
        """The modules `from <dots><module> import ...` runs, outermost package first."""
        if not dots:
            return self._along(module, lambda prefix: self.find(prefix, search, absent)) if module else []
        if importer is None:
            return []
        level, script = len(dots), importer
        if not module:
            package = self.find_relative(None, script, level)
            return [package] if package is not None else []
        return self._along(module, lambda prefix: self.find_relative(prefix, script, level, absent))

    @staticmethod
    def _along(dotted: str, find: Callable[[str], Optional[Located]]) -> list[Located]:
        """`a`, `a.b`, `a.b.c`: every package `__init__` on the way runs when `a.b.c` is imported."""
        parts = dotted.split(".")
        chain = [find(".".join(parts[: count + 1])) for count in range(len(parts))]
        return [located for located in chain if located is not None] if chain[-1] is not None else []

    def _package_members(
        self, text: str, start: int, package: Located, absent: Optional[list[str]] = None
    ) -> list[Located]:
        tail = re.match(r"[ \t]*\(?([\w, \t\n]*)", text[start:start + 2_000])
        names = tail.group(1).replace("\n", " ").split(",") if tail else []
        found = []
        for item in names:
            words = item.split()
            located = self.submodule(package, words[0], absent) if words else None
            if located is not None:
                found.append(located)
        return found


# (whether the text mentions Keras, the modules its import lines name, the files those would be if
# they existed)
ModuleSummary = tuple[bool, tuple[Located, ...], tuple[str, ...]]


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
