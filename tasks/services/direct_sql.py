"""Hand-written statements of the two busiest requests, next-task and submit, on PostgreSQL.

Each of them is a handful of statements where the ORM sent some twenty (see the README's
benchmark), the first of which also reads the API token the request presents, with its owner
(`crowd.tokens`): authentication costs no statement of its own.

- Next-task, in one transaction: a read that locks the person's row and gathers, in
  subqueries, every fact the request decides on; the image locked (`SKIP LOCKED`); the lease
  written, in one statement of data-modifying CTEs.
- Submit, with no transaction around it: a read of every fact the submission decides on, then
  one statement that locks the image, checks again, on what is committed then, whatever the
  read was relied on for, and writes (or writes nothing, and the ORM's way decides under the
  image's lock). A statement is atomic on its own: no BEGIN, no COMMIT.

The ORM services these stand beside (`lease_grant`, `transcription_submit`) keep the rules;
only PostgreSQL runs these statements: SQLite has neither `SKIP LOCKED` nor writes inside CTEs,
and takes the ORM path.

A statement sees the data committed when it started, also after waiting for a row lock (a
locked row itself is read as last committed). So whatever must be counted under a lock (the
room left on an image, the person's other leases) is counted again by the statement that
writes, which starts once the lock is held, or read from the locked row itself.

The person's live leases are read first, on their own (`OFFSET 0` keeps PostgreSQL from
merging that read into the rest), and each one's image is then looked up by its key: the plan
kept for a prepared statement reads the person's own index (`lease_user_state_task`), a few
rows. Otherwise it may, with statistics older than a rush of volunteers, read the project's
images one by one or the platform's live leases from end to end: thousands of rows at each
request.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from knox.models import AuthToken

from crowd.models import User
from crowd.rows import columns, instance, rows_fetch
from crowd.tokens import TOKEN_COLUMNS, TokenClaim, token_instance
from tasks.models import Project, Task, Template
from tasks.models.work import ASSIGNABLE_STATES
from worker.template.steps import LABEL, STEPS


def statement(sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    return rows_fetch(sql, params, prepare=True)


# The project's fields these requests read; the others are deferred (read if ever used).
PROJECT_FIELDS = (
    "id",
    "slug",
    "status",
    "visibility",
    "archived_at",
    "assignment_order",
    "lease_minutes",
    "min_level",
    "levels",
)
PROJECT_COLUMNS = columns(Project, "p", PROJECT_FIELDS)

# Templates' JSON as decoded, per template state (as `Template.specs` caches its parsing): a
# long vocabulary takes a millisecond to decode, and every request here needs the template.
_DECODED_TEMPLATES: dict[tuple[Any, ...], dict[str, Any]] = {}
_TEMPLATE_AT = {field.attname: n for n, field in enumerate(Template._meta.concrete_fields)}


def template_instance(row: Sequence[Any], start: int) -> tuple[Template, int]:
    """`instance` for a template, its JSON decoded once per process and template state."""
    at = {name: start + n for name, n in _TEMPLATE_AT.items()}
    key = (row[at["id"]], row[at["version"]], row[at["updated_at"]])
    decoded = _DECODED_TEMPLATES.get(key)
    if decoded is None:
        template, end = instance(Template, row, start)
        if len(_DECODED_TEMPLATES) > 256:
            _DECODED_TEMPLATES.clear()
        _DECODED_TEMPLATES[key] = {
            "fields": template.fields,
            "metadata_shown": template.metadata_shown,
        }
        return template, end
    return instance(Template, row, start, decoded=decoded)


# --- next-task ------------------------------------------------------------------------------

# What next-task decides on, read for the person `u` (see `_grant_context_sql`).
_GRANT_FACTS = f"""
SELECT {PROJECT_COLUMNS}, {columns(Template, "tp")},
  (SELECT m.role FROM tasks_membership m WHERE m.project_id = p.id AND m.user_id = u.id
    ORDER BY m.id LIMIT 1),
  EXISTS (SELECT 1 FROM tasks_projectblock b
    WHERE b.project_id = p.id AND b.user_id = u.id AND b.lifted_at IS NULL),
  EXISTS (SELECT 1 FROM (SELECT l.task_id FROM tasks_lease l
      WHERE l.user_id = u.id AND l.state = 'active' OFFSET 0) mine
    WHERE (SELECT lt.project_id FROM tasks_task lt WHERE lt.id = mine.task_id) = p.id),
  EXISTS (SELECT 1 FROM tasks_knownanswer k
    WHERE k.project_id = p.id AND k.use = 'known' AND k.active)
FROM tasks_project p JOIN tasks_template tp ON tp.project_id = p.id
WHERE p.slug = %(slug)s
"""  # noqa: S608 (names from the models, values bound)


@cache
def _grant_context_sql(by_token: bool) -> str:
    # The person's row is locked: two requests of theirs at once never get two images. By
    # token, the token presented and its owner are read with the facts.
    facts = f"LEFT JOIN LATERAL ({_GRANT_FACTS}) f ON true"
    if by_token:
        return (
            f"SELECT {TOKEN_COLUMNS}, f.* FROM knox_authtoken k "  # noqa: S608 (names, bound values)
            f"JOIN crowd_user u ON u.id = k.user_id {facts} "
            "WHERE k.token_key = %(token_key)s AND k.digest = %(digest)s FOR UPDATE OF u"
        )
    return f"SELECT f.* FROM crowd_user u {facts} WHERE u.id = %(user)s FOR UPDATE OF u"  # noqa: S608


class GrantContext:
    """What next-task decides on, read with the person's row locked."""

    def __init__(self, row: Sequence[Any]) -> None:
        self.project, at = instance(Project, row, 0, PROJECT_FIELDS)
        template, at = template_instance(row, at)
        self.project.template = template
        self.role: str | None = row[at]
        self.blocked: bool = row[at + 1]
        self.holds_lease: bool = row[at + 2]
        self.known_answers: bool = row[at + 3]


@dataclass(frozen=True)
class GrantRead:
    """The person the request acts for, the token it presented (None when signed in by
    session, or when no token matched: then `user` is None too) and next-task's context (None:
    no such project)."""

    user: User | None
    token: AuthToken | None
    context: GrantContext | None


def grant_context(*, slug: str, who: User | TokenClaim) -> GrantRead:
    """Lock the person's row (`who`, or the owner of the token it presents) and read the project
    named `slug` with their role, block, leases and its known answers."""
    if isinstance(who, TokenClaim):
        params = {"slug": slug, "token_key": who.key, "digest": who.digest}
        rows = statement(_grant_context_sql(True), params)
        if not rows:
            return GrantRead(None, None, None)
        token, at = token_instance(rows[0])
        facts: Sequence[Any] = rows[0][at:]
        user: User = token.user
    else:
        rows = statement(_grant_context_sql(False), {"slug": slug, "user": who.pk})
        token, user, facts = None, who, rows[0] if rows else (None,)
    return GrantRead(user, token, GrantContext(facts) if facts[0] is not None else None)


_ORDERS = {
    "breadth": "t.priority DESC, t.transcription_count ASC, t.id ASC",
    "depth": "t.priority DESC, t.transcription_count DESC, t.id ASC",
    "random": "t.priority DESC, t.shuffle_key ASC",
}

_CANDIDATE = f"""
SELECT {columns(Task, "t")} FROM tasks_task t
WHERE t.project_id = %(project)s AND t.state IN ({", ".join(f"'{s}'" for s in ASSIGNABLE_STATES)})
  AND t.step = '{{step}}'
  AND NOT (t.id = ANY(%(passed)s::bigint[]))
  AND NOT EXISTS (SELECT 1 FROM tasks_lease s WHERE s.task_id = t.id AND s.user_id = %(user)s
    AND s.state IN ('released', 'submitted') AND s.step = '{{step}}')
  AND NOT EXISTS (SELECT 1 FROM tasks_transcription x
    WHERE x.task_id = t.id AND x.user_id = %(user)s AND x.step = '{{step}}')
  AND t.transcription_count < t.target - COALESCE((SELECT COUNT(*) FROM tasks_lease v
    WHERE v.task_id = t.id AND v.state = 'active' AND v.expires_at > %(now)s), 0)
  {{where}}
ORDER BY {{order}}
LIMIT 1
FOR UPDATE OF t SKIP LOCKED
"""  # noqa: S608 (names from the models, values bound, the step one of STEPS)


@cache
def _candidate_sql(order: str, from_start: bool, step: str) -> str:
    # The step is written into the statement (one of two names), not bound: the georeference
    # queue's partial index is chosen only for a statement that names its step.
    if step not in STEPS:
        raise ValueError(f"unknown step {step!r}")
    where = "AND t.shuffle_key >= %(start)s" if from_start else ""
    return _CANDIDATE.format(where=where, order=_ORDERS.get(order, _ORDERS["depth"]), step=step)


def task_candidate_lock(
    *,
    project: Project,
    user: User,
    now: datetime,
    passed: set[int],
    start: float | None,
    step: str = LABEL,
) -> Task | None:
    """Lock and return the first task in `step` that `user` may be given in the project's
    order, as `tasks.services.leases._next_task` does; `start` begins a random order there."""
    params = {"project": project.pk, "user": user.pk, "now": now, "passed": list(passed)}
    if start is not None:
        params["start"] = start
        rows = statement(_candidate_sql(project.assignment_order, True, step), params)
        if rows:
            return instance(Task, rows[0], 0)[0]
    rows = statement(_candidate_sql(project.assignment_order, False, step), params)
    return instance(Task, rows[0], 0)[0] if rows else None


LEASE_INSERT = """
WITH live AS (
  SELECT COUNT(*) AS n FROM tasks_lease
  WHERE task_id = %(task)s AND state = 'active' AND expires_at > %(now)s
), facts AS (
  SELECT live.n,
    EXISTS (SELECT 1 FROM tasks_transcription WHERE task_id = %(task)s AND user_id = %(user)s
      AND step = %(step)s) AS answered,
    EXISTS (SELECT 1 FROM (SELECT l.task_id FROM tasks_lease l
        WHERE l.user_id = %(user)s AND l.state = 'active' AND l.kind IN ('data', 'known')
        OFFSET 0) mine
      WHERE (SELECT lt.project_id FROM tasks_task lt WHERE lt.id = mine.task_id)
        = %(project)s) AS holding
  FROM live
), made AS (
  INSERT INTO tasks_lease (task_id, user_id, state, kind, step, created_at, expires_at,
    ended_at, skip_reason, skip_note)
  SELECT %(task)s, %(user)s, 'active', 'data', %(step)s, %(now)s, %(expires)s, NULL, '', ''
  FROM facts WHERE NOT facts.answered AND NOT facts.holding AND facts.n + %(count)s < %(target)s
  RETURNING id
)
SELECT (SELECT id FROM made), facts.n, facts.answered, facts.holding FROM facts
"""


class LeaseInserted:
    def __init__(self, row: Sequence[Any]) -> None:
        self.lease_id: int | None = row[0]
        self.live: int = row[1]
        self.answered: bool = row[2]
        self.holding: bool = row[3]


def lease_insert(*, task: Task, user: User, now: datetime, expires_at: datetime) -> LeaseInserted:
    """Insert `user`'s lease on the locked `task`, for its step, if, counted now, it still has
    room, they have not answered that step of it and hold no other lease in the project."""
    params = {
        "step": task.step,
        "task": task.pk,
        "user": user.pk,
        "project": task.project_id,
        "now": now,
        "expires": expires_at,
        "count": task.transcription_count,
        "target": task.target,
    }
    return LeaseInserted(statement(LEASE_INSERT, params)[0])


# --- submit ---------------------------------------------------------------------------------

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


@cache
def _submit_context_sql(by_token: bool) -> str:
    # By token: the token presented and its owner are read with the facts (the request's
    # authentication costs no statement of its own); else the person signed in by session.
    facts = f"LEFT JOIN LATERAL ({_SUBMIT_FACTS}) f ON true"
    if by_token:
        return (
            f"SELECT {TOKEN_COLUMNS}, f.* FROM knox_authtoken k "  # noqa: S608 (names, bound values)
            f"JOIN crowd_user u ON u.id = k.user_id {facts} "
            "WHERE k.token_key = %(token_key)s AND k.digest = %(digest)s"
        )
    return f"SELECT f.* FROM crowd_user u {facts} WHERE u.id = %(user)s"  # noqa: S608


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
    params: dict[str, Any] = {"task": task_id, "lease": lease_id, "key": key, "now": now}
    if isinstance(who, TokenClaim):
        params |= {"token_key": who.key, "digest": who.digest}
        rows = statement(_submit_context_sql(True), params)
        if not rows:
            return SubmitRead(None, None, None, now)
        token, at = token_instance(rows[0])
        facts = rows[0][at:]
        user = token.user
    else:
        rows = statement(_submit_context_sql(False), params | {"user": who.pk})
        token, user, facts = None, who, rows[0] if rows else (None,)
    context = SubmitContext(facts) if facts[0] is not None else None
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
