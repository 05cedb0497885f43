"""Contributor reliability: learnt from settled field results, stored per project, contributor
and field type, used as vote weights by reconciliation (model: worker.consensus.reliability)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from django.db import transaction

from tasks.models import ContributorReliability, FieldResult, FieldStatus, Project, Transcription
from worker.consensus.reliability import (
    CONSENSUS,
    CURATOR,
    UNANIMOUS,
    Observation,
    Tally,
    reliability_update,
    reliability_weight,
)

SETTLED = (FieldStatus.AGREED, FieldStatus.BLANK, FieldStatus.RESOLVED)


def _task_users(project_id: int) -> Iterator[tuple[int, list[int]]]:
    """(task id, contributor ids) in task order, streamed."""
    rows = (
        Transcription.objects.filter(project_id=project_id)
        .order_by("task_id")
        .values_list("task_id", "user_id")
        .iterator(chunk_size=5000)
    )
    current, users = None, []
    for task_id, user_id in rows:
        if task_id != current and current is not None:
            yield current, users
            users = []
        current = task_id
        users.append(user_id)
    if current is not None:
        yield current, users


def project_reliability_refresh(*, project_id: int) -> int:
    """Recompute every contributor's tallies and weights in a project from its settled fields.

    Idempotent (recomputes from scratch); streams results in task order so memory stays flat in
    the number of tasks. Returns the number of (contributor, field type) weights stored.
    """
    project = Project.objects.select_related("template").get(pk=project_id)
    types = {spec.key: spec.type for spec in project.template.specs}
    tallies: dict[tuple[int, str], Tally] = defaultdict(Tally)
    results = (
        FieldResult.objects.filter(project_id=project_id, status__in=SETTLED)
        .order_by("task_id")
        .values_list("task_id", "key", "status", "agreeing", "n")
        .iterator(chunk_size=5000)
    )
    users_by_task = _task_users(project_id)
    task_id, users = next(users_by_task, (None, []))
    for result_task, key, status, agreeing, n in results:
        while task_id is not None and task_id < result_task:
            task_id, users = next(users_by_task, (None, []))
        if task_id != result_task or key not in types:
            continue
        source = (
            CURATOR
            if status == FieldStatus.RESOLVED
            else UNANIMOUS
            if len(agreeing) == n
            else CONSENSUS
        )
        agreeing_set = set(agreeing)
        for user in users:
            observation = Observation(str(user), types[key], user in agreeing_set, source)
            tallies[(user, types[key])] = reliability_update(
                tallies[(user, types[key])], observation
            )
    rows = [
        ContributorReliability(
            project_id=project_id,
            user_id=user,
            field_type=field_type,
            correct=tally.correct,
            total=tally.total,
            weight=reliability_weight(tally),
        )
        for (user, field_type), tally in tallies.items()
    ]
    with transaction.atomic():
        ContributorReliability.objects.bulk_create(
            rows,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["project", "user", "field_type"],
            update_fields=["correct", "total", "weight", "updated_at"],
        )
    return len(rows)
