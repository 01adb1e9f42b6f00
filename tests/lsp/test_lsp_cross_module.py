"""The language server follows the project's modules: unsaved text of open documents counts, and a
change to a module re-checks the open documents that import it."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from lsp_helpers import CONFIG, RecordingClient, apply_workspace_edit, open_document, workspace

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
                 "cycle/train.py", "factory/train.py", "package_init/train.py", "package_init/evaluate.py",
                 "helper_compile/train.py", "helper_compile/helpers.py"],
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


def change_whole(client: RecordingClient, uri: str, version: int, text: str) -> None:
    change = types.TextDocumentContentChangeWholeDocument(text=text)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version), content_changes=[change]
        )
    )


RENAMED = MODELS.replace('"severity"', '"alpha"').replace('"category"', '"beta"')


async def test_a_module_changed_on_disk_rechecks_its_importers(client: RecordingClient, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    (tmp_path / "models.py").write_text(MODELS, encoding="utf-8")
    train = open_document(client, tmp_path / "train.py", TRAIN)
    assert [str(d.code) for d in await latest(client, train, 1)] == ["KLO201"]
    watched = [r.register_options for r in client.registrations if r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES]
    assert "'**/*.py'" in repr(watched)  # the options arrive as plain JSON (LSPAny)
    # Another program (git checkout, a code generator) rewrites models.py, which is not open.
    (tmp_path / "models.py").write_text(RENAMED, encoding="utf-8")
    event = types.FileEvent(uri=(tmp_path / "models.py").as_uri(), type=types.FileChangeType.Changed)
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[event]))
    assert [str(d.code) for d in await latest(client, train, 2)] == ["KLO101", "KLO101"]


async def test_a_file_the_pre_check_turned_away_is_rechecked_when_its_import_changes(
    client: RecordingClient, tmp_path: Path
) -> None:
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    (tmp_path / "models.py").write_text("def build():\n    return None\n", encoding="utf-8")
    train = open_document(client, tmp_path / "train.py", TRAIN)
    assert await latest(client, train, 1) == []  # nothing imported mentions Keras: not analysed
    models = open_document(client, tmp_path / "models.py")
    await client.diagnostics_for(models, 1)
    change_whole(client, models, 2, MODELS)  # unsaved: the model is now a Keras one
    assert [str(d.code) for d in await latest(client, train, 2)] == ["KLO201"]


async def test_fix_all_reads_the_unsaved_text_of_an_open_dependency(client: RecordingClient, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    (tmp_path / "models.py").write_text(RENAMED, encoding="utf-8")  # on disk the heads are others
    train = open_document(client, tmp_path / "train.py", TRAIN)
    assert [str(d.code) for d in await latest(client, train, 1)] == ["KLO101", "KLO101"]
    models = open_document(client, tmp_path / "models.py")
    await client.diagnostics_for(models, 1)
    change_whole(client, models, 2, MODELS)  # unsaved: the editor's text has the right heads
    assert [str(d.code) for d in await latest(client, train, 2)] == ["KLO201"]
    whole = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=4, character=0))
    params = types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=train),
        range=whole,
        context=types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.SourceFixAll]),
    )
    (action,) = await client.text_document_code_action_async(params)
    assert isinstance(action, types.CodeAction)
    resolved = await client.code_action_resolve_async(action)
    assert resolved.edit is not None, "fix all read models.py from disk, where the heads differ"
    fixed = apply_workspace_edit(TRAIN, train, resolved.edit)
    assert 'loss=["mse", "mae"]' in fixed


async def test_opening_a_module_with_unsaved_text_rechecks_its_importers(
    client: RecordingClient, tmp_path: Path
) -> None:
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    (tmp_path / "models.py").write_text(RENAMED, encoding="utf-8")
    train = open_document(client, tmp_path / "train.py", TRAIN)
    assert [str(d.code) for d in await latest(client, train, 1)] == ["KLO101", "KLO101"]
    open_document(client, tmp_path / "models.py", MODELS)  # an editor restoring a modified buffer
    assert [str(d.code) for d in await latest(client, train, 2)] == ["KLO201"]


async def test_creating_a_module_an_import_looked_for_rechecks_the_importer(
    client: RecordingClient, tmp_path: Path
) -> None:
    """No models.py yet: the import found nothing, and the file where it would be is a dependency."""
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    train = open_document(client, tmp_path / "train.py", "import keras\n" + TRAIN)
    assert await latest(client, train, 1) == []
    (tmp_path / "models.py").write_text(MODELS, encoding="utf-8")  # created by another program
    event = types.FileEvent(uri=(tmp_path / "models.py").as_uri(), type=types.FileChangeType.Created)
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[event]))
    assert [str(d.code) for d in await latest(client, train, 2)] == ["KLO201"]


async def test_a_helper_module_compiling_the_documents_model(client: RecordingClient, tmp_path: Path) -> None:
    helpers = 'def compile_fixed(model):\n    model.compile(loss={"category": "mse", "severity": "mae"})\n'
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    (tmp_path / "models.py").write_text(MODELS, encoding="utf-8")
    (tmp_path / "helpers.py").write_text(helpers, encoding="utf-8")
    source = "from models import build\nfrom helpers import compile_fixed\n\ncompile_fixed(build())\n"
    train = open_document(client, tmp_path / "train.py", source)
    found = await latest(client, train, 1)
    assert [(d.range.start.line, str(d.code)) for d in found] == [(3, "KLO201")]
