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
    None for other schemes."""
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    raw = url2pathname(parsed.path)
    if parsed.netloc and parsed.netloc != "localhost":
        raw = f"//{parsed.netloc}{raw}"  # a UNC path
    path = Path(raw)
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()
