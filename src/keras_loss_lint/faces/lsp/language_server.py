"""The language server itself (pygls 2): documents in, diagnostics and code actions out.

How a change becomes diagnostics:

1. `didChange` edits the document in the server's own store (`documents`) and bumps its generation;
2. a per-document timer waits `debounce` seconds; another change restarts it, so a burst of typing
   is linted once, on its latest text;
3. the text is linted on one worker thread, so the event loop keeps reading messages;
4. the result is published only if the document is still at the generation it was computed for and
   no configuration change came in meanwhile; an older result can never replace a newer one.

Configuration and Keras-version detection are cached per folder; a change to pyproject.toml,
requirements*.txt, a lock file and the like (watched files, or a `didSave` of one) drops the caches
and re-lints every open document.

A document is linted with the project's other modules, open ones as their unsaved text (a snapshot
taken when its lint starts); each result says which files it was read from, and a change, save or
close of one of those re-lints the documents that depend on it.

Nothing a client sends may stop the server: handler errors and undecodable messages are logged with
`window/logMessage`, a request whose parameters do not decode is answered with an error, and the
server keeps serving.

The server is built in layers: `session` (state, initialisation, talking to the client), then
`code_actions` (quick fixes and "fix all"), then this module's document handlers and the wiring of
LSP methods to them (`create_server`).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Iterable, Sequence

from lsprotocol import types

from keras_loss_lint.faces.lsp.code_actions import FIX_ALL_KIND, CodeActions
from keras_loss_lint.faces.lsp.conversions import content_change, lsp_diagnostic
from keras_loss_lint.faces.lsp.documents import Document, path_from_uri
from keras_loss_lint.faces.lsp.linting import Outcome, is_project_file
from keras_loss_lint.faces.lsp.session import IGNORED_METHOD, logger


class KerasLossLintServer(CodeActions):
    """The whole server: the session and code actions it inherits, and the document handlers."""

    def __init__(self) -> None:
        super().__init__()
        # uri -> the other project files its latest diagnostics were read from.
        self._dependencies: dict[str, frozenset[str]] = {}

    # -- documents ------------------------------------------------------------------------------

    def open(self, item: types.TextDocumentItem) -> None:
        document = Document(item.uri, path_from_uri(item.uri), item.language_id, item.version, item.text)
        previous = self.documents.get(item.uri)
        if previous is not None:  # opened twice: a new text, later than anything before it
            document.generation = previous.generation + 1
        self.documents[item.uri] = document
        if document.is_python:
            self.schedule(item.uri, delay=0)

    def change(self, params: types.DidChangeTextDocumentParams) -> None:
        document = self.documents.get(params.text_document.uri)
        if document is None:
            self.log(types.MessageType.Warning, f"change to a document that is not open: {params.text_document.uri}")
            return
        changes = [content_change(event) for event in params.content_changes]
        document.apply(changes, params.text_document.version, self.encoding)
        if document.is_python:
            self.schedule(document.uri, delay=self.debounce)
            self.recheck_dependents(document.path, delay=self.debounce)

    def close(self, uri: str) -> None:
        pending = self._pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        self._results.pop(uri, None)
        self._dependencies.pop(uri, None)
        closed = self.documents.pop(uri, None)
        if closed is not None:
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
            self.recheck_dependents(closed.path, delay=0)  # its text on disk counts again

    def saved(self, uri: str) -> None:
        path = path_from_uri(uri)
        if path is not None and is_project_file(path):
            self.project_files_changed([path])
            return
        document = self.documents.get(uri)
        if document is not None and document.is_python:
            self.schedule(uri, delay=0)
            self.recheck_dependents(path, delay=0)

    def recheck_dependents(self, path: Path | None, delay: float) -> None:
        """Lint again the open documents whose latest result was read from `path`."""
        if path is None:
            return
        changed = str(path)
        for uri, dependencies in list(self._dependencies.items()):
            document = self.documents.get(uri)
            if document is None or document.path == path or changed not in dependencies:
                continue
            # A new generation: a lint of it still running or cached is for the old dependency.
            document.generation += 1
            self.schedule(uri, delay=delay)

    def project_files_changed(self, paths: Iterable[Path | None]) -> None:
        """Forget configuration and version detection that `paths` fed, and lint everything again."""
        # On the lint thread, queued before the new lints: between two lints, never during one, so
        # a lint half-way through reading the old files cannot put them back into the caches.
        try:
            self.lint_executor.submit(self._invalidate, list(paths))
        except RuntimeError:  # shut down: nothing will be linted again
            return
        self._epoch += 1
        self._results.clear()
        for uri, document in self.documents.items():
            if document.is_python:
                self.schedule(uri, delay=0)

    def _invalidate(self, paths: list[Path | None]) -> None:
        try:
            for path in paths:
                self.linter.invalidate(path)
        except Exception:  # noqa: BLE001 - the caches are then merely kept
            logger.exception("dropping cached settings failed")

    # -- linting --------------------------------------------------------------------------------

    def schedule(self, uri: str, delay: float) -> None:
        """Lint `uri` after `delay` seconds, replacing any lint already waiting or running for it."""
        previous = self._pending.pop(uri, None)
        if previous is not None:
            previous.cancel()
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
            if document is None:
                return
            generation, epoch = document.generation, self._epoch
            outcome = await self.outcome(document)
            if outcome is None or not self._is_current(document, generation, epoch):
                return  # a newer text or configuration is being linted; its result will be published
            self._report(outcome, document)
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

        def work() -> Outcome | None:
            if not self._is_current(document, generation, epoch):
                return None  # superseded while queued: skip the work
            return self._lint_safely(text, path, folders, open_texts)

        outcome = await asyncio.get_running_loop().run_in_executor(self.lint_executor, work)
        if outcome is not None and self._is_current(document, generation, epoch):
            self._results[document.uri] = (generation, epoch, outcome)
            self._dependencies[document.uri] = frozenset(outcome.dependencies)
        return outcome

    def open_texts(self) -> dict[str, str]:
        """The paths of open Python documents and their current text (taken on the loop thread)."""
        return {str(d.path): d.text for d in self.documents.values() if d.path is not None and d.is_python}

    def _lint_safely(
        self, text: str, path: Path | None, folders: Sequence[Path], open_texts: dict[str, str]
    ) -> Outcome:
        try:
            return self.linter.lint(text, path, folders, open_texts)
        except Exception as error:  # noqa: BLE001 - reported on the loop thread by `_report`
            logger.exception("internal error while linting %s", path)
            return Outcome(internal_error=f"{type(error).__name__}: {error}")

    def _is_current(self, document: Document, generation: int, epoch: int) -> bool:
        return (
            self.documents.get(document.uri) is document
            and document.generation == generation
            and self._epoch == epoch
        )

    def _report(self, outcome: Outcome, document: Document) -> None:
        if outcome.internal_error is not None:
            self.log(types.MessageType.Error, f"internal error while linting {document.uri}: {outcome.internal_error}")
        message = outcome.config_error
        if message is not None and message not in self._told:
            self._told.add(message)
            text = f"keras-loss-lint: {message} (using the default settings)"
            self.log(types.MessageType.Error, text)
            self.window_show_message(types.ShowMessageParams(type=types.MessageType.Error, message=text))

    def publish(self, document: Document, outcome: Outcome) -> None:
        # A text that cannot be analysed (a syntax error mid-typing) has no KLO diagnostics: positions
        # from an older text would point at the wrong code.
        index, encoding = document.index, self.encoding
        diagnostics = [lsp_diagnostic(d, index, encoding) for d in outcome.diagnostics]
        params = types.PublishDiagnosticsParams(uri=document.uri, diagnostics=diagnostics, version=document.version)
        self.text_document_publish_diagnostics(params)

    # -- code actions ---------------------------------------------------------------------------

    async def code_actions(self, params: types.CodeActionParams) -> list[types.CodeAction]:
        document = self.documents.get(params.text_document.uri)
        if document is None or not document.is_python:
            return []
        generation, epoch = document.generation, self._epoch
        outcome = await self.outcome(document)
        if outcome is None or not self._is_current(document, generation, epoch):
            return []  # the text changed meanwhile: the client asks again for the new one
        return await self.actions_for(params, document, outcome)


# ---------------------------------------------------------------------------------------------------
# Wiring


def create_server() -> KerasLossLintServer:
    server = KerasLossLintServer()

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
