"""Moderation writes: archiving projects, blocking people from a project, voiding a
contributor's work. Nothing here deletes a row: each action is recorded with who, when and why,
and undone by another recorded action."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from crowd.errors import DomainError
from crowd.models import User
from crowd.storage import export_files, media_files
from tasks.events import access_changed_on_commit, event_send_on_commit, project_group
from tasks.models import (
    AuditKind,
    ContributorVoid,
    Lease,
    Project,
    ProjectBlock,
    Task,
    Transcription,
)
from tasks.models.moderation import REASON_MAX_LENGTH, ModerationRecord
from tasks.roles import may_moderate
from tasks.services.audit import audit_record
from tasks.services.leases import leases_end
from tasks.services.progress import project_progress_request
from tasks.services.reconcile import tasks_reconcile_request
from tasks.values import hides_characters

Record = TypeVar("Record", ProjectBlock, ContributorVoid)


class ModerationRefused(DomainError):
    """The person cannot be moderated here (oneself, a lead, an administrator), or no reason
    was given."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field

    def payload(self) -> dict[str, Any]:
        return {"fields": {self.field: [str(self)]}} if self.field else {}


class ModerationConflict(DomainError):
    """Already blocked or voided, or nothing to lift."""

    status_code = 409
    code = "conflict"


# --- Archiving: what "delete" does to a project --------------------------------------------


@transaction.atomic
def project_archive(*, project: Project, actor: User | None) -> Project:
    """Archive `project` instead of deleting it: hidden from everyone but staff, no more work
    given or taken (live leases end), every row kept. Archiving twice changes nothing."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    if project.archived_at is not None:
        return project
    project.archived_at = timezone.now()
    project.archived_by = actor
    project.save(update_fields=["archived_at", "archived_by", "updated_at"])
    audit_record(project=project, kind=AuditKind.PROJECT_ARCHIVED, actor=actor)
    leases_end(leases=Lease.objects.filter(task__project=project))
    access_changed_on_commit(project.pk)
    event_send_on_commit(
        project_group(project.pk),
        "project.updated",
        {"project": project.slug, "status": project.status},
    )
    return project


@transaction.atomic
def project_restore(*, project: Project, actor: User | None = None) -> Project:
    """Bring an archived project back as it was (staff)."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    if project.archived_at is None:
        return project
    project.archived_at = None
    project.archived_by = None
    project.save(update_fields=["archived_at", "archived_by", "updated_at"])
    audit_record(project=project, kind=AuditKind.PROJECT_RESTORED, actor=actor)
    access_changed_on_commit(project.pk)
    project_progress_request(project_id=project.pk)
    return project


# --- Blocking a person from a project ------------------------------------------------------


def project_purge(*, project: Project) -> int:
    """Delete an archived project for good: its rows (transcriptions first: they are protected
    from cascades), then, once that is committed, its images, tiles, waiting uploads and export
    files. Only `manage.py project_purge` calls it, after writing an export. Returns how many
    transcriptions went."""
    folders = [f"projects/{project.pk}", f"batches/{project.pk}"]
    exports = list(project.exports.exclude(path="").values_list("path", flat=True))
    with transaction.atomic():
        transcriptions, _by_model = Transcription.objects.filter(project=project).delete()
        project.delete()
        transaction.on_commit(lambda: _files_remove(folders, exports))
    return transcriptions


def _files_remove(folders: list[str], exports: list[str]) -> None:
    """From the media storage and the exports storage, whichever they are."""
    media = media_files()
    for folder in folders:
        media.delete_folder(folder)
    stored = export_files()
    for name in exports:
        stored.delete(name)


@transaction.atomic
def project_block(*, project: Project, user: User, actor: User, reason: str) -> ProjectBlock:
    """Stop `user` seeing (members-only projects), getting tasks and submitting in `project`;
    their live leases there end now. Callers check that `actor` manages the project."""
    reason = _reason_check(reason)
    _target_check(project=project, user=user, actor=actor)
    _lock(project)
    if _active(ProjectBlock, project=project, user=user) is not None:
        raise ModerationConflict(
            _("%(name)s is already blocked from this project.") % {"name": user.public_name}
        )
    block = ProjectBlock.objects.create(project=project, user=user, created_by=actor, reason=reason)
    leases_end(leases=Lease.objects.filter(task__project=project, user=user))
    access_changed_on_commit(project.pk)
    return block


@transaction.atomic
def project_unblock(*, project: Project, user: User, actor: User, reason: str) -> ProjectBlock:
    reason = _reason_check(reason)
    _lock(project)
    block = _active(ProjectBlock, project=project, user=user)
    if block is None:
        raise ModerationConflict(
            _("%(name)s is not blocked from this project.") % {"name": user.public_name}
        )
    _lift(block, actor=actor, reason=reason)
    access_changed_on_commit(project.pk)
    return block


# --- Voiding a contributor's work ----------------------------------------------------------


@transaction.atomic
def contributor_void(*, project: Project, user: User, actor: User, reason: str) -> ContributorVoid:
    """Take every transcription of `user` in `project` out of the consensus: they stay stored,
    marked with this decision, and the images they were on are reconciled again. What they
    submit while the decision stands is marked too."""
    reason = _reason_check(reason)
    _target_check(project=project, user=user, actor=actor)
    _lock(project)
    if _active(ContributorVoid, project=project, user=user) is not None:
        raise ModerationConflict(
            _("The work of %(name)s is already void in this project.") % {"name": user.public_name}
        )
    void = ContributorVoid.objects.create(
        project=project, user=user, created_by=actor, reason=reason
    )
    mine = Transcription.objects.filter(project=project, user=user, void__isnull=True)
    task_ids = sorted(set(mine.values_list("task_id", flat=True)))
    _tasks_lock(task_ids)
    mine.update(void=void)
    _tasks_recount(project=project, task_ids=task_ids)
    return void


@transaction.atomic
def contributor_unvoid(
    *, project: Project, user: User, actor: User, reason: str
) -> ContributorVoid:
    """Count `user`'s transcriptions in `project` again; the images are reconciled again."""
    reason = _reason_check(reason)
    _lock(project)
    void = _active(ContributorVoid, project=project, user=user)
    if void is None:
        raise ModerationConflict(
            _("The work of %(name)s is not void in this project.") % {"name": user.public_name}
        )
    _lift(void, actor=actor, reason=reason)
    marked = Transcription.objects.filter(void=void)
    task_ids = sorted(set(marked.values_list("task_id", flat=True)))
    _tasks_lock(task_ids)
    marked.update(void=None)
    _tasks_recount(project=project, task_ids=task_ids)
    return void


# --- Shared --------------------------------------------------------------------------------


def _reason_check(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ModerationRefused(_("Say why: the reason is kept in the record."), field="reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise ModerationRefused(
            _("Keep the reason under %(max)s characters.") % {"max": REASON_MAX_LENGTH},
            field="reason",
        )
    if hides_characters(reason):
        raise ModerationRefused(_("Control characters are not allowed."), field="reason")
    return reason


def _target_check(*, project: Project, user: User, actor: User) -> None:
    refusal = may_moderate(actor, user, project)
    if refusal is not None:
        raise ModerationRefused(refusal, field="username")


def _lock(project: Project) -> None:
    """Moderation of one project takes turns on its row: two leads blocking the same person at
    once get one block and one conflict, never an integrity error."""
    Project.objects.select_for_update().filter(pk=project.pk).values_list("pk", flat=True).get()


def _active(model: type[Record], *, project: Project, user: User) -> Record | None:
    return model._default_manager.filter(project=project, user=user, lifted_at__isnull=True).first()


def _lift(record: ModerationRecord, *, actor: User, reason: str) -> None:
    record.lifted_at = timezone.now()
    record.lifted_by = actor
    record.lift_reason = reason
    record.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])


def _tasks_lock(task_ids: list[int]) -> None:
    # In id order, and before the transcriptions change: submissions lock the task row first
    # too, so counts and marks never cross a concurrent submission.
    list(
        Task.objects.select_for_update(of=("self",))
        .filter(pk__in=task_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _tasks_recount(*, project: Project, task_ids: list[int]) -> None:
    """Count only the transcriptions that count, so an image that lost some asks for others,
    and reconcile each image again once this commits (the sweep repairs a lost message)."""
    if not task_ids:
        return
    counted = (
        # Those of the step the task is in (tasks.services.steps).
        Transcription.objects.filter(task=OuterRef("pk"), void__isnull=True, step=OuterRef("step"))
        .order_by()
        .values("task")
        .annotate(n=Count("id"))
        .values("n")
    )
    # The rows are locked (_tasks_lock): a task already pending has a job queued that has not
    # started, which will read these changes (tasks.services.reconcile.task_reconcile_request).
    idle = list(
        Task.objects.filter(pk__in=task_ids)
        .filter(Q(reconcile_pending=False) | Q(reconcile_sent_at__isnull=True))
        .values_list("pk", flat=True)
    )
    Task.objects.filter(pk__in=task_ids).update(
        transcription_count=Coalesce(Subquery(counted, output_field=IntegerField()), 0),
        reconcile_pending=True,
    )
    tasks_reconcile_request(task_ids=idle)
    project_progress_request(project_id=project.pk)
