"""A test client that keeps every diagnostics notification, and text edits applied like an editor."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path
from typing import Any, Sequence

from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

SERVER_COMMAND = [sys.executable, "-m", "keras_loss_lint.faces.lsp"]

KLO201_SOURCE = """\
import keras
from keras import layers
inp = keras.Input(shape=(4,))
small = layers.Dense(1, name="output_small")(inp)
big = layers.Dense(1, name="output_big")(inp)
model = keras.Model(inp, [small, big])
model.compile(optimizer="adam", loss={"output_small": "mse", "output_big": "mae"})
"""
KLO201_LINE = 6  # 0-based, as LSP counts
FIXED_LOSS = 'loss=["mse", "mae"]'


class RecordingClient(LanguageClient):
    """pytest-lsp's client, also keeping each publishDiagnostics (with its version) in order."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.published: dict[str, list[types.PublishDiagnosticsParams]] = {}
        self.registrations: list[types.Registration] = []

    async def diagnostics_for(
        self, uri: str, version: int | None, timeout: float = 15.0
    ) -> Sequence[types.Diagnostic]:
        """The diagnostics published for `version` of `uri`, waiting for them if need be."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for params in reversed(self.published.get(uri, [])):
                if params.version == version:
                    return params.diagnostics
            if asyncio.get_running_loop().time() > deadline:
                seen = [p.version for p in self.published.get(uri, [])]
                raise AssertionError(f"no diagnostics for version {version} of {uri}; saw versions {seen}")
            await asyncio.sleep(0.01)


def make_client() -> RecordingClient:
    client = RecordingClient(converter_factory=default_converter)
    features = {
        method: handler
        for method, handler in DEFAULT_CLIENT_FEATURES.items()
        if method != types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS
    }
    register_lsp_features(client, features)

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def publish(client: RecordingClient, params: types.PublishDiagnosticsParams) -> None:
        client.diagnostics[params.uri] = params.diagnostics
        client.published.setdefault(params.uri, []).append(params)

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(client: RecordingClient, params: types.RegistrationParams) -> None:
        client.registrations.extend(params.registrations)

    return client


CONFIG = ClientServerConfig(server_command=SERVER_COMMAND, client_factory=make_client)


def vscode_capabilities() -> types.ClientCapabilities:
    """VS Code's own capabilities (UTF-16 positions, resolvable code actions, versioned edits)."""
    return client_capabilities("visual-studio-code")


# -- what an editor does with edits -----------------------------------------------------------------


def offset_of(text: str, position: types.Position) -> int:
    """The string offset of an LSP position (UTF-16 columns), computed independently of the server."""
    lines = re.split(r"(?<=\r\n)|(?<=\r)(?!\n)|(?<=\n)", text)
    start = sum(len(line) for line in lines[: position.line])
    line = lines[position.line].rstrip("\r\n") if position.line < len(lines) else ""
    units = 0
    for index, char in enumerate(line):
        if units >= position.character:
            return start + index
        units += 2 if ord(char) > 0xFFFF else 1
    return start + len(line)


def apply_text_edits(text: str, edits: Sequence[types.TextEdit]) -> str:
    spans = sorted(
        ((offset_of(text, e.range.start), offset_of(text, e.range.end), e.new_text) for e in edits),
        reverse=True,
    )
    for start, end, new_text in spans:
        text = text[:start] + new_text + text[end:]
    return text


def apply_workspace_edit(text: str, uri: str, edit: types.WorkspaceEdit) -> str:
    edits: list[types.TextEdit] = []
    for change in edit.document_changes or []:
        assert isinstance(change, types.TextDocumentEdit)
        assert change.text_document.uri == uri
        edits.extend(change.edits)  # type: ignore[arg-type]
    edits.extend((edit.changes or {}).get(uri, []))
    return apply_text_edits(text, edits)


def workspace(folder: Path, debounce_ms: int = 0) -> types.InitializeParams:
    """What VS Code sends for one workspace folder, with the server's debounce set."""
    return types.InitializeParams(
        capabilities=vscode_capabilities(),
        root_uri=folder.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=folder.as_uri(), name="workspace")],
        initialization_options={"debounceMs": debounce_ms},
    )


def open_document(client: LanguageClient, path: Path, text: str | None = None) -> str:
    """Open `path` (with `text`, else what is on disk) as version 1; returns its URI."""
    text = path.read_text(encoding="utf-8") if text is None else text
    item = types.TextDocumentItem(uri=path.as_uri(), language_id="python", version=1, text=text)
    client.text_document_did_open(types.DidOpenTextDocumentParams(item))
    return item.uri
