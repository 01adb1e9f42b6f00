"""`keras-loss-lint server`: hands over to keras_loss_lint.faces.lsp.server, or says what to install."""

from __future__ import annotations

import subprocess
import sys

import pytest

HINT = "keras-loss-lint: error: the language server needs: pip install 'keras-loss-lint[lsp]'\n"


def run_without(module: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI with `module` made unimportable (as if it were not installed)."""
    script = (
        "import sys\n"
        f"sys.modules[{module!r}] = None\n"
        "from keras_loss_lint.faces.cli.main import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    return subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
    )


def test_help_lists_the_server(cli):
    run = cli("--help")
    assert run.code == 0
    assert "server" in run.out and "keras-loss-lint[lsp]" in run.out


@pytest.mark.parametrize("missing", ["pygls", "pygls.lsp.server", "lsprotocol", "keras_loss_lint.faces.lsp.server"])
def test_without_the_lsp_extra_it_says_what_to_install(missing):
    completed = run_without(missing, "server")
    assert (completed.returncode, completed.stdout, completed.stderr) == (2, "", HINT)


def test_the_server_gets_its_own_arguments(cli, monkeypatch):
    pytest.importorskip("pygls.lsp.server")
    import keras_loss_lint.faces.lsp.server as server

    received = []
    monkeypatch.setattr(server, "main", lambda argv: received.append(list(argv)) or 7)
    assert cli("server", "--stdio", "--log-file", "x.log").code == 7
    assert received == [["--stdio", "--log-file", "x.log"]]


def test_server_help_is_the_servers(cli):
    pytest.importorskip("pygls.lsp.server")
    run = cli("server", "--help")
    assert run.code == 0
    assert "usage: keras-loss-lint server" in run.out
