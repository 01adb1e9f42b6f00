"""Open documents, kept by the server itself rather than by pygls's workspace.

pygls splits lines with `str.splitlines`, which also breaks at form feeds, U+2028 and other
separators that are not line breaks in LSP or in Python; an incremental edit after such a character
lands on the wrong line. This store applies edits with LSP's own line definition (see `positions`).

Every change bumps `generation`, the server's own clock: lint results carry the generation they were
computed for, and a result whose generation is not the document's current one is never published.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

from keras_loss_lint.faces.lsp.positions import TextIndex

PYTHON_SUFFIXES = (".py", ".pyi")
# Beyond these no file can exist (Linux's PATH_MAX and NAME_MAX; Windows allows less), and asking the
# filesystem about such a path fails in ways that differ by platform.
MAX_PATH_BYTES = 4096
MAX_NAME_BYTES = 255


@dataclass(frozen=True)
class Change:
    """One content change: a range in LSP units (None: the whole text) and the new text."""

    text: str
    start: tuple[int, int] | None = None
    end: tuple[int, int] | None = None


@dataclass
class Document:
    uri: str
    path: Path | None  # None for documents that are not files (untitled:, vscode-notebook-cell:)
    language_id: str
    version: int | None
    text: str
    generation: int = 0
    # The editor's text is not known (a change could not be applied): nothing is linted or published
    # until a change sends the whole text again, or the document is reopened.
    out_of_sync: bool = False
    _index: TextIndex | None = field(default=None, repr=False)

    @property
    def index(self) -> TextIndex:
        """Line starts of the current text, built on first use after each change."""
        if self._index is None or self._index.text is not self.text:
            self._index = TextIndex(self.text)
        return self._index

    @property
    def is_python(self) -> bool:
        if self.language_id == "python":
            return True
        return self.path is not None and self.path.suffix in PYTHON_SUFFIXES

    def apply(self, changes: list[Change], version: int | None, encoding: str) -> None:
        """Apply changes in order (each one's range refers to the text left by the previous)."""
        for change in changes:
            self.text = self._applied(change, encoding)
        self.version = version
        self.generation += 1

    def replace_all(self, text: str, version: int | None) -> None:
        self.text = text
        self.version = version
        self.generation += 1

    def _applied(self, change: Change, encoding: str) -> str:
        if change.start is None or change.end is None:
            return change.text
        index = self.index
        start = index.offset_from_lsp(*change.start, encoding)
        end = index.offset_from_lsp(*change.end, encoding)
        if end < start:  # a reversed range is a client bug; read it as the range it spans
            start, end = end, start
        text = self.text[:start] + change.text + self.text[end:]
        return text


def path_from_uri(uri: str) -> Path | None:
    """The filesystem path of a `file:` URI (symlinks resolved, as configuration anchors are);
    None for other schemes and for URIs no file can have (see `unusable_path`)."""
    raw = _raw_path(uri)
    if raw is None or unusable_path(uri) is not None:
        return None
    path = Path(raw)
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError):
        return path.absolute()


def unusable_path(uri: str) -> str | None:
    """Why a `file:` URI cannot name a file (None if it can, or is not a `file:` URI)."""
    raw = _raw_path(uri)
    if raw is None:
        return None
    if "\0" in raw:
        return "its path contains a NUL character"
    encoded = raw.encode("utf-8", "surrogateescape")
    if len(encoded) > MAX_PATH_BYTES:
        return f"its path is longer than {MAX_PATH_BYTES} bytes"
    if any(len(part) > MAX_NAME_BYTES for part in encoded.split(b"/")):
        return f"its path has a name longer than {MAX_NAME_BYTES} bytes"
    return None


def _raw_path(uri: str) -> str | None:
    try:
        parsed = urlparse(uri)
    except ValueError:  # e.g. an unbalanced "[" in the authority
        return None
    if parsed.scheme != "file":
        return None
    raw = url2pathname(parsed.path)
    if parsed.netloc and parsed.netloc != "localhost":
        raw = f"//{parsed.netloc}{raw}"  # a UNC path
    return raw
