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
    if connection.vendor != "postgresql":
        missing("the concurrency test needs PostgreSQL: set DATABASE_URL=postgres://…")
    # Target 3 that reconciliation may not raise: the maximum is 3 too.
    project = ProjectFactory(assignment_order="depth", redundancy_min=3, redundancy_max=3)
    for _ in range(20):
        TaskFactory(project=project, target=3)
    users = [UserFactory() for _ in range(50)]
    start = threading.Barrier(len(users))
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

    threads = [threading.Thread(target=contribute, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert Transcription.objects.count() == 60
    per_task = Counter(Transcription.objects.values_list("task_id", flat=True))
    assert sorted(per_task.values()) == [3] * 20
    assert all(task.transcription_count == 3 for task in Task.objects.filter(project=project))
    pairs = Counter(Transcription.objects.values_list("task_id", "user_id"))
    assert max(pairs.values()) == 1  # nobody twice on a task
    # No lease lost: every lease ended in a transcription, none is left hanging.
    assert Lease.objects.count() == 60
    assert set(Lease.objects.values_list("state", flat=True)) == {LeaseState.SUBMITTED}
