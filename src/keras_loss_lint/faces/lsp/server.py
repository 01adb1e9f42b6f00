"""`keras-loss-lint server`: start the language server on stdin/stdout.

pygls is an optional dependency (the `lsp` extra), imported only here and only when the server
starts, so the core, the CLI and the flake8 plugin work without it.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
from typing import Sequence

INSTALL_HINT = "keras-loss-lint server needs pygls 2: pip install 'keras-loss-lint[lsp]'"
EXIT_ERROR = 2


def main(argv: Sequence[str] | None = None) -> int:
    """Serve LSP over stdio until the client says `exit` or closes the pipe; return the exit status
    (0 after `shutdown` then `exit`, 1 for `exit` without `shutdown`, 2 if pygls is missing)."""
    args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    if not _pygls_available():
        print(INSTALL_HINT, file=sys.stderr)
        return EXIT_ERROR
    try:
        _configure_logging(args.log_file, args.verbose)
    except OSError as error:
        print(f"keras-loss-lint server: cannot write the log file: {error}", file=sys.stderr)
        return EXIT_ERROR
    from keras_loss_lint.faces.lsp.language_server import create_server

    server = create_server()
    server.start_io(sys.stdin.buffer, sys.stdout.buffer)
    code = server.exit_code
    _exit_if_stuck(code)
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="keras-loss-lint server", description="Run the keras-loss-lint language server over stdio."
    )
    # vscode-languageclient appends --stdio for stdio transports; stdio is the only transport here.
    parser.add_argument("--stdio", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--log-file", metavar="PATH", help="write the server's log here instead of stderr")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debugging detail")
    return parser


def _pygls_available() -> bool:
    try:
        import lsprotocol.types  # noqa: F401
        import pygls.lsp.server  # noqa: F401 - pygls 1.x has no pygls.lsp.server
    except ImportError:
        return False
    return True


def _configure_logging(log_file: str | None, verbose: bool) -> None:
    # stdout carries the protocol: logs go to stderr (editors show it in the server's output panel).
    handler: logging.Handler = logging.FileHandler(log_file) if log_file else logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.WARNING)


def _exit_if_stuck(code: int) -> None:
    """After `exit`, a thread may still block reading a stdin the client keeps open; Python would wait
    for it forever at interpreter exit. End the process now instead."""
    others = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon]
    for thread in others:
        thread.join(timeout=0.2)
    if any(thread.is_alive() for thread in others):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
