"""Hand-written statements of the two busiest requests, next-task and submit, on PostgreSQL.

Each of them is a handful of statements where the ORM sent some twenty (see the README's
benchmark), the first of which also reads the API token the request presents, with its owner
(`crowd.tokens`): authentication costs no statement of its own.

- Next-task, in one transaction: a read that locks the person's row and gathers, in
  subqueries, every fact the request decides on; the image locked (`SKIP LOCKED`); the lease
  written, in one statement of data-modifying CTEs.
- Submit (`tasks.services.submit_sql`), with no transaction around it: a read of every fact the
  submission decides on, then one statement that locks the image, checks again whatever the
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

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from knox.models import AuthToken

from crowd.models import User
from crowd.rows import columns, instance, rows_fetch
from crowd.tokens import TokenClaim, person_read, with_person
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


def _grant_context_sql(by_token: bool) -> str:
    # The person's row is locked: two requests of theirs at once never get two images.
    return with_person(_GRANT_FACTS, by_token, lock=True)


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
    user, token, facts = person_read(_GRANT_FACTS, {"slug": slug}, who, lock=True)
    context = GrantContext(facts) if facts is not None and facts[0] is not None else None
    return GrantRead(user, token, context)


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
