"""Reads about batches: who may see one, and its status with each file's fate in words."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from crowd.users import AnyUser
from tasks.batch_messages import batch_file_error_text, batch_notice_text
from tasks.models import Batch, BatchFile, BatchFileState
from tasks.roles import Capability, project_require


def batch_for(user: AnyUser, batch_id: int, capability: Capability = Capability.MANAGE) -> Batch:
    """The batch, if `user` has `capability` in its project: 404 when they may not see the
    project (or there is no such batch), 403 when they see it but lack the capability."""
    batch = Batch.objects.select_related("project").filter(pk=batch_id).first()
    if batch is None:
        raise Http404(_("No such batch."))
    project_require(user, batch.project, capability)
    return batch


def batch_summary(batch: Batch) -> dict[str, Any]:
    """Status, counts by state, failures with their reasons, duplicates and notices, and why
    its manifest could not be read (`error`), in the active language. Files are read with two indexed queries, whatever the batch's size."""
    batch.refresh_from_db()
    return batch_summaries([batch])[0]


def batch_summaries(batches: list[Batch]) -> list[dict[str, Any]]:
    """`batch_summary` of a page of batches (their projects selected with them), with two
    queries for the whole page: one count of files by batch and state, one read of the failed
    and duplicate files."""
    ids = [batch.pk for batch in batches]
    by_state: dict[int, dict[str, int]] = defaultdict(dict)
    for batch_id, state, n in (
        BatchFile.objects.filter(batch_id__in=ids)
        .order_by()
        .values_list("batch_id", "state")
        .annotate(n=Count("id"))
        .values_list("batch_id", "state", "n")
    ):
        by_state[batch_id][state] = n
    failed: dict[int, list[dict[str, Any]]] = defaultdict(list)
    duplicates: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for batch_id, name, state, task_id, code, params in (
        BatchFile.objects.filter(
            batch_id__in=ids, state__in=[BatchFileState.FAILED, BatchFileState.DUPLICATE]
        )
        .order_by("batch_id", "position")
        .values_list("batch_id", "name", "state", "task_id", "error_code", "error_params")
    ):
        message = batch_file_error_text(code, params)
        if state == BatchFileState.FAILED:
            failed[batch_id].append({"file": name, "code": code, "error": message})
        else:
            duplicates[batch_id].append({"file": name, "task": task_id, "message": message})
    return [
        {
            "id": batch.pk,
            "project": batch.project.slug,
            "name": batch.name,
            "purpose": batch.purpose,
            "priority": batch.priority,
            "state": batch.state,
            "state_label": str(batch.get_state_display()),
            "created_at": batch.created_at.isoformat(),
            "started_at": batch.started_at.isoformat() if batch.started_at else None,
            "finished_at": batch.finished_at.isoformat() if batch.finished_at else None,
            "source_url": batch.source_url,
            "error_code": batch.source_error_code,
            "error": batch_source_error(batch),
            "counts": counts_by_state(by_state[batch.pk]),
            "failed": failed[batch.pk],
            "duplicates": duplicates[batch.pk],
            "notices": [batch_notice_text(notice) for notice in batch.notices],
        }
        for batch in batches
    ]


def batch_source_error(batch: Batch) -> str:
    """Why the batch's IIIF manifest could not be read, in the active language ("" if it was,
    or is still being read)."""
    return batch_file_error_text(batch.source_error_code, batch.source_error_params)


def batch_file_summary(record: BatchFile) -> dict[str, Any]:
    return {
        "id": record.pk,
        "file": record.name,
        "state": record.state,
        "size": record.size,
        "error": batch_file_error_text(record.error_code, record.error_params),
    }


def project_batch(*, project_id: int, batch_id: int) -> Batch | None:
    """The project's batch of that id, if it has one (for pages whose project is checked)."""
    return Batch.objects.filter(project_id=project_id, pk=batch_id).first()


def project_batches(project_id: int, *, limit: int = 20) -> list[Batch]:
    return list(project_batches_filtered(project_id)[:limit])


def project_batches_filtered(project_id: int, *, state: str | None = None) -> QuerySet[Batch]:
    """A project's batches, newest first, optionally in one state: paginate them."""
    batches = Batch.objects.filter(project_id=project_id).select_related("project")
    if state:
        batches = batches.filter(state=state)
    return batches.order_by("-created_at", "-pk")


def counts_by_state(by_state: dict[str, int]) -> dict[str, int]:
    """Every file state's count (zero when absent), with `total` and `done`."""
    counts = {state.value: int(by_state.get(state.value, 0)) for state in BatchFileState}
    counts["total"] = sum(counts.values())
    counts["done"] = counts["total"] - counts[BatchFileState.PENDING]
    return counts
