from __future__ import annotations

from collections.abc import Iterator

import pytest

from crowd import health


@pytest.fixture
def readiness_patient(monkeypatch) -> Iterator[None]:
    """Readiness checked afresh, with a budget that only a hung part would reach. For tests
    where no part hangs: the 0.4 s budget bounds a hung Redis, and a busy two-core test machine
    can take longer than that to open a database connection, which would read as "down"."""
    monkeypatch.setattr(health, "BUDGET_SECONDS", 10.0)
    health._answer = None
    yield
    health._answer = None
