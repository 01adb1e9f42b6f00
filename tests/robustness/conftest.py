"""Robustness tests: property-based tests, the installed Python code as a corpus, bad input and failing
writes. `KLL_HYPOTHESIS_PROFILE=long` runs the property tests with many more examples."""

from __future__ import annotations

import pytest
from robust_helpers import SUMMARY


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if SUMMARY:
        terminalreporter.section("robustness")
        for line in SUMMARY:
            terminalreporter.write_line(line)
