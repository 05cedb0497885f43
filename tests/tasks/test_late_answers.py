"""A late answer: sent on a lease that ran out while next-task gave its author the same image
again under a new lease. The answer is taken, and the new lease must not trap its author (served
the image again, refused as already transcribed) nor hold a place others need."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tasks.models import Lease, LeaseState, Transcription
from tasks.services.lease_upkeep import lease_heartbeat
from tasks.services.leases import LeaseConflict, lease_grant
from tests.factories import TaskFactory, UserFactory
from tests.helpers import api_client, submit

VALUES = {"scientificName": "Quercus pubescens Willd."}


def _run_out(lease: Lease) -> None:
    Lease.objects.filter(pk=lease.pk).update(expires_at=timezone.now() - timedelta(seconds=1))


@pytest.fixture
def late(project):
    """The trap's set-up: a task of target 2; its contributor's first lease ran out, next-task
    gave them the same image under a new lease, and their answer on the old lease came in."""
    task = TaskFactory(project=project, target=2)
    author = UserFactory()
    old = lease_grant(project=project, user=author)
    _run_out(old)
    new = lease_grant(project=project, user=author)
    assert (new.task_id, new.pk != old.pk) == (task.pk, True)
    assert submit(old, VALUES, key="late").created
    return task, author, old, new


def test_a_late_answer_ends_its_authors_newer_lease_on_the_same_image(late):
    _task, _author, old, new = late
    assert Lease.objects.get(pk=old.pk).state == LeaseState.SUBMITTED
    ended = Lease.objects.get(pk=new.pk)
    assert ended.state == LeaseState.EXPIRED
    assert ended.expires_at <= timezone.now()


def test_after_a_late_answer_next_task_does_not_serve_the_same_image_again(project, late):
    task, author, _old, _new = late
    other = TaskFactory(project=project, target=2)
    following = lease_grant(project=project, user=author)
    assert following is not None
    assert following.task_id == other.pk != task.pk


def test_after_a_late_answer_its_place_goes_to_someone_else_at_once(project, late):
    task, _author, _old, _new = late
    # Target 2, one answer: the second place must not wait for the ended lease to run out.
    assert lease_grant(project=project, user=UserFactory()).task_id == task.pk


def test_a_heartbeat_on_a_lease_whose_image_its_holder_already_answered_ends_it(project):
    task = TaskFactory(project=project, target=3)
    author = UserFactory()
    old = lease_grant(project=project, user=author)
    _run_out(old)
    new = lease_grant(project=project, user=author)
    # As before submissions ended such leases: an answer recorded, the newer lease left live.
    Transcription.objects.create(
        project=project, task=task, user=author, lease=old, values=VALUES, idempotency_key="k"
    )
    with pytest.raises(LeaseConflict, match="already transcribed this image"):
        lease_heartbeat(lease_id=new.pk, user=author)
    assert Lease.objects.get(pk=new.pk).state == LeaseState.EXPIRED


def test_next_task_never_gives_back_a_live_lease_on_an_image_its_holder_already_answered(project):
    task = TaskFactory(project=project, target=3)
    other = TaskFactory(project=project, target=3)
    author = UserFactory()
    first = lease_grant(project=project, user=author)
    assert first.task_id == task.pk
    # A lease left live beside an answer (recorded before submissions ended such leases).
    Transcription.objects.create(
        project=project, task=task, user=author, lease=None, values=VALUES, idempotency_key="k"
    )
    assert lease_grant(project=project, user=author).task_id == other.pk
    assert Lease.objects.get(pk=first.pk).state == LeaseState.EXPIRED


def _next(api, project):
    return api.post(f"/api/projects/{project.slug}/next-task/")


def _send(api, task_id, lease_id, key):
    return api.post(
        f"/api/tasks/{task_id}/transcriptions/",
        {"lease": lease_id, "values": VALUES, "markers": {}, "idempotency_key": key},
        format="json",
    )


def test_over_the_api_a_late_answer_leaves_its_author_free_to_go_on(project):
    task = TaskFactory(project=project, target=2)
    other = TaskFactory(project=project, target=2)
    author = UserFactory()
    api = api_client(author)
    old = _next(api, project).json()["lease"]["id"]
    Lease.objects.filter(pk=old).update(expires_at=timezone.now() - timedelta(seconds=1))
    again = _next(api, project).json()
    assert again["task"]["id"] == task.pk
    assert _send(api, task.pk, old, "late").status_code == 201
    following = _next(api, project)
    assert following.status_code == 200
    assert following.json()["task"]["id"] == other.pk
    heartbeat = api.post(f"/api/leases/{again['lease']['id']}/heartbeat/")
    assert heartbeat.status_code == 409
    assert "already transcribed this image" in heartbeat.json()["error"]["message"]
    # The image's second place is free for someone else now, not in 30 minutes.
    assert _next(api_client(UserFactory()), project).json()["task"]["id"] == task.pk
