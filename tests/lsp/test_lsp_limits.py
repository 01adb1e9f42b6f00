"""What no client should send, and the server must survive anyway, byte by byte over stdio: floods of
documents, huge messages, unusable URIs, requests after shutdown, edits it cannot apply."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from lsp_helpers import FIXED_LOSS, KLO201_LINE, KLO201_SOURCE
from raw_client import RawClient


@pytest.fixture
def client(tmp_path: Path):
    raw = RawClient(tmp_path)
    yield raw
    raw.close()


def _churn(client: RawClient, folder: Path, start: int, count: int) -> None:
    for number in range(start, start + count):
        uri = (folder / f"note{number}.txt").as_uri()
        client.open(uri, "notes\n", language="plaintext")
        client.send({"method": "textDocument/didClose", "params": {"textDocument": {"uri": uri}}})
    client.round_trip(f"churn{start}")


@pytest.mark.slow  # 3,000 documents
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_opening_and_closing_thousands_of_documents_keeps_memory_flat(client: RawClient, tmp_path: Path) -> None:
    client.initialize()
    _churn(client, tmp_path, 0, 500)  # warm up: caches, buffers, the allocator's arenas
    before = client.rss_kb()
    _churn(client, tmp_path, 500, 3000)
    growth = client.rss_kb() - before
    # Keeping a record per notification grew the server by about 4 KB each: 12 MB here.
    assert growth < 3_000, f"the server grew by {growth} KB over 3,000 open/close pairs"


def test_a_message_over_the_size_bound_is_skipped_and_the_server_goes_on(client: RawClient) -> None:
    client.initialize()
    length = 64 * 1024 * 1024 + 1
    client.send_raw(b"Content-Length: %d\r\n\r\n" % length)
    client.send_raw(b" " * length)
    assert client.round_trip(2)["error"]["code"] == -32601  # served: the next message is answered
    assert any(f"skipping a message of {length} bytes" in log for log in client.logs)


def test_an_absurd_content_length_is_logged_not_a_memory_error(client: RawClient) -> None:
    client.initialize()
    client.send_raw(b"Content-Length: 99999999999\r\n\r\n{}")
    deadline = time.monotonic() + 15
    while not any("skipping a message of 99999999999 bytes" in log for log in client.logs):
        assert client.process.poll() is None, client.stderr.decode(errors="replace")
        assert time.monotonic() < deadline, "no log message about the oversized message"
        time.sleep(0.05)
    assert client.process.poll() is None
    # The declared body never comes: when the client goes away, so does the server, without a trace.
    assert client.process.stdin is not None
    client.process.stdin.close()
    client.process.wait(timeout=15)
    time.sleep(0.2)  # let the stderr reader finish
    assert b"MemoryError" not in client.stderr and b"Traceback" not in client.stderr


def test_requests_after_shutdown_are_answered_with_invalid_request(client: RawClient) -> None:
    client.initialize()
    client.send({"id": 1, "method": "shutdown"})
    assert client.response(1)["result"] is None
    client.send({"id": 2, "method": "textDocument/codeAction", "params": {}})
    assert client.response(2)["error"]["code"] == -32600
    client.send({"id": 3, "method": "shutdown"})
    assert client.response(3)["error"]["code"] == -32600
    client.send({"method": "exit"})
    assert client.process.wait(timeout=15) == 0


def test_uris_no_file_can_have_are_logged_and_not_linted(client: RawClient, tmp_path: Path) -> None:
    client.initialize()
    null = tmp_path.as_uri() + "/model%00.py"
    long = tmp_path.as_uri() + "/" + "m" * 300 + ".py"
    longer = "file:///" + "/".join(["d" * 200] * 30) + "/model.py"
    for uri in (null, long, longer):
        client.open(uri, KLO201_SOURCE)
    normal = (tmp_path / "model.py").as_uri()
    client.open(normal, KLO201_SOURCE)
    assert [d["code"] for d in client.diagnostics(normal)] == ["KLO201"]
    client.round_trip(9)
    assert [p["uri"] for p in client.published] == [normal]
    assert any("not linting" in log and "NUL" in log for log in client.logs)
    assert any("not linting" in log and "name longer than 255" in log for log in client.logs)
    assert any("not linting" in log and "longer than 4096 bytes" in log for log in client.logs)
    assert client.process.poll() is None


def _change(uri: str, version: int, *changes: dict) -> dict:
    return {
        "method": "textDocument/didChange",
        "params": {"textDocument": {"uri": uri, "version": version}, "contentChanges": list(changes)},
    }


def _at(line: int, character: int) -> dict:
    return {"line": line, "character": character}


FIXED_SOURCE = KLO201_SOURCE.replace(
    KLO201_SOURCE.splitlines()[KLO201_LINE], f'model.compile(optimizer="adam", {FIXED_LOSS})'
)


def test_an_edit_with_a_negative_position_withdraws_diagnostics_until_the_whole_text_comes(
    client: RawClient, tmp_path: Path
) -> None:
    client.initialize(options={"debounceMs": 0})
    uri = (tmp_path / "model.py").as_uri()
    client.open(uri, KLO201_SOURCE)
    assert [d["code"] for d in client.diagnostics(uri)] == ["KLO201"]

    # The client fixes the loss with a change the server cannot read; its text is now FIXED_SOURCE.
    line = KLO201_SOURCE.splitlines()[KLO201_LINE]
    fixed_line = FIXED_SOURCE.splitlines()[KLO201_LINE]
    bad = {"range": {"start": _at(KLO201_LINE, -1), "end": _at(KLO201_LINE, len(line))}, "text": fixed_line}
    client.send(_change(uri, 2, bad))
    assert client.diagnostics(uri, version=2) == []  # what was published no longer matches the text
    assert any("could not be applied" in log for log in client.logs)

    # A later incremental edit cannot be applied to a text the server does not have.
    comment = {"range": {"start": _at(0, 0), "end": _at(0, 0)}, "text": "# trained nightly\n"}
    client.send(_change(uri, 3, comment))
    client.round_trip(10)
    time.sleep(0.5)
    assert all(p["diagnostics"] == [] for p in client.published if p["uri"] == uri and p.get("version") in (2, 3))

    # The whole text resynchronises: diagnostics follow the client's final text.
    client.send(_change(uri, 4, {"text": "# trained nightly\n" + KLO201_SOURCE}))
    (diagnostic,) = client.diagnostics(uri, version=4)
    assert diagnostic["code"] == "KLO201" and diagnostic["range"]["start"]["line"] == KLO201_LINE + 1
    client.send(_change(uri, 5, {"range": {"start": _at(0, 0), "end": _at(1, 0)}, "text": ""}))
    assert client.diagnostics(uri, version=5)[0]["range"]["start"]["line"] == KLO201_LINE


def test_an_unreadable_change_ending_with_the_whole_text_resynchronises(client: RawClient, tmp_path: Path) -> None:
    client.initialize(options={"debounceMs": 0})
    uri = (tmp_path / "model.py").as_uri()
    client.open(uri, FIXED_SOURCE)
    assert client.diagnostics(uri) == []
    bad = {"range": {"start": _at(-3, 0), "end": _at(0, 0)}, "text": "oops"}
    client.send(_change(uri, 2, bad, {"text": KLO201_SOURCE}))
    assert [d["code"] for d in client.diagnostics(uri, version=2)] == ["KLO201"]
