"""The domain tests' fixtures, shared with the security tests."""

import pytest
from django.core.cache import cache

from tasks.models import TaskState
from tests.factories import TaskFactory
from tests.tasks.conftest import committed, complete_tasks  # noqa: F401
from tests.tasks.exports import VALUES


@pytest.fixture
def fresh_counters():
    """Rate limits and cool-offs kept in the test process's memory cache start at zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def transcribed(project, transcribe):
    """One image transcribed alike by two people (complete), and the two people."""
    project.redundancy_min, project.redundancy_max = 2, 3
    project.save()
    task = TaskFactory(project=project, target=2)
    people = [transcribe(project, VALUES, task=task) for _ in range(2)]
    task.refresh_from_db()
    assert task.state == TaskState.COMPLETE
    return task, people
