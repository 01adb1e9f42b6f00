"""A document whose analysis is slow must not hold back the others; a client that watches no files
still gets its configuration re-read."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from lsp_helpers import CONFIG, KLO201_SOURCE, RecordingClient, open_document

pytestmark = pytest.mark.asyncio


def _slow_source(layers: int = 10_000) -> str:
    """A long chain of layers: about ten seconds of analysis."""
    lines = ["import keras", "from keras import layers", "x = keras.Input(shape=(4,))"]
    lines += [f"x = layers.Dense({n % 7 + 1}, name='d{n}')(x)" for n in range(layers)]
    lines += ["model = keras.Model(x, x)", "model.compile(optimizer='adam', loss='mse')"]
    return "\n".join(lines) + "\n"


def _initialize(folder: Path, capabilities: types.ClientCapabilities, **options: int) -> types.InitializeParams:
    return types.InitializeParams(
        capabilities=capabilities,
        root_uri=folder.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=folder.as_uri(), name="workspace")],
        initialization_options={"debounceMs": 0, **options},
    )


@pytest_lsp.fixture(config=CONFIG)
async def slow_client(lsp_client: RecordingClient, tmp_path: Path):
    # The slow document is larger than the default size limit, which would refuse it unparsed.
    (tmp_path / "pyproject.toml").write_text('[tool.keras-loss-lint]\nmax-file-size = "1MB"\n', encoding="utf-8")
    await lsp_client.initialize_session(_initialize(tmp_path, types.ClientCapabilities(), timeLimitMs=1000))
    yield
    await lsp_client.shutdown_session()


async def test_a_document_too_slow_to_analyse_does_not_hold_back_the_others(
    slow_client: RecordingClient, tmp_path: Path
) -> None:
    slow = open_document(slow_client, tmp_path / "generated.py", _slow_source())
    await asyncio.sleep(0.3)  # its analysis is under way
    started = time.monotonic()
    normal = open_document(slow_client, tmp_path / "model.py", KLO201_SOURCE)
    assert [d.code for d in await slow_client.diagnostics_for(normal, 1)] == ["KLO201"]
    assert time.monotonic() - started < 6

    (notice,) = await slow_client.diagnostics_for(slow, 1)
    assert "did not fully analyse" in notice.message and notice.severity == types.DiagnosticSeverity.Information
    assert any("was not fully analysed" in m.message for m in slow_client.log_messages)

    # Still serving, in a fresh analysis process.
    slow_client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=normal, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=KLO201_SOURCE + "\n")],
        )
    )
    assert [d.code for d in await slow_client.diagnostics_for(normal, 2)] == ["KLO201"]


def _no_watching() -> types.ClientCapabilities:
    """Neovim's default: no dynamic registration of watched files."""
    return types.ClientCapabilities(
        workspace=types.WorkspaceClientCapabilities(
            did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(dynamic_registration=False)
        ),
        text_document=types.TextDocumentClientCapabilities(
            synchronization=types.TextDocumentSyncClientCapabilities(did_save=True)
        ),
    )


@pytest_lsp.fixture(config=CONFIG)
async def unwatching_client(lsp_client: RecordingClient, tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text('[tool.keras-loss-lint]\nkeras-version = "==3.4.1"\n', encoding="utf-8")
    await lsp_client.initialize_session(_initialize(tmp_path, _no_watching()))
    yield
    await lsp_client.shutdown_session()


async def _until(condition, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline
        await asyncio.sleep(0.02)


def _touch_later(path: Path) -> None:
    """Move the modification time on, as a later save would on any filesystem."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))


async def test_without_watched_files_a_save_re_reads_the_configuration(
    unwatching_client: RecordingClient, tmp_path: Path
) -> None:
    client = unwatching_client
    pyproject = tmp_path / "pyproject.toml"
    model, notes = tmp_path / "model.py", tmp_path / "notes.py"
    model.write_text(KLO201_SOURCE, encoding="utf-8")
    notes.write_text("x = 1\n", encoding="utf-8")
    uri = open_document(client, model)
    other = open_document(client, notes)
    assert list(await client.diagnostics_for(uri, 1)) == []  # KLO201 only affects Keras 3.5-3.6
    await client.diagnostics_for(other, 1)
    assert client.registrations == []

    # Changed by another program; then the user saves some other open document.
    pyproject.write_text('[tool.keras-loss-lint]\nkeras-version = "==3.5.0"\n', encoding="utf-8")
    _touch_later(pyproject)
    before = len(client.published[uri])
    client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri=other)))
    await _until(lambda: len(client.published[uri]) > before)
    assert [d.code for d in client.published[uri][-1].diagnostics] == ["KLO201"]

    # Same size, same second: still noticed.
    pyproject.write_text('[tool.keras-loss-lint]\nkeras-version = "==3.4.1"\n', encoding="utf-8")
    before = len(client.published[uri])
    client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri=uri)))
    await _until(lambda: len(client.published[uri]) > before)
    await asyncio.sleep(0.3)
    assert list(client.published[uri][-1].diagnostics) == []
