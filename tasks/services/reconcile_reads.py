"""What a reconciliation reads, in four hand-written statements the database plans once per
connection (`crowd.rows`): the image locked, with its project, template, machine reading and
search document; its answers that count; its field results; their authors' learnt weights.

The ORM sent seven statements for the same, and building each cost the worker more than the
consensus does. The rows become model instances as the ORM would build them (`crowd.rows`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection

from crowd.rows import columns, instance, rows_fetch
from tasks.models import (
    ContributorReliability,
    FieldResult,
    Project,
    Task,
    Template,
    Transcription,
)
from tasks.models.readings import ReadingStatus
from tasks.services.direct_sql import template_instance

_CONTEXT = f"""
SELECT {columns(Task, "t")}, {columns(Project, "p")}, {columns(Template, "tp")},
  (SELECT r.text FROM tasks_imagereading r WHERE r.task_id = t.id AND r.status = %(done)s),
  (SELECT d.text FROM tasks_taskdocument d WHERE d.task_id = t.id)
FROM tasks_task t JOIN tasks_project p ON p.id = t.project_id
  JOIN tasks_template tp ON tp.project_id = p.id
WHERE t.id = %(task)s
"""  # noqa: S608 (names from the models, values bound)

_ANSWERS = f"""
SELECT {columns(Transcription, "x")} FROM tasks_transcription x
WHERE x.task_id = %(task)s AND x.void_id IS NULL ORDER BY x.created_at, x.id
"""  # noqa: S608

_RESULTS = f"""
SELECT {columns(FieldResult, "r")} FROM tasks_fieldresult r WHERE r.task_id = %(task)s
ORDER BY r.id
"""  # noqa: S608

_WEIGHTS = """
SELECT w.user_id, w.field_type, w.weight FROM tasks_contributorreliability w
WHERE w.project_id = %(project)s AND w.user_id = ANY(%(users)s::bigint[])
"""


@dataclass
class ReconcileContext:
    task: Task  # its project and the project's template attached
    machine_text: str  # the machine reading's text, "" when the image was not read
    document: str | None  # the image's search document as stored, None without one


def reconcile_context(task_id: int) -> ReconcileContext | None:
    """Lock the task's row (as submissions do) and read what its reconciliation decides on."""
    lock = " FOR UPDATE OF t" if connection.vendor == "postgresql" else ""
    task_id = int(task_id)  # a job given something else fails as the ORM's lookup did
    rows = rows_fetch(_CONTEXT + lock, {"task": task_id, "done": ReadingStatus.DONE}, prepare=True)
    if not rows:
        return None
    row = rows[0]
    task, at = instance(Task, row, 0)
    project, at = instance(Project, row, at)
    template, at = template_instance(row, at)
    project.template = template
    task.project = project
    return ReconcileContext(task=task, machine_text=row[at] or "", document=row[at + 1])


def task_answers(task: Task) -> list[Transcription]:
    """The task's transcriptions that count (not void), in the order they were made."""
    rows = rows_fetch(_ANSWERS, {"task": task.pk}, prepare=True)
    return [instance(Transcription, row, 0)[0] for row in rows]


def task_results(task: Task) -> list[FieldResult]:
    """The task's field results, in the order they were made."""
    rows = rows_fetch(_RESULTS, {"task": task.pk}, prepare=True)
    return [instance(FieldResult, row, 0)[0] for row in rows]


def learnt_weights(*, project: Project, user_ids: Iterable[int]) -> dict[int, dict[str, float]]:
    """Each of `user_ids`' learnt weight per field type in `project` (none: no entry)."""
    users = sorted(set(user_ids))
    weights: dict[int, dict[str, float]] = {}
    if not users:
        return weights
    if connection.vendor == "postgresql":
        rows = rows_fetch(_WEIGHTS, {"project": project.pk, "users": users}, prepare=True)
    else:  # SQLite has no arrays
        rows = list(
            ContributorReliability.objects.filter(project=project, user_id__in=users).values_list(
                "user_id", "field_type", "weight"
            )
        )
    for user_id, field_type, weight in rows:
        weights.setdefault(user_id, {})[field_type] = weight
    return weights
