"""Reading source files so that they can be written back byte-faithfully, and writing them atomically.

A file is read once as bytes. Its text is decoded the way Python decodes it (a UTF-8 BOM, else a PEP 263
coding cookie, else UTF-8); the encoding, the BOM and the line-break style are remembered so that fixed
text goes back to disk in the same form. Notebooks are UTF-8 JSON (a BOM is kept if there was one).

Writing never leaves a half-written file: the new bytes go to a temporary file in the same directory
(same filesystem, so the final rename is atomic), which gets the original's permission bits, is
flushed to disk, and replaces the original with `os.replace` only if the original still holds the bytes
that were read. Any failure removes the temporary file and leaves the original untouched.

Before that, the file must be one an editor would write: a regular file with a write bit set, in a
directory with a write bit set (the mode bits themselves are checked, not only `os.access`, which
always says yes to root), with one name only (the rename would leave its other hard links with the
old content, and writing in place would not be atomic, so a hard-linked file is refused), and reached
through a symbolic link only when the link's target lies inside the tree being fixed (`WritePolicy`).
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Sequence

try:  # hashlib's own BLAKE2 module: importing hashlib also loads OpenSSL, which costs a warm run ~5 ms
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - other Python implementations
    from hashlib import blake2b

BOM = b"\xef\xbb\xbf"
# PEP 263: a cookie counts on the first two lines only, so a fast path can skip the tokenizer.
_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=]", re.MULTILINE)
_BARE_LF = re.compile(r"(?<!\r)\n")
_ANY_WRITE = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH


class WriteError(Exception):
    """A fixed file could not be written; the original is intact. The message is one line."""


class FileChangedError(WriteError):
    """The file changed on disk after it was read: writing would lose someone else's edit."""


class SourceFile:
    """A file's decoded text and what is needed to encode it back the way it was.

    (A plain class, not a dataclass: every run, a warm one included, imports this module, and making
    a dataclass costs about a millisecond.)"""

    __slots__ = ("text", "digest", "encoding", "crlf")

    def __init__(self, text: str, digest: str, encoding: str, crlf: bool) -> None:
        self.text = text
        self.digest = digest  # content hash of the bytes as read: the cache key and the write-back guard
        self.encoding = encoding  # a Python codec name; "utf-8-sig" when the file starts with a BOM
        self.crlf = crlf  # every line break is CRLF: inserted text gets CRLF too

    def with_line_breaks(self, text: str) -> str:
        """`text` (fixed source) with this file's line breaks: in a file that uses CRLF throughout, a
        line break that a fix inserted as LF becomes CRLF. Other files are left exactly as they are."""
        return _BARE_LF.sub("\r\n", text) if self.crlf else text

    def encode(self, text: str) -> bytes:
        """`text` as bytes in this file's encoding (a BOM stays a BOM) and line-break style.

        Raises UnicodeEncodeError when the encoding cannot represent a character of `text`."""
        return self.with_line_breaks(text).encode(self.encoding)


def content_digest(data: bytes) -> str:
    return blake2b(data, digest_size=16).hexdigest()


def read_source_file(path: Path, notebook: bool | None = None) -> SourceFile:
    """Read and decode a file. Raises OSError, UnicodeDecodeError, or SyntaxError (a bad cookie)."""
    data = path.read_bytes()
    return decode_source(data, path.suffix == ".ipynb" if notebook is None else notebook)


def decode_source(data: bytes, notebook: bool) -> SourceFile:
    if notebook:
        encoding = "utf-8-sig" if data.startswith(BOM) else "utf-8"
    else:
        encoding = python_encoding(data)
    text = data.decode(encoding)
    return SourceFile(text, content_digest(data), encoding, _all_crlf(text))


def python_encoding(data: bytes) -> str:
    """The codec Python itself would use for `data` (BOM, PEP 263 cookie, else UTF-8)."""
    if data.startswith(BOM):
        return "utf-8-sig"
    head = b"\n".join(data.split(b"\n", 2)[:2])
    if not _COOKIE.search(head):
        return "utf-8"  # no cookie: skip importing and running the tokenizer
    import io
    import tokenize

    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return "utf-8-sig" if encoding == "utf-8-sig" else encoding


def _all_crlf(text: str) -> bool:
    crlf = text.count("\r\n")
    return crlf > 0 and crlf == text.count("\n")


class WritePolicy:
    """Where fixed files may be written: a symbolic link is followed only to a target inside one of
    `roots` (the tree being fixed), unless `through_symlinks` says any target will do."""

    __slots__ = ("roots", "through_symlinks")

    def __init__(self, roots: Sequence[Path] = (), through_symlinks: bool = False) -> None:
        self.roots = tuple(Path(os.path.realpath(root)) for root in roots)
        self.through_symlinks = through_symlinks

    @classmethod
    def for_paths(
        cls, paths: Sequence[Path], project_root: Path | None, through_symlinks: bool = False
    ) -> "WritePolicy":
        """The tree of a run: the common directory of the paths given (a file counts as its
        directory), and the project root."""
        directories = [os.path.realpath(p if p.is_dir() else p.parent) for p in paths]
        roots = [Path(os.path.commonpath(directories))] if directories else []
        return cls(roots + ([project_root] if project_root is not None else []), through_symlinks)

    def refusal(self, path: Path, target: Path) -> str | None:
        """Why `path`, which resolves to `target`, may not be written (None: it may)."""
        if self.through_symlinks or not self.roots or target == Path(os.path.abspath(path)):
            return None
        if any(target.is_relative_to(root) for root in self.roots):
            return None
        return f"it is a symbolic link to {target}, outside the tree being fixed (--fix-through-symlinks writes it)"


def write_if_unchanged(path: Path, data: bytes, expected_digest: str, policy: WritePolicy | None = None) -> None:
    """Replace the file at `path` with `data`, atomically, unless it no longer has `expected_digest`.

    A symbolic link is followed (when `policy` allows its target), so the link stays a link and its
    target gets the new content. Raises `FileChangedError` or `WriteError`; either way the original
    file is untouched.
    """
    target = Path(os.path.realpath(path))
    refusal = (policy or WritePolicy()).refusal(path, target)
    if refusal is not None:
        raise WriteError(f"cannot write the fixed file: {refusal}")
    original = _writable(target)
    temporary = _write_temporary(target, data, original)
    try:
        if current_digest(target) != expected_digest:
            raise FileChangedError("the file changed on disk while it was being fixed; it was not overwritten")
        os.replace(temporary, target)
    except FileChangedError:
        _remove(temporary)
        raise
    except OSError as error:
        _remove(temporary)
        raise WriteError(f"cannot write the fixed file: {_reason(error)}") from None


def _writable(target: Path) -> os.stat_result:
    """The file's status, if an editor would write it; else a WriteError saying why not."""
    try:
        original = os.stat(target)
        directory = os.stat(target.parent)
    except OSError as error:
        raise WriteError(f"cannot write the fixed file: {_reason(error)}") from None
    if not stat.S_ISREG(original.st_mode):
        raise WriteError("cannot write the fixed file: not a regular file")
    # Renaming over a read-only file would succeed, and root passes every os.access check: look at
    # the mode bits first, as editors do.
    if not original.st_mode & _ANY_WRITE:
        raise WriteError(f"cannot write the fixed file: it is read-only (mode {_mode(original)})")
    if not directory.st_mode & _ANY_WRITE:
        raise WriteError(
            f"cannot write the fixed file: its directory is read-only (mode {_mode(directory)}), "
            "so it cannot be replaced atomically"
        )
    if not os.access(target, os.W_OK) or not os.access(target.parent, os.W_OK | os.X_OK):
        raise WriteError("cannot write the fixed file: Permission denied")
    if original.st_nlink > 1:
        raise WriteError(
            f"cannot write the fixed file: it has {original.st_nlink} hard links; replacing it would leave "
            "the other names with the old content, so it was not written"
        )
    return original


def _mode(status: os.stat_result) -> str:
    return f"{stat.S_IMODE(status.st_mode):04o}"


def current_digest(path: Path) -> str | None:
    """The content hash of what is on disk now (None if it cannot be read): compared right before
    replacing, so the window in which another writer's edit could be lost is as short as possible."""
    try:
        return content_digest(path.read_bytes())
    except OSError:
        return None


def _write_temporary(target: Path, data: bytes, original: os.stat_result) -> str:
    import tempfile

    try:
        descriptor, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as error:
        raise WriteError(f"cannot write the fixed file: {_reason(error)}") from None
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())  # the rename must never expose a file whose data is not on disk
        os.chmod(temporary, stat.S_IMODE(original.st_mode))  # mkstemp creates 0600: keep the original's bits
        _keep_owner(temporary, original)
    except OSError as error:
        _remove(temporary)
        raise WriteError(f"cannot write the fixed file: {_reason(error)}") from None
    return temporary


def _keep_owner(temporary: str, original: os.stat_result) -> None:
    """Give the new file the original's owner when allowed (e.g. root fixing a user's file)."""
    chown = getattr(os, "chown", None)
    if chown is None or (os.geteuid(), os.getegid()) == (original.st_uid, original.st_gid):
        return
    try:
        chown(temporary, original.st_uid, original.st_gid)
    except OSError:
        pass  # not permitted: the file ends up owned by whoever ran the fix, as with any editor


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _reason(error: OSError) -> str:
    return error.strerror or str(error) or type(error).__name__
