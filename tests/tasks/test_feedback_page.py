"""The volunteer's feedback page: their own recent transcriptions, what came of each image, and
never anyone else's values on an image still collecting answers or waiting for a curator."""

from __future__ import annotations

import re

import pytest

from tasks.models import FieldResult, Task
from tasks.selectors.feedback import PER_PAGE
from tasks.services.review import field_result_resolve
from tests.factories import MembershipFactory, ProjectFactory, TaskFactory, UserFactory
from tests.helpers import page_client

pytestmark = pytest.mark.django_db

BASE = {"scientificName": "Quercus ilex L.", "country": "France", "locality": "Grenoble"}


@pytest.fixture
def project(db):
    return ProjectFactory(redundancy_min=2, redundancy_max=2)


def feedback(user, project, **query):
    response = page_client(user).get(f"/projects/{project.slug}/my-feedback/", query)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def rows(page):
    """(task id, outcome) of each listed transcription, in order."""
    return [
        (int(task), outcome)
        for task, outcome in re.findall(r'data-task="(\d+)" data-outcome="(\w+)"', page)
    ]


def test_each_image_says_what_came_of_it_newest_first(project, transcribe, curator):
    me, other = UserFactory(), UserFactory()
    agreed = TaskFactory(project=project, target=2)
    transcribe(project, BASE, user=me, task=agreed)
    transcribe(project, BASE, user=other, task=agreed)
    settled_against_me = TaskFactory(project=project, target=2)
    transcribe(project, {**BASE, "locality": "Lyon"}, user=me, task=settled_against_me)
    transcribe(project, BASE, user=other, task=settled_against_me)
    field_result_resolve(
        field_result_id=FieldResult.objects.get(task=settled_against_me, key="locality").pk,
        curator=curator,
        decision="accept",
        value="Grenoble",
    )
    assert Task.objects.get(pk=settled_against_me.pk).state == "resolved"
    waiting = TaskFactory(project=project, target=2)
    transcribe(project, BASE, user=me, task=waiting)

    page = feedback(me, project)
    assert rows(page) == [
        (waiting.pk, "open"),
        (settled_against_me.pk, "differs"),
        (agreed.pk, "agrees"),
    ]
    # Where my answer differs: my reading, then the settled one, under the field's label.
    assert re.search(r"Locality</th>\s*<td><q>Lyon</q></td>\s*<td><q>Grenoble</q></td>", page), page
    assert "9 of 10 fields agree with yours." in page
    assert "10 of 10 fields agree with yours." in page


def test_an_image_still_open_or_disputed_never_shows_another_reader_s_value(project, transcribe):
    me, other = UserFactory(), UserFactory()
    # Still collecting answers: two readings of three.
    project.redundancy_min = project.redundancy_max = 3
    project.save()
    open_task = TaskFactory(project=project, target=3)
    transcribe(project, BASE, user=me, task=open_task)
    transcribe(project, {**BASE, "locality": "Chambéry-le-Vieux"}, user=other, task=open_task)
    assert Task.objects.get(pk=open_task.pk).state in {"open", "needs_more"}
    # Waiting for a curator: two readings that differ, at the maximum.
    project.redundancy_min = project.redundancy_max = 2
    project.save()
    disputed = TaskFactory(project=project, target=2)
    transcribe(project, BASE, user=me, task=disputed)
    transcribe(project, {**BASE, "locality": "Saint-Martin-d'Hères"}, user=other, task=disputed)
    assert Task.objects.get(pk=disputed.pk).state == "disputed"

    page = feedback(me, project)
    assert rows(page) == [(disputed.pk, "disputed"), (open_task.pk, "open")]
    assert "Chambéry" not in page
    assert "Saint-Martin" not in page
    assert "Grenoble" not in page  # nor my own value, nor any leading value: only the state
    assert "Still collecting answers" in page
    assert "Disputed: waiting for a curator" in page


def test_only_my_own_transcriptions_are_listed(project, transcribe):
    project.assignment_order = "breadth"  # the other reader gets the image nobody read
    project.save()
    me, other = UserFactory(), UserFactory()
    mine = TaskFactory(project=project, target=2)
    theirs = TaskFactory(project=project, target=2)
    transcribe(project, BASE, user=me, task=mine)
    transcribe(project, {**BASE, "locality": "Vizille"}, user=other, task=theirs)
    page = feedback(me, project)
    assert rows(page) == [(mine.pk, "open")]
    assert "Vizille" not in page
    assert rows(feedback(other, project)) == [(theirs.pk, "open")]
    # Someone who never transcribed here is told so, and shown the way to start.
    newcomer = feedback(UserFactory(), project)
    assert rows(newcomer) == []
    assert "You have not transcribed any image of this project yet." in newcomer


def test_the_list_is_paginated_and_a_wrong_page_number_is_harmless(project, transcribe):
    project.redundancy_min = project.redundancy_max = 3
    project.save()
    me = UserFactory()
    tasks = [TaskFactory(project=project, target=3) for _ in range(PER_PAGE + 3)]
    for _ in tasks:
        transcribe(project, BASE, user=me)
    first = feedback(me, project)
    assert len(rows(first)) == PER_PAGE
    assert "Page 1 of 2" in first
    assert 'href="?page=2#mine-heading"' in first
    second = feedback(me, project, page=2)
    assert len(rows(second)) == 3
    assert {task for task, _ in rows(first) + rows(second)} == {task.pk for task in tasks}
    assert rows(feedback(me, project, page="x<script>")) == rows(first)
    assert rows(feedback(me, project, page=99999)) == rows(second)


def test_a_thumbnail_and_the_way_back_to_work(project, transcribe):
    me = UserFactory()
    task = TaskFactory(project=project, target=2)
    Task.objects.filter(pk=task.pk).update(thumbnail=f"projects/{project.pk}/thumbnails/t.jpg")
    transcribe(project, BASE, user=me, task=task)
    page = feedback(me, project)
    assert f'src="/media/projects/{project.pk}/thumbnails/t.jpg"' in page
    transcribe_url = f"/projects/{project.slug}/transcribe/"
    assert page.count(f'href="{transcribe_url}"') == 2  # above the list and below it
    assert "Continue transcribing" in page


def test_no_way_back_to_work_where_one_may_not_transcribe(project, transcribe):
    me = UserFactory()
    TaskFactory(project=project, target=2)
    transcribe(project, BASE, user=me)
    project.status = "paused"
    project.save()
    page = feedback(me, project)
    assert "Continue transcribing" not in page
    assert len(rows(page)) == 1


def test_the_page_is_members_only_where_the_project_is(transcribe):
    private = ProjectFactory(visibility="members", redundancy_min=2, redundancy_max=2)
    member = MembershipFactory(project=private, role="contributor").user
    TaskFactory(project=private, target=2)
    transcribe(private, BASE, user=member)
    url = f"/projects/{private.slug}/my-feedback/"
    assert page_client(UserFactory()).get(url).status_code == 404
    assert page_client().get(url).status_code == 302  # to the log-in page
    assert len(rows(feedback(member, private))) == 1
