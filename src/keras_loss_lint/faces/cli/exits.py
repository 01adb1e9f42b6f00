"""Exit codes and usage errors, shared by every subcommand (ruff's codes: 0 clean, 1 findings, 2 error)."""

from __future__ import annotations

PROG = "keras-loss-lint"
EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class UsageError(Exception):
    """Bad command-line usage, stated in one line."""
