"""The server's session: its state, what the client said at initialisation (options, capabilities,
position encoding, workspace folders), shutting down, and talking back to the client (log messages).

`Protocol` is pygls's protocol adjusted so that nothing a client sends can stop the server. The
document handlers (`language_server`) and the code actions (`code_actions`) build on `Session`.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, cast

from lsprotocol import types
from pygls.capabilities import get_capability
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.json_rpc import JsonRPCNotification
from pygls.protocol.language_server import lsp_method

from keras_loss_lint import __version__
from keras_loss_lint.faces.lsp.conversions import NAME
from keras_loss_lint.faces.lsp.documents import Document, path_from_uri
from keras_loss_lint.faces.lsp.linting import WATCHED_GLOBS, Linter, Outcome
from keras_loss_lint.faces.lsp.positions import ENCODINGS, UTF16

DEFAULT_DEBOUNCE_MS = 200
MAX_DEBOUNCE_MS = 10_000
WATCH_REGISTRATION_ID = "keras-loss-lint/project-files"
IGNORED_METHOD = "$/keras-loss-lint/undecodable"

# One logger for the whole server, under the name of the module that runs it.
logger = logging.getLogger("keras_loss_lint.faces.lsp.language_server")


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
            # pygls types `_server` as any LanguageServer; this protocol only ever serves a Session.
            server = cast(Session, self._server)
            server.log(types.MessageType.Error, f"could not decode {data.get('method')!r}: {detail}")
            return JsonRPCNotification(method=IGNORED_METHOD, jsonrpc="2.0", params=None)


class Session(LanguageServer):
    """The state every part of the server shares, and the session-wide requests and notifications."""

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
