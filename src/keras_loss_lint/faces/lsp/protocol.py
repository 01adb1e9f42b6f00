"""pygls's protocol and stdin reader, adjusted so that nothing a client sends can stop or bloat the server.

- Open documents and notebooks are kept by the server (see `documents`, `notebook_sync`), not by
  pygls's workspace.
- A request whose parameters do not decode is answered with an error instead of left hanging; a
  `didChange` that does not decode is handed to the server (`Session.unreadable_change`), since
  dropping it would leave the server's text different from the editor's.
- pygls keeps a future for every message handled by a generator handler (every `didOpen`, `didChange`,
  `didClose`...) under a fresh id that nothing ever removes: a few kilobytes per notification,
  forever. Each is released when its handler finishes.
- After `shutdown`, requests are answered with InvalidRequest (LSP says so) instead of no answer.
- A `Content-Length` above `MAX_MESSAGE_BYTES` is not read into memory (99999999999 would end the
  server with MemoryError): the body is read and thrown away in small pieces, the error is logged, and
  the server goes on with the next message.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, BinaryIO, Callable
from typing import Protocol as Interface
from typing import cast

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidRequest
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.json_rpc import JsonRPCNotification, MsgId
from pygls.protocol.language_server import lsp_method

IGNORED_METHOD = "$/keras-loss-lint/undecodable"
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
MAX_HEADER_LINE = 64 * 1024  # a header line longer than this is read in pieces (and matches nothing)
DISCARD_CHUNK = 1024 * 1024
# What the reader hands pygls in place of a body it threw away: a notification nobody acts on.
IGNORED_BODY = b'{"jsonrpc": "2.0", "method": "%s", "params": null}' % IGNORED_METHOD.encode()


class Host(Interface):
    """What the protocol needs of the server it serves (`session.Session`)."""

    def log(self, kind: types.MessageType, message: str) -> None: ...

    def unreadable_change(self, params: Any) -> None: ...

    def unreadable_notebook_change(self, params: Any) -> None: ...


class Protocol(LanguageServerProtocol):
    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: Any) -> Any:
        yield from self._user_handler(types.TEXT_DOCUMENT_DID_OPEN, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: Any) -> Any:
        yield from self._user_handler(types.TEXT_DOCUMENT_DID_CHANGE, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: Any) -> Any:
        yield from self._user_handler(types.TEXT_DOCUMENT_DID_CLOSE, params)

    # Notebooks too are kept by the server (`notebook_sync`), not in pygls's workspace.
    @lsp_method(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    def lsp_notebook_document__did_open(self, params: Any) -> Any:
        yield from self._user_handler(types.NOTEBOOK_DOCUMENT_DID_OPEN, params)

    @lsp_method(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def lsp_notebook_document__did_change(self, params: Any) -> Any:
        yield from self._user_handler(types.NOTEBOOK_DOCUMENT_DID_CHANGE, params)

    @lsp_method(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def lsp_notebook_document__did_close(self, params: Any) -> Any:
        yield from self._user_handler(types.NOTEBOOK_DOCUMENT_DID_CLOSE, params)

    def _user_handler(self, method: str, params: Any) -> Any:
        handler = self.fm.features.get(method)
        if handler is not None:
            yield handler, (params,), None

    @property
    def session(self) -> Host:
        # pygls types `_server` as any LanguageServer; this protocol only ever serves a Session.
        return cast(Host, self._server)

    def _execute_handler(
        self,
        msg_id: MsgId,
        handler: Any,
        callback: Callable[[Future[Any]], None],
        args: tuple[Any, ...] | None = None,
        kwargs: dict[str, Any] | None = None,
    ) -> None:
        def release(future: Future[Any]) -> None:
            # Requests pop their own entry when answered; notifications' entries are never popped.
            if self._request_futures.get(msg_id) is future:
                del self._request_futures[msg_id]
            callback(future)

        super()._execute_handler(msg_id, handler, release, args, kwargs)

    def structure_message(self, data: dict[str, Any]) -> Any:
        # Called for every JSON object of a message; only the message itself has "jsonrpc".
        method = data.get("method")
        if self._shutdown and "jsonrpc" in data and "id" in data and method is not None and method != types.EXIT:
            # Before decoding: after shutdown, even a request with broken params gets this answer.
            error = JsonRpcInvalidRequest(f"{method}: the server is shut down; only exit is accepted")
            self._send_response(data["id"], error=error.to_response_error())
            return JsonRPCNotification(method=IGNORED_METHOD, jsonrpc="2.0", params=None)
        try:
            return super().structure_message(data)
        except JsonRpcException as error:
            if "id" in data and "method" in data:
                # A request whose params do not decode would otherwise never get an answer.
                self._send_response(data["id"], error=error.to_response_error())
            detail = f"{error}" if str(error) else type(error).__name__
            self.session.log(types.MessageType.Error, f"could not decode {data.get('method')!r}: {detail}")
            if data.get("method") == types.TEXT_DOCUMENT_DID_CHANGE and "id" not in data:
                self.session.unreadable_change(data.get("params"))
            if data.get("method") == types.NOTEBOOK_DOCUMENT_DID_CHANGE and "id" not in data:
                self.session.unreadable_notebook_change(data.get("params"))
            return JsonRPCNotification(method=IGNORED_METHOD, jsonrpc="2.0", params=None)


class BoundedReader:
    """pygls's stdin reader, with header lines and bodies bounded (see the module's docstring)."""

    def __init__(self, stdin: BinaryIO, executor: ThreadPoolExecutor, on_oversized: Callable[[int], None]) -> None:
        self.stdin = stdin
        self.executor = executor
        self.on_oversized = on_oversized

    async def readline(self) -> bytes:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, self.stdin.readline, MAX_HEADER_LINE)

    async def readexactly(self, n: int) -> bytes:
        loop = asyncio.get_running_loop()
        if n <= MAX_MESSAGE_BYTES:
            return await loop.run_in_executor(self.executor, self.stdin.read, n)
        self.on_oversized(n)
        complete = await loop.run_in_executor(self.executor, self._discard, n)
        return IGNORED_BODY if complete else b""  # b"": the input ended, and so does the server

    def _discard(self, n: int) -> bool:
        left = n
        while left > 0:
            chunk = self.stdin.read(min(left, DISCARD_CHUNK))
            if not chunk:
                return False
            left -= len(chunk)
        return True
