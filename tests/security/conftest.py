"""The domain tests' fixtures, shared with the security tests."""

import pytest
from django.core.cache import cache

from tests.tasks.conftest import committed, complete_tasks  # noqa: F401


@pytest.fixture
def fresh_counters():
    """Rate limits and cool-offs kept in the test process's memory cache start at zero."""
    cache.clear()
    yield
    cache.clear()
