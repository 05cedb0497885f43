"""Seeding and auditing the fault tier's platform, run inside its own Django process
(`manage.py shell -c`, with the stack's settings): the test process never opens the stack's
database through Django, whose connection pytest-django owns.

Each function prints one JSON document on its last line for the test to read.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction

from crowd.models import User
from crowd.services import token_create
from tasks.models import (
    FieldResult,
    Membership,
    Project,
    ProjectStatus,
    Role,
    Task,
    TaskState,
    Transcription,
)
from tasks.selectors.trust import proven_user_ids
from tasks.services.projects import project_create
from tasks.services.reconcile import project_policy
from tasks.services.reconcile_reads import learnt_weights
from worker.consensus import Submission, reconcile_task


@transaction.atomic
def platform_seed(
    *, slugs: list[str], contributors: int, images: int, redundancy: int
) -> dict[str, Any]:
    """A staff lead, `contributors` accounts with an API token each, member of every project;
    one active project per slug with `images` open tasks (rows only: no file is served), each
    wanting `redundancy` transcriptions."""
    lead = User.objects.create(username="faults-lead", is_staff=True)
    people = User.objects.bulk_create(
        [User(username=f"faults-{n}", email=f"faults-{n}@example.org") for n in range(contributors)]
    )
    tokens = [token_create(user=person)[1] for person in people]
    for slug in slugs:
        project = project_create(
            lead=lead,
            slug=slug,
            preset="herbarium",
            title_fr=slug,
            title_en=slug,
            status=ProjectStatus.ACTIVE,
            redundancy_min=redundancy,
            redundancy_max=redundancy,
        )
        Membership.objects.bulk_create(
            [Membership(project=project, user=person, role=Role.CONTRIBUTOR) for person in people]
        )
        Task.objects.bulk_create(
            [
                Task(
                    project=project,
                    state=TaskState.OPEN,
                    target=redundancy,
                    original_name=f"sheet-{n}.jpg",
                )
                for n in range(images)
            ]
        )
    return {"tokens": tokens, "lead_token": token_create(user=lead)[1]}


def project_recompute(*, slug: str) -> dict[str, Any]:
    """Run the consensus engine afresh on every transcribed image of the project, as the
    platform does (tasks/services/reconcile.py), and list where the stored field results differ:
    a value, a status or the number of answers reconciled."""
    project = Project.objects.select_related("template").get(slug=slug)
    policy = project_policy(project)
    specs = project.template.specs
    by_task: dict[int, list[Transcription]] = {}
    for transcription in Transcription.objects.filter(project=project, void__isnull=True).order_by(
        "created_at", "id"
    ):
        by_task.setdefault(transcription.task_id, []).append(transcription)
    user_ids = {t.user_id for rows in by_task.values() for t in rows}
    weights = learnt_weights(project=project, user_ids=user_ids)
    proven = proven_user_ids(project=project, user_ids=user_ids)
    stored: dict[int, dict[str, FieldResult]] = {}
    for row in FieldResult.objects.filter(project=project):
        stored.setdefault(row.task_id, {})[row.key] = row
    differences = []
    for task_id, rows in sorted(by_task.items()):
        outcome = reconcile_task(
            specs,
            [
                Submission(
                    user=str(t.user_id),
                    values=t.values,
                    markers=t.markers,
                    weights=weights.get(t.user_id, {}),
                    trusted=t.user_id in proven,
                )
                for t in rows
            ],
            policy,
        )
        for key, field in outcome.fields.items():
            result = stored.get(task_id, {}).get(key)
            expected = (field.value, field.status, field.n)
            found = None if result is None else (result.value, result.status, result.n)
            if found != expected:
                differences.append(
                    {"task": task_id, "field": key, "expected": expected, "stored": found}
                )
    return {"images": len(by_task), "differences": differences}


def run(function: str, arguments: str) -> None:
    """Entry point for `manage.py shell -c`: call `function` with JSON keyword arguments."""
    result = globals()[function](**json.loads(arguments))
    print(json.dumps(result, default=str))
