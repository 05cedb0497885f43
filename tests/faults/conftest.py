from __future__ import annotations

import pytest

from tests.faults.stack import FIGURES, fault_stack


@pytest.fixture(scope="session")
def faults_stack(tmp_path_factory):
    with fault_stack(tmp_path_factory.mktemp("faults")) as running:
        yield running


@pytest.fixture
def faults(faults_stack):
    """The fault tier's stack, whole again: what the previous scenario stopped is restarted."""
    faults_stack.heal()
    return faults_stack


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    # The figures are the tier's report: printed in CI output, where pytest hides prints.
    if FIGURES:
        terminalreporter.section("fault tier figures")
        for line in FIGURES:
            terminalreporter.write_line(line)
