"""What a reconciliation reads, in four hand-written statements the database plans once per
connection (`crowd.rows`): the image locked, with its project, template, machine reading and
search document; its answers that count; its field results; and what is known of the people
who answered (`answerers_read`: learnt weights, trust, roles, their tallies on the image and the
badges they hold), with the machine's learnt weights.

The ORM sent twelve statements for the same, and building each cost the worker more than the
consensus does. The rows become model instances as the ORM would build them (`crowd.rows`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import connection

from crowd.rows import columns, instance, rows_fetch
from tasks.models import (
    ContributorReliability,
    FieldResult,
    MachineReliability,
    Project,
    Task,
    Template,
    Transcription,
)
from tasks.models.readings import ReadingStatus
from tasks.roles import PROVEN_ROLES
from tasks.selectors.trust import proven_user_ids, trust_proven
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


# One statement for everything known of the image's answerers, kind by kind: the columns are
# (kind, user, text, text, number, integer, integer, date), each kind filling its own.
_PEOPLE = """
SELECT 'weight', w.user_id, w.field_type, NULL, w.weight, NULL::bigint, NULL::bigint, NULL::date
  FROM tasks_contributorreliability w
  WHERE w.project_id = %(project)s AND w.user_id = ANY(%(users)s::bigint[])
UNION ALL
SELECT 'machine', NULL, m.field_type, NULL, m.weight, NULL, NULL, NULL
  FROM tasks_machinereliability m WHERE m.project_id = %(project)s
UNION ALL
SELECT 'role', m.user_id, NULL, NULL, NULL, NULL, NULL, NULL FROM tasks_membership m
  WHERE m.project_id = %(project)s AND m.user_id = ANY(%(users)s::bigint[])
    AND m.role = ANY(%(roles)s::text[])
UNION ALL
SELECT 'role', u.id, NULL, NULL, NULL, NULL, NULL, NULL FROM crowd_user u
  WHERE u.id = ANY(%(users)s::bigint[]) AND u.is_superuser
UNION ALL
SELECT 'trust', c.user_id, NULL, NULL, NULL, c.compared, c.agreed, NULL
  FROM tasks_contributortrust c
  WHERE c.project_id = %(project)s AND c.user_id = ANY(%(users)s::bigint[])
UNION ALL
SELECT 'tally', a.user_id, NULL, NULL, NULL, a.agreed, a.kept, a.month
  FROM tasks_answertally a WHERE a.task_id = %(task)s
UNION ALL
SELECT 'badge', b.user_id, b.kind, b.detail, NULL, NULL, NULL, NULL FROM tasks_badge b
  WHERE b.project_id = %(project)s AND (b.user_id = ANY(%(users)s::bigint[])
    OR b.user_id IN (SELECT a.user_id FROM tasks_answertally a WHERE a.task_id = %(task)s))
"""


@dataclass
class Answerers:
    """What a reconciliation knows of the people who answered an image, read under its lock."""

    weights: dict[int, dict[str, float]]  # learnt weight per field type (none: no entry)
    proven: set[int]  # whose answers count fully (tasks.selectors.trust)
    machine_weights: dict[str, float]  # the machine reading's learnt weight per field type
    # For tasks.services.recognition, None where they were not read (SQLite): each
    # volunteer's tally on the image as (agreed, kept, month), and the badges held by the
    # answerers and by whoever has a tally on the image (a voided answer's author).
    tallies: dict[int, tuple[int, int, date]] | None = None
    badges: dict[int, set[tuple[str, str]]] | None = None


def answerers_read(*, task: Task, user_ids: Iterable[int]) -> Answerers:
    """What is known of `user_ids`, the people who answered `task`, in its project: one
    statement on PostgreSQL; on SQLite, which has no arrays, the selectors' own reads."""
    project = task.project
    users = sorted(set(user_ids))
    if connection.vendor != "postgresql":
        machine_rows = MachineReliability.objects.filter(project=project)
        return Answerers(
            weights=learnt_weights(project=project, user_ids=users),
            proven=proven_user_ids(project=project, user_ids=users),
            machine_weights=dict(machine_rows.values_list("field_type", "weight")),
        )
    params = {
        "project": project.pk,
        "task": task.pk,
        "users": users,
        "roles": [str(role) for role in PROVEN_ROLES],
    }
    weights: dict[int, dict[str, float]] = {}
    proven: set[int] = set()
    machine: dict[str, float] = {}
    tallies: dict[int, tuple[int, int, date]] = {}
    badges: dict[int, set[tuple[str, str]]] = {}
    for kind, user_id, text, detail, number, first, second, day in rows_fetch(
        _PEOPLE, params, prepare=True
    ):
        if kind == "weight":
            weights.setdefault(user_id, {})[text] = number
        elif kind == "machine":
            machine[text] = number
        elif kind == "role" or (kind == "trust" and trust_proven(compared=first, agreed=second)):
            proven.add(user_id)
        elif kind == "tally":
            tallies[user_id] = (first, second, day)
        elif kind == "badge":
            badges.setdefault(user_id, set()).add((text, detail))
    if settings.TRUST_MIN_COMPARISONS == 0:
        proven = set(users)
    return Answerers(
        weights=weights,
        proven=proven,
        machine_weights=machine,
        tallies=tallies,
        badges=badges,
    )
