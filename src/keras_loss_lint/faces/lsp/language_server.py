"""The language server itself (pygls 2): documents in, diagnostics and code actions out.

How a change becomes diagnostics:

1. `didChange` edits the document in the server's own store (`documents`) and bumps its generation;
2. a per-document timer waits `debounce` seconds; another change restarts it, so a burst of typing
   is linted once, on its latest text;
3. the text is linted in one child process (`worker`), so the event loop keeps reading messages,
   with a time limit (`timeLimitMs`): a document whose analysis runs past it gets one diagnostic
   saying so, and the documents behind it are linted as usual;
4. the result is published only if the document is still at the generation it was computed for and
   no configuration change came in meanwhile; an older result can never replace a newer one.

Configuration and Keras-version detection are cached per folder; a change to pyproject.toml,
requirements*.txt, a lock file and the like (watched files, a `didSave` of one, or a changed
modification time noticed when any document is opened or saved: `project_files`) drops the caches and
re-lints every open document.

A document is linted with the project's other modules, open ones as their unsaved text (a snapshot
taken when its lint starts); each result says which files it was read from, and a change, save or
close of one of those re-lints the documents that depend on it.

Nothing a client sends may stop the server: handler errors and undecodable messages are logged with
`window/logMessage`, a request whose parameters do not decode is answered with an error, and the
server keeps serving.

The server is built in layers: `session` (state, initialisation, talking to the client), then
`code_actions` (quick fixes and "fix all"), then `notebook_sync` (notebook documents), then this
module's document handlers and the wiring of LSP methods to them (`create_server`).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Iterable

from lsprotocol import types

from keras_loss_lint.faces.lsp.code_actions import FIX_ALL_KIND
from keras_loss_lint.faces.lsp.conversions import content_change, lsp_diagnostic, not_analysed_diagnostic
from keras_loss_lint.faces.lsp.documents import Document, path_from_uri, unusable_path
from keras_loss_lint.faces.lsp.linting import Outcome, is_project_file
from keras_loss_lint.faces.lsp.notebook_sync import NotebookSync, register_notebook_features
from keras_loss_lint.faces.lsp.project_files import ProjectFileStamps
from keras_loss_lint.faces.lsp.protocol import IGNORED_METHOD
from keras_loss_lint.faces.lsp.session import logger
from keras_loss_lint.faces.lsp.worker import TimeLimitExceeded, WorkerFailed


class KerasLossLintServer(NotebookSync):
    """The whole server: the session, code actions and notebooks it inherits, and the document handlers."""

    def __init__(self) -> None:
        super().__init__()
        # uri -> the other project files its latest diagnostics were read from.
        self._dependencies: dict[str, frozenset[str]] = {}
        self._stamps = ProjectFileStamps()
        self._background: set[asyncio.Future[None]] = set()

    # -- documents ------------------------------------------------------------------------------

    def open(self, item: types.TextDocumentItem) -> None:
        reason = unusable_path(item.uri)
        if reason is not None:
            # Linted as nothing at all: its settings, excludes and project depend on a path it lacks.
            self.log(types.MessageType.Warning, f"not linting {item.uri[:200]!r}: {reason}")
            return
        document = Document(item.uri, path_from_uri(item.uri), item.language_id, item.version, item.text)
        previous = self.documents.get(item.uri)
        if previous is not None:  # opened twice: a new text, later than anything before it
            document.generation = previous.generation + 1
        self.documents[item.uri] = document
        if document.is_python:
            self.check_project_files(document.path)
            self.schedule(item.uri, delay=0)
            if not _same_as_on_disk(document):  # an editor restoring unsaved work: importers read it now
                self.recheck_dependents(document.path, delay=0)

    def change(self, params: types.DidChangeTextDocumentParams) -> None:
        document = self.documents.get(params.text_document.uri)
        uri = params.text_document.uri
        if document is None:
            if unusable_path(uri) is None:  # an unusable one was logged when it was opened
                self.log(types.MessageType.Warning, f"change to a document that is not open: {uri}")
            return
        changes = [content_change(event) for event in params.content_changes]
        if document.out_of_sync:
            whole = [index for index, change in enumerate(changes) if change.start is None]
            if not whole:
                return  # an edit of a text the server does not have: it would only diverge further
            changes = changes[whole[-1] :]
            document.out_of_sync = False
            self.log(types.MessageType.Info, f"{document.uri}: in step with the editor again")
        document.apply(changes, params.text_document.version, self.encoding)
        if document.is_python:
            self.schedule(document.uri, delay=self.debounce)
            self.recheck_dependents(document.path, delay=self.debounce)

    def unreadable_change(self, params: Any) -> None:
        """A `didChange` that does not decode (a negative position, say): applying the rest of it, or
        skipping it, would leave the server linting a text the editor does not have. A change in it
        that sends the whole text resynchronises; otherwise the document is out of step until one
        does (or it is reopened), and its diagnostics are withdrawn meanwhile."""
        uri, version, whole = _salvage(params)
        document = self.documents.get(uri) if uri is not None else None
        if document is None:
            return
        if whole is not None:
            document.out_of_sync = False
            document.replace_all(whole, version)
            if document.is_python:
                self.schedule(document.uri, delay=self.debounce)
            return
        document.out_of_sync = True
        document.generation += 1  # whatever is being linted is for a text that is no more
        document.version = version
        pending = self._pending.pop(document.uri, None)
        if pending is not None:
            pending.cancel()
        self.log(
            types.MessageType.Error,
            f"{uri}: a change could not be applied, so the server's copy differs from the editor's;"
            " diagnostics are withdrawn until the editor sends the whole text (close and reopen the file)",
        )
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=document.uri, diagnostics=[], version=version)
        )

    def close(self, uri: str) -> None:
        pending = self._pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        self._results.pop(uri, None)
        self._dependencies.pop(uri, None)
        closed = self.documents.pop(uri, None)
        if closed is not None and not self.owns_cell(uri):  # a cell keeps its notebook's diagnostics
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
            self.recheck_dependents(closed.path, delay=0)  # its text on disk counts again

    def saved(self, uri: str) -> None:
        path = path_from_uri(uri)
        if path is not None and is_project_file(path):
            self.project_files_changed([path])
            return
        if self.check_project_files(path):
            return  # everything is being linted again
        document = self.documents.get(uri)
        if document is not None and document.is_python:
            self.schedule(uri, delay=0)
            self.recheck_dependents(path, delay=0)

    def check_project_files(self, path: Path | None) -> bool:
        """Re-read the configuration if a project file near `path` changed (see `project_files`)."""
        changed = self._stamps.changed(path)
        if changed:
            self.project_files_changed(changed)
        return bool(changed)

    def recheck_dependents(self, path: Path | None, delay: float) -> None:
        """Lint again the open documents whose latest result was read from `path`."""
        if path is None:
            return
        changed = str(path)
        self.recheck_notebooks(changed, delay)
        for uri, dependencies in list(self._dependencies.items()):
            document = self.documents.get(uri)
            if document is None or document.path == path or changed not in dependencies:
                continue
            # A new generation: a lint of it still running or cached is for the old dependency.
            document.generation += 1
            self.schedule(uri, delay=delay)

    def modules_changed(self, paths: list[Path]) -> None:
        """Modules changed on disk (a watched-file event): lint again the open documents read from
        them. An open module is read as the editor's text, which a change on disk leaves alone."""
        open_paths = {document.path for document in self.documents.values()}
        for path in paths:
            if path not in open_paths:
                self.recheck_dependents(path, delay=0)

    def project_files_changed(self, paths: Iterable[Path | None]) -> None:
        """Forget configuration and version detection that `paths` fed, and lint everything again."""
        # In the lint process, queued before the new lints: between two lints, never during one,
        # so a lint half-way through reading the old files cannot put them back into the caches.
        self.keep(asyncio.ensure_future(self._invalidate(list(paths))))
        self._stamps.refresh()
        self._epoch += 1
        self._results.clear()
        for uri, document in self.documents.items():
            if document.is_python:
                self.schedule(uri, delay=0)
        self.relint_notebooks()

    async def _invalidate(self, paths: list[Path | None]) -> None:
        try:
            await self.worker.invalidate(paths, self.time_limit)
        except WorkerFailed:
            pass  # shutting down, or the process is gone: its caches went with it
        except Exception:  # noqa: BLE001 - the caches are then merely kept
            logger.exception("dropping cached settings failed")

    def keep(self, task: asyncio.Future[None]) -> None:
        """Hold a reference to a task nobody awaits until it is done (asyncio keeps only weak ones)."""
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # -- linting --------------------------------------------------------------------------------

    def schedule(self, uri: str, delay: float) -> None:
        """Lint `uri` after `delay` seconds, replacing any lint already waiting or running for it."""
        previous = self._pending.pop(uri, None)
        if previous is not None:
            previous.cancel()
        if self.owns_cell(uri):
            return  # a notebook's cell, also open as a text document: linted with its notebook
        task = asyncio.get_running_loop().create_task(self._lint_and_publish(uri, delay))
        self._pending[uri] = task
        task.add_done_callback(lambda done: self._forget(uri, done))

    def _forget(self, uri: str, task: asyncio.Task[None]) -> None:
        if self._pending.get(uri) is task:
            del self._pending[uri]

    async def _lint_and_publish(self, uri: str, delay: float) -> None:
        try:
            if delay > 0:
                await asyncio.sleep(delay)
            document = self.documents.get(uri)
            if document is None or document.out_of_sync:
                return
            generation, epoch = document.generation, self._epoch
            outcome = await self.outcome(document)
            if outcome is None or not self._is_current(document, generation, epoch):
                return  # a newer text or configuration is being linted; its result will be published
            self.report_outcome(outcome, document.uri)
            self.publish(document, outcome)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 - one document's failure must not stop the server
            logger.exception("linting %s failed", uri)
            self.log(types.MessageType.Error, f"linting {uri} failed: {type(error).__name__}: {error}")

    async def outcome(self, document: Document) -> Outcome | None:
        """The lint of the document's current text (cached per generation); None when the text
        changed while it waited, since a newer lint is then on its way."""
        generation, epoch = document.generation, self._epoch
        cached = self._results.get(document.uri)
        if cached is not None and cached[:2] == (generation, epoch):
            return cached[2]
        text, path, folders = document.text, document.path, self.folder_paths()
        open_texts = self.open_texts()

        def wanted() -> bool:
            return self._is_current(document, generation, epoch)  # else superseded while queued

        try:
            outcome = await self.worker.lint(text, path, folders, open_texts, self.time_limit, wanted)
        except TimeLimitExceeded as error:
            outcome = Outcome(not_analysed=f"the analysis took too long and was {error} (timeLimitMs)")
        except WorkerFailed as error:
            outcome = Outcome(internal_error=str(error))
        if outcome is not None and self._is_current(document, generation, epoch):
            self._results[document.uri] = (generation, epoch, outcome)
            self._dependencies[document.uri] = frozenset(outcome.dependencies)
        return outcome

    def open_texts(self) -> dict[str, str]:
        """The paths of open Python documents and their current text (taken on the loop thread)."""
        return {str(d.path): d.text for d in self.documents.values() if d.path is not None and d.is_python}

    def _is_current(self, document: Document, generation: int, epoch: int) -> bool:
        return (
            self.documents.get(document.uri) is document
            and document.generation == generation
            and self._epoch == epoch
        )

    def publish(self, document: Document, outcome: Outcome) -> None:
        # A text that cannot be analysed (a syntax error mid-typing) has no KLO diagnostics: positions
        # from an older text would point at the wrong code.
        index, encoding = document.index, self.encoding
        diagnostics = [lsp_diagnostic(d, index, encoding) for d in outcome.diagnostics]
        if outcome.not_analysed is not None:
            diagnostics = [not_analysed_diagnostic(outcome.not_analysed)]
        params = types.PublishDiagnosticsParams(uri=document.uri, diagnostics=diagnostics, version=document.version)
        self.text_document_publish_diagnostics(params)

    # -- code actions ---------------------------------------------------------------------------

    async def code_actions(self, params: types.CodeActionParams) -> list[types.CodeAction]:
        if self.owns_cell(params.text_document.uri):
            return await self.cell_code_actions(params)
        document = self.documents.get(params.text_document.uri)
        if document is None or not document.is_python:
            return []
        generation, epoch = document.generation, self._epoch
        outcome = await self.outcome(document)
        if outcome is None or not self._is_current(document, generation, epoch):
            return []  # the text changed meanwhile: the client asks again for the new one
        return await self.actions_for(params, document, outcome)


def _same_as_on_disk(document: Document) -> bool:
    try:
        return document.path is not None and document.path.read_text(encoding="utf-8") == document.text
    except (OSError, UnicodeDecodeError):
        return False


def _salvage(params: Any) -> tuple[str | None, int | None, str | None]:
    """(uri, version, whole text) of an undecoded `didChange`, as far as they can be read; the whole
    text only when its last change sends the whole text, which then stands whatever came before."""
    if not isinstance(params, dict):
        return None, None, None
    identifier = params.get("textDocument")
    identifier = identifier if isinstance(identifier, dict) else {}
    uri = identifier.get("uri") if isinstance(identifier.get("uri"), str) else None
    version = identifier.get("version")
    version = version if isinstance(version, int) and not isinstance(version, bool) else None
    changes = params.get("contentChanges")
    last = changes[-1] if isinstance(changes, list) and changes else None
    whole = None
    if isinstance(last, dict) and "range" not in last and isinstance(last.get("text"), str):
        whole = last["text"]
    return uri, version, whole


# ---------------------------------------------------------------------------------------------------
# Wiring


def create_server() -> KerasLossLintServer:
    server = KerasLossLintServer()
    register_notebook_features(server)

    @server.feature(types.INITIALIZE)
    def initialize(ls: KerasLossLintServer, params: types.InitializeParams) -> None:
        ls.configure(params.initialization_options)

    @server.feature(types.INITIALIZED)
    def initialized(ls: KerasLossLintServer, params: types.InitializedParams) -> None:
        ls.watch_project_files()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: KerasLossLintServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.open(params.text_document)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: KerasLossLintServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.change(params)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    def did_save(ls: KerasLossLintServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.saved(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: KerasLossLintServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.close(params.text_document.uri)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(ls: KerasLossLintServer, params: types.DidChangeWatchedFilesParams) -> None:
        paths = [path_from_uri(change.uri) for change in params.changes]
        changed = [path for path in paths if path is not None and is_project_file(path)]
        if changed:
            ls.project_files_changed(changed)
        else:
            ls.modules_changed([path for path in paths if path is not None and path.suffix == ".py"])

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    def did_change_folders(ls: KerasLossLintServer, params: types.DidChangeWorkspaceFoldersParams) -> None:
        ls.project_files_changed([None])

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL_KIND], resolve_provider=True
        ),
    )
    async def code_action(ls: KerasLossLintServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        try:
            return await ls.code_actions(params)
        except Exception as error:  # noqa: BLE001 - no actions is better than an error popup
            logger.exception("code actions failed")
            ls.log(types.MessageType.Error, f"code actions failed: {type(error).__name__}: {error}")
            return []

    @server.feature(types.CODE_ACTION_RESOLVE)
    async def code_action_resolve(ls: KerasLossLintServer, action: types.CodeAction) -> types.CodeAction:
        try:
            return await ls.resolve(action)
        except Exception as error:  # noqa: BLE001
            logger.exception("resolving a code action failed")
            ls.log(types.MessageType.Error, f"resolving a code action failed: {type(error).__name__}: {error}")
            return action

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: KerasLossLintServer, params: None) -> None:
        ls.stop_work()

    @server.feature(types.EXIT)
    def exit_(ls: KerasLossLintServer, params: None) -> None:
        # pygls ends the process with this status by raising SystemExit, which its own loop then
        # swallows: remember it so that `main` can return it.
        ls.exit_code = 0 if ls.protocol._shutdown else 1

    @server.feature(IGNORED_METHOD)
    def undecodable(ls: KerasLossLintServer, params: None) -> None:
        pass  # already logged and answered by Protocol.structure_message

    return server
