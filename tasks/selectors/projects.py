"""Reads: which projects a person sees, and what pages and the API show of them."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from crowd.users import AnyUser
from tasks.models import (
    Lease,
    LeaseState,
    Membership,
    Project,
    ProjectReviewEntry,
    ProjectStatus,
    ReviewState,
    Role,
    Template,
    Transcription,
)
from tasks.roles import Capability, may_review_projects, project_require
from tasks.selectors.recognition import project_credited


def project_for(user: AnyUser, slug: str, capability: Capability = Capability.VIEW) -> Project:
    """The project named `slug`, if `user` has `capability` in it: 404 when they may not see
    it (or it does not exist), 403 when they see it but lack the capability."""
    project = Project.objects.select_related("template").filter(slug=slug).first()
    if project is None:
        raise Http404(_("No such project."))
    project_require(user, project, capability)
    return project


def project_memberships(project: Project) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(project=project)
        .select_related("user")
        .order_by("role", "user__username")
    )


def contributor_counts(*, project: Project, user: AnyUser) -> dict[str, int]:
    """How many transcriptions `user` made in `project`, today (local time) and in all."""
    from django.utils import timezone

    from tasks.models import Transcription

    if not user.is_authenticated:
        return {"today": 0, "total": 0}
    mine = Transcription.objects.filter(user=user, project=project)
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return {"today": mine.filter(created_at__gte=midnight).count(), "total": mine.count()}


def project_for_review(user: AnyUser, slug: str) -> Project:
    """The project, for its review: staff see any project (they approve drafts and members-only
    ones too); its leads their own (404 when hidden, else 403)."""
    if may_review_projects(user):
        project = Project.objects.filter(slug=slug).first()
        if project is None:
            raise Http404(_("No such project."))
        return project
    return project_for(user, slug, Capability.MANAGE)


def project_review_entries(project: Project) -> QuerySet[ProjectReviewEntry]:
    return ProjectReviewEntry.objects.filter(project=project).select_related("actor")


def projects_awaiting_review() -> QuerySet[Project]:
    """Projects whose leads asked for a review, oldest request first."""
    return Project.objects.filter(review_state=ReviewState.REQUESTED).order_by("updated_at")


def running_project_ids() -> list[int]:
    """Projects that take work (active or paused): the ones whose counts and weights change by
    themselves. Drafts and finished projects do not."""
    running = Project.objects.filter(status__in=[ProjectStatus.ACTIVE, ProjectStatus.PAUSED])
    return list(running.values_list("pk", flat=True))


def metadata_unlabelled(template: Template) -> list[str]:
    """Keys the template lists that contributors do not see: listed before keys needed a label,
    without a default one (see Template.metadata_specs)."""
    shown = {spec.key for spec in template.metadata_specs}
    listed = [
        entry.get("key") if isinstance(entry, dict) else entry
        for entry in template.metadata_shown or []
    ]
    return [str(key) for key in listed if isinstance(key, str) and key not in shown]


# How many volunteers the project page credits by name, the most active first.
CREDITS_SHOWN = 100


def project_credits(project: Project) -> list[tuple[str, int]]:
    """The volunteers who asked to be credited (`credit_me`), with their agreed values in the
    project (tasks.selectors.recognition), the most first; closed accounts never appear."""
    return project_credited(project=project, limit=CREDITS_SHOWN)


def project_team(project: Project) -> list[tuple[str, str]]:
    """The project's leads, then its curators, who agreed to be named (`credit_me`): (name
    shown, role's label)."""
    rows = (
        Membership.objects.filter(
            project=project,
            role__in=[Role.LEAD, Role.CURATOR],
            user__is_active=True,
            user__credit_me=True,
        )
        .select_related("user")
        .order_by("role", "user__username")
    )
    ordered = sorted(rows, key=lambda m: (m.role != Role.LEAD, m.user.username))
    return [(m.user.public_name, m.get_role_display()) for m in ordered]


def contributor_activity(project: Project, user: AnyUser) -> dict[str, int | bool]:
    """Where a volunteer stopped: how many of their transcriptions count here, and whether
    they hold an image now (the page then offers to continue)."""
    if not user.is_authenticated:
        return {"transcriptions": 0, "holding": False}
    return {
        "transcriptions": Transcription.objects.filter(
            project=project, user_id=user.pk, void__isnull=True
        ).count(),
        "holding": Lease.objects.filter(
            task__project=project, user_id=user.pk, state=LeaseState.ACTIVE
        ).exists(),
    }
