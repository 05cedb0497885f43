"""Submit's hand-written statements on PostgreSQL (see `tasks.services.direct_sql`): a read of
every fact the submission decides on, with the API token presented, then one statement that
writes, with no transaction around it, having checked again what the read was relied on for."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from knox.models import AuthToken

from crowd.models import User
from crowd.rows import columns, instance
from crowd.tokens import TokenClaim, person_read, with_person
from tasks.models import Project, Task, Template
from tasks.services.direct_sql import PROJECT_COLUMNS, PROJECT_FIELDS, statement, template_instance
from worker.template.steps import LABEL

# What a submission decides on, read for the person `u` (see `_submit_context_sql`).
_SUBMIT_FACTS = f"""
SELECT {columns(Task, "t")}, {PROJECT_COLUMNS}, {columns(Template, "tp")},
  (SELECT m.role FROM tasks_membership m WHERE m.project_id = p.id AND m.user_id = u.id
    ORDER BY m.id LIMIT 1),
  EXISTS (SELECT 1 FROM tasks_projectblock b
    WHERE b.project_id = p.id AND b.user_id = u.id AND b.lifted_at IS NULL),
  (SELECT c.id FROM tasks_contributorvoid c
    WHERE c.project_id = p.id AND c.user_id = u.id AND c.lifted_at IS NULL
    ORDER BY c.id LIMIT 1),
  x.id, x.task_id, x.values, x.markers, x.created_at,
  l.id, l.user_id, l.task_id, l.state, l.expires_at, l.step,
  (SELECT COUNT(*) FROM tasks_lease v WHERE v.task_id = t.id AND v.state = 'active'
    AND v.expires_at > %(now)s AND v.user_id <> u.id)
FROM tasks_task t JOIN tasks_project p ON p.id = t.project_id
  JOIN tasks_template tp ON tp.project_id = p.id
  LEFT JOIN tasks_lease l ON l.id = %(lease)s
  LEFT JOIN tasks_transcription x ON x.user_id = u.id AND x.idempotency_key = %(key)s
WHERE t.id = %(task)s
"""  # noqa: S608 (names from the models, values bound)


def _submit_context_sql(by_token: bool) -> str:
    return with_person(_SUBMIT_FACTS, by_token)


class SubmitContext:
    """What a submission decides on, as read when the request began (no lock is held: the
    statement that writes checks again whatever it relies on)."""

    def __init__(self, row: Sequence[Any]) -> None:
        self.task, at = instance(Task, row, 0)
        project, at = instance(Project, row, at, PROJECT_FIELDS)
        template, at = template_instance(row, at)
        project.template = template
        self.task.project = project
        self.project, self.template = project, template
        self.role: str | None = row[at]
        self.blocked: bool = row[at + 1]
        self.void_id: int | None = row[at + 2]
        at += 3
        self.existing: dict[str, Any] | None = None
        if row[at] is not None:
            values, markers = row[at + 2], row[at + 3]
            self.existing = {
                "id": row[at],
                "task_id": row[at + 1],
                "values": json.loads(values) if isinstance(values, str) else values,
                "markers": json.loads(markers) if isinstance(markers, str) else markers,
                "created_at": row[at + 4],
            }
        at += 5
        self.lease_id, self.lease_user_id, self.lease_task_id = row[at : at + 3]
        self.lease_state: str | None = row[at + 3]
        self.lease_expires_at: datetime | None = row[at + 4]
        self.lease_step: str = row[at + 5] or LABEL
        # Live leases on the task but the submitter's (once it is recorded, their other leases
        # on the image end: what watchers are told).
        self.working_after: int = row[at + 6]


@dataclass(frozen=True)
class SubmitRead:
    """The person the request acts for, the token it presented (None when signed in by
    session or when no token matched) and the submission's context (None: no such image)."""

    user: User | None
    token: AuthToken | None
    context: SubmitContext | None
    now: datetime


def submit_context(
    *, task_id: int, lease_id: int, key: str, now: datetime, who: User | TokenClaim
) -> SubmitRead:
    """Read, in one statement, the task with its project, template, the person's role, block
    and void, the transcription their key already recorded, the lease they send and the others'
    live leases on the image; `who` presenting a token, the token and its owner with them."""
    params = {"task": task_id, "lease": lease_id, "key": key, "now": now}
    user, token, facts = person_read(_SUBMIT_FACTS, params, who)
    context = SubmitContext(facts) if facts is not None and facts[0] is not None else None
    return SubmitRead(user, token, context, now)


TRANSCRIPTION_RECORD = """
WITH locked AS (
  SELECT t.id, t.step, t.reconcile_pending, t.reconcile_sent_at FROM tasks_task t
  WHERE t.id = %(task)s AND t.state <> 'reference'
    AND EXISTS (SELECT 1 FROM tasks_project p WHERE p.id = %(project)s
      AND p.status = %(status)s AND p.visibility = %(visibility)s AND p.archived_at IS NULL)
    AND (SELECT m.role FROM tasks_membership m WHERE m.project_id = %(project)s
      AND m.user_id = %(user)s ORDER BY m.id LIMIT 1) IS NOT DISTINCT FROM %(role)s::text
    AND NOT EXISTS (SELECT 1 FROM tasks_projectblock b
      WHERE b.project_id = %(project)s AND b.user_id = %(user)s AND b.lifted_at IS NULL)
    AND (SELECT c.id FROM tasks_contributorvoid c WHERE c.project_id = %(project)s
      AND c.user_id = %(user)s AND c.lifted_at IS NULL ORDER BY c.id LIMIT 1)
      IS NOT DISTINCT FROM %(void)s::bigint
  FOR UPDATE
), used AS (
  UPDATE tasks_lease SET state = 'submitted', ended_at = %(now)s
  WHERE id = %(lease)s AND state = 'active' AND expires_at > %(checked)s
    AND user_id = %(user)s AND task_id = %(task)s AND EXISTS (SELECT 1 FROM locked)
  RETURNING id
), made AS (
  INSERT INTO tasks_transcription (project_id, task_id, user_id, lease_id, "values", markers,
    idempotency_key, template_version, created_at, void_id, machine_fields, georeference, step)
  SELECT %(project)s, %(task)s, %(user)s, used.id, %(values)s::jsonb, %(markers)s::jsonb,
    %(key)s, %(version)s, %(now)s, %(void)s::bigint, '[]'::jsonb, '{}'::jsonb, %(step)s
  FROM used
  RETURNING id
), others AS (
  UPDATE tasks_lease SET state = 'expired', ended_at = %(now)s, expires_at = %(now)s
  WHERE task_id = %(task)s AND user_id = %(user)s AND state = 'active' AND id <> %(lease)s
    AND step = %(step)s AND EXISTS (SELECT 1 FROM made)
), counted AS (
  UPDATE tasks_task t SET
    transcription_count = t.transcription_count
      + CASE WHEN %(searchable)s AND l.step = %(step)s THEN 1 ELSE 0 END,
    last_transcribed_at = %(now)s, reconcile_pending = true, updated_at = %(now)s,
    reconcile_sent_at = CASE WHEN l.reconcile_pending AND l.reconcile_sent_at IS NOT NULL
      THEN l.reconcile_sent_at ELSE %(now)s END
  FROM locked l
  WHERE t.id = l.id AND EXISTS (SELECT 1 FROM made)
  RETURNING NOT (l.reconcile_pending AND l.reconcile_sent_at IS NOT NULL)
), document AS (
  INSERT INTO tasks_taskdocument (task_id, project_id, text, updated_at)
  SELECT %(task)s, %(project)s, %(document)s, %(now)s FROM made WHERE %(searchable)s
  ON CONFLICT (task_id) DO UPDATE SET updated_at = EXCLUDED.updated_at,
    text = tasks_taskdocument.text || COALESCE((
      SELECT string_agg(w, ' ' ORDER BY n) || ' '
      FROM unnest(string_to_array(%(words)s, ' ')) WITH ORDINALITY AS a(w, n)
      WHERE strpos(tasks_taskdocument.text, ' ' || w || ' ') = 0), '')
), vocabulary AS (
  INSERT INTO tasks_searchword (project_id, word)
  SELECT %(project)s, w FROM unnest(string_to_array(%(vocabulary)s, ' ')) AS v(w)
  WHERE %(searchable)s AND EXISTS (SELECT 1 FROM made)
  ON CONFLICT DO NOTHING
)
SELECT made.id, (SELECT * FROM counted) FROM made
"""


@dataclass(frozen=True)
class Recorded:
    transcription_id: int
    reconcile_send: bool  # no reconciliation was waiting to start: send one


def transcription_record(
    *,
    context: SubmitContext,
    user: User,
    values: dict[str, str],
    markers: dict[str, str],
    key: str,
    now: datetime,
    document: str,
    words: list[str],
    vocabulary: list[str],
) -> Recorded | None:
    """Record the transcription on the live lease the context read, end that lease and the
    person's other leases on the image, count it on the task and flag its reconciliation, and
    add its words to the image's search document (`document` is the whole text when the image
    has none yet; `words` those to append otherwise).

    One statement, on its own (no transaction around it): it locks the task, then checks again
    what the context was read for, on what was committed when the statement began: the task is
    not a training image, the lease is still live (its expiry checked against the time now, not
    the read's), the project's status and visibility, the person's role, block and void. (A
    pause or a block committed while the statement waits for the task's lock is not seen, as it
    is not by a submission whose read began just before it.) None when any changed, and nothing
    is written; IntegrityError, and nothing is written, when a concurrent request of the same
    person recorded this answer or another on the image (a unique constraint). The caller then
    takes the ORM's way, which decides under the task's lock. An answer on a lease that has run
    out is not for this statement: whether the image still has room must be counted under its
    lock."""
    task = context.task
    searchable = context.void_id is None
    params = {
        "step": context.lease_step,
        "now": now,
        "checked": timezone.now(),
        "lease": context.lease_id,
        "project": task.project_id,
        "status": context.project.status,
        "visibility": context.project.visibility,
        "role": context.role,
        "task": task.pk,
        "user": user.pk,
        "values": json.dumps(values),
        "markers": json.dumps(markers),
        "key": key,
        "version": context.template.version,
        "void": context.void_id,
        "searchable": searchable,
        "document": document,
        # Words hold no space: each list goes as one text, cut by PostgreSQL (psycopg looks at
        # every item of a list it is given, to choose its type).
        "words": " ".join(words),
        "vocabulary": " ".join(vocabulary),
    }
    if connection.in_atomic_block:
        # Inside a caller's transaction (tests): a refused write must not abort it.
        with transaction.atomic():
            rows = statement(TRANSCRIPTION_RECORD, params)
    else:
        rows = statement(TRANSCRIPTION_RECORD, params)
    return Recorded(rows[0][0], bool(rows[0][1])) if rows else None
