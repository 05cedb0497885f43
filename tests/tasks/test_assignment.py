"""Assignment: next task, leases, skips, and submissions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tasks.models import Lease, LeaseState, Task, Transcription
from tasks.services.lease_upkeep import lease_heartbeat, lease_release, leases_expire
from tasks.services.leases import LeaseConflict, lease_grant
from tasks.services.submissions import transcription_submit
from tests.factories import ProjectFactory, TaskFactory, UserFactory
from tests.helpers import submit

VALUES = {"scientificName": "Quercus pubescens Willd."}


@pytest.fixture
def users(db):
    return [UserFactory() for _ in range(4)]


def test_a_contributor_never_gets_a_task_twice(project, users):
    TaskFactory.create_batch(2, project=project)
    alice = users[0]
    first = lease_grant(project=project, user=alice)
    submit(first, VALUES)
    second = lease_grant(project=project, user=alice)
    assert second.task_id != first.task_id
    lease_release(lease_id=second.pk, user=alice, reason="unreadable")
    assert lease_grant(project=project, user=alice) is None  # one done, one skipped


def test_a_reload_returns_the_same_live_lease(project, users):
    TaskFactory.create_batch(3, project=project)
    first = lease_grant(project=project, user=users[0])
    assert lease_grant(project=project, user=users[0]).pk == first.pk
    assert Lease.objects.count() == 1


def test_no_task_gets_more_leases_than_it_still_needs(project, users):
    task = TaskFactory(project=project, target=2)
    leases = [lease_grant(project=project, user=user) for user in users]
    assert [lease.task_id if lease else None for lease in leases] == [task.pk, task.pk, None, None]
    submit(leases[0], VALUES)
    assert lease_grant(project=project, user=users[2]) is None  # 1 transcription + 1 live lease = 2


def test_an_expired_lease_frees_its_place(project, users):
    TaskFactory(project=project, target=1)
    lease = lease_grant(project=project, user=users[0])
    Lease.objects.filter(pk=lease.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert lease_grant(project=project, user=users[1]) is not None
    assert leases_expire() == 1
    assert Lease.objects.get(pk=lease.pk).state == LeaseState.EXPIRED


def test_depth_first_serves_the_task_closest_to_completion(project, users):
    project.assignment_order = "depth"
    project.save()
    fresh, started = TaskFactory(project=project, target=3), TaskFactory(project=project, target=3)
    Task.objects.filter(pk=started.pk).update(transcription_count=2)
    assert lease_grant(project=project, user=users[0]).task_id == started.pk
    assert fresh.pk


def test_breadth_first_serves_the_task_with_fewest_transcriptions(project, users):
    project.assignment_order = "breadth"
    project.save()
    fresh, started = TaskFactory(project=project, target=3), TaskFactory(project=project, target=3)
    Task.objects.filter(pk=started.pk).update(transcription_count=2)
    assert lease_grant(project=project, user=users[0]).task_id == fresh.pk


def test_priority_comes_before_the_order(project, users):
    TaskFactory(project=project, target=3)
    urgent = TaskFactory(project=project, target=3, priority=5)
    assert lease_grant(project=project, user=users[0]).task_id == urgent.pk


def test_random_order_serves_every_task_eventually(project):
    project.assignment_order = "random"
    project.save()
    tasks = {TaskFactory(project=project, target=1).pk for _ in range(5)}
    served = set()
    for _ in range(5):
        lease = lease_grant(project=project, user=UserFactory())
        served.add(lease.task_id)
        submit(lease, VALUES)
    assert served == tasks


def test_finished_or_withdrawn_tasks_are_not_served(project, users):
    TaskFactory(project=project, state="complete")
    TaskFactory(project=project, state="withdrawn")
    TaskFactory(project=project, state="pending")
    assert lease_grant(project=project, user=users[0]) is None


def test_the_same_submission_twice_records_one_transcription(project, users):
    TaskFactory(project=project)
    lease = lease_grant(project=project, user=users[0])
    first = submit(lease, VALUES, key="abc")
    again = submit(lease, VALUES, key="abc")
    assert (first.created, again.created) == (True, False)
    assert again.transcription.pk == first.transcription.pk
    assert Transcription.objects.count() == 1
    assert Task.objects.get(pk=lease.task_id).transcription_count == 1


def test_an_idempotency_key_reused_for_another_image_is_a_conflict(project, users):
    TaskFactory.create_batch(2, project=project)
    first = lease_grant(project=project, user=users[0])
    submit(first, VALUES, key="same")
    second = lease_grant(project=project, user=users[0])
    with pytest.raises(LeaseConflict, match="already used for another image"):
        submit(second, VALUES, key="same")


def test_a_submission_on_an_expired_lease_is_accepted_while_the_task_still_needs_it(project, users):
    TaskFactory(project=project, target=2)
    lease = lease_grant(project=project, user=users[0])
    Lease.objects.filter(pk=lease.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert submit(lease, VALUES).created


def test_a_submission_on_an_expired_lease_is_refused_once_others_filled_the_task(project, users):
    TaskFactory(project=project, target=1)
    late = lease_grant(project=project, user=users[0])
    Lease.objects.filter(pk=late.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    submit(lease_grant(project=project, user=users[1]), VALUES)
    with pytest.raises(LeaseConflict, match="no longer needs a transcription"):
        submit(late, VALUES)
    assert Transcription.objects.count() == 1


def test_a_heartbeat_extends_a_live_lease_and_revives_an_expired_one_only_if_needed(project, users):
    TaskFactory(project=project, target=1)
    lease = lease_grant(project=project, user=users[0])
    Lease.objects.filter(pk=lease.pk).update(expires_at=timezone.now() + timedelta(seconds=5))
    renewed = lease_heartbeat(lease_id=lease.pk, user=users[0])
    assert renewed.expires_at > timezone.now() + timedelta(minutes=project.lease_minutes - 1)
    Lease.objects.filter(pk=lease.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    other = lease_grant(project=project, user=users[1])
    with pytest.raises(LeaseConflict):
        lease_heartbeat(lease_id=lease.pk, user=users[0])
    assert other is not None


def test_nobody_uses_someone_elses_lease(project, users):
    from django.core.exceptions import PermissionDenied

    TaskFactory(project=project)
    lease = lease_grant(project=project, user=users[0])
    with pytest.raises(PermissionDenied):
        lease_release(lease_id=lease.pk, user=users[1])
    with pytest.raises(PermissionDenied):
        transcription_submit(
            task_id=lease.task_id,
            user=users[1],
            lease_id=lease.pk,
            values=VALUES,
            markers={},
            idempotency_key="x",
        )


def test_leases_are_per_project(users):
    first, second = ProjectFactory(), ProjectFactory()
    TaskFactory(project=first)
    task = TaskFactory(project=second)
    lease_grant(project=first, user=users[0])
    assert lease_grant(project=second, user=users[0]).task_id == task.pk


def test_a_task_whose_lease_merely_ran_out_is_served_again_to_the_same_contributor(project, users):
    task = TaskFactory(project=project)
    first = lease_grant(project=project, user=users[0])
    Lease.objects.filter(pk=first.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    again = lease_grant(project=project, user=users[0])
    assert again.task_id == task.pk
    assert again.pk != first.pk
    assert Lease.objects.get(pk=first.pk).state == LeaseState.EXPIRED


def test_a_closed_page_gives_its_image_back_unless_a_heartbeat_came_after(project, users):
    from tasks.services.lease_upkeep import lease_abandon

    TaskFactory(project=project, target=1)
    lease = lease_grant(project=project, user=users[0])
    closed = timezone.now()
    lease_heartbeat(lease_id=lease.pk, user=users[0])  # another tab kept it alive
    Lease.objects.filter(pk=lease.pk).update(
        expires_at=closed + timedelta(minutes=project.lease_minutes + 1)
    )
    assert lease_abandon(lease_id=lease.pk, disconnected_at=closed) is False
    Lease.objects.filter(pk=lease.pk).update(
        expires_at=closed + timedelta(minutes=project.lease_minutes)
    )
    assert lease_abandon(lease_id=lease.pk, disconnected_at=closed) is True
    assert lease_grant(project=project, user=users[1]) is not None  # back in the queue at once


def test_an_old_lease_is_not_revived_once_its_holder_has_a_newer_one_on_the_same_image(
    project, users
):
    TaskFactory(project=project, target=2)
    old = lease_grant(project=project, user=users[0])
    Lease.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    new = lease_grant(project=project, user=users[0])
    assert new.task_id == old.task_id
    with pytest.raises(LeaseConflict):
        lease_heartbeat(lease_id=old.pk, user=users[0])
    assert Lease.objects.get(pk=new.pk).state == LeaseState.ACTIVE


def test_a_paused_project_no_longer_renews_leases(project, users):
    TaskFactory(project=project)
    lease = lease_grant(project=project, user=users[0])
    project.status = "paused"
    project.save()
    with pytest.raises(LeaseConflict, match="This project is paused"):
        lease_heartbeat(lease_id=lease.pk, user=users[0])
