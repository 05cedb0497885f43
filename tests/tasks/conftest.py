"""Fixtures of the platform's tests."""

from __future__ import annotations

import pytest

from tasks.models import Task
from tests.factories import TaskFactory, UserFactory
from tests.helpers import page_client
from tests.tasks.exports import VALUES


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what is sent on commit (the ingest jobs, eagerly) when the block ends."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def complete_tasks(project, transcribe):
    """Three tasks, each transcribed twice (the same values): complete. Returns the tasks and the
    two contributors (the first credited by name)."""
    project.redundancy_min = project.redundancy_max = 2
    project.save()
    people = [UserFactory(display_name="Jeanne Baret", credit_me=True), UserFactory()]
    tasks = [
        TaskFactory(project=project, target=2, metadata={"catalogNumber": f"C{n}"})
        for n in range(3)
    ]
    for person in people:
        for _ in tasks:
            transcribe(project, VALUES, user=person)
    assert set(Task.objects.filter(project=project).values_list("state", flat=True)) == {"complete"}
    return tasks, people


@pytest.fixture
def lead_page(lead):
    """A page client signed in as the project's lead."""
    return page_client(lead)
