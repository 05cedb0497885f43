"""Reconciliation is coalesced per image: a burst of answers on one image is one job, an answer
that comes after the job started sends another, and the sweep re-sends a job that was lost.
Counted as Celery publishes them (tests/conftest.py `published_jobs`), on the real services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tasks import jobs
from tasks.models import Task
from tasks.services.reconcile import task_reconcile
from tests.factories import ProjectFactory, TaskFactory

VALUES = {"scientificName": "Quercus ilex L."}


@pytest.fixture
def project(db):
    return ProjectFactory(redundancy_min=3, redundancy_max=5)


def reconciliations(published: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [sent for sent in published if sent[0] == jobs.RECONCILE]


def test_three_answers_on_one_image_before_its_job_runs_send_one_job(
    project, transcribe, published_jobs
):
    task = TaskFactory(project=project, target=3)
    for _ in range(3):
        transcribe(project, VALUES, task=task)
    assert reconciliations(published_jobs) == [(jobs.RECONCILE, "reconcile")]
    assert Task.objects.get(pk=task.pk).reconcile_pending
    task_reconcile(task_id=task.pk)  # the one job reads all three
    task.refresh_from_db()
    assert (task.reconcile_pending, task.state) == (False, "complete")


def test_an_answer_after_the_job_cleared_the_flag_sends_another_job(
    project, transcribe, published_jobs
):
    task = TaskFactory(project=project, target=3)
    transcribe(project, VALUES, task=task)
    transcribe(project, VALUES, task=task)
    task_reconcile(task_id=task.pk)
    transcribe(project, VALUES, task=task)
    assert len(reconciliations(published_jobs)) == 2
    assert Task.objects.get(pk=task.pk).reconcile_pending


def test_answers_on_different_images_each_send_their_job(project, transcribe, published_jobs):
    project.assignment_order = "breadth"
    project.save()
    first, second = TaskFactory(project=project, target=3), TaskFactory(project=project, target=3)
    transcribe(project, VALUES, task=first)
    transcribe(project, VALUES, task=second)
    assert len(reconciliations(published_jobs)) == 2


def test_the_sweep_resends_a_job_that_was_lost_while_answers_kept_coming(
    project, transcribe, published_jobs
):
    from worker.jobs import sweep

    task = TaskFactory(project=project, target=3)
    transcribe(project, VALUES, task=task)
    published_jobs.clear()  # that message is lost
    transcribe(project, VALUES, task=task)
    assert reconciliations(published_jobs) == []  # pending: the lost job would have read it
    Task.objects.filter(pk=task.pk).update(
        last_transcribed_at=timezone.now() - timedelta(minutes=2)
    )
    sweep()
    assert reconciliations(published_jobs) == [(jobs.RECONCILE, "reconcile")]
