"""Assignment under real concurrency, on PostgreSQL (row locks with SKIP LOCKED)."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection, connections

from tasks.models import Lease, LeaseState, Task, Transcription
from tasks.services.leases import lease_grant
from tasks.services.submissions import transcription_submit
from tests.factories import ProjectFactory, TaskFactory, UserFactory
from tests.servers import missing

pytestmark = pytest.mark.django_db(transaction=True)


def test_fifty_contributors_on_twenty_tasks_of_target_three_make_exactly_sixty_transcriptions():
    project, users, start = _crowd()
    errors: list[BaseException] = []

    def contribute(user):
        try:
            start.wait()
            while (lease := lease_grant(project=project, user=user)) is not None:
                transcription_submit(
                    task_id=lease.task_id,
                    user=user,
                    lease_id=lease.pk,
                    values={"scientificName": f"Quercus {user.pk}"},
                    markers={},
                    idempotency_key=f"{user.pk}-{lease.task_id}",
                )
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    _run_all(users, contribute, timeout=120)
    assert errors == []
    _sixty_answers_checked(project)


def _crowd():
    """Twenty images of target 3 (that reconciliation may not raise: the maximum is 3 too),
    fifty volunteers, and the barrier they start at together."""
    if connection.vendor != "postgresql":
        missing("the concurrency test needs PostgreSQL: set DATABASE_URL=postgres://…")
    project = ProjectFactory(assignment_order="depth", redundancy_min=3, redundancy_max=3)
    for _ in range(20):
        TaskFactory(project=project, target=3)
    users = [UserFactory() for _ in range(50)]
    return project, users, threading.Barrier(len(users))


def _run_all(users, contribute, timeout):
    threads = [threading.Thread(target=contribute, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)


def _sixty_answers_checked(project):
    """Three answers on each of the twenty images, by three people each, every lease used."""
    assert Transcription.objects.count() == 60
    per_task = Counter(Transcription.objects.values_list("task_id", flat=True))
    assert sorted(per_task.values()) == [3] * 20
    assert all(task.transcription_count == 3 for task in Task.objects.filter(project=project))
    pairs = Counter(Transcription.objects.values_list("task_id", "user_id"))
    assert max(pairs.values()) == 1  # nobody twice on a task
    # No lease lost: every lease ended in a transcription, none is left hanging.
    assert Lease.objects.count() == 60
    assert set(Lease.objects.values_list("state", flat=True)) == {LeaseState.SUBMITTED}


def test_fifty_contributors_over_the_apis_statements_make_exactly_sixty_transcriptions():
    """The same crowd through the services the API runs (`next_task_grant`, `answer_record`: the
    hand-written statements, submit's write with no transaction around it), each answer sent
    twice at once as a client's retry would: sixty answers, none twice, none over a target."""
    from tasks.services.assignment import answer_record, next_task_grant

    project, users, start = _crowd()
    errors: list[BaseException] = []
    created: list[int] = []

    def send(user, lease, key, answered):
        try:
            submitted = answer_record(
                task_id=lease.task_id, user=user, lease_id=lease.pk,
                values={"scientificName": f"Quercus {user.pk}"}, markers={}, idempotency_key=key,
            )  # fmt: skip
            answered.append(submitted.transcription.pk)
            if submitted.created:
                created.append(submitted.transcription.pk)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    def contribute(user):
        try:
            start.wait()
            while (lease := next_task_grant(slug=project.slug, user=user)[1]) is not None:
                key, answered = f"{user.pk}-{lease.task_id}", list[int]()
                connections.close_all()  # back to the pool while the two sends need theirs
                twice = [
                    threading.Thread(target=send, args=(user, lease, key, answered))
                    for _ in range(2)
                ]
                for thread in twice:
                    thread.start()
                for thread in twice:
                    thread.join(timeout=60)
                assert len(answered) == 2, answered
                assert answered[0] == answered[1]  # the same answer to both
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    _run_all(users, contribute, timeout=180)
    assert errors == []
    assert sorted(created) == sorted(Transcription.objects.values_list("pk", flat=True))
    _sixty_answers_checked(project)
