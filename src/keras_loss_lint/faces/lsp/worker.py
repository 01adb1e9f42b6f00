"""Lints run in a child process, one at a time, each with a time limit.

One document whose analysis takes a minute must not hold back the diagnostics of every other one, and
a Python thread cannot be stopped half-way through; a process can. The server therefore hands every
lint (and every "fix all" and cache invalidation, so that they stay ordered with the lints) to one
child process. A call that runs past its limit kills the child; the next call starts a fresh one
(its configuration caches start empty, which is only slower).

Calls are serialised by an asyncio lock rather than queued in the pool, so a call's limit counts only
its own running time, never the time it waited behind another document. A call whose caller goes
away (a newer change superseded it) still runs to its end or its limit while holding the lock: the
child is busy with it either way, and the next call must not be charged for it.

The child keeps a copy of the open documents' texts; each call sends only the texts that changed
since the previous one, so a lint does not copy every open document across the pipe.

Nothing here imports pygls: the child imports only this module and `linting`.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import sys
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence, TypeVar

from keras_loss_lint.faces.lsp.linting import Linter, Outcome

T = TypeVar("T")
KILL = getattr(signal, "SIGKILL", signal.SIGTERM)  # Windows has no SIGKILL; SIGTERM terminates there


class TimeLimitExceeded(Exception):
    """The call ran past its limit; the child that ran it was stopped."""


class WorkerFailed(Exception):
    """The child died during the call (killed from outside, out of memory, a crash in a C extension)."""


class LintWorker:
    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._pid: int | None = None
        self._lock = asyncio.Lock()
        self._sent: dict[str, str] = {}  # what the current child holds as the open documents' texts
        self._stopped = False

    async def lint(
        self,
        text: str,
        path: Path | None,
        folders: Sequence[Path],
        open_texts: Mapping[str, str],
        limit: float,
        wanted: Callable[[], bool] = lambda: True,
        notebook_cells: Sequence[str] | None = None,
    ) -> Outcome | None:
        """The lint of `text`; None when `wanted()` turned false before it started. `notebook_cells`:
        the raw cell sources when `text` is a notebook's module (their pip pins count)."""

        def arguments() -> tuple[Any, ...]:
            cells = None if notebook_cells is None else list(notebook_cells)
            return (text, path, list(folders), self._delta(open_texts), cells)

        return await self._call(_lint, arguments, limit, wanted)

    async def fix_all(
        self, text: str, path: Path | None, folders: Sequence[Path], open_texts: Mapping[str, str], limit: float
    ) -> str | None:
        """`text` with its safe fixes applied, the project's modules read as for `lint`."""
        return await self._call(_fix_all, lambda: (text, path, list(folders), self._delta(open_texts)), limit)

    async def invalidate(self, paths: list[Path | None], limit: float) -> None:
        await self._call(_invalidate, lambda: (paths,), limit)

    def stop(self) -> None:
        self._stopped = True
        self._kill()

    # -- running calls --------------------------------------------------------------------------

    async def _call(
        self,
        function: Callable[..., T],
        arguments: Callable[[], tuple[Any, ...]],
        limit: float,
        wanted: Callable[[], bool] = lambda: True,
    ) -> T | None:
        task = asyncio.ensure_future(self._run(function, arguments, limit, wanted))
        # Retrieve the outcome even when nobody awaits it any more (see the module's docstring).
        task.add_done_callback(lambda done: done.cancelled() or done.exception())
        return await asyncio.shield(task)

    async def _run(
        self,
        function: Callable[..., T],
        arguments: Callable[[], tuple[Any, ...]],
        limit: float,
        wanted: Callable[[], bool],
    ) -> T | None:
        async with self._lock:
            if self._stopped:
                raise WorkerFailed("the server is shutting down")
            if not wanted():
                return None  # superseded while it waited: skip the work
            pool = await self._ready()
            # Taken only now, so the texts sent are those the child will hold when it runs the call.
            future = asyncio.get_running_loop().run_in_executor(pool, function, *arguments())
            try:
                return await asyncio.wait_for(future, timeout=limit)
            except asyncio.TimeoutError:
                self._kill()
                raise TimeLimitExceeded(f"stopped after {limit:g} s") from None
            except BrokenProcessPool as error:
                self._kill()
                raise WorkerFailed("the analysis process ended unexpectedly") from error

    async def _ready(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # spawn, not fork: the server has threads (the stdin reader), and a forked child could
            # inherit one of their locks held.
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=_start_child)
            self._sent = {}
            self._pid = await asyncio.get_running_loop().run_in_executor(self._pool, os.getpid)
        return self._pool

    def _kill(self) -> None:
        pool, pid = self._pool, self._pid
        self._pool = self._pid = None
        self._sent = {}
        if pid is not None:
            try:
                os.kill(pid, KILL)
            except OSError:  # already gone
                pass
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def _delta(self, open_texts: Mapping[str, str]) -> dict[str, str | None]:
        """What changed in the open texts since the child last heard (None: closed)."""
        delta: dict[str, str | None] = {path: None for path in self._sent if path not in open_texts}
        for path, text in open_texts.items():
            if self._sent.get(path) is not text:
                delta[path] = text
        self._sent = dict(open_texts)
        return delta


# ---------------------------------------------------------------------------------------------------
# In the child


_linter: Linter | None = None
_open_texts: dict[str, str] = {}


def _start_child() -> None:
    global _linter
    _exit_with_the_server()
    # stdout is the server's protocol stream, inherited: anything printed there would corrupt it.
    sys.stdout = sys.stderr
    try:
        os.dup2(sys.stderr.fileno(), 1)
    except (OSError, ValueError):  # stderr is not a real file: stdout is at least not written to
        pass
    _linter = Linter()


def _exit_with_the_server() -> None:
    """End this child when the server ends, however it ends. A pool's worker waits for its next call
    on a pipe whose writing end it holds itself, so a server killed by its editor (no shutdown, no
    clean exit) would leave it waiting for ever; the parent's sentinel is ready once the parent is gone."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return
    sentinel = parent.sentinel

    def watch() -> None:
        wait([sentinel])
        os._exit(0)

    threading.Thread(target=watch, name="keras-loss-lint-server-watch", daemon=True).start()


def _child_linter() -> Linter:
    global _linter
    if _linter is None:
        _linter = Linter()
    return _linter


def _lint(
    text: str,
    path: Path | None,
    folders: list[Path],
    delta: dict[str, str | None],
    notebook_cells: list[str] | None = None,
) -> Outcome:
    open_texts = _take(delta)
    try:
        return _child_linter().lint(text, path, folders, open_texts, notebook_cells)
    except Exception as error:  # noqa: BLE001 - reported by the server as an internal error
        return Outcome(internal_error=f"{type(error).__name__}: {error}")


def _fix_all(text: str, path: Path | None, folders: list[Path], delta: dict[str, str | None]) -> str | None:
    return _child_linter().fix_all(text, path, folders, _take(delta))


def _take(delta: dict[str, str | None]) -> dict[str, str]:
    """The open documents' texts, after the changes the server sent with this call."""
    for name, value in delta.items():
        if value is None:
            _open_texts.pop(name, None)
        else:
            _open_texts[name] = value
    return dict(_open_texts)


def _invalidate(paths: list[Path | None]) -> None:
    linter = _child_linter()
    for path in paths:
        linter.invalidate(path)
