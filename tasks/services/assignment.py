"""Next-task and submit as the API serves them: the busiest two requests of the platform.

On PostgreSQL each runs a few hand-written statements (`tasks.services.direct_sql`), the first
of which reads the API token presented (a `TokenClaim` the view settles once it is read):
next-task in one transaction, submit as a read then one write that checks again what the read
was relied on for. What they do not cover (a lease already held, known-answer images, levels,
training images, a concurrent request of the same person, anything changed between submit's
read and write) goes on to the ORM services they stand beside, `lease_grant` and
`answer_submit`, whose rules they keep: a task is never given twice to a person nor beyond its
room, counted again under its lock; a submission is idempotent; leases expire; events and jobs
leave once the writes are committed. Other databases take the ORM services directly."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from knox.models import AuthToken

from crowd.models import User
from crowd.tokens import TokenClaim, TokenRefused, token_acceptable
from tasks.events import presence_send_on_commit
from tasks.models import (
    AssignmentOrder,
    Lease,
    LeaseKind,
    LeaseState,
    Project,
    TaskState,
    Transcription,
)
from tasks.roles import NO_ROLE, Capability, project_require
from tasks.search_words import document_text, document_words, value_texts, vocabulary_words
from tasks.selectors.projects import project_for
from tasks.selectors.training import locked_for, project_levels
from tasks.services import direct_sql, submit_sql
from tasks.services.known_answers import Checked
from tasks.services.leases import (
    MAX_CANDIDATES,
    LeaseConflict,
    contribute_check,
    lease_current,
    lease_expiry,
    lease_grant,
)
from tasks.services.progress import project_progress_request
from tasks.services.reconcile import task_reconcile_send_on_commit
from tasks.services.search import task_texts
from tasks.services.steps import steps_asked
from tasks.services.submissions import MAX_KEY_LENGTH, Submitted, answer_submit
from tasks.values import step_values_check


def direct_statements() -> bool:
    """Whether next-task and submit run their hand-written statements (PostgreSQL), which read
    a presented token themselves."""
    return connection.vendor == "postgresql"


def next_task_grant(
    *,
    slug: str,
    user: User | TokenClaim,
    step: str | None = None,
    settle: Callable[[AuthToken | None], User] | None = None,
) -> tuple[Project, Lease | None]:
    """The project named `slug` and `user`'s lease in it: their live one, or one on the next
    task that needs them (None when none is left), in `step` when given (`steps_asked`: 400
    for a step the project has not). 404 when they may not see the project, 403 when they may
    not contribute to it (`project_for`). As `lease_grant` otherwise.

    `user` may be a token presented and not yet read (`TokenClaim`, PostgreSQL only): it is
    read with the first statement, and `settle` (the view's) makes its owner the request's
    person, or refuses them, before anything else; TokenRefused, with nothing done, when the
    token is not taken as read."""
    if not direct_statements():
        assert isinstance(user, User)
        project = project_for(user, slug, Capability.CONTRIBUTE)
        return project, lease_grant(project=project, user=user, step=step)
    with transaction.atomic():
        read = direct_sql.grant_context(slug=slug, who=user)
        if isinstance(user, TokenClaim):
            if not token_acceptable(read.token) or settle is None:
                raise TokenRefused
            user = settle(read.token)
        context = read.context
        if context is None:
            raise Http404(_("No such project."))
        project = context.project
        role = context.role or NO_ROLE
        project_require(user, project, Capability.CONTRIBUTE, role=role, blocked=context.blocked)
        steps = steps_asked(project=project, step=step)
        if context.holds_lease or context.known_answers or project_levels(project):
            # A reload, known-answer images to mix in, levels to check: the ORM's way.
            return project, lease_grant(project=project, user=user, step=step)
        for one in steps:
            lease = _grant(project=project, user=user, step=one)
            if lease is not None:
                return project, lease
        return project, None


def _grant(*, project: Project, user: User, step: str) -> Lease | None:
    now = timezone.now()
    expires_at = lease_expiry(project=project, created_at=now, now=now)
    random_order = project.assignment_order == AssignmentOrder.RANDOM
    start = random.random() if random_order else None  # noqa: S311 (an order, not a secret)
    passed: set[int] = set()
    for _attempt in range(MAX_CANDIDATES):
        task = direct_sql.task_candidate_lock(
            project=project, user=user, now=now, passed=passed, start=start, step=step
        )
        if task is None:
            return None
        made = direct_sql.lease_insert(task=task, user=user, now=now, expires_at=expires_at)
        if made.lease_id is not None:
            task.project = project
            lease = Lease(
                id=made.lease_id,
                task=task,
                user=user,
                state=LeaseState.ACTIVE,
                kind=LeaseKind.DATA,
                step=task.step,
                created_at=now,
                expires_at=expires_at,
            )
            lease._state.adding = False
            presence_send_on_commit(task.pk, working=made.live + 1)
            return lease
        if made.holding:
            # Another request of theirs gave them an image since this one began (or a lease of
            # theirs ran out meanwhile: the ORM's way ends it and goes on).
            return lease_current(project=project, user=user) or lease_grant(
                project=project, user=user, step=step
            )
        passed.add(task.pk)  # full, or answered by them, once counted under the lock
    return None


class _OrmWay(Exception):
    """The direct statements do not cover this submission: roll back, and take the ORM's way."""


def answer_read(
    *, task_id: int, who: User | TokenClaim, lease_id: int, key: str, plain: bool = True
) -> submit_sql.SubmitRead | None:
    """What a submission decides on, read in one statement with the token `who` presents (or
    for `who` signed in): for `answer_record`. None where the direct statements do not serve
    the submission (not `plain`: it carries machine words or how its points were made; or
    not on PostgreSQL)."""
    if not plain or not direct_statements():
        return None
    return submit_sql.submit_context(
        task_id=task_id, lease_id=lease_id, key=key, now=timezone.now(), who=who
    )


def answer_record(
    *,
    task_id: int,
    user: User,
    lease_id: int,
    values: Any,
    markers: Any,
    idempotency_key: str,
    machine_fields: Any = None,
    georeference: Any = None,
    read: submit_sql.SubmitRead | None = None,
) -> Submitted | Checked:
    """`answer_submit` for the API: also 404 when `user` may not see the task's project (403
    when they see it but may not read it). Same contract otherwise. An answer that took
    machine words (`machine_fields`) or says how its points were made (`georeference`) goes
    the ORM's way, which checks and records them. `read`: the `answer_read` of the request,
    when it made one."""
    key = (idempotency_key or "").strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise LeaseConflict(_("An idempotency key of 1 to 64 characters is required."))
    arguments = {
        "task_id": task_id,
        "user": user,
        "lease_id": lease_id,
        "values": values,
        "markers": markers,
        "idempotency_key": key,
    }
    provenance = {"machine_fields": machine_fields, "georeference": georeference}
    if machine_fields or georeference or not direct_statements():
        answer_visible_check(task_id=task_id, user=user)
        return answer_submit(**arguments, **provenance)
    if read is None:
        read = answer_read(task_id=task_id, who=user, lease_id=lease_id, key=key)
    assert read is not None
    try:
        return _record(read=read, user=user, values=values, markers=markers, key=key)
    except _OrmWay:
        return answer_submit(**arguments, **provenance)


def answer_visible_check(*, task_id: int, user: User) -> None:
    """404 unless the task exists and `user` may see its project."""
    project = Project.objects.filter(tasks__pk=task_id).first()
    if project is None:
        raise Http404(_("No such image."))
    project_require(user, project, Capability.VIEW)


def _record(
    *, read: submit_sql.SubmitRead, user: User, values: Any, markers: Any, key: str
) -> Submitted:
    # No transaction: the one statement that writes checks again what it relies on (see
    # `submit_sql.transcription_record`); events and jobs then leave at once.
    now, context = read.now, read.context
    if context is None:
        raise Http404(_("No such image."))
    task, project = context.task, context.project
    role = context.role or NO_ROLE
    project_require(user, project, Capability.VIEW, role=role, blocked=context.blocked)
    if context.existing is not None:
        if context.existing["task_id"] != task.pk:
            raise LeaseConflict(_("This idempotency key was already used for another image."))
        return Submitted(Transcription(**context.existing), created=False)
    if task.state == TaskState.REFERENCE:
        raise _OrmWay  # a training image: checked against its known answer
    specs = context.template.specs
    clean_values, clean_markers = step_values_check(
        specs=specs,
        step=context.lease_step,
        values=values,
        markers=markers,
        locked=locked_for(project=project, user=user, specs=specs),
    )
    if context.lease_id is None or context.lease_user_id != user.pk:
        raise PermissionDenied(_("This lease is not yours or not for this image."))
    if context.lease_task_id != task.pk:
        raise PermissionDenied(_("This lease is not yours or not for this image."))
    contribute_check(user=user, project=project, role=role, blocked=context.blocked)
    if context.lease_state == LeaseState.SUBMITTED:
        raise LeaseConflict(_("This lease was already used for a transcription."))
    expires_at = context.lease_expires_at
    live = context.lease_state == LeaseState.ACTIVE and expires_at is not None and expires_at > now
    if not live:
        # Late: whether the image still has room is counted under its lock, the ORM's way (a
        # read without the lock cannot know who was given the image since).
        raise _OrmWay
    answer_words = document_words(value_texts(clean_values))
    try:
        made = submit_sql.transcription_record(
            context=context,
            user=user,
            values=clean_values,
            markers=clean_markers,
            key=key,
            now=now,
            # The whole document when the image has none yet; else its words are appended.
            document=document_text(document_words([*task_texts(task), *value_texts(clean_values)])),
            words=answer_words,
            vocabulary=sorted(vocabulary_words([*document_words(task_texts(task)), *answer_words])),
        )
    except IntegrityError:
        made = None  # a request of theirs recorded this answer or another on the image
    if made is None:
        # Something the context was read for changed, or a request of theirs recorded an
        # answer on the image meanwhile (its key, or another): the ORM's way says which.
        raise _OrmWay
    presence_send_on_commit(task.pk, working=context.working_after)
    if made.reconcile_send:
        task_reconcile_send_on_commit(task_id=task.pk, sent_at=now)
    project_progress_request(project_id=task.project_id)
    transcription = Transcription(
        id=made.transcription_id,
        task_id=task.pk,
        values=clean_values,
        markers=clean_markers,
        created_at=now,
    )
    return Submitted(transcription, created=True)
