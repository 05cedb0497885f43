"""Retries racing their original, on PostgreSQL: two identical submissions at once (a browser's
outbox and another tab, a proxy replaying a request) both answer with the one stored
transcription, through the service and through the HTTP API."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from tasks.models import Lease, LeaseState, Task, Transcription
from tasks.services.leases import lease_grant
from tasks.services.submissions import transcription_submit
from tests.factories import ProjectFactory, TaskFactory, UserFactory
from tests.helpers import api_client
from tests.servers import missing

pytestmark = pytest.mark.django_db(transaction=True)

VALUES = {"scientificName": "Quercus ilex L."}
# Each round is one race; a handful makes a lost race (the original committing before the
# retry even starts) unlikely to hide the bug in every round.
ROUNDS = 6


def _race(send: Callable[[], Any]) -> list[Any]:
    """Run `send` in two threads released at the same instant; both answers, or the errors."""
    start = threading.Barrier(2)
    answers: list[Any] = [None, None]

    def run(slot: int) -> None:
        try:
            start.wait()
            answers[slot] = send()
        except BaseException as error:
            answers[slot] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        missing("the concurrency test needs PostgreSQL: set DATABASE_URL=postgres://…")


def test_two_identical_submissions_at_once_both_answer_with_the_one_stored_transcription(
    postgresql,
):
    for round_ in range(ROUNDS):
        project = ProjectFactory()
        task = TaskFactory(project=project, target=3)
        user = UserFactory()
        lease = lease_grant(project=project, user=user)
        assert lease.task_id == task.pk

        def send(lease=lease, user=user, round_=round_):
            return transcription_submit(
                task_id=lease.task_id,
                user=user,
                lease_id=lease.pk,
                values=VALUES,
                markers={},
                idempotency_key=f"retry-{round_}",
            )

        answers = _race(send)
        assert not [a for a in answers if isinstance(a, BaseException)], answers
        assert sorted(a.created for a in answers) == [False, True]
        assert answers[0].transcription.pk == answers[1].transcription.pk
        assert Transcription.objects.filter(task=task).count() == 1
        assert Task.objects.get(pk=task.pk).transcription_count == 1
        assert Lease.objects.get(pk=lease.pk).state == LeaseState.SUBMITTED


def test_two_identical_submissions_at_once_over_the_api_both_answer_2xx_with_the_same_id(
    postgresql,
):
    for round_ in range(ROUNDS):
        project = ProjectFactory()
        task = TaskFactory(project=project, target=3)
        user = UserFactory()
        lease = lease_grant(project=project, user=user)
        body = {
            "lease": lease.pk,
            "values": VALUES,
            "markers": {},
            "idempotency_key": f"api-retry-{round_}",
        }

        def send(user=user, body=body, task=task):
            # One client per thread, as two browser tabs or a replaying proxy would be.
            return api_client(user).post(
                f"/api/tasks/{task.pk}/transcriptions/", body, format="json"
            )

        answers = _race(send)
        assert not [a for a in answers if isinstance(a, BaseException)], answers
        assert sorted(a.status_code for a in answers) == [200, 201], [a.json() for a in answers]
        assert answers[0].json() == answers[1].json()
        assert Transcription.objects.filter(task=task).count() == 1
        assert Task.objects.get(pk=task.pk).transcription_count == 1


def test_a_key_reused_at_once_for_another_image_keeps_its_precise_conflict(postgresql):
    project = ProjectFactory()
    first_task, second_task = (TaskFactory(project=project, target=3) for _ in range(2))
    user = UserFactory()
    first = lease_grant(project=project, user=user)
    # A second live lease of theirs in the project, as a second tab opened before the rule.
    second = Lease.objects.create(
        task=second_task if first.task_id == first_task.pk else first_task,
        user=user,
        expires_at=first.expires_at,
    )
    sends = iter([first, second])
    lock = threading.Lock()

    def send():
        with lock:
            lease = next(sends)
        return api_client(user).post(
            f"/api/tasks/{lease.task_id}/transcriptions/",
            {"lease": lease.pk, "values": VALUES, "markers": {}, "idempotency_key": "same"},
            format="json",
        )

    answers = _race(send)
    assert sorted(a.status_code for a in answers) == [201, 409]
    refused = next(a for a in answers if a.status_code == 409)
    assert "already used for another image" in refused.json()["error"]["message"]
    assert Transcription.objects.filter(user=user).count() == 1
