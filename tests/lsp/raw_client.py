"""A client that writes JSON-RPC byte by byte to the server's stdin and keeps everything it hears:
messages, log messages, and the server's stderr."""

from __future__ import annotations

import json
import queue
import subprocess
import threading
from pathlib import Path
from typing import IO, Any, Callable

from lsp_helpers import SERVER_COMMAND


class RawClient:
    def __init__(self, cwd: Path) -> None:
        self.process = subprocess.Popen(
            SERVER_COMMAND, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd
        )
        self.messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.logs: list[str] = []
        self.published: list[dict[str, Any]] = []
        self.stderr = b""
        threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def initialize(
        self, options: dict[str, Any] | None = None, capabilities: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Initialize (and say `initialized`); returns the server's InitializeResult."""
        params = {
            "processId": None,
            "rootUri": None,
            "capabilities": capabilities or {},
            "initializationOptions": options,
        }
        self.send({"id": "init", "method": "initialize", "params": params})
        result: dict[str, Any] = self.response("init")["result"]
        self.send({"method": "initialized", "params": {}})
        return result

    def send_raw(self, data: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def send_body(self, body: bytes) -> None:
        """One message with a correct header around any body, JSON or not."""
        self.send_raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def send(self, message: dict[str, Any]) -> None:
        self.send_body(json.dumps({"jsonrpc": "2.0", **message}).encode())

    def open(self, uri: str, text: str, language: str = "python") -> None:
        item = {"uri": uri, "languageId": language, "version": 1, "text": text}
        self.send({"method": "textDocument/didOpen", "params": {"textDocument": item}})

    def round_trip(self, request_id: int | str) -> dict[str, Any]:
        """An unknown request: its answer comes after every message sent before it was handled."""
        self.send({"id": request_id, "method": "keras/roundTrip", "params": {}})
        return self.response(request_id)

    def wait_for(self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 15.0) -> dict[str, Any]:
        while True:
            message = self.messages.get(timeout=timeout)
            assert message is not None, "the server closed its output"
            if predicate(message):
                return message

    def response(self, request_id: int | str) -> dict[str, Any]:
        return self.wait_for(lambda m: m.get("id") == request_id and "method" not in m)

    def diagnostics(self, uri: str, version: int | None = 1) -> list[dict[str, Any]]:
        published = self.wait_for(
            lambda m: m.get("method") == "textDocument/publishDiagnostics"
            and m["params"]["uri"] == uri
            and m["params"].get("version") == version
        )
        return published["params"]["diagnostics"]

    def rss_kb(self) -> int:
        """The server's resident memory (Linux)."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def _read(self, stream: IO[bytes]) -> None:
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    self.messages.put(None)
                    return
                if line in (b"\r\n", b"\n"):
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            assert length is not None
            message = json.loads(stream.read(length))
            if message.get("method") == "window/logMessage":
                self.logs.append(message["params"]["message"])
            if message.get("method") == "textDocument/publishDiagnostics":
                self.published.append(message["params"])
            self.messages.put(message)

    def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        self.stderr = self.process.stderr.read()
