"""Counts the cases each reader's fuzz test tried and reports them in the summary."""

from __future__ import annotations

import pytest
from fuzzing import LOADED, TRIED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not TRIED:
        return
    terminalreporter.section("fuzzed readers")
    for reader in sorted(TRIED):
        tried, loaded = TRIED[reader], LOADED[reader]
        terminalreporter.write_line(
            f"{reader}: {tried} cases, {loaded} loaded, {tried - loaded} refused in one line"
        )
