"""`check -v`: what the run does, one line each on stderr, in the shape of ruff's verbose log
(`[date][time][module][DEBUG] message`), so that it never mixes with the report on stdout."""

from __future__ import annotations

import sys
import time


class Log:
    """Writes only when enabled; callers build costly messages only after checking `enabled`."""

    __slots__ = ("enabled",)

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def debug(self, message: str) -> None:
        if self.enabled:
            stamp = time.strftime("[%Y-%m-%d][%H:%M:%S]")
            print(f"{stamp}[keras_loss_lint.check][DEBUG] {message}", file=sys.stderr, flush=True)


QUIET = Log(False)


def elapsed(start: float) -> str:
    return f"{(time.perf_counter() - start) * 1000:.1f}ms"
