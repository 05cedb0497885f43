"""The community's list pages read a fixed number of queries, however long the list: an image's
thread, the board, the moderation list, the news, a person's notifications, a ranking."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tasks.models import AnswerTally, Role, TaskState
from tasks.services.discussion import comment_post, comment_report, topic_open
from tasks.services.news import news_publish
from tests.factories import MembershipFactory, ProjectFactory, TaskFactory, UserFactory
from tests.helpers import page_client

pytestmark = pytest.mark.django_db


def _community(project, curator, lead, size):
    """`size` volunteers, each with a comment on one image (replying to the first, naming the
    first volunteer, tagged), a board topic, a report by the curator, a news post and a place
    in the ranking. Returns the image and the first volunteer."""
    image = TaskFactory(project=project, state=TaskState.COMPLETE)
    people = [
        MembershipFactory(
            project=project, role=Role.CONTRIBUTOR, user=UserFactory(rank_me=True)
        ).user
        for _ in range(size)
    ]
    first = None
    for n, person in enumerate(people):
        posted = comment_post(
            actor=person,
            project=project,
            task=image,
            body=f"Look #tag @{people[0].username}",
            reply_to_id=first,
        ).comment
        first = first or posted.pk
        topic_open(actor=person, project=project, title=f"Topic {n}", body="Text")
        comment_report(actor=curator, comment=posted, reason="spam")
        news_publish(project=project, author=lead, title=f"News {n}", body="Text")
        AnswerTally.objects.create(
            project=project,
            task=TaskFactory(project=project),
            user=person,
            month=datetime.date(2025, 3, 1),
            agreed=n + 1,
        )
    return image, people[0]


def _queries(project, curator, lead, size, settings):
    settings.DISCUSSION_COMMENTS_PER_HOUR = settings.DISCUSSION_REPORTS_PER_HOUR = 1000
    image, volunteer = _community(project, curator, lead, size)
    talk = f"/projects/{project.slug}/talk/"
    pages = {
        "thread": (curator, f"{talk}images/{image.pk}/"),
        "board": (curator, talk),
        "moderation": (curator, f"{talk}moderation/"),
        "tag": (curator, f"{talk}tags/tag/"),
        "news": (volunteer, f"/projects/{project.slug}/news/"),
        "notifications": (volunteer, "/notifications/"),
        "ranking": (volunteer, f"/projects/{project.slug}/ranking/"),
    }
    counts = {}
    for name, (user, path) in pages.items():
        client = page_client(user)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert response.status_code == 200, (name, response.status_code)
        counts[name] = len(queries)
    return counts


def test_list_pages_read_as_many_queries_for_25_items_as_for_2(project, curator, lead, settings):
    few = _queries(project, curator, lead, 2, settings)
    other = ProjectFactory()
    MembershipFactory(project=other, user=lead, role=Role.LEAD)
    MembershipFactory(project=other, user=curator, role=Role.CURATOR)
    many = _queries(other, curator, lead, 25, settings)
    assert many == few
