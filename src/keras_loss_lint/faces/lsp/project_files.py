"""Noticing changed project files without the client's help.

A client that cannot register file watchers dynamically (Neovim's default, many small editors) never
sends `workspace/didChangeWatchedFiles`, so an edit of pyproject.toml's `keras-version` in another
program would go unnoticed until the server restarts. The server therefore remembers the modification
time and size of every project file (`linting.is_project_file`: pyproject.toml, setup.cfg, tox.ini,
.flake8, requirements*.txt, lock files...) in the directories that hold an open document and in their
ancestors, and compares them again whenever a document is opened or saved. A file that appeared,
changed or disappeared is reported like a watched-file change.

This costs one directory listing per ancestor directory on each open and save, which is small next
to a lint.
"""

from __future__ import annotations

import os
import zlib
from pathlib import Path

from keras_loss_lint.faces.lsp.linting import is_project_file

# (mtime_ns, size, checksum): the checksum catches an edit that keeps the size within the timestamp
# granularity of a coarse filesystem ("==3.4.1" -> "==3.5.0" saved twice in one second); -1 for
# files too large to read on every save.
Stamp = tuple[int, int, int]
CHECKSUM_UP_TO = 256 * 1024


class ProjectFileStamps:
    def __init__(self) -> None:
        self._seen: dict[Path, dict[str, Stamp]] = {}  # directory -> project file name -> stamp

    def changed(self, path: Path | None) -> list[Path]:
        """The project files beside `path` or above it that changed since they were last looked at.

        The first look at a directory only records what it holds."""
        if path is None:
            return []
        found: list[Path] = []
        for directory in path.parents:
            now = _scan(directory)
            before = self._seen.get(directory)
            self._seen[directory] = now
            if before is not None and before != now:
                names = {name for name in before.keys() | now.keys() if before.get(name) != now.get(name)}
                found.extend(directory / name for name in sorted(names))
        return found

    def refresh(self) -> None:
        """Take the current state as seen (after the caches were dropped for another reason)."""
        for directory in self._seen:
            self._seen[directory] = _scan(directory)


def _scan(directory: Path) -> dict[str, Stamp]:
    stamps: dict[str, Stamp] = {}
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                if not is_project_file(Path(entry.name)):
                    continue
                try:
                    info = entry.stat()
                except OSError:  # vanished or unreadable meanwhile: as good as absent
                    continue
                stamps[entry.name] = (info.st_mtime_ns, info.st_size, _checksum(entry.path, info.st_size))
    except OSError:  # no such directory, or not listable: nothing to notice there
        pass
    return stamps


def _checksum(path: str, size: int) -> int:
    if size > CHECKSUM_UP_TO:
        return -1
    try:
        with open(path, "rb") as file:
            return zlib.crc32(file.read(CHECKSUM_UP_TO + 1))
    except OSError:
        return -1
