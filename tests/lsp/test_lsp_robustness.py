"""What a misbehaving client sends, written byte by byte to the server's stdin: it must answer what
can be answered, log the rest, and keep serving until `shutdown` and `exit`."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from lsp_helpers import KLO201_SOURCE
from raw_client import RawClient


def test_the_server_survives_malformed_messages_and_exits_cleanly(tmp_path: Path) -> None:
    client = RawClient(tmp_path)
    uri = (tmp_path / "model.py").as_uri()
    try:
        client.initialize()

        client.send_body(b"{this is not json")
        client.send_body(b"[1, 2, 3]")
        client.send_body(b"\xff\xfe not utf-8")
        client.send({"id": 2, "method": "textDocument/codeAction", "params": {"textDocument": {}}})
        assert client.response(2)["error"]["code"] == -32602  # invalid params, answered, not dropped
        client.send({"id": 3, "method": "keras/noSuchMethod", "params": {}})
        assert client.response(3)["error"]["code"] == -32601
        client.send({"method": "textDocument/didOpen", "params": {"textDocument": {"uri": uri}}})
        client.send(
            {
                "method": "textDocument/didChange",
                "params": {
                    "textDocument": {"uri": "file:///not/open.py", "version": 2},
                    "contentChanges": [{"text": "x"}],
                },
            }
        )

        item = {"uri": uri, "languageId": "python", "version": 1, "text": KLO201_SOURCE}
        client.send({"method": "textDocument/didOpen", "params": {"textDocument": item}})
        published = client.wait_for(lambda m: m.get("method") == "textDocument/publishDiagnostics")
        assert [d["code"] for d in published["params"]["diagnostics"]] == ["KLO201"]

        # A change whose range lies past the end of the document lands at its end, as LSP says.
        far = {"line": 999, "character": 5}
        client.send(
            {
                "method": "textDocument/didChange",
                "params": {
                    "textDocument": {"uri": uri, "version": 2},
                    "contentChanges": [{"range": {"start": far, "end": far}, "text": "x = 1\n"}],
                },
            }
        )
        published = client.wait_for(
            lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"].get("version") == 2
        )
        assert [d["code"] for d in published["params"]["diagnostics"]] == ["KLO201"]

        client.send({"id": 4, "method": "shutdown"})
        assert client.response(4)["result"] is None
        client.send({"method": "exit"})
        assert client.process.wait(timeout=15) == 0
    finally:
        if client.process.poll() is None:
            client.process.kill()
            client.process.wait()
    assert any("not open" in log for log in client.logs)
    assert any("textDocument/didOpen" in log for log in client.logs)


def test_a_client_that_counts_utf8_gets_utf8_columns(tmp_path: Path) -> None:
    client = RawClient(tmp_path)
    lines = KLO201_SOURCE.splitlines(keepends=True)
    lines[-1] = 'note = "é🙂"; ' + lines[-1]
    try:
        result = client.initialize(capabilities={"general": {"positionEncodings": ["utf-8", "utf-16"]}})
        assert result["capabilities"]["positionEncoding"] == "utf-8"
        item = {"uri": (tmp_path / "m.py").as_uri(), "languageId": "python", "version": 1, "text": "".join(lines)}
        client.send({"method": "textDocument/didOpen", "params": {"textDocument": item}})
        published = client.wait_for(lambda m: m.get("method") == "textDocument/publishDiagnostics")
        (diagnostic,) = published["params"]["diagnostics"]
        characters = lines[-1].index("{")
        assert diagnostic["range"]["start"]["character"] == characters + 1 + 3  # é: 2 bytes, 🙂: 4
    finally:
        client.process.kill()
        client.process.wait()


def test_exit_without_shutdown_is_status_1(tmp_path: Path) -> None:
    client = RawClient(tmp_path)
    try:
        client.initialize()
        client.send({"method": "exit"})
        assert client.process.wait(timeout=15) == 1
    finally:
        if client.process.poll() is None:
            client.process.kill()
            client.process.wait()


def test_without_pygls_the_server_says_how_to_install_it() -> None:
    # The core, the CLI and the server's entry point import without pygls; `main` explains and exits 2.
    script = (
        "import sys\n"
        "sys.modules['pygls'] = None\n"
        "sys.modules['lsprotocol'] = None\n"
        "import keras_loss_lint.faces.cli.main, keras_loss_lint.faces.flake8_plugin\n"
        "from keras_loss_lint.faces.lsp.server import main\n"
        "raise SystemExit(main([]))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip() == "keras-loss-lint server needs pygls 2: pip install 'keras-loss-lint[lsp]'"


def _descendants(pid: int) -> set[int]:
    """The processes below `pid` (Linux: read from every process's stat)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
def test_a_killed_server_leaves_no_process_behind(tmp_path: Path) -> None:
    # An editor that crashes, or kills its server instead of shutting it down, must not leave the
    # analysis worker waiting for ever.
    client = RawClient(tmp_path)
    try:
        client.initialize()
        uri = (tmp_path / "model.py").as_uri()
        client.open(uri, KLO201_SOURCE)
        assert [d["code"] for d in client.diagnostics(uri)] == ["KLO201"]
        below = _descendants(client.process.pid)
        assert below, "the server lints in a child process"
    finally:
        client.close()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(_alive(pid) for pid in below):
        time.sleep(0.1)
    assert not [pid for pid in below if _alive(pid)]
