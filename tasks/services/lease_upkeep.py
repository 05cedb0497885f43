"""Leases once granted: renewed by heartbeats, given back (skips), abandoned when their page
closes, ended when their holder or project stops, and marked expired by the periodic sweep.

Granting them, and what makes a lease live, is `tasks.services.leases`. A heartbeat locks the
task, then the lease: the order submissions use, so the two never deadlock.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crowd.models import User
from tasks import jobs
from tasks.events import presence_send_on_commit
from tasks.jobs import job_send
from tasks.models import Lease, LeaseKind, LeaseState, Task, Transcription
from tasks.models.work import SkipReason
from tasks.services.leases import (
    LeaseConflict,
    LeaseTooOld,
    contribute_check,
    lease_deadline,
    lease_expiry,
    live_leases,
    task_has_room,
)

# How long a closed transcription page keeps its image before it goes back to the queue.
ABANDON_GRACE_SECONDS = 60


def _lease_for_update(*, lease_id: int, user: User) -> Lease:
    lease = (
        Lease.objects.select_for_update(of=("self",))
        .select_related("task__project")
        .filter(pk=lease_id)
        .first()
    )
    if lease is None or lease.user_id != user.pk:
        raise PermissionDenied(_("This lease is not yours."))
    return lease


def lease_heartbeat(*, lease_id: int, user: User) -> Lease:
    """Extend a lease by the project's lease duration, never past its maximum age
    (`lease_deadline`). An expired lease is revived only while its task still needs it, its
    holder may still contribute and holds no other live lease in the project; otherwise
    LeaseConflict, and the lease ends.

    Locks the task, then the lease: the order submissions use, so the two never deadlock. A
    refusal that ends the lease is raised once that is committed."""
    outcome = _heartbeat(lease_id=lease_id, user=user)
    if isinstance(outcome, LeaseConflict):
        raise outcome
    return outcome


@transaction.atomic
def _heartbeat(*, lease_id: int, user: User) -> Lease | LeaseConflict:
    task_id = Lease.objects.filter(pk=lease_id).values_list("task_id", flat=True).first()
    if task_id is None:
        raise PermissionDenied(_("This lease is not yours."))
    task = Task.objects.select_for_update(of=("self",)).select_related("project").get(pk=task_id)
    lease = _lease_for_update(lease_id=lease_id, user=user)
    if lease.state != LeaseState.ACTIVE and lease.state != LeaseState.EXPIRED:
        raise LeaseConflict(_("This lease has ended."))
    contribute_check(user=user, project=task.project)
    now = timezone.now()
    if Transcription.objects.filter(task=task, user=user, step=lease.step).exists():
        # Their answer came in on another lease of theirs (sent late from an older page).
        _lease_end(lease, now)
        return LeaseConflict(
            _("You have already transcribed this image: ask for the next image to go on.")
        )
    if now >= lease_deadline(lease.created_at):
        _lease_end(lease, now)
        return LeaseTooOld(
            _(
                "You have held this image for %(minutes)d minutes, the most allowed: it goes "
                "back to the queue. Ask for the next image to go on."
            )
            % {"minutes": settings.LEASE_MAX_MINUTES}
        )
    if lease.state == LeaseState.EXPIRED or lease.expires_at <= now:
        newer = Lease.objects.filter(task=task, user=user, state=LeaseState.ACTIVE).exclude(
            pk=lease.pk
        )
        moved_on = lease.step != task.step  # the image left the step this lease was for
        if moved_on or newer.exists() or not task_has_room(task=task, excluding=lease, now=now):
            # The image was given to someone else, or to them again under a newer lease.
            _lease_end(lease, now)
            return LeaseConflict(_("This lease expired and the image no longer needs you."))
        same_page = (
            (LeaseKind.PRACTICE,)
            if lease.kind == LeaseKind.PRACTICE
            else (LeaseKind.DATA, LeaseKind.KNOWN)
        )
        elsewhere = Lease.objects.filter(
            live_leases(now=now), user=user, task__project_id=task.project_id, kind__in=same_page
        ).exclude(pk=lease.pk)
        if elsewhere.exists():
            # Reviving it would give them two images at once.
            _lease_end(lease, now)
            return LeaseConflict(
                _("This lease expired and you now hold another image of this project.")
            )
    lease.state = LeaseState.ACTIVE
    lease.ended_at = None
    lease.expires_at = lease_expiry(project=task.project, created_at=lease.created_at, now=now)
    lease.save(update_fields=["state", "ended_at", "expires_at"])
    return lease


def _lease_end(lease: Lease, now: datetime) -> None:
    Lease.objects.filter(pk=lease.pk, state__in=(LeaseState.ACTIVE, LeaseState.EXPIRED)).update(
        state=LeaseState.EXPIRED, ended_at=lease.ended_at or now
    )


@transaction.atomic
def lease_release(*, lease_id: int, user: User, reason: str = "", note: str = "") -> Lease:
    """Give a task back (skip). The task stays seen: it is not served to this contributor again.
    Releasing twice is harmless."""
    if reason and reason not in SkipReason.values:
        raise ValueError(f"unknown skip reason {reason!r}")
    lease = _lease_for_update(lease_id=lease_id, user=user)
    if lease.state in {LeaseState.RELEASED, LeaseState.SUBMITTED}:
        return lease
    lease.state = LeaseState.RELEASED
    lease.ended_at = timezone.now()
    lease.skip_reason = reason
    lease.skip_note = note[:500]
    lease.save(update_fields=["state", "ended_at", "skip_reason", "skip_note"])
    presence_send_on_commit(lease.task_id)
    return lease


@transaction.atomic
def lease_abandon(*, lease_id: int, disconnected_at: datetime) -> bool:
    """End a lease whose page closed at `disconnected_at` and sent no heartbeat since (a short
    grace period later): the task goes back to the queue at once instead of at expiry. The task
    is not marked seen, so the volunteer may get it again. True when the lease was ended."""
    lease = (
        Lease.objects.select_for_update(of=("self",))
        .select_related("task__project")
        .filter(pk=lease_id)
        .first()
    )
    if lease is None or lease.state != LeaseState.ACTIVE:
        return False
    # A heartbeat after the page closed (another tab, a reload) pushed expires_at beyond this.
    renewed_after = disconnected_at + timedelta(minutes=lease.task.project.lease_minutes)
    if lease.expires_at > renewed_after:
        return False
    lease.state = LeaseState.EXPIRED
    lease.ended_at = timezone.now()
    lease.save(update_fields=["state", "ended_at"])
    presence_send_on_commit(lease.task_id)
    return True


def lease_abandon_later(*, lease_id: int) -> None:
    """A transcription page holding `lease_id` closed: end the lease after a grace period unless
    a heartbeat comes first (`lease_abandon`). Eager jobs cannot wait out the grace period, so
    in the embedded default the lease simply expires."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return
    closed = timezone.now().isoformat()
    job_send(jobs.LEASE_ABANDON, lease_id, closed, countdown=ABANDON_GRACE_SECONDS)


def leases_expire(*, now: object = None, limit: int = 5000) -> int:
    """Mark dead leases expired (periodic sweep). Only bookkeeping: room is always counted from
    `expires_at`, so a late sweep never blocks a task."""
    now = now or timezone.now()
    ids = list(
        Lease.objects.filter(state=LeaseState.ACTIVE, expires_at__lte=now).values_list(
            "pk", flat=True
        )[:limit]
    )
    return Lease.objects.filter(pk__in=ids, state=LeaseState.ACTIVE).update(
        state=LeaseState.EXPIRED, ended_at=now
    )
