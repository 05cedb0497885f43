"""Reads about leases: who holds what, and how many people work on an image now."""

from __future__ import annotations

from django.utils import timezone

from crowd.users import AnyUser
from tasks.models import Lease, LeaseState, Task, TaskState


def lease_task_held(*, user: AnyUser, lease_id: int, project_id: int) -> int | None:
    """The task of `user`'s active lease `lease_id` in the project, or None (someone else's
    lease, another project's, an ended one, or nobody signed in)."""
    if not user.is_authenticated:
        return None
    lease = Lease.objects.filter(
        pk=lease_id, user_id=user.pk, task__project_id=project_id, state=LeaseState.ACTIVE
    ).first()
    return lease.task_id if lease is not None else None


def task_working_count(*, task_id: int) -> int:
    """How many people hold a live lease on the task (never who).

    A training image has room for everyone: its true count could pass a real image's target and
    tell a contributor they hold a known-answer image. Its holders are told they are alone."""
    live = Lease.objects.filter(
        task_id=task_id, state=LeaseState.ACTIVE, expires_at__gt=timezone.now()
    )
    if Task.objects.filter(pk=task_id, state=TaskState.REFERENCE).exists():
        return min(1, live.count())
    return live.count()
