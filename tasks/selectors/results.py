"""Reads of a project's data for the API: its tasks, their field results, and the curators'
decisions (the audit trail).

Contributors work independently: whatever reaches one of them shows their own answers only,
never another contributor's, nor the results made from them. The whole data is for curators and
leads (`Capability.CURATE`); the reconciled values also for whoever may see a project whose leads
opened its data (`Project.data_open`, the rule of its exports).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from crowd.users import AnyUser
from tasks.models import (
    FieldResult,
    Lease,
    Project,
    Resolution,
    Task,
    TaskState,
    Transcription,
)
from tasks.roles import (
    Capability,
    project_capabilities,
    project_require,
    project_sees_unsettled,
)
from tasks.selectors.projects import project_for


def project_tasks(
    *, project: Project, state: str | None = None, batch_id: int | None = None
) -> QuerySet[Task]:
    """A project's tasks, oldest first, optionally in one state or one batch."""
    tasks = Task.objects.filter(project=project).select_related("project__template")
    if state:
        tasks = tasks.filter(state=state)
    if batch_id is not None:
        tasks = tasks.filter(batch_id=batch_id)
    return tasks.order_by("pk")


@dataclass(frozen=True)
class TaskAsSeen:
    """One task as one person may see it: `full` for curators and leads, else the requester's
    own transcription only and no results."""

    task: Task
    full: bool
    transcriptions: list[Transcription]
    field_results: list[FieldResult]


def task_with_capabilities(
    user: AnyUser, task_id: int, capability: Capability = Capability.VIEW
) -> tuple[Task, frozenset[Capability]]:
    """The task (its project and template with it) and what `user` may do in its project, if
    they have `capability` there: 404 when there is no such task or its project is hidden from
    them, 403 when they see it but lack the capability."""
    task = Task.objects.select_related("project__template").filter(pk=task_id).first()
    if task is None:
        raise Http404(_("No such image."))
    return task, project_require(user, task.project, capability)


def task_for_curator(user: AnyUser, task_id: int) -> Task:
    """The task, for curators and leads of its project (404 when hidden, else 403)."""
    return task_with_capabilities(user, task_id, Capability.CURATE)[0]


def task_for(user: AnyUser, task_id: int) -> TaskAsSeen:
    """The task, as `user` may see it. 404 when there is no such task or its project is hidden
    from them; 403 for a contributor who never held nor transcribed it."""
    task, capabilities = task_with_capabilities(user, task_id)
    if Capability.CURATE in capabilities:
        transcriptions = list(
            Transcription.objects.filter(task=task).select_related("user").order_by("created_at")
        )
        results = list(FieldResult.objects.filter(task=task).order_by("pk"))
        return TaskAsSeen(
            task=task, full=True, transcriptions=transcriptions, field_results=results
        )
    mine = (
        list(Transcription.objects.filter(task=task, user=user).select_related("user"))
        if user.is_authenticated
        else []
    )
    if not mine and not (
        user.is_authenticated and Lease.objects.filter(task=task, user=user).exists()
    ):
        raise PermissionDenied(
            _("Only curators, leads and the contributors who worked on an image may see it.")
        )
    return TaskAsSeen(task=task, full=False, transcriptions=mine, field_results=[])


def project_for_results(user: AnyUser, slug: str) -> Project:
    """The project, if `user` may read its reconciled values: curators and leads, or anyone who
    sees it when its data is open. 404 when they may not see it, else 403."""
    project = project_for(user, slug)
    if not project.data_open:
        project_require(user, project, Capability.CURATE)
    return project


def project_field_results(
    *,
    project: Project,
    viewer: AnyUser | None = None,
    status: str | None = None,
    key: str | None = None,
    batch_id: int | None = None,
    task_id: int | None = None,
) -> QuerySet[FieldResult]:
    """A project's reconciled values, by task then field, optionally filtered. For a `viewer`
    who is not a curator nor a lead, only the values of images they will never be given:
    settled ones, and those they already answered (not merely skipped)."""
    results = FieldResult.objects.filter(project=project)
    if viewer is not None and not project_sees_unsettled(project_capabilities(viewer, project)):
        results = results.filter(_never_assigned_to(viewer))
    if status:
        results = results.filter(status=status)
    if key:
        results = results.filter(key=key)
    if batch_id is not None:
        results = results.filter(task__batch_id=batch_id)
    if task_id is not None:
        results = results.filter(task_id=task_id)
    return results.order_by("task_id", "pk")


def _never_assigned_to(user: AnyUser) -> Q:
    settled = Q(task__state__in=[TaskState.COMPLETE, TaskState.RESOLVED])
    if not user.is_authenticated:
        return settled
    # Only one's own answer counts: an image merely skipped could be skipped to read its
    # leading value, then typed in by a second account that is served the same image.
    answered = Q(Exists(Transcription.objects.filter(task=OuterRef("task"), user=user)))
    return settled | answered


def field_result_for(user: AnyUser, field_result_id: int) -> FieldResult:
    """A field result, for curators and leads of its project (404 when hidden, else 403)."""
    result = FieldResult.objects.select_related("task__project").filter(pk=field_result_id).first()
    if result is None:
        raise Http404(_("No such value."))
    project_require(user, result.task.project, Capability.CURATE)
    return result


def resolutions_of(
    *,
    project: Project | None = None,
    field_result: FieldResult | None = None,
    key: str | None = None,
    decision: str | None = None,
    curator: str | None = None,
    batch_id: int | None = None,
) -> QuerySet[Resolution]:
    """Curators' decisions, newest first: of one field result, or of a whole project."""
    rows = Resolution.objects.select_related("curator", "field_result")
    if field_result is not None:
        rows = rows.filter(field_result=field_result)
    if project is not None:
        rows = rows.filter(field_result__project=project)
    if key:
        rows = rows.filter(field_result__key=key)
    if decision:
        rows = rows.filter(decision=decision)
    if curator:
        rows = rows.filter(curator__username=curator)
    if batch_id is not None:
        rows = rows.filter(field_result__task__batch_id=batch_id)
    return rows.order_by("-created_at", "-pk")
