"""An open image, members of its project and what each may read, for the discussion tests."""

from __future__ import annotations

import pytest

from tasks.models import Role, TaskState
from tasks.selectors.discussion import discussion_reader
from tests.factories import MembershipFactory, TaskFactory, UserFactory


@pytest.fixture(name="image")
def open_image(project):
    """An open image of `project` that asks for three answers."""
    return TaskFactory(project=project, state=TaskState.OPEN, target=3)


def member(project, role=Role.CONTRIBUTOR, **names):
    return MembershipFactory(project=project, role=role, user=UserFactory(**names)).user


def reader(user, project):
    return discussion_reader(user, project)
