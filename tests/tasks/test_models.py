"""Invariants the database and models keep."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from tasks.models import Lease, Transcription
from tasks.models.work import ImmutableRecordError
from tests.factories import ProjectFactory, TaskFactory, UserFactory


def transcription(task, user, key="k"):
    return Transcription.objects.create(
        project=task.project, task=task, user=user, values={"a": "1"}, idempotency_key=key
    )


def test_a_submitted_transcription_cannot_be_changed(db):
    task, user = TaskFactory(), UserFactory()
    submitted = transcription(task, user)
    submitted.values = {"a": "2"}
    with pytest.raises(ImmutableRecordError):
        submitted.save()
    assert Transcription.objects.get(pk=submitted.pk).values == {"a": "1"}


def test_one_contributor_transcribes_a_task_once(db):
    task, user = TaskFactory(), UserFactory()
    transcription(task, user, key="a")
    with pytest.raises(IntegrityError), transaction.atomic():
        transcription(task, user, key="b")


def test_an_idempotency_key_is_used_once_per_contributor(db):
    user = UserFactory()
    transcription(TaskFactory(), user, key="same")
    with pytest.raises(IntegrityError), transaction.atomic():
        transcription(TaskFactory(), user, key="same")


def test_a_contributor_holds_one_active_lease_per_task(db):
    from django.utils import timezone

    task, user = TaskFactory(), UserFactory()
    Lease.objects.create(task=task, user=user, expires_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        Lease.objects.create(task=task, user=user, expires_at=timezone.now())
    Lease.objects.filter(task=task).update(state="released")
    Lease.objects.create(
        task=task, user=user, expires_at=timezone.now()
    )  # a released one does not count


def test_the_same_image_is_one_task_per_project(db):
    project = ProjectFactory()
    TaskFactory(project=project, content_hash="a" * 64)
    TaskFactory(project=ProjectFactory(), content_hash="a" * 64)  # another project may have it
    with pytest.raises(IntegrityError), transaction.atomic():
        TaskFactory(project=project, content_hash="a" * 64)


def test_redundancy_minimum_may_not_exceed_the_maximum_in_the_database(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectFactory(redundancy_min=4, redundancy_max=3)
