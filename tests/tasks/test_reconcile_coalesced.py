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
    two_minutes_ago = timezone.now() - timedelta(minutes=2)
    Task.objects.filter(pk=task.pk).update(
        last_transcribed_at=two_minutes_ago, reconcile_sent_at=two_minutes_ago
    )
    sweep()
    assert reconciliations(published_jobs) == [(jobs.RECONCILE, "reconcile")]
    sweep()  # sent a moment ago: it may be waiting in a long queue, not lost
    assert len(reconciliations(published_jobs)) == 1


def test_the_sweep_leaves_a_job_sent_recently_to_its_queue(project, transcribe, published_jobs):
    # A backlog longer than the sweep's wait must not grow by a copy of each job at each sweep.
    from worker.jobs import sweep

    task = TaskFactory(project=project, target=3)
    transcribe(project, VALUES, task=task)
    published_jobs.clear()  # still queued behind others
    Task.objects.filter(pk=task.pk).update(
        last_transcribed_at=timezone.now() - timedelta(minutes=2)
    )
    sweep()
    assert reconciliations(published_jobs) == []


@pytest.mark.django_db(transaction=True)
def test_racing_answers_and_a_running_job_leave_no_answer_unreconciled(published_jobs):
    """On PostgreSQL, with real row locks: five answers at once send one job; then five more
    race the job itself, and every answer is either read by that job or has a job of its own."""
    import threading

    from django.db import connection, connections

    from tasks.services.leases import lease_grant
    from tasks.services.submissions import transcription_submit
    from tests.factories import UserFactory
    from tests.servers import missing

    if connection.vendor != "postgresql":
        missing("the concurrency test needs PostgreSQL: set DATABASE_URL=postgres://…")
    project = ProjectFactory(redundancy_min=10, redundancy_max=10, status="active")
    task = TaskFactory(project=project, target=10)
    leases = [lease_grant(project=project, user=UserFactory()) for _ in range(10)]
    assert all(lease is not None and lease.task_id == task.pk for lease in leases)
    errors: list[BaseException] = []

    def at_once(actions) -> None:
        start = threading.Barrier(len(actions))

        def run(action) -> None:
            try:
                start.wait()
                action()
            except BaseException as error:
                errors.append(error)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=run, args=(action,)) for action in actions]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert errors == []

    def answer(lease):
        return lambda: transcription_submit(
            task_id=task.pk,
            user=lease.user,
            lease_id=lease.pk,
            values=VALUES,
            markers={},
            idempotency_key=f"k-{lease.pk}",
        )

    at_once([answer(lease) for lease in leases[:5]])
    assert reconciliations(published_jobs) == [(jobs.RECONCILE, "reconcile")]
    published_jobs.clear()
    at_once([lambda: task_reconcile(task_id=task.pk), *(answer(lease) for lease in leases[5:])])
    task.refresh_from_db()
    counted = max(task.field_results.values_list("n", flat=True))
    if task.reconcile_pending:
        assert reconciliations(published_jobs) == [(jobs.RECONCILE, "reconcile")]
        assert counted < 10
    else:
        assert counted == 10
