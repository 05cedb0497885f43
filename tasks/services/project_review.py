"""Projects under review: a lead asks, staff approve or refuse, and every step is kept.

With PROJECT_REVIEW on, a project opens to the public (public and active) only once approved;
members-only projects run without review. Approval belongs to the project: pausing and
reopening it does not ask again, a refusal takes it off the public.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from crowd.errors import DomainError
from crowd.models import User
from tasks.events import access_changed_on_commit
from tasks.models import Project, ProjectReviewEntry, ProjectStatus, ReviewState, Visibility
from tasks.roles import project_launch_allowed, project_launched
from tasks.values import hides_characters

MAX_REASON_LENGTH = 2000


class ReviewRequired(DomainError):
    """A lead tried to open a project to the public before staff approved it."""

    status_code = 403
    code = "review_required"


class ReviewRefused(DomainError):
    """A review step that cannot be taken now (nothing to approve, no reason for a refusal…)."""

    status_code = 409
    code = "conflict"


def project_launch_check(*, before: Project | None, after: Project, actor: User) -> None:
    """Refuse opening `after` to the public unless allowed; record staff opening it themselves
    (the caller saves `after`). `before` is the project as stored, None when just created."""
    was = before is not None and project_launched(
        status=before.status, visibility=before.visibility
    )
    if was or not project_launched(status=after.status, visibility=after.visibility):
        return
    if not project_launch_allowed(after, actor):
        raise ReviewRequired(
            _(
                "A public project opens only once the platform's staff approved it: ask for a "
                "review (or keep it members-only meanwhile). Nothing else was changed."
            )
        )
    if settings.PROJECT_REVIEW and after.review_state != ReviewState.APPROVED:
        after.review_state = ReviewState.APPROVED
        after.review_reason = ""
        _entry(after, actor, ProjectReviewEntry.Action.APPROVED, "")


def _entry(project: Project, actor: User | None, action: str, reason: str) -> None:
    ProjectReviewEntry.objects.create(project=project, actor=actor, action=action, reason=reason)


@transaction.atomic
def project_review_request(*, project: Project, actor: User, note: str = "") -> Project:
    """A lead asks staff to review the project. Asking again while it waits changes nothing."""
    if hides_characters(note):
        raise ReviewRefused(_("Control characters are not allowed."))
    project = Project.objects.select_for_update().get(pk=project.pk)
    if project.review_state == ReviewState.APPROVED:
        raise ReviewRefused(_("This project is already approved: it may open to the public."))
    if project.review_state == ReviewState.REQUESTED:
        return project
    project.review_state = ReviewState.REQUESTED
    project.save(update_fields=["review_state", "updated_at"])
    _entry(project, actor, ProjectReviewEntry.Action.REQUESTED, note.strip()[:MAX_REASON_LENGTH])
    return project


@transaction.atomic
def project_review_approve(*, project: Project, reviewer: User | None) -> Project:
    """Staff approve the project: its leads may open it to the public. `reviewer` None is an
    operator at the command line. Callers check `may_review_projects`."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    if project.review_state == ReviewState.APPROVED:
        return project
    project.review_state = ReviewState.APPROVED
    project.review_reason = ""
    project.save(update_fields=["review_state", "review_reason", "updated_at"])
    _entry(project, reviewer, ProjectReviewEntry.Action.APPROVED, "")
    return project


@transaction.atomic
def project_review_refuse(*, project: Project, reviewer: User, reason: str) -> Project:
    """Staff refuse the project, saying why; a project open to the public is taken off it (made
    members-only) and paused; its data and answers are kept. Callers check
    `may_review_projects`."""
    reason = (reason or "").strip()
    if not reason:
        raise ReviewRefused(_("Say why the project is refused: its leads read the reason."))
    if len(reason) > MAX_REASON_LENGTH:
        raise ReviewRefused(
            _("The reason is too long (%(limit)s characters at most).")
            % {"limit": MAX_REASON_LENGTH}
        )
    if hides_characters(reason):
        raise ReviewRefused(_("Control characters are not allowed."))
    project = Project.objects.select_for_update().get(pk=project.pk)
    fields = ["review_state", "review_reason", "updated_at"]
    if project_launched(status=project.status, visibility=project.visibility):
        if project.status == ProjectStatus.ACTIVE:
            project.status = ProjectStatus.PAUSED
        project.visibility = Visibility.MEMBERS
        fields += ["status", "visibility"]
        access_changed_on_commit(project.pk)
    project.review_state = ReviewState.REFUSED
    project.review_reason = reason
    project.save(update_fields=fields)
    _entry(project, reviewer, ProjectReviewEntry.Action.REFUSED, reason)
    return project
