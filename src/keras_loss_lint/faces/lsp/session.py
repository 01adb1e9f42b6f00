"""The server's session: its state, what the client said at initialisation (options, capabilities,
position encoding, workspace folders), shutting down, and talking back to the client (log messages).

`protocol` adjusts pygls so that nothing a client sends can stop or bloat the server; lints run in
a child process (`worker`), each with a time limit. The document handlers (`language_server`) and
the code actions (`code_actions`) build on `Session`.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from concurrent.futures import Future
from pathlib import Path
from typing import Any, BinaryIO

from lsprotocol import types
from pygls.capabilities import get_capability
from pygls.io_ import StdoutWriter, run_async
from pygls.lsp.server import LanguageServer

from keras_loss_lint import __version__
from keras_loss_lint.faces.lsp.conversions import NAME
from keras_loss_lint.faces.lsp.documents import Document, path_from_uri
from keras_loss_lint.faces.lsp.linting import WATCHED_GLOBS, Outcome
from keras_loss_lint.faces.lsp.positions import ENCODINGS, UTF16
from keras_loss_lint.faces.lsp.protocol import MAX_MESSAGE_BYTES, BoundedReader, Protocol
from keras_loss_lint.faces.lsp.worker import LintWorker

# A pause between keystrokes: an edit of a 2,000-line module lints in about 50 ms
# (benchmarks/editor.py), so waiting longer than this only delays the diagnostics.
DEFAULT_DEBOUNCE_MS = 100
MAX_DEBOUNCE_MS = 10_000
# Long enough for any real module (the largest files of big projects lint in about a second), short
# enough that a pathological one is given up on before the user wonders where the diagnostics went.
DEFAULT_TIME_LIMIT_MS = 5_000
MAX_TIME_LIMIT_MS = 600_000
WATCH_REGISTRATION_ID = "keras-loss-lint/project-files"

# One logger for the whole server, under the name of the module that runs it.
logger = logging.getLogger("keras_loss_lint.faces.lsp.language_server")


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
        self.debounce = DEFAULT_DEBOUNCE_MS / 1000
        self.time_limit = DEFAULT_TIME_LIMIT_MS / 1000  # per lint, in seconds
        self.exit_code = 0
        # One child process: lints run one at a time, off the event loop, each with a time limit,
        # and only that process touches the configuration caches.
        self.worker = LintWorker()
        self.watching = False  # the client watches the project files for us
        self._pending: dict[str, asyncio.Task[None]] = {}
        self._results: dict[str, tuple[int, int, Outcome]] = {}  # uri -> (generation, epoch, outcome)
        self._epoch = 0  # bumped when configuration may have changed
        self._told: set[str] = set()  # configuration errors already shown to the user

    # -- session --------------------------------------------------------------------------------

    def configure(self, options: Any) -> None:
        """Read `initializationOptions`: {"debounceMs": 100, "timeLimitMs": 5000}."""
        if not isinstance(options, dict):
            return
        debounce = self._milliseconds(options, "debounceMs", 0, MAX_DEBOUNCE_MS)
        if debounce is not None:
            self.debounce = debounce / 1000
        limit = self._milliseconds(options, "timeLimitMs", 1, MAX_TIME_LIMIT_MS)
        if limit is not None:
            self.time_limit = limit / 1000

    def _milliseconds(self, options: dict[str, Any], key: str, low: int, high: int) -> float | None:
        value = options.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and low <= value <= high:
            return value
        if value is not None:
            self.log(types.MessageType.Warning, f"ignoring {key}={value!r}: expected {low} to {high}")
        return None

    def watch_project_files(self) -> None:
        if not self._client_can("workspace.did_change_watched_files.dynamic_registration"):
            return
        watchers = [types.FileSystemWatcher(glob_pattern=glob) for glob in WATCHED_GLOBS]
        registration = types.Registration(
            id=WATCH_REGISTRATION_ID,
            method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers),
        )
        self.watching = True  # until the client says otherwise
        future = self.client_register_capability(types.RegistrationParams(registrations=[registration]))
        future.add_done_callback(self._check_registration)

    def _check_registration(self, future: Future[Any]) -> None:
        if not future.cancelled() and future.exception() is not None:
            self.watching = False
            self.log(types.MessageType.Warning, f"cannot watch project files: {future.exception()}")

    def stop_work(self) -> None:
        for task in self._pending.values():
            task.cancel()
        self._pending.clear()
        self.worker.stop()

    def start_io(self, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:
        """pygls's `start_io`, with the bounded reader (`protocol.BoundedReader`)."""
        self._stop_event = stop = threading.Event()
        reader = BoundedReader(stdin or sys.stdin.buffer, self.thread_pool, self.oversized_message)
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
        try:
            asyncio.run(run_async(stop, reader, self.protocol, logger, self.report_server_error))
        except BrokenPipeError:
            pass  # the client is gone: nothing to tell it
        except (KeyboardInterrupt, SystemExit):
            pass  # `exit` ends the loop with SystemExit; `exit_code` has its status
        finally:
            self.shutdown()

    def oversized_message(self, length: int) -> None:
        """Called by the reader for a message it will not read into memory."""
        text = f"skipping a message of {length} bytes: more than the {MAX_MESSAGE_BYTES} a message may have"
        logger.error("%s", text)
        self.log(types.MessageType.Error, text)

    def unreadable_change(self, params: Any) -> None:
        """A `didChange` whose parameters do not decode (see `language_server`)."""

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
