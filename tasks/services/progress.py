"""Project progress: counted by a job, stored on the project, pushed as a `snapshot` event."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncHour
from django.utils import timezone

from tasks import jobs
from tasks.events import event_send, project_group
from tasks.jobs import job_send
from tasks.models import (
    FieldResult,
    FieldStatus,
    Lease,
    Project,
    TaskState,
    TaskStep,
    Transcription,
)
from tasks.models.work import ASSIGNABLE_STATES
from tasks.services.leases import live_leases
from worker.template.steps import has_georeference


def project_progress_compute(*, project_id: int) -> dict[str, Any]:
    """Count tasks by state, field results by status and transcriptions, each with one
    indexed GROUP BY or COUNT."""
    project = Project.objects.select_related("template").get(pk=project_id)
    by_state = dict(
        project.tasks.order_by()
        .values_list("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    tasks = {state.value: int(by_state.get(state.value, 0)) for state in TaskState}
    # Training images are not data: outside the total, and their results (a settled image
    # promoted to a known answer keeps them) outside the field counts.
    not_data = (TaskState.WITHDRAWN, TaskState.REFERENCE)
    tasks["total"] = sum(count for state, count in tasks.items() if state not in not_data)
    results = FieldResult.objects.filter(project_id=project_id)
    if tasks.pop(TaskState.REFERENCE):
        # Not in the snapshot every socket hears: the size of the known-answer pool is not
        # contributors' business.
        results = results.exclude(task__state=TaskState.REFERENCE)
    by_status = dict(
        results.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    fields = {status.value: int(by_status.get(status.value, 0)) for status in FieldStatus}
    done = tasks[TaskState.COMPLETE] + tasks[TaskState.RESOLVED]
    return {
        "tasks": tasks,
        "steps": _steps(project, waiting=tasks[TaskState.OPEN] + tasks[TaskState.NEEDS_MORE]),
        "fields": fields,
        "transcriptions": Transcription.objects.filter(project_id=project_id).count(),
        "done_percent": round(100 * done / tasks["total"], 1) if tasks["total"] else 0.0,
        "active_contributors": Lease.objects.filter(live_leases(), task__project_id=project_id)
        .values("user_id")
        .distinct()
        .count(),
        "per_hour": transcriptions_per_hour(project_id=project_id),
    }


def _steps(project: Project, *, waiting: int) -> dict[str, int]:
    """Images waiting for volunteers, per step (tasks.services.steps): their labels, or, once
    settled, a point. One index-only count in a project with a georeference step."""
    placing = 0
    if has_georeference(project.template.specs):
        placing = project.tasks.filter(
            step=TaskStep.GEOREFERENCE, state__in=ASSIGNABLE_STATES
        ).count()
    return {TaskStep.LABEL.value: waiting - placing, TaskStep.GEOREFERENCE.value: placing}


def progress_blank() -> dict[str, Any]:
    """The counts of a project never counted yet: zeros, in the shape of
    `project_progress_compute`, so readers always find every key."""
    tasks = {state.value: 0 for state in TaskState if state != TaskState.REFERENCE}
    return {
        "tasks": {**tasks, "total": 0},
        "steps": {step.value: 0 for step in TaskStep},
        "fields": {status.value: 0 for status in FieldStatus},
        "transcriptions": 0,
        "done_percent": 0.0,
        "active_contributors": 0,
        "per_hour": [0] * 24,
    }


def transcriptions_per_hour(*, project_id: int, hours: int = 24) -> list[int]:
    """Transcriptions in each of the last `hours` hours, oldest first (the last is the current,
    partial hour). One indexed range scan of (project, created_at)."""
    now = timezone.now()
    start = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=hours - 1)
    counts = [0] * hours
    rows = (
        Transcription.objects.filter(project_id=project_id, created_at__gte=start)
        .annotate(hour=TruncHour("created_at"))
        .order_by()
        .values_list("hour")
        .annotate(n=Count("id"))
        .values_list("hour", "n")
    )
    for hour, n in rows:
        index = int((hour - start).total_seconds() // 3600)
        if 0 <= index < hours:
            counts[index] += n
    return counts


def project_progress_refresh(*, project_id: int) -> dict[str, Any]:
    """Recount a project's progress, store it and send it as a snapshot event.

    Idempotent. Counts carry the time counting started; a slower, older count never overwrites
    a newer one. Called by the `progress_refresh` job, never in a request.
    """
    started = timezone.now()
    counts = project_progress_compute(project_id=project_id)
    with transaction.atomic():
        slug = Project.objects.filter(pk=project_id).values_list("slug", flat=True).get()
        stored = (
            Project.objects.filter(pk=project_id)
            .filter(Q(progress_updated_at__isnull=True) | Q(progress_updated_at__lt=started))
            .update(progress=counts, progress_updated_at=started)
        )
    if stored:
        snapshot = snapshot_payload(slug=slug, progress=counts, updated_at=started)
        transaction.on_commit(
            lambda: event_send(project_group(project_id), "snapshot", snapshot), robust=True
        )
    return counts


def snapshot_payload(*, slug: str, progress: dict[str, Any], updated_at: Any) -> dict[str, Any]:
    return {
        "project": slug,
        "progress": progress,
        "updated_at": updated_at.isoformat() if updated_at else None,
    }


# Recounts are coalesced: however fast transcriptions arrive, a project is recounted at most
# about once per this many seconds.
COALESCE_SECONDS = 1.0
# If a scheduled recount is lost, another may be scheduled after this long.
PENDING_TIMEOUT = 30


def progress_pending_key(project_id: int) -> str:
    return f"progress-pending:{project_id}"


def project_progress_request(*, project_id: int) -> None:
    """Ask a worker to recount once the current transaction commits, unless a recount is
    already scheduled: that one starts later and will count this change too."""

    def schedule() -> None:
        key = progress_pending_key(project_id)
        if cache.add(key, True, timeout=PENDING_TIMEOUT) and not job_send(
            jobs.PROGRESS_REFRESH, project_id, countdown=COALESCE_SECONDS
        ):
            # Not sent (the broker is away): the next change may try again; meanwhile the
            # periodic refresh recounts.
            cache.delete(key)

    transaction.on_commit(schedule, robust=True)
