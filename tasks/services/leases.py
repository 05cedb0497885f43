"""Assignment: which task a contributor gets next, and the leases that hold tasks.

A lease is live while `state == active` and `expires_at > now`. A task has room for another
contributor while `transcription_count + live leases < target`. A contributor holds at most one
live lease per project (asking again gives the same one back), and heartbeats renew a lease
only up to `LEASE_MAX_MINUTES` after it was granted, so nobody holds an image for ever. A skip or a submission marks
the task as seen by that contributor, who is never served it again; a lease that merely ran
out (the page was closed, the volunteer went away) does not.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from crowd.errors import DomainError
from crowd.models import User
from tasks.events import presence_send_on_commit
from tasks.models import (
    AssignmentOrder,
    KnownAnswerUse,
    Lease,
    LeaseKind,
    LeaseState,
    Project,
    Task,
    TaskState,
    Transcription,
)
from tasks.models.work import ASSIGNABLE_STATES
from tasks.roles import Capability, contribute_refusal, project_blocked, project_capabilities
from tasks.selectors.training import (
    contributor_level,
    known_answer_wanted,
    known_task_pick,
    project_levels,
)
from tasks.services.steps import steps_asked
from worker.template.steps import LABEL

# Candidates tried per request before answering "nothing now"; only reached when many tasks
# filled up in the instant between choosing and locking.
MAX_CANDIDATES = 20


# Leases that mark a task as seen by their contributor: skipped or transcribed.
SEEN_STATES = (LeaseState.RELEASED, LeaseState.SUBMITTED)


class LeaseConflict(DomainError):
    """The lease can no longer be used: the task is full, finished, or the lease ended."""

    status_code = 409
    code = "conflict"


class ProjectNotTakingAnswers(LeaseConflict):
    """The lease's project is paused, finished, still a draft, or no longer open to its holder:
    nothing is recorded, and the contributor keeps what they typed."""


def contribute_check(
    *, user: User, project: Project, role: str | None = None, blocked: bool | None = None
) -> None:
    """Raise ProjectNotTakingAnswers unless `user` may contribute to `project` now (409: the
    answer may be sent again when the project reopens); PermissionDenied for a person the
    project's leads blocked (403: it will not be taken). `role` and `blocked` as for
    `project_capabilities`, when the caller read them."""
    if blocked is None:
        blocked = project_blocked(user, project)
    if blocked:
        raise PermissionDenied(_("This project no longer takes your transcriptions."))
    granted = project_capabilities(user, project, role=role, blocked=False)
    if Capability.CONTRIBUTE not in granted:
        raise ProjectNotTakingAnswers(contribute_refusal(project))


class LevelNeeded(DomainError):
    """The project asks a level the contributor has not reached: they may practise first."""

    status_code = 403
    code = "level_needed"

    def __init__(self, message: str, *, level: int, needed: int) -> None:
        super().__init__(message)
        self.level, self.needed = level, needed

    def payload(self) -> dict[str, object]:
        return {"level": self.level, "needed": self.needed}


def level_check(*, user: User, project: Project) -> None:
    """Raise LevelNeeded when `project` asks a level of its contributors `user` lacks."""
    if project.min_level <= 1 or not project_levels(project):
        return
    level = contributor_level(project=project, user=user)
    if level < project.min_level:
        raise LevelNeeded(
            _(
                "This project asks level %(needed)s to transcribe its images; you are at level "
                "%(level)s. Practise to reach it."
            )
            % {"needed": project.min_level, "level": level},
            level=level,
            needed=project.min_level,
        )


class LeaseTooOld(LeaseConflict):
    """The lease reached its maximum age: heartbeats may not hold an image for ever."""

    code = "lease_too_old"


def live_leases(*, now: object = None) -> Q:
    return Q(state=LeaseState.ACTIVE, expires_at__gt=now or timezone.now())


def _live_count(now: object) -> Coalesce:
    counted = (
        Lease.objects.filter(task=OuterRef("pk"), state=LeaseState.ACTIVE, expires_at__gt=now)
        .order_by()
        .values("task")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _candidates(*, project: Project, user: User, now: object, step: str) -> QuerySet[Task]:
    """Tasks in `step` `user` may be given: assignable, that step not skipped nor done by them,
    with room."""
    seen = Lease.objects.filter(task=OuterRef("pk"), user=user, state__in=SEEN_STATES, step=step)
    answered = Transcription.objects.filter(task=OuterRef("pk"), user=user, step=step)
    return (
        Task.objects.filter(project=project, state__in=ASSIGNABLE_STATES, step=step)
        .exclude(Exists(seen))
        .exclude(Exists(answered))
        .alias(live=_live_count(now))
        .filter(transcription_count__lt=F("target") - F("live"))
    )


def _lock_first(queryset: QuerySet[Task]) -> Task | None:
    # skip_locked: concurrent requests walk past each other's rows instead of queueing on them.
    # On SQLite the IMMEDIATE transaction already serialises writers.
    if connection.features.has_select_for_update_skip_locked:
        queryset = queryset.select_for_update(skip_locked=True, of=("self",))
    return queryset.first()


def _next_task(
    *, project: Project, user: User, now: object, passed: set[int], step: str
) -> Task | None:
    candidates = _candidates(project=project, user=user, now=now, step=step).exclude(pk__in=passed)
    if project.assignment_order == AssignmentOrder.RANDOM:
        start = random.random()  # noqa: S311 (an order, not a secret)
        ordered = candidates.order_by("-priority", "shuffle_key")
        return _lock_first(ordered.filter(shuffle_key__gte=start)) or _lock_first(ordered)
    if project.assignment_order == AssignmentOrder.BREADTH:
        return _lock_first(candidates.order_by("-priority", "transcription_count", "id"))
    return _lock_first(candidates.order_by("-priority", "-transcription_count", "id"))


def lease_deadline(created_at: datetime) -> datetime:
    """When a lease granted at `created_at` ends for good, heartbeats or not."""
    return created_at + timedelta(minutes=settings.LEASE_MAX_MINUTES)


def lease_expiry(*, project: Project, created_at: datetime, now: datetime) -> datetime:
    """When a lease granted at `created_at` and renewed `now` runs out."""
    return min(now + timedelta(minutes=project.lease_minutes), lease_deadline(created_at))


def lease_current(*, project: Project, user: User, practice: bool = False) -> Lease | None:
    """The contributor's live lease in this project, if any (a reload gets the same task):
    on a practice image when `practice`, else on a real or known-answer one.

    Their active leases that ran out are marked expired on the way, so a new lease on the same
    image never meets the one-active-lease-per-image constraint; so are leases on images they
    already transcribed (left live by an answer recorded before submissions ended them): giving
    one back would trap them on an image they may not answer again."""
    now = timezone.now()
    kinds = (LeaseKind.PRACTICE,) if practice else (LeaseKind.DATA, LeaseKind.KNOWN)
    active = list(
        Lease.objects.filter(
            user=user, task__project=project, state=LeaseState.ACTIVE, kind__in=kinds
        )
        .annotate(
            answered=Exists(
                Transcription.objects.filter(
                    task=OuterRef("task"), user=user, step=OuterRef("step")
                )
            )
        )
        .select_related("task__project__template")
        .order_by("-created_at")
    )
    active = [lease for lease in active if not _answered_end(lease, now)]
    stale = [lease.pk for lease in active if lease.expires_at <= now]
    if stale:
        Lease.objects.filter(pk__in=stale, state=LeaseState.ACTIVE).update(
            state=LeaseState.EXPIRED, ended_at=now
        )
    return next((lease for lease in active if lease.expires_at > now), None)


def _answered_end(lease: Lease, now: datetime) -> bool:
    """End `lease` if its holder already transcribed its task (annotated `answered`)."""
    if not getattr(lease, "answered", False):
        return False
    ended = Lease.objects.filter(pk=lease.pk, state=LeaseState.ACTIVE).update(
        state=LeaseState.EXPIRED, ended_at=now, expires_at=now
    )
    if ended:
        presence_send_on_commit(lease.task_id)
    return True


@transaction.atomic
def lease_grant(*, project: Project, user: User, step: str | None = None) -> Lease | None:
    """Give `user` their live lease in `project`, or a lease on the next task; None when no task
    is left for them. `step` (`steps_asked`) limits it to the images waiting for that step: a
    live lease of theirs in the other step ends (not seen: they may get that image again).

    Safe under concurrency: the chosen task row is locked before its room is counted, so no task
    gets more live leases than it still needs; the contributor's own row is locked first, so two
    requests of theirs at once (two tabs, a script) never get two images. The right to
    contribute is checked again here, on a fresh read of the project, so a block or a pause
    committed since the caller's check hands out no new lease.
    """
    User.objects.select_for_update().filter(pk=user.pk).first()
    project = Project.objects.select_related("template").get(pk=project.pk)
    contribute_check(user=user, project=project)
    steps = steps_asked(project=project, step=step)
    current = lease_current(project=project, user=user)
    if current is not None:
        if current.step in steps:
            return current
        leases_end(leases=Lease.objects.filter(pk=current.pk))
    level_check(user=user, project=project)
    now = timezone.now()
    known_due = LABEL in steps and known_answer_wanted(project=project, user=user)
    for one in steps:
        lease = _step_grant(project=project, user=user, now=now, step=one, known_due=known_due)
        if lease is not None:
            return lease
    return None


def _step_grant(
    *, project: Project, user: User, now: datetime, step: str, known_due: bool
) -> Lease | None:
    passed: set[int] = set()
    for _attempt in range(MAX_CANDIDATES):
        task = _next_task(project=project, user=user, now=now, passed=passed, step=step)
        if task is None:
            return None
        # The candidate query counted leases and answers in its own snapshot; a lease or an
        # answer of theirs another request committed just before we got the row lock is only
        # visible to a new statement.
        answered = Transcription.objects.filter(task=task, user=user, step=step).exists()
        if not answered and task_has_room(task=task, now=now):
            if known_due and step == LABEL:
                # Only when a real image is there for them: a known-answer image after "nothing
                # left for you" would give itself away. The real one stays free for others.
                known = known_task_pick(project=project, user=user, use=KnownAnswerUse.KNOWN)
                if known is not None:
                    return _training_lease(
                        project=project, user=user, task=known, kind=LeaseKind.KNOWN
                    )
            task.project = project  # callers read the project and its template from the lease
            try:
                with transaction.atomic():
                    lease = Lease.objects.create(
                        task=task,
                        user=user,
                        step=step,
                        expires_at=lease_expiry(project=project, created_at=now, now=now),
                    )
            except IntegrityError:
                # The same contributor asked twice at once (two tabs): the other request won.
                return lease_current(project=project, user=user)
            presence_send_on_commit(task.pk)
            return lease
        passed.add(task.pk)
    return None


def _training_lease(*, project: Project, user: User, task: Task, kind: str) -> Lease | None:
    """A lease on a training image: such an image has room for everyone."""
    now = timezone.now()
    task.project = project
    try:
        with transaction.atomic():
            lease = Lease.objects.create(
                task=task,
                user=user,
                kind=kind,
                expires_at=lease_expiry(project=project, created_at=now, now=now),
            )
    except IntegrityError:
        return lease_current(project=project, user=user, practice=kind == LeaseKind.PRACTICE)
    presence_send_on_commit(task.pk)  # as for a real image (the count says "you alone")
    return lease


@transaction.atomic
def practice_lease_grant(*, project: Project, user: User) -> Lease | None:
    """`user`'s live practice lease in `project`, or one on the next practice image they have
    not done (in the lead's order); None when they have done them all. Open to whoever may
    contribute, whatever their level: practice is how levels are reached."""
    User.objects.select_for_update().filter(pk=user.pk).first()
    project = Project.objects.get(pk=project.pk)
    contribute_check(user=user, project=project)
    current = lease_current(project=project, user=user, practice=True)
    if current is not None:
        return current
    task = known_task_pick(project=project, user=user, use=KnownAnswerUse.PRACTICE)
    if task is None:
        return None
    return _training_lease(project=project, user=user, task=task, kind=LeaseKind.PRACTICE)


def task_has_room(*, task: Task, excluding: Lease | None = None, now: object = None) -> bool:
    """Whether `task` still wants another transcription. Call with the task row locked.
    A training image has room for everyone."""
    if task.state == TaskState.REFERENCE:
        return True
    live = Lease.objects.filter(live_leases(now=now), task=task)
    if excluding is not None:
        live = live.exclude(pk=excluding.pk)
    return task.state in ASSIGNABLE_STATES and task.transcription_count + live.count() < task.target


def leases_end(*, leases: QuerySet[Lease]) -> int:
    """End the live leases among `leases` now (their holder was blocked or deactivated, their
    project archived): the images go back to the queue, watchers hear of it on commit. Not
    marked seen: nothing was skipped."""
    now = timezone.now()
    ending = list(leases.filter(state=LeaseState.ACTIVE).values_list("pk", "task_id"))
    if not ending:
        return 0
    Lease.objects.filter(pk__in=[pk for pk, _task in ending], state=LeaseState.ACTIVE).update(
        state=LeaseState.EXPIRED, ended_at=now, expires_at=now
    )
    for task_id in sorted({task for _pk, task in ending}):
        presence_send_on_commit(task_id)
    return len(ending)
