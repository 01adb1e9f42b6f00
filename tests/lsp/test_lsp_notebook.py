"""Notebook documents (LSP 3.17) driven as VS Code drives them: a real client over stdio sends
`notebookDocument/*` with `vscode-notebook-cell:` cells, and diagnostics come back per cell."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Callable, Sequence

import pytest
import pytest_lsp
from lsprotocol import types
from lsp_helpers import CONFIG, RecordingClient, apply_workspace_edit, workspace

# One server for the module (each test has its own notebook): starting one costs seconds.
pytestmark = pytest.mark.asyncio(loop_scope="module")

PIP = "!pip install keras==3.5.0"
MARKDOWN = "# A two-headed model\nThe compile call is two cells below."
MODEL = """\
import keras
from keras import layers
inp = keras.Input(shape=(4,))
small = layers.Dense(1, name="output_small")(inp)
big = layers.Dense(1, name="output_big")(inp)
model = keras.Model(inp, [small, big])"""
COMPILE = '# Losses by output name\nmodel.compile(optimizer="adam", loss={"output_small": "mse", "output_big": "mae"})'
CODE, MARKUP = types.NotebookCellKind.Code, types.NotebookCellKind.Markup
ANSWERS: dict[str, types.InitializeResult] = {}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("notebooks")


@pytest_lsp.fixture(config=CONFIG, scope="module", loop_scope="module")
async def client(lsp_client: RecordingClient, folder: Path):
    params = workspace(folder, debounce_ms=0)
    params.capabilities.notebook_document = types.NotebookDocumentClientCapabilities(
        synchronization=types.NotebookDocumentSyncClientCapabilities(execution_summary_support=True)
    )
    ANSWERS["initialize"] = await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


class Notebook:
    """One open notebook, edited the way VS Code edits one."""

    def __init__(self, client: RecordingClient, path: Path, cells: Sequence[tuple[types.NotebookCellKind, str]]):
        self.client, self.uri, self.version = client, path.as_uri(), 1
        self.cells: list[tuple[types.NotebookCellKind, str, str, int]] = []  # kind, uri, text, version
        self._made = 0
        self._seen: dict[str, int] = {}  # publications per cell URI when the last change was sent
        items = [self._new_cell(kind, text) for kind, text in cells]
        self.mark()
        client.notebook_document_did_open(
            types.DidOpenNotebookDocumentParams(
                notebook_document=types.NotebookDocument(
                    uri=self.uri, notebook_type="jupyter-notebook", version=1, cells=[c for c, _ in items]
                ),
                cell_text_documents=[item for _, item in items],
            )
        )

    def _new_cell(self, kind: types.NotebookCellKind, text: str) -> tuple[types.NotebookCell, types.TextDocumentItem]:
        self._made += 1
        uri = f"vscode-notebook-cell:{self.uri[len('file://'):]}#W{self._made}sZmlsZQ%3D%3D"
        language = "python" if kind == CODE else "markdown"
        self.cells.append((kind, uri, text, 1))
        return types.NotebookCell(kind=kind, document=uri), types.TextDocumentItem(uri, language, 1, text)

    def uri_of(self, index: int) -> str:
        return self.cells[index][1]

    def mark(self) -> None:
        self._seen = {uri: len(self.client.published.get(uri, [])) for uri in self.client.published}

    async def diagnostics(self, index: int) -> list[types.Diagnostic]:
        """The cell's diagnostics from the lint of the latest change. Every lint publishes every
        cell, in cell order, so once the last cell has one, the whole lint has been heard."""
        published = self.client.published
        await _until(lambda: all(len(published.get(uri, [])) > self._seen.get(uri, 0) for _, uri, _, _ in self.cells))
        _, uri, _, version = self.cells[index]
        latest = published[uri][-1]
        assert latest.version == version
        return list(latest.diagnostics)

    def edit(self, index: int, text: str, change: types.TextDocumentContentChangeEvent | None = None) -> None:
        """New text for one cell: sent as `change` (an incremental edit) or as the whole text."""
        kind, uri, _, version = self.cells[index]
        self.cells[index] = (kind, uri, text, version + 1)
        sent = change or types.TextDocumentContentChangeWholeDocument(text=text)
        identifier = types.VersionedTextDocumentIdentifier(uri=uri, version=version + 1)
        content = types.NotebookDocumentCellContentChanges(document=identifier, changes=[sent])
        self._change(types.NotebookDocumentCellChanges(text_content=[content]))

    def remove(self, index: int) -> str:
        _, uri, _, _ = self.cells.pop(index)
        self._change(
            types.NotebookDocumentCellChanges(
                structure=types.NotebookDocumentCellChangeStructure(
                    array=types.NotebookCellArrayChange(start=index, delete_count=1),
                    did_close=[types.TextDocumentIdentifier(uri=uri)],
                )
            )
        )
        return uri

    def insert(self, index: int, text: str) -> None:
        cell, item = self._new_cell(CODE, text)
        self.cells.insert(index, self.cells.pop())
        self._change(
            types.NotebookDocumentCellChanges(
                structure=types.NotebookDocumentCellChangeStructure(
                    array=types.NotebookCellArrayChange(start=index, delete_count=0, cells=[cell]),
                    did_open=[item],
                )
            )
        )

    def move(self, source: int, target: int) -> None:
        """Move a cell as VS Code does: one array change replacing the span between the two places."""
        low, high = min(source, target), max(source, target)
        moved = self.cells.pop(source)
        self.cells.insert(target, moved)
        span = [types.NotebookCell(kind=kind, document=uri) for kind, uri, _, _ in self.cells[low : high + 1]]
        array = types.NotebookCellArrayChange(start=low, delete_count=high - low + 1, cells=span)
        self._change(types.NotebookDocumentCellChanges(structure=types.NotebookDocumentCellChangeStructure(array)))

    def close(self) -> None:
        self.client.notebook_document_did_close(
            types.DidCloseNotebookDocumentParams(
                notebook_document=types.NotebookDocumentIdentifier(uri=self.uri),
                cell_text_documents=[types.TextDocumentIdentifier(uri=uri) for _, uri, _, _ in self.cells],
            )
        )

    def _change(self, cells: types.NotebookDocumentCellChanges) -> None:
        self.version += 1
        self.mark()
        self.client.notebook_document_did_change(
            types.DidChangeNotebookDocumentParams(
                notebook_document=types.VersionedNotebookDocumentIdentifier(version=self.version, uri=self.uri),
                change=types.NotebookDocumentChangeEvent(cells=cells),
            )
        )

    async def actions(self, index: int, at: types.Position, only: list[str] | None = None) -> list[types.CodeAction]:
        result = await self.client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=self.uri_of(index)),
                range=types.Range(start=at, end=at),
                context=types.CodeActionContext(diagnostics=[], only=only),
            )
        )
        return [action for action in result or [] if isinstance(action, types.CodeAction)]


def buggy(path: Path, client: RecordingClient, pip: str = PIP) -> Notebook:
    return Notebook(client, path, [(CODE, pip), (MARKUP, MARKDOWN), (CODE, MODEL), (CODE, COMPILE)])


COMPILE_INDEX = 3
LOSS_AT = types.Position(line=1, character=COMPILE.splitlines()[1].index("{"))


async def test_the_server_advertises_notebook_sync_for_python_cells(client: RecordingClient) -> None:
    sync = ANSWERS["initialize"].capabilities.notebook_document_sync
    assert isinstance(sync, types.NotebookDocumentSyncOptions) and sync.save
    types_ = {(f.notebook, tuple(c.language for c in f.cells or [])) for f in sync.notebook_selector}
    assert types_ == {("jupyter-notebook", ("python",)), ("*", ("python",))}


async def test_a_bug_over_three_cells_is_reported_on_its_cell_and_the_quick_fix_edits_that_cell(
    client: RecordingClient, folder: Path
) -> None:
    notebook = buggy(folder / "quick_fix.ipynb", client)
    (diagnostic,) = await notebook.diagnostics(COMPILE_INDEX)
    assert diagnostic.code == "KLO201" and "on Keras 3.5.0" in diagnostic.message
    end = types.Position(line=1, character=len(COMPILE.splitlines()[1]) - 1)
    assert diagnostic.range == types.Range(start=LOSS_AT, end=end)
    for index in (0, 1, 2):
        assert await notebook.diagnostics(index) == []

    actions = await notebook.actions(COMPILE_INDEX, LOSS_AT)
    assert [a.title for a in actions] == ["Rewrite as lists in output order", "Disable KLO201 for this line"]
    assert await notebook.actions(COMPILE_INDEX, LOSS_AT, only=[types.CodeActionKind.SourceFixAll]) == []
    fix = actions[0]
    assert fix.edit is not None and fix.edit.document_changes is not None
    (change,) = fix.edit.document_changes
    assert isinstance(change, types.TextDocumentEdit)
    assert (change.text_document.uri, change.text_document.version) == (notebook.uri_of(COMPILE_INDEX), 1)
    fixed = apply_workspace_edit(COMPILE, notebook.uri_of(COMPILE_INDEX), fix.edit)
    assert fixed == COMPILE.replace('{"output_small": "mse", "output_big": "mae"}', '["mse", "mae"]')
    notebook.edit(COMPILE_INDEX, fixed)
    assert await notebook.diagnostics(COMPILE_INDEX) == []


async def test_the_pip_cell_pins_the_keras_version_and_editing_it_relints(
    client: RecordingClient, folder: Path
) -> None:
    correct = buggy(folder / "correct.ipynb", client, pip="%pip install keras==3.7.0")
    for index in range(4):
        assert await correct.diagnostics(index) == []  # KLO201 only concerns Keras 3.5-3.6

    notebook = buggy(folder / "pinned.ipynb", client)
    assert len(await notebook.diagnostics(COMPILE_INDEX)) == 1
    column = PIP.index("5.0")
    at = types.Range(start=types.Position(line=0, character=column), end=types.Position(line=0, character=column + 1))
    notebook.edit(0, PIP.replace("3.5.0", "3.7.0"), types.TextDocumentContentChangePartial(range=at, text="7"))
    assert await notebook.diagnostics(COMPILE_INDEX) == []


async def test_the_notebook_path_chooses_the_configuration(client: RecordingClient, folder: Path) -> None:
    project = folder / "configured"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[tool.keras-loss-lint.per-file-ignores]\n"scratch_*.ipynb" = ["KLO201"]\n', encoding="utf-8"
    )
    scratch = buggy(project / "scratch_1.ipynb", client)
    assert await scratch.diagnostics(COMPILE_INDEX) == []
    checked = buggy(project / "train.ipynb", client)
    assert [d.code for d in await checked.diagnostics(COMPILE_INDEX)] == ["KLO201"]


HEADS = """\
import keras
from keras import layers


def build():
    inputs = keras.Input(shape=(8,))
    return keras.Model(inputs, [layers.Dense(1, name="severity")(inputs), layers.Dense(1, name="category")(inputs)])
"""


async def test_an_unsaved_change_to_an_imported_module_rechecks_the_notebook(
    client: RecordingClient, folder: Path
) -> None:
    project = folder / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text("", encoding="utf-8")
    (project / "heads.py").write_text(HEADS, encoding="utf-8")
    compile_ = 'model.compile(optimizer="adam", loss={"severity": "mse", "category": "mae"})'
    notebook = Notebook(client, project / "train.ipynb", [(CODE, PIP), (CODE, "from heads import build"),
                                                          (CODE, "model = build()"), (CODE, compile_)])
    assert [d.code for d in await notebook.diagnostics(3)] == ["KLO201"]
    heads = (project / "heads.py").as_uri()
    renamed = HEADS.replace('"severity"', '"alpha"').replace('"category"', '"beta"')
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(heads, "python", 1, HEADS)))
    await client.diagnostics_for(heads, 1)
    notebook.mark()
    change = types.TextDocumentContentChangeWholeDocument(text=renamed)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(types.VersionedTextDocumentIdentifier(uri=heads, version=2), [change])
    )
    assert [d.code for d in await notebook.diagnostics(3)] == ["KLO101", "KLO101"]


async def test_cells_removed_inserted_moved_and_the_notebook_closed(client: RecordingClient, folder: Path) -> None:
    notebook = buggy(folder / "structure.ipynb", client)
    assert len(await notebook.diagnostics(COMPILE_INDEX)) == 1

    removed = notebook.remove(COMPILE_INDEX)
    await _until(lambda: list(client.published[removed][-1].diagnostics) == [])
    assert await notebook.diagnostics(2) == []

    notebook.insert(1, COMPILE)  # compiled before the model exists: nothing can be known
    for index in range(4):
        assert await notebook.diagnostics(index) == []
    compile_uri = notebook.uri_of(1)
    notebook.move(1, 3)  # now after the model cell
    assert notebook.uri_of(3) == compile_uri
    (diagnostic,) = await notebook.diagnostics(3)
    assert diagnostic.code == "KLO201" and diagnostic.range.start == LOSS_AT

    notebook.close()
    await _until(lambda: list(client.published[compile_uri][-1].diagnostics) == [])
    for _, uri, _, _ in notebook.cells:
        assert list(client.published[uri][-1].diagnostics) == []


async def test_a_cell_also_open_as_a_text_document_gets_no_duplicate_diagnostics(
    client: RecordingClient, folder: Path
) -> None:
    notebook = buggy(folder / "duplicate.ipynb", client)
    assert len(await notebook.diagnostics(COMPILE_INDEX)) == 1
    uri = notebook.uri_of(COMPILE_INDEX)
    item = types.TextDocumentItem(uri=uri, language_id="python", version=1, text=COMPILE)
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))
    change = types.TextDocumentContentChangeWholeDocument(text=COMPILE + "\n")
    identifier = types.VersionedTextDocumentIdentifier(uri=uri, version=2)
    client.text_document_did_change(types.DidChangeTextDocumentParams(identifier, [change]))
    # Lints run one at a time, in order: once a file opened after them has its result, a lint of the
    # cell's text alone (which knows no model, so would publish no diagnostics) would have been heard.
    await _lint_of_another_file(client, folder / "after_open.py")
    client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri=uri)))
    await _lint_of_another_file(client, folder / "after_close.py")
    assert [len(params.diagnostics) for params in client.published[uri]] == [1]


async def _lint_of_another_file(client: RecordingClient, path: Path) -> None:
    item = types.TextDocumentItem(uri=path.as_uri(), language_id="python", version=1, text="import keras\n")
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))
    assert list(await client.diagnostics_for(item.uri, 1)) == []


async def test_a_cell_with_a_syntax_error_leaves_the_others_linted(client: RecordingClient, folder: Path) -> None:
    notebook = buggy(folder / "syntax.ipynb", client)
    assert len(await notebook.diagnostics(COMPILE_INDEX)) == 1
    notebook.insert(4, "def half_typed(:")
    assert len(await notebook.diagnostics(COMPILE_INDEX)) == 1
    assert await notebook.diagnostics(4) == []


async def test_a_change_that_does_not_decode_withdraws_the_notebook_diagnostics(
    client: RecordingClient, folder: Path
) -> None:
    notebook = buggy(folder / "undecodable.ipynb", client)
    assert len(await notebook.diagnostics(COMPILE_INDEX)) == 1
    bad = {"start": {"line": -1, "character": 0}, "end": {"line": 0, "character": 0}}
    cell = {"uri": notebook.uri_of(COMPILE_INDEX), "version": 2}
    notebook.mark()
    params = {
        "notebookDocument": {"uri": notebook.uri, "version": 2},
        "change": {"cells": {"textContent": [{"document": cell, "changes": [{"range": bad, "text": "x"}]}]}},
    }
    # Written as JSON as it is: the client would refuse to encode a negative position.
    client.protocol._send_data({"jsonrpc": "2.0", "method": types.NOTEBOOK_DOCUMENT_DID_CHANGE, "params": params})
    assert await notebook.diagnostics(COMPILE_INDEX) == []
    assert any("diagnostics are withdrawn" in message.message for message in client.log_messages)
    notebook.edit(2, MODEL + "\n")  # not applied to cells the server no longer has right
    assert await notebook.actions(COMPILE_INDEX, LOSS_AT) == []


async def test_a_burst_of_typing_in_a_cell_ends_on_its_latest_text(client: RecordingClient, folder: Path) -> None:
    notebook = buggy(folder / "burst.ipynb", client)
    assert len(await notebook.diagnostics(COMPILE_INDEX)) == 1
    comment, code = COMPILE.split("\n", 1)
    for count in range(1, 41):  # typed at the end of the cell's comment line, one character a change
        at = types.Position(line=0, character=len(comment) + count - 1)
        text = f"{comment}{'!' * count}\n{code}"
        notebook.edit(COMPILE_INDEX, text, types.TextDocumentContentChangePartial(types.Range(at, at), "!"))
    uri, version = notebook.uri_of(COMPILE_INDEX), notebook.cells[COMPILE_INDEX][3]
    (diagnostic,) = await client.diagnostics_for(uri, version)
    assert diagnostic.range.start == LOSS_AT
    versions = [params.version or 0 for params in client.published[uri]]
    assert versions == sorted(versions), "an older result was published after a newer one"


async def _until(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.01)
