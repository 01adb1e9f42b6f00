"""The language server follows the project's modules: unsaved text of open documents counts, and a
change to a module re-checks the open documents that import it."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from lsp_helpers import CONFIG, RecordingClient, open_document, workspace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from fixture_expectations import FIXTURES, expected_diagnostics  # noqa: E402

pytestmark = pytest.mark.asyncio

MODELS = """\
import keras
from keras import layers


def build():
    inputs = keras.Input(shape=(8,))
    return keras.Model(inputs, [layers.Dense(1, name="severity")(inputs), layers.Dense(1, name="category")(inputs)])
"""
TRAIN = """\
from models import build

model = build()
model.compile(optimizer="adam", loss={"severity": "mse", "category": "mae"})
"""


@pytest_lsp.fixture(config=CONFIG)
async def client(lsp_client: RecordingClient, tmp_path: Path):
    await lsp_client.initialize_session(workspace(tmp_path, debounce_ms=0))
    yield
    await lsp_client.shutdown_session()


async def latest(client: RecordingClient, uri: str, count: int, timeout: float = 15.0) -> list[types.Diagnostic]:
    """The diagnostics of the `count`-th publication for `uri` (waiting for it)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while len(client.published.get(uri, [])) < count:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{len(client.published.get(uri, []))} publications of {uri}, not {count}")
        await asyncio.sleep(0.01)
    return list(client.published[uri][count - 1].diagnostics)


@pytest.mark.parametrize(
    "relative", ["src_layout/scripts/train.py", "research/experiments/train.py", "config_module/train.py",
                 "cycle/train.py", "factory/train.py"],
)
async def test_fixture_projects(client: RecordingClient, relative: str) -> None:
    path = FIXTURES / "projects" / relative
    found = await client.diagnostics_for(open_document(client, path), 1)
    assert sorted((d.range.start.line + 1, str(d.code)) for d in found) == sorted(expected_diagnostics(path))


async def test_unsaved_changes_of_an_imported_module_recheck_the_importer(
    client: RecordingClient, tmp_path: Path
) -> None:
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    (tmp_path / "models.py").write_text(MODELS, encoding="utf-8")
    (tmp_path / "train.py").write_text(TRAIN, encoding="utf-8")
    train = open_document(client, tmp_path / "train.py")
    assert [str(d.code) for d in await latest(client, train, 1)] == ["KLO201"]
    models = open_document(client, tmp_path / "models.py")
    await client.diagnostics_for(models, 1)

    # Rename the heads in the editor, without saving: train.py's keys now name no output.
    renamed = MODELS.replace('"severity"', '"alpha"').replace('"category"', '"beta"')
    change = types.TextDocumentContentChangeWholeDocument(text=renamed)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=models, version=2), content_changes=[change]
        )
    )
    assert [str(d.code) for d in await latest(client, train, 2)] == ["KLO101", "KLO101"]

    # Closing models.py without saving: the text on disk counts again.
    client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(models)))
    assert [str(d.code) for d in await latest(client, train, 3)] == ["KLO201"]
