"""Reading the files a run opens: regular files only, and only up to a size.

A cloned repository may hold a `requirements.txt`, a `pyproject.toml` or a `train.py` that is a symlink
to `/dev/zero` (endless), `/dev/stdin` or a FIFO (blocks forever): those are not read at all, and a
regular file is read only up to a bound, so no file of the tree can hang a run or exhaust its memory.
Project files (configuration, requirements, lock files, ignore files) and the sources to check are all
read here.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Callable

MAX_PROJECT_FILE_BYTES = 4_000_000  # lock files of large projects run to a few MB
# Sources: far above what is analysed (core.lint's size limit), so that a large file is refused with its
# size by the analysis; notebooks carry their outputs (images, tables) and may be much larger than their code.
MAX_SOURCE_BYTES = 16_000_000
MAX_NOTEBOOK_BYTES = 64_000_000


class NotRegular(OSError):
    """The path is not a regular file (a device, FIFO, socket or directory), or is too large."""

    def __init__(self, reason: str, path: Path) -> None:
        super().__init__(f"{reason}: {path}")
        self.reason = reason  # without the path, for messages that already name the file


def read_regular_text(path: Path, max_bytes: int = MAX_PROJECT_FILE_BYTES, errors: str = "strict") -> str:
    """The text of a regular file of at most `max_bytes` (UTF-8, a BOM dropped).

    Raises `NotRegular`, another `OSError` or `UnicodeDecodeError`."""
    return read_regular_bytes(path, max_bytes).decode("utf-8-sig", errors=errors)


def read_regular_bytes(path: Path, max_bytes: int) -> bytes:
    """The content of a regular file of at most `max_bytes`. Raises `NotRegular` or another `OSError`.

    Nothing else is opened: a FIFO or a terminal would block the open or the read, a device never ends."""
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        raise NotRegular(_what_it_is(info.st_mode), path)
    if info.st_size > max_bytes:
        raise NotRegular(_too_large(max_bytes), path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    descriptor = os.open(path, flags)
    with os.fdopen(descriptor, "rb") as handle:
        # Between the stat and the open the path may have been replaced: never read past the bound.
        status = os.fstat(handle.fileno())
        if not stat.S_ISREG(status.st_mode):
            raise NotRegular(_what_it_is(status.st_mode), path)
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise NotRegular(_too_large(max_bytes), path)
    return data


_KINDS: tuple[tuple[Callable[[int], bool], str], ...] = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _what_it_is(mode: int) -> str:
    kind = next((name for test, name in _KINDS if test(mode)), "")
    return f"not a regular file ({kind})" if kind else "not a regular file"


def _too_large(max_bytes: int) -> str:
    return f"larger than {max_bytes} bytes"
