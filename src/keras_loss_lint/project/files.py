"""Reading the project files the settings come from: regular files only, and only up to a size.

A cloned repository may hold a `requirements.txt` or `pyproject.toml` that is a symlink to `/dev/zero`
(endless), `/dev/stdin` or a FIFO (blocks forever): those are not read at all, and a regular file is
read only up to a bound, so no project file can hang a run or exhaust its memory.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_PROJECT_FILE_BYTES = 4_000_000  # lock files of large projects run to a few MB


class NotRegular(OSError):
    """The path is not a regular file (a device, FIFO, socket or directory), or is too large."""


def read_regular_text(path: Path, max_bytes: int = MAX_PROJECT_FILE_BYTES, errors: str = "strict") -> str:
    """The text of a regular file of at most `max_bytes` (UTF-8, a BOM dropped).

    Raises `NotRegular`, another `OSError` or `UnicodeDecodeError`."""
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        raise NotRegular(f"not a regular file: {path}")
    if info.st_size > max_bytes:
        raise NotRegular(f"larger than {max_bytes} bytes: {path}")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    descriptor = os.open(path, flags)
    with os.fdopen(descriptor, "rb") as handle:
        # Between the stat and the open the path may have been replaced: never read past the bound.
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise NotRegular(f"not a regular file: {path}")
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise NotRegular(f"larger than {max_bytes} bytes: {path}")
    return data.decode("utf-8-sig", errors=errors)
