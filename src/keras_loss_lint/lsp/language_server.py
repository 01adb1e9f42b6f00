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

Nothing a client sends may stop the server: handler errors and undecodable messages are logged with
`window/logMessage`, a request whose parameters do not decode is answered with an error, and the
server keeps serving.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterable, Sequence

from lsprotocol import types
from pygls.capabilities import get_capability
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.json_rpc import JsonRPCNotification
from pygls.protocol.language_server import lsp_method

from keras_loss_lint import __version__
from keras_loss_lint.diagnostics import Applicability, Diagnostic, Edit, Position, Span
from keras_loss_lint.fixing import is_applicable
from keras_loss_lint.lsp.actions import minimal_edit, noqa_edit
from keras_loss_lint.lsp.documents import Change, Document, path_from_uri
from keras_loss_lint.lsp.linting import WATCHED_GLOBS, Linter, Outcome, is_project_file
from keras_loss_lint.lsp.positions import ENCODINGS, UTF16, TextIndex
from keras_loss_lint.rules.registry import rule_by_code

NAME = "keras-loss-lint"
FIX_ALL_KIND = "source.fixAll.keras-loss-lint"
FIX_ALL_TITLE = "Fix all safe keras-loss-lint problems"
DEFAULT_DEBOUNCE_MS = 200
MAX_DEBOUNCE_MS = 10_000
WATCH_REGISTRATION_ID = "keras-loss-lint/project-files"
IGNORED_METHOD = "$/keras-loss-lint/undecodable"

logger = logging.getLogger(__name__)


class Protocol(LanguageServerProtocol):
    """pygls's protocol, with open documents kept by the server (see `documents`) and undecodable
    requests answered instead of left hanging."""

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: Any) -> Any:
        yield from self._user_handler(types.TEXT_DOCUMENT_DID_OPEN, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: Any) -> Any:
        yield from self._user_handler(types.TEXT_DOCUMENT_DID_CHANGE, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: Any) -> Any:
        yield from self._user_handler(types.TEXT_DOCUMENT_DID_CLOSE, params)

    def _user_handler(self, method: str, params: Any) -> Any:
        handler = self.fm.features.get(method)
        if handler is not None:
            yield handler, (params,), None

    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            return super().structure_message(data)
        except JsonRpcException as error:
            if "id" in data and "method" in data:
                # A request whose params do not decode would otherwise never get an answer.
                self._send_response(data["id"], error=error.to_response_error())
            detail = f"{error}" if str(error) else type(error).__name__
            self._server.log(types.MessageType.Error, f"could not decode {data.get('method')!r}: {detail}")
            return JsonRPCNotification(method=IGNORED_METHOD, jsonrpc="2.0", params=None)


class KerasLossLintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            NAME,
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=Protocol,
        )
        self.documents: dict[str, Document] = {}
        self.linter = Linter()
        self.debounce = DEFAULT_DEBOUNCE_MS / 1000
        self.exit_code = 0
        # One thread: lints run one at a time, off the event loop, and only this thread touches
        # the configuration caches.
        self.lint_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="keras-loss-lint")
        self._pending: dict[str, asyncio.Task[None]] = {}
        self._results: dict[str, tuple[int, int, Outcome]] = {}  # uri -> (generation, epoch, outcome)
        self._epoch = 0  # bumped when configuration may have changed
        self._told: set[str] = set()  # configuration errors already shown to the user

    # -- session --------------------------------------------------------------------------------

    def configure(self, options: Any) -> None:
        """Read `initializationOptions`: {"debounceMs": 200}."""
        if not isinstance(options, dict):
            return
        value = options.get("debounceMs")
        if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= MAX_DEBOUNCE_MS:
            self.debounce = value / 1000
        elif value is not None:
            self.log(types.MessageType.Warning, f"ignoring debounceMs={value!r}: expected 0 to {MAX_DEBOUNCE_MS}")

    def watch_project_files(self) -> None:
        if not self._client_can("workspace.did_change_watched_files.dynamic_registration"):
            return
        watchers = [types.FileSystemWatcher(glob_pattern=glob) for glob in WATCHED_GLOBS]
        registration = types.Registration(
            id=WATCH_REGISTRATION_ID,
            method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers),
        )
        future = self.client_register_capability(types.RegistrationParams(registrations=[registration]))
        future.add_done_callback(self._check_registration)

    def _check_registration(self, future: Future[Any]) -> None:
        if not future.cancelled() and future.exception() is not None:
            self.log(types.MessageType.Warning, f"cannot watch project files: {future.exception()}")

    def stop_work(self) -> None:
        for task in self._pending.values():
            task.cancel()
        self._pending.clear()
        self.lint_executor.shutdown(wait=False, cancel_futures=True)

    def shutdown(self) -> None:
        """Stop without waiting for threads: the stdin reader may be blocked on a pipe the client
        keeps open, and a lint in progress has nobody left to report to."""
        if self._stop_event is not None:
            self._stop_event.set()
        self.stop_work()
        if self._thread_pool is not None:
            self._thread_pool.shutdown(wait=False, cancel_futures=True)

    @property
    def encoding(self) -> str:
        """The position encoding agreed at initialisation (UTF-16 unless the client offered another)."""
        try:
            chosen = self.workspace.position_encoding
        except RuntimeError:  # not initialised yet
            return UTF16
        value = getattr(chosen, "value", chosen)
        return value if value in ENCODINGS else UTF16

    def folder_paths(self) -> list[Path]:
        try:
            workspace = self.workspace
        except RuntimeError:
            return []
        uris = [folder.uri for folder in workspace.folders.values()]
        if not uris and workspace.root_uri:
            uris = [workspace.root_uri]
        paths = (path_from_uri(uri) for uri in uris)
        return [path for path in paths if path is not None]

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
        changes = [_change(event) for event in params.content_changes]
        document.apply(changes, params.text_document.version, self.encoding)
        if document.is_python:
            self.schedule(document.uri, delay=self.debounce)

    def close(self, uri: str) -> None:
        pending = self._pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        self._results.pop(uri, None)
        if self.documents.pop(uri, None) is not None:
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def saved(self, uri: str) -> None:
        path = path_from_uri(uri)
        if path is not None and is_project_file(path):
            self.project_files_changed([path])
            return
        document = self.documents.get(uri)
        if document is not None and document.is_python:
            self.schedule(uri, delay=0)

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

        def work() -> Outcome | None:
            if not self._is_current(document, generation, epoch):
                return None  # superseded while queued: skip the work
            return self._lint_safely(text, path, folders)

        outcome = await asyncio.get_running_loop().run_in_executor(self.lint_executor, work)
        if outcome is not None and self._is_current(document, generation, epoch):
            self._results[document.uri] = (generation, epoch, outcome)
        return outcome

    def _lint_safely(self, text: str, path: Path | None, folders: Sequence[Path]) -> Outcome:
        try:
            return self.linter.lint(text, path, folders)
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
        only = params.context.only
        actions: list[types.CodeAction] = []
        if _wants(only, types.CodeActionKind.QuickFix):
            for diagnostic in self._asked_about(params, document, outcome):
                actions.extend(self._quick_fixes(document, diagnostic))
        if _wants(only, FIX_ALL_KIND) and any(is_applicable(d.fix, unsafe=False) for d in outcome.diagnostics):
            actions.append(await self._fix_all_action(document))
        return actions

    def _asked_about(
        self, params: types.CodeActionParams, document: Document, outcome: Outcome
    ) -> list[Diagnostic]:
        """Our diagnostics that touch the requested range, or that the client lists in the context
        (Neovim asks at the cursor but lists every diagnostic of the cursor's line)."""
        index, encoding = document.index, self.encoding
        start, end = _core_range(params.range, index, encoding)
        listed = {
            (d.code, _range_key(d.range)) for d in params.context.diagnostics if d.source == NAME
        }
        return [
            d
            for d in outcome.diagnostics
            if (d.span.start <= end and start <= d.span.end)
            or (d.code, _range_key(lsp_range(d.span, index, encoding))) in listed
        ]

    def _quick_fixes(self, document: Document, diagnostic: Diagnostic) -> list[types.CodeAction]:
        index = document.index
        linked = [lsp_diagnostic(diagnostic, index, self.encoding)]
        actions = []
        fix = diagnostic.fix
        if fix is not None:
            safe = fix.applicability is Applicability.SAFE
            actions.append(
                types.CodeAction(
                    title=fix.message if safe else f"{fix.message} (unsafe)",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=linked,
                    is_preferred=safe,
                    edit=self.workspace_edit(document, list(fix.edits)),
                )
            )
        noqa = noqa_edit(document.text, diagnostic.line, diagnostic.code, index)
        if noqa is not None:
            actions.append(
                types.CodeAction(
                    title=f"Disable {diagnostic.code} for this line",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=linked,
                    edit=self.workspace_edit(document, [noqa]),
                )
            )
        return actions

    async def _fix_all_action(self, document: Document) -> types.CodeAction:
        action = types.CodeAction(
            title=FIX_ALL_TITLE, kind=FIX_ALL_KIND, data={"uri": document.uri, "version": document.version}
        )
        if self._client_can_resolve_edits():
            return action  # the fixing runs only if the user picks it (codeAction/resolve)
        return await self.resolve(action)

    async def resolve(self, action: types.CodeAction) -> types.CodeAction:
        """Fill in the edit of a "fix all" action, for the document's current text."""
        data = action.data if isinstance(action.data, dict) else {}
        document = self.documents.get(str(data.get("uri")))
        if action.kind != FIX_ALL_KIND or document is None or action.edit is not None:
            return action
        text, path, folders = document.text, document.path, self.folder_paths()
        fixed = await asyncio.get_running_loop().run_in_executor(
            self.lint_executor, self.linter.fix_all, text, path, folders
        )
        if fixed is None or document.text is not text:
            return action  # nothing to do, or the text moved on: an edit would not apply
        edit = minimal_edit(text, fixed, document.index)
        if edit is not None:
            action.edit = self.workspace_edit(document, [edit])
        return action

    def workspace_edit(self, document: Document, edits: list[Edit]) -> types.WorkspaceEdit:
        index, encoding = document.index, self.encoding
        text_edits = [types.TextEdit(range=lsp_range(e.span, index, encoding), new_text=e.content) for e in edits]
        if self._client_can("workspace.workspace_edit.document_changes"):
            # Versioned: the client refuses the edit if the document changed since it was computed.
            identifier = types.OptionalVersionedTextDocumentIdentifier(uri=document.uri, version=document.version)
            return types.WorkspaceEdit(
                document_changes=[types.TextDocumentEdit(text_document=identifier, edits=list(text_edits))]
            )
        return types.WorkspaceEdit(changes={document.uri: list(text_edits)})

    # -- talking to the client ------------------------------------------------------------------

    def log(self, kind: types.MessageType, message: str) -> None:
        try:
            self.window_log_message(types.LogMessageParams(type=kind, message=message))
        except Exception:  # noqa: BLE001 - the client may be gone; stderr still has it
            logger.warning("%s", message)

    def report_server_error(self, error: Exception, source: Any) -> None:
        """pygls would pop up a window for every bad message; a log line is enough."""
        logger.error("%s: %s", getattr(source, "__name__", source), error)
        self.log(types.MessageType.Error, f"{getattr(source, '__name__', source)}: {error}")

    def _client_can(self, path: str) -> bool:
        try:
            return bool(get_capability(self.client_capabilities, path, False))
        except Exception:  # noqa: BLE001 - before initialisation there are no capabilities
            return False

    def _client_can_resolve_edits(self) -> bool:
        try:
            support = get_capability(self.client_capabilities, "text_document.code_action.resolve_support", None)
        except Exception:  # noqa: BLE001
            return False
        return support is not None and "edit" in (support.properties or [])


# ---------------------------------------------------------------------------------------------------
# Conversions


def lsp_diagnostic(diagnostic: Diagnostic, index: TextIndex, encoding: str) -> types.Diagnostic:
    rule = rule_by_code(diagnostic.code)
    return types.Diagnostic(
        range=lsp_range(diagnostic.span, index, encoding),
        message=diagnostic.message,
        severity=types.DiagnosticSeverity.Warning,
        code=diagnostic.code,
        code_description=types.CodeDescription(href=rule.url) if rule is not None else None,
        source=NAME,
    )


def lsp_range(span: Span, index: TextIndex, encoding: str) -> types.Range:
    return types.Range(start=_lsp_position(span.start, index, encoding), end=_lsp_position(span.end, index, encoding))


def _lsp_position(position: Position, index: TextIndex, encoding: str) -> types.Position:
    line, character = index.to_lsp(position, encoding)
    return types.Position(line=line, character=character)


def _core_range(lsp: types.Range, index: TextIndex, encoding: str) -> tuple[Position, Position]:
    start = index.position_from_lsp(lsp.start.line, lsp.start.character, encoding)
    end = index.position_from_lsp(lsp.end.line, lsp.end.character, encoding)
    return (start, end) if start <= end else (end, start)


def _range_key(lsp: types.Range) -> tuple[int, int, int, int]:
    return (lsp.start.line, lsp.start.character, lsp.end.line, lsp.end.character)


def _change(event: Any) -> Change:
    if isinstance(event, types.TextDocumentContentChangePartial):
        start, end = event.range.start, event.range.end
        return Change(event.text, (start.line, start.character), (end.line, end.character))
    return Change(event.text)


def _wants(only: Sequence[str] | None, kind: str) -> bool:
    """Whether a request limited to the kinds `only` (hierarchical: "source" covers
    "source.fixAll.keras-loss-lint") asks for actions of `kind`."""
    if not only:
        return True
    return any(kind == wanted or kind.startswith(f"{wanted}.") for wanted in only)


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
