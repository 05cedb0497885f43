"""What a reconciliation knows of an image's answerers, read in one statement on PostgreSQL
(`answerers_read`), equals what the selectors read one by one."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tasks.models import (
    AnswerTally,
    Badge,
    ContributorReliability,
    MachineReliability,
    Role,
    TaskState,
)
from tasks.selectors.trust import proven_user_ids
from tasks.services.reconcile_reads import answerers_read, learnt_weights
from tests.factories import MembershipFactory, ProjectFactory, TaskFactory, UserFactory
from tests.helpers import prove

pytestmark = pytest.mark.django_db

MARCH = datetime.date(2025, 3, 1)


@pytest.fixture
def scene():
    """A project, an image, and people of every kind the read tells apart."""
    project, elsewhere = ProjectFactory(), ProjectFactory()
    task = TaskFactory(project=project)
    lead, admin, trusted, unsure, newcomer, voided = (UserFactory() for _ in range(6))
    MembershipFactory(project=project, user=lead, role=Role.LEAD)
    MembershipFactory(project=elsewhere, user=newcomer, role=Role.CURATOR)  # not here
    admin.is_superuser = True
    admin.save(update_fields=["is_superuser"])
    prove(project, trusted)
    prove(project, unsure, compared=50, agreed=10)
    prove(elsewhere, newcomer)
    for user, field_type, weight in ((trusted, "text", 1.7), (unsure, "date", 0.4)):
        ContributorReliability.objects.create(
            project=project, user=user, field_type=field_type, weight=weight
        )
    ContributorReliability.objects.create(
        project=elsewhere, user=newcomer, field_type="text", weight=2.0
    )
    MachineReliability.objects.create(project=project, field_type="text", weight=0.8)
    MachineReliability.objects.create(project=elsewhere, field_type="text", weight=0.1)
    other_image = TaskFactory(project=project, state=TaskState.COMPLETE)
    for user, on in ((trusted, task), (voided, task), (unsure, other_image)):
        AnswerTally.objects.create(
            project=project, task=on, user=user, month=MARCH, agreed=3, kept=1
        )
    now = timezone.now()
    for user, in_project, kind in (
        (trusted, project, "first_transcription"),
        (voided, project, "agreed_100"),  # no longer an answerer, still named by a tally
        (newcomer, elsewhere, "first_transcription"),
    ):
        Badge.objects.create(project=in_project, user=user, kind=kind, earned_at=now)
    Badge.objects.create(
        project=project, user=trusted, kind="mastery", detail="date", earned_at=now
    )
    answerers = {lead.pk, admin.pk, trusted.pk, unsure.pk, newcomer.pk}
    return project, task, answerers, {"trusted": trusted, "voided": voided}


def test_the_answerers_read_gives_what_the_selectors_give(scene):
    project, task, answerers, people = scene
    task.project = project
    read = answerers_read(task=task, user_ids=answerers)
    assert read.weights == learnt_weights(project=project, user_ids=answerers)
    assert read.proven == proven_user_ids(project=project, user_ids=answerers)
    assert read.machine_weights == {"text": 0.8}
    if connection.vendor == "postgresql":
        trusted, voided = people["trusted"], people["voided"]
        assert read.tallies == {trusted.pk: (3, 1, MARCH), voided.pk: (3, 1, MARCH)}
        assert read.badges == {
            trusted.pk: {("first_transcription", ""), ("mastery", "date")},
            voided.pk: {("agreed_100", "")},
        }
    else:  # SQLite: left to the recognition services' own reads
        assert read.tallies is None
        assert read.badges is None


def test_with_trust_switched_off_every_answerer_is_proven(scene, settings):
    project, task, answerers, _people = scene
    task.project = project
    settings.TRUST_MIN_COMPARISONS = 0
    assert answerers_read(task=task, user_ids=answerers).proven == answerers


@pytest.mark.skipif(connection.vendor != "postgresql", reason="one statement on PostgreSQL")
def test_the_answerers_are_read_in_one_statement(scene):
    project, task, answerers, _people = scene
    task.project = project
    with CaptureQueriesContext(connection) as read:
        answerers_read(task=task, user_ids=answerers)
    assert len(read.captured_queries) == 1
