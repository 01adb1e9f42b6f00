"""Notebook documents (LSP 3.17 `notebookDocument/*`): a Jupyter notebook open in the editor is
linted as one module, its code cells joined in cell order, and its diagnostics are published on
each cell's own text document.

pygls keeps notebooks in its workspace, but with its own text documents, which split lines where LSP
does not (see `documents`) and raise on a change to a cell they do not know; the cells are kept here
instead, each as a `Document`, and the notebook's structure (which cells, in which order, of which
kind) beside them. The module is made from the cells by `notebook_cells`, exactly as the CLI makes it
from an `.ipynb` file, and linted with the notebook's path, so its configuration, per-file-ignores
and target Keras versions (a `!pip install keras==3.5.0` cell included) are the CLI's.

As for text documents, a change waits `debounce` seconds, and a result is published only if the
notebook is still at the generation it was computed for and the configuration did not change
meanwhile. A cell that is also open as a plain text document is linted only as part of its notebook.

Quick fixes whose edits lie in one cell are offered on that cell; a fix spanning cells is withheld,
and "fix all" is not offered on cells.

A change that does not decode leaves the server's cells different from the editor's, and a notebook
change has no whole-text form to resynchronise from: the notebook's diagnostics are withdrawn, and
its changes ignored, until it is opened again.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types

from keras_loss_lint.core.diagnostics import Diagnostic
from keras_loss_lint.faces.lsp.code_actions import CodeActions
from keras_loss_lint.faces.lsp.conversions import content_change, lsp_diagnostic, not_analysed_diagnostic
from keras_loss_lint.faces.lsp.documents import Document, path_from_uri, unusable_path
from keras_loss_lint.faces.lsp.linting import Outcome
from keras_loss_lint.faces.lsp.notebook_cells import CellText, NotebookModule, is_code_cell
from keras_loss_lint.faces.lsp.session import logger
from keras_loss_lint.faces.lsp.worker import TimeLimitExceeded, WorkerFailed

_PYTHON_CELLS = [types.NotebookCellLanguage(language="python")]
NOTEBOOK_SYNC = types.NotebookDocumentSyncOptions(
    notebook_selector=[
        types.NotebookDocumentFilterWithCells(notebook="jupyter-notebook", cells=_PYTHON_CELLS),
        types.NotebookDocumentFilterWithCells(notebook="*", cells=_PYTHON_CELLS),
    ],
    save=True,
)


@dataclass
class NotebookCell:
    is_code_kind: bool  # NotebookCellKind.Code; a markdown cell is never code
    document: Document

    @property
    def is_code(self) -> bool:
        return is_code_cell(self.is_code_kind, self.document.language_id)


@dataclass(frozen=True)
class NotebookLint:
    """One lint of a notebook: the outcome, and its diagnostics moved into the cells."""

    outcome: Outcome
    by_cell: dict[str, tuple[Diagnostic, ...]]


@dataclass
class OpenNotebook:
    uri: str
    path: Path | None
    version: int
    cells: list[NotebookCell]
    generation: int = 0
    # A change could not be decoded: the editor's cells are not known until the notebook is reopened.
    out_of_sync: bool = False
    result: tuple[int, int, NotebookLint] | None = None  # (generation, epoch, lint)
    dependencies: frozenset[str] = field(default_factory=frozenset)

    def cell(self, uri: str) -> NotebookCell | None:
        return next((cell for cell in self.cells if cell.document.uri == uri), None)

    def module(self) -> NotebookModule:
        return NotebookModule([CellText(c.document.uri, c.is_code, c.document.text) for c in self.cells])


class NotebookSync(CodeActions):
    """The notebook half of the document handlers; `language_server` supplies the other half."""

    def __init__(self) -> None:
        super().__init__()
        self.notebooks: dict[str, OpenNotebook] = {}
        self._cell_owner: dict[str, str] = {}  # cell URI -> notebook URI
        self._notebook_pending: dict[str, asyncio.Task[None]] = {}
        # What pygls advertises as `notebookDocumentSync` to a client that supports notebooks.
        self._notebook_document_sync = NOTEBOOK_SYNC

    # Provided by the text-document handlers (`language_server.KerasLossLintServer`).
    def check_project_files(self, path: Path | None) -> bool:
        raise NotImplementedError

    def open_texts(self) -> dict[str, str]:
        raise NotImplementedError

    def owns_cell(self, uri: str) -> bool:
        """Whether `uri` is a cell of an open notebook (linted only as part of it)."""
        return uri in self._cell_owner

    # -- notebook documents ---------------------------------------------------------------------

    def open_notebook(self, params: types.DidOpenNotebookDocumentParams) -> None:
        notebook = params.notebook_document
        reason = unusable_path(notebook.uri)
        if reason is not None:
            self.log(types.MessageType.Warning, f"not linting {notebook.uri[:200]!r}: {reason}")
            return
        texts = {item.uri: item for item in params.cell_text_documents}
        cells = [_cell(cell, texts.get(cell.document)) for cell in notebook.cells]
        previous = self.notebooks.get(notebook.uri)
        if previous is not None:  # opened twice: its old cells may be gone
            self._clear([cell.document.uri for cell in previous.cells])
        state = OpenNotebook(notebook.uri, path_from_uri(notebook.uri), notebook.version, cells)
        self.notebooks[notebook.uri] = state
        self._claim_cells(state)
        self.check_project_files(state.path)
        self.schedule_notebook(notebook.uri, delay=0)

    def change_notebook(self, params: types.DidChangeNotebookDocumentParams) -> None:
        uri = params.notebook_document.uri
        state = self.notebooks.get(uri)
        if state is None:
            if unusable_path(uri) is None:  # an unusable one was logged when it was opened
                self.log(types.MessageType.Warning, f"change to a notebook that is not open: {uri}")
            return
        if state.out_of_sync:
            return  # an edit of cells the server does not have: it would only diverge further
        state.version = params.notebook_document.version
        changes = params.change.cells
        if changes is not None:
            before = [cell.document.uri for cell in state.cells]
            if changes.structure is not None:
                self._restructure(state, changes.structure)
            for data in changes.data or []:
                cell = state.cell(data.document)
                if cell is not None:
                    cell.is_code_kind = data.kind == types.NotebookCellKind.Code
            for content in changes.text_content or []:
                self._edit_cell(state, content)
            now = {cell.document.uri for cell in state.cells}
            self._clear([cell_uri for cell_uri in before if cell_uri not in now])
            self._claim_cells(state)
        state.generation += 1
        self.schedule_notebook(uri, delay=self.debounce)

    def unreadable_notebook_change(self, params: Any) -> None:
        """A `notebookDocument/didChange` that does not decode (a negative position, say): the
        server's cells now differ from the editor's, so its diagnostics are withdrawn until the
        notebook is opened again."""
        identifier = params.get("notebookDocument") if isinstance(params, dict) else None
        uri = identifier.get("uri") if isinstance(identifier, dict) else None
        state = self.notebooks.get(uri) if isinstance(uri, str) else None
        if state is None or state.out_of_sync:
            return
        state.out_of_sync = True
        state.generation += 1  # whatever is being linted is for cells that are no more
        pending = self._notebook_pending.pop(state.uri, None)
        if pending is not None:
            pending.cancel()
        self.log(
            types.MessageType.Error,
            f"{state.uri}: a change could not be applied, so the server's cells differ from the editor's;"
            " diagnostics are withdrawn until the notebook is closed and reopened",
        )
        for cell in state.cells:
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=cell.document.uri, diagnostics=[], version=cell.document.version)
            )

    def notebook_saved(self, uri: str) -> None:
        state = self.notebooks.get(uri)
        if state is not None and not self.check_project_files(state.path):
            self.schedule_notebook(uri, delay=0)

    def close_notebook(self, uri: str) -> None:
        pending = self._notebook_pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        state = self.notebooks.pop(uri, None)
        if state is not None:
            self._clear([cell.document.uri for cell in state.cells])

    def _restructure(self, state: OpenNotebook, structure: types.NotebookDocumentCellChangeStructure) -> None:
        """Apply a cell array change: `delete_count` cells at `start` replaced by `cells`, whose text
        comes from `did_open`, or, for a cell moved within the notebook, from its old document."""
        array = structure.array
        opened = {item.uri: item for item in structure.did_open or []}
        known = {cell.document.uri: cell for cell in state.cells}
        start = min(max(array.start, 0), len(state.cells))
        end = min(start + max(array.delete_count, 0), len(state.cells))
        inserted = []
        for new in array.cells or []:
            item = opened.get(new.document)
            old = known.get(new.document)
            if item is None and old is not None:
                old.is_code_kind = new.kind == types.NotebookCellKind.Code
                inserted.append(old)
            else:
                inserted.append(_cell(new, item))
        state.cells[start:end] = inserted

    def _edit_cell(self, state: OpenNotebook, content: types.NotebookDocumentCellContentChanges) -> None:
        cell = state.cell(content.document.uri)
        if cell is None:
            self.log(types.MessageType.Warning, f"{state.uri}: a change to a cell it does not have")
            return
        changes = [content_change(event) for event in content.changes]
        cell.document.apply(changes, content.document.version, self.encoding)

    def _claim_cells(self, state: OpenNotebook) -> None:
        for cell in state.cells:
            uri = cell.document.uri
            self._cell_owner[uri] = state.uri
            pending = self._pending.pop(uri, None)  # a lint of it as a plain text document
            if pending is not None:
                pending.cancel()

    def _clear(self, cell_uris: list[str]) -> None:
        for uri in cell_uris:
            self._cell_owner.pop(uri, None)
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def relint_notebooks(self) -> None:
        for uri in self.notebooks:
            self.schedule_notebook(uri, delay=0)

    def recheck_notebooks(self, changed: str, delay: float) -> None:
        """Lint again the notebooks whose latest result was read from the file `changed`."""
        for uri, state in self.notebooks.items():
            if changed in state.dependencies:
                state.generation += 1
                self.schedule_notebook(uri, delay=delay)

    # -- linting --------------------------------------------------------------------------------

    def schedule_notebook(self, uri: str, delay: float) -> None:
        previous = self._notebook_pending.pop(uri, None)
        if previous is not None:
            previous.cancel()
        task = asyncio.get_running_loop().create_task(self._lint_and_publish_notebook(uri, delay))
        self._notebook_pending[uri] = task
        task.add_done_callback(lambda done: self._forget_notebook_task(uri, done))

    def _forget_notebook_task(self, uri: str, task: asyncio.Task[None]) -> None:
        if self._notebook_pending.get(uri) is task:
            del self._notebook_pending[uri]

    def stop_work(self) -> None:
        for task in self._notebook_pending.values():
            task.cancel()
        self._notebook_pending.clear()
        super().stop_work()

    async def _lint_and_publish_notebook(self, uri: str, delay: float) -> None:
        try:
            if delay > 0:
                await asyncio.sleep(delay)
            state = self.notebooks.get(uri)
            if state is None or state.out_of_sync:
                return
            generation, epoch = state.generation, self._epoch
            lint = await self.notebook_lint(state)
            if lint is None or not self._notebook_is_current(state, generation, epoch):
                return  # a newer text or configuration is being linted; its result will be published
            self.report_outcome(lint.outcome, uri)
            self._publish_cells(state, lint)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 - one notebook's failure must not stop the server
            logger.exception("linting %s failed", uri)
            self.log(types.MessageType.Error, f"linting {uri} failed: {type(error).__name__}: {error}")

    async def notebook_lint(self, state: OpenNotebook) -> NotebookLint | None:
        """The lint of the notebook's current cells (cached per generation); None when they changed
        while it waited, since a newer lint is then on its way."""
        generation, epoch = state.generation, self._epoch
        if state.result is not None and state.result[:2] == (generation, epoch):
            return state.result[2]
        module = state.module()
        outcome = await self._lint_module(state, module.source, module, generation, epoch)
        if outcome is not None and outcome.error is not None and outcome.syntax_error:
            broken = module.broken_cells()
            if broken:  # the other cells still run in a kernel: lint them without the broken ones
                outcome = await self._lint_module(state, module.blanked(broken), module, generation, epoch)
        if outcome is None or not self._notebook_is_current(state, generation, epoch):
            return None
        by_cell: dict[str, list[Diagnostic]] = {}
        for moved in module.in_cells(outcome.diagnostics):
            by_cell.setdefault(moved.uri, []).append(moved.diagnostic)
        lint = NotebookLint(outcome, {uri: tuple(found) for uri, found in by_cell.items()})
        state.result = (generation, epoch, lint)
        state.dependencies = frozenset(outcome.dependencies)
        return lint

    async def _lint_module(
        self, state: OpenNotebook, source: str, module: NotebookModule, generation: int, epoch: int
    ) -> Outcome | None:
        def wanted() -> bool:
            return self._notebook_is_current(state, generation, epoch)  # else superseded while queued

        try:
            return await self.worker.lint(
                source,
                state.path,
                self.folder_paths(),
                self.open_texts(),
                self.time_limit,
                wanted,
                notebook_cells=module.raw_cells,
            )
        except TimeLimitExceeded as error:
            return Outcome(not_analysed=f"the analysis took too long and was {error} (timeLimitMs)")
        except WorkerFailed as error:
            return Outcome(internal_error=str(error))

    def _notebook_is_current(self, state: OpenNotebook, generation: int, epoch: int) -> bool:
        return self.notebooks.get(state.uri) is state and state.generation == generation and self._epoch == epoch

    def report_outcome(self, outcome: Outcome, uri: str) -> None:
        """Log what the diagnostics cannot say: a cut-short analysis, an internal error, a bad config."""
        if outcome.not_analysed is not None:
            self.log(types.MessageType.Warning, f"{uri} was not fully analysed: {outcome.not_analysed}")
        if outcome.internal_error is not None:
            self.log(types.MessageType.Error, f"internal error while linting {uri}: {outcome.internal_error}")
        message = outcome.config_error
        if message is not None and message not in self._told:
            self._told.add(message)
            text = f"keras-loss-lint: {message} (using the default settings)"
            self.log(types.MessageType.Error, text)
            self.window_show_message(types.ShowMessageParams(type=types.MessageType.Error, message=text))

    def _publish_cells(self, state: OpenNotebook, lint: NotebookLint) -> None:
        """Every cell's diagnostics, an empty list included (a cell fixed by an edit elsewhere)."""
        encoding, not_analysed = self.encoding, lint.outcome.not_analysed
        first_code = next((cell.document.uri for cell in state.cells if cell.is_code), None)
        for cell in state.cells:
            document = cell.document
            if not_analysed is not None:
                diagnostics = [not_analysed_diagnostic(not_analysed)] if document.uri == first_code else []
            else:
                found = lint.by_cell.get(document.uri, ())
                diagnostics = [lsp_diagnostic(d, document.index, encoding) for d in found]
            params = types.PublishDiagnosticsParams(uri=document.uri, diagnostics=diagnostics, version=document.version)
            self.text_document_publish_diagnostics(params)

    # -- code actions ---------------------------------------------------------------------------

    async def cell_code_actions(self, params: types.CodeActionParams) -> list[types.CodeAction]:
        """Quick fixes and `# noqa` on one cell of a notebook ("fix all" works on whole files)."""
        state = self.notebooks.get(self._cell_owner.get(params.text_document.uri, ""))
        cell = state.cell(params.text_document.uri) if state is not None else None
        if state is None or cell is None or state.out_of_sync:
            return []
        generation, epoch = state.generation, self._epoch
        lint = await self.notebook_lint(state)
        if lint is None or not self._notebook_is_current(state, generation, epoch):
            return []  # the cells changed meanwhile: the client asks again for the new text
        outcome = Outcome(diagnostics=lint.by_cell.get(cell.document.uri, ()))
        return await self.actions_for(params, cell.document, outcome, fix_all=False)


def _cell(cell: types.NotebookCell, item: types.TextDocumentItem | None) -> NotebookCell:
    """A cell of the notebook, with its text document (empty if the client did not send it)."""
    if item is None:
        document = Document(cell.document, None, "python", None, "")
    else:
        document = Document(item.uri, None, item.language_id, item.version, item.text)
    return NotebookCell(cell.kind == types.NotebookCellKind.Code, document)


def register_notebook_features(server: NotebookSync) -> None:
    """Wire the `notebookDocument/*` notifications to the server's handlers."""

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    def did_open(ls: NotebookSync, params: types.DidOpenNotebookDocumentParams) -> None:
        ls.open_notebook(params)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def did_change(ls: NotebookSync, params: types.DidChangeNotebookDocumentParams) -> None:
        ls.change_notebook(params)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_SAVE)
    def did_save(ls: NotebookSync, params: types.DidSaveNotebookDocumentParams) -> None:
        ls.notebook_saved(params.notebook_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def did_close(ls: NotebookSync, params: types.DidCloseNotebookDocumentParams) -> None:
        ls.close_notebook(params.notebook_document.uri)
