"""A project, its answered images, tallies and ranked volunteers for the recognition tests."""

from __future__ import annotations

import pytest

from tasks.models import AnswerTally, Task, TaskState
from tests.factories import ProjectFactory, TaskFactory

BASE = {"scientificName": "Quercus ilex L.", "country": "France", "locality": "Grenoble"}


@pytest.fixture(name="project")
def recognition_project(db):
    return ProjectFactory(redundancy_min=2, redundancy_max=3)


@pytest.fixture(name="image")
def answered_image(project, transcribe):
    """`image(answers)`: a new image of `project` answered by each (user, values) in turn."""

    def make(answers):
        task = TaskFactory(project=project, target=2)
        for user, values in answers:
            transcribe(project, values, user=user, task=task)
        return Task.objects.get(pk=task.pk)

    return make


def ranked(user):
    user.rank_me = True
    user.save(update_fields=["rank_me"])
    return user


def tally(project, user, month, agreed, kept=0):
    """A tally row as a reconciliation would write it, on a settled image of its own."""
    task = TaskFactory(project=project, state=TaskState.COMPLETE)
    return AnswerTally.objects.create(
        project=project, task=task, user=user, month=month, agreed=agreed, kept=kept
    )
