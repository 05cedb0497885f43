"""Who may do what in a project: the one place where roles are turned into permissions.

Pages, API views and WebSocket consumers all ask `project_capabilities` or `project_require`,
so a rule changed here changes everywhere.
"""

from __future__ import annotations

from enum import StrEnum

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from crowd.users import AnyUser
from tasks.models import (
    Membership,
    Project,
    ProjectBlock,
    ProjectStatus,
    ReviewState,
    Role,
    Visibility,
)


class Capability(StrEnum):
    VIEW = "view"  # see the project, its progress and its public data
    CONTRIBUTE = "contribute"  # ask for tasks and submit transcriptions
    CURATE = "curate"  # see every answer, settle disputes
    MANAGE = "manage"  # edit settings and template, upload batches, manage members
    # post comments, report them, flag images (tasks.selectors.discussion); on paused and
    # finished projects too: the discussion outlives the transcription
    DISCUSS = "discuss"


_ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.LEAD: frozenset(Capability),
    Role.CURATOR: frozenset(
        {Capability.VIEW, Capability.CONTRIBUTE, Capability.CURATE, Capability.DISCUSS}
    ),
    Role.CONTRIBUTOR: frozenset({Capability.VIEW, Capability.CONTRIBUTE, Capability.DISCUSS}),
}


# Passed as `role` when the caller read that the person has no role in the project.
NO_ROLE = ""


def project_role(user: AnyUser, project: Project) -> str | None:
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.filter(project=project, user=user).values_list("role", flat=True).first()
    )


def project_blocked(user: AnyUser, project: Project) -> bool:
    """Whether a lead blocked `user` from `project` (and has not lifted it)."""
    if not user.is_authenticated:
        return False
    return ProjectBlock.objects.filter(project=project, user=user, lifted_at__isnull=True).exists()


def project_capabilities(
    user: AnyUser, project: Project, *, role: str | None = None, blocked: bool | None = None
) -> frozenset[Capability]:
    """What `user` may do in `project`. Pass `role` and `blocked` (`project_blocked`) when
    already known to save their queries; a known `role` of None is passed as `NO_ROLE`."""
    if project.archived:
        # Archived (a deletion): kept for staff to read or restore, closed to everyone else.
        if user.is_authenticated and user.is_superuser:
            return frozenset(set(Capability) - {Capability.CONTRIBUTE, Capability.DISCUSS})
        if user.is_authenticated and user.is_staff:
            return frozenset({Capability.VIEW})
        return frozenset()
    if user.is_authenticated and user.is_superuser:
        granted = set(Capability)
    elif blocked if blocked is not None else project_blocked(user, project):
        # Blocked: no role counts; a public project stays readable like to anyone signed out.
        granted = set()
        if project.visibility == Visibility.PUBLIC and project.status != ProjectStatus.DRAFT:
            granted.add(Capability.VIEW)
    else:
        role = role if role is not None else project_role(user, project)
        role = None if role == NO_ROLE else role
        granted = set(_ROLE_CAPABILITIES.get(role, frozenset())) if role else set()
        # Contributors do not see a project before its leads open it.
        if role == Role.CONTRIBUTOR and project.status == ProjectStatus.DRAFT:
            granted = set()
        if (
            role is None
            and project.visibility == Visibility.PUBLIC
            and project.status != ProjectStatus.DRAFT
        ):
            granted.add(Capability.VIEW)
            if user.is_authenticated and not _waits_for_email(user):
                granted.update((Capability.CONTRIBUTE, Capability.DISCUSS))
    if project.status != ProjectStatus.ACTIVE:
        granted.discard(Capability.CONTRIBUTE)
    return frozenset(granted)


def _waits_for_email(user: AnyUser) -> bool:
    """An account may not contribute to public projects it is not a member of before its
    e-mail address is verified (EMAIL_VERIFICATION_REQUIRED): throwaway accounts cost a real
    mailbox each. Members added by a lead never wait."""
    return settings.EMAIL_VERIFICATION_REQUIRED and not getattr(user, "email_verified", False)


def contribution_waits_for_email(user: AnyUser, project: Project) -> bool:
    """Whether verifying their e-mail address is all `user` lacks to contribute to `project`."""
    if not user.is_authenticated or Capability.CONTRIBUTE in project_capabilities(user, project):
        return False
    return (
        _waits_for_email(user)
        and not project_blocked(user, project)
        and project_role(user, project) is None
        and project.visibility == Visibility.PUBLIC
        and project.status == ProjectStatus.ACTIVE
    )


def projects_visible_to(user: AnyUser) -> QuerySet[Project]:
    """Projects `user` may see: `project_capabilities`' VIEW rule as a query, kept beside it so
    that the two change together."""
    projects = Project.objects.all()
    if user.is_authenticated and (user.is_superuser or user.is_staff):
        if user.is_superuser:
            return projects
        staff_archived = Q(archived_at__isnull=False)
    else:
        staff_archived = Q(pk__in=[])
        projects = projects.filter(archived_at__isnull=True)
    public = Q(visibility=Visibility.PUBLIC) & ~Q(status=ProjectStatus.DRAFT)
    if not user.is_authenticated:
        return projects.filter(public)
    memberships = Membership.objects.filter(user=user)
    blocked = ProjectBlock.objects.filter(user=user, lifted_at__isnull=True).values("project")
    as_member = Q(pk__in=memberships.values("project")) & ~Q(status=ProjectStatus.DRAFT)
    as_staff = Q(pk__in=memberships.filter(role__in=[Role.LEAD, Role.CURATOR]).values("project"))
    return projects.filter(public | staff_archived | ((as_member | as_staff) & ~Q(pk__in=blocked)))


def project_can(user: AnyUser, project: Project, capability: Capability) -> bool:
    return capability in project_capabilities(user, project)


def project_require(
    user: AnyUser,
    project: Project,
    capability: Capability,
    *,
    role: str | None = None,
    blocked: bool | None = None,
) -> frozenset[Capability]:
    """Raise 404 when `user` may not even see `project` (its existence stays private), 403 when
    they see it but lack `capability`. Returns the user's capabilities. `role` and `blocked` as
    for `project_capabilities`."""
    capabilities = project_capabilities(user, project, role=role, blocked=blocked)
    if Capability.VIEW not in capabilities:
        raise Http404(_("No such project."))
    if capability not in capabilities:
        if capability == Capability.CONTRIBUTE and contribution_waits_for_email(user, project):
            raise PermissionDenied(
                _(
                    "Confirm your e-mail address before contributing to public projects: "
                    "follow the link we sent you, or ask for a new one at /accounts/verify/."
                )
            )
        if capability == Capability.CONTRIBUTE and not project_blocked(user, project):
            # Paused, finished, draft: say which, as a submission on a live lease does.
            raise PermissionDenied(contribute_refusal(project))
        raise PermissionDenied(_capability_refusal(capability))
    return capabilities


def project_data_downloadable(
    user: AnyUser, project: Project, granted: frozenset[Capability] | None = None
) -> bool:
    """May `user` download the project's exports and read its live IIIF documents? Leads
    always; anyone who may see the project once its lead made the data open. Pass `granted`
    when the user's capabilities are already known."""
    if granted is None:
        granted = project_capabilities(user, project)
    return Capability.MANAGE in granted or (project.data_open and Capability.VIEW in granted)


def project_sees_unsettled(granted: frozenset[Capability]) -> bool:
    """Whether someone sees values and answers of images still collecting them: curators and
    leads. Anyone else could read the leading value of an image before answering it."""
    return Capability.CURATE in granted


def project_transcriptions_public(project: Project) -> bool:
    """Whether the raw answers go to everyone who may download the data: only once the project
    is finished (nothing left to answer) and its leads opened them with the data."""
    return (
        project.data_open
        and project.transcriptions_open
        and project.status == ProjectStatus.FINISHED
    )


def project_open_to_anyone(project: Project) -> bool:
    """Whether someone signed out may see the project: its images and open data may then be
    shown by other sites (IIIF viewers elsewhere)."""
    return Capability.VIEW in project_capabilities(AnonymousUser(), project)


def _capability_refusal(capability: Capability) -> str:
    messages = {
        Capability.VIEW: _("You cannot see this project."),
        Capability.CONTRIBUTE: _("This project is not open to your contributions."),
        Capability.CURATE: _("Only the project's curators and leads may do this."),
        Capability.MANAGE: _("Only the project's leads may do this."),
        Capability.DISCUSS: _("You cannot take part in this project's discussion."),
    }
    return messages[capability]


def contribute_refusal(project: Project) -> str:
    """Why a project takes no transcriptions now, in words for the contributor holding a lease."""
    if project.archived:
        return _("This project was archived: it takes no more transcriptions.")
    messages = {
        ProjectStatus.DRAFT: _("This project is not open yet: it takes no transcriptions."),
        ProjectStatus.PAUSED: _(
            "This project is paused: it takes no transcriptions for now. Your answers were not "
            "recorded; keep them and send them again when it reopens."
        ),
        ProjectStatus.FINISHED: _(
            "This project is finished: it takes no more transcriptions. Thank you!"
        ),
    }
    return messages.get(ProjectStatus(project.status), _capability_refusal(Capability.CONTRIBUTE))


def may_review_projects(user: AnyUser) -> bool:
    """Who approves or refuses projects before they open to the public: staff."""
    return bool(user.is_authenticated and user.is_staff)


def project_launched(*, status: str, visibility: str) -> bool:
    """Open to the public: anyone may see it (the VIEW rule of `project_capabilities`), in any
    status but draft, paused and finished included; active, any signed-in user contributes."""
    return visibility == Visibility.PUBLIC and status != ProjectStatus.DRAFT


def project_launch_allowed(project: Project, actor: AnyUser) -> bool:
    """May `project`, as it stands, be open to the public? With PROJECT_REVIEW on, only once
    staff approved it (staff launching a project approve it themselves); members-only projects
    run without review."""
    if not settings.PROJECT_REVIEW or may_review_projects(actor):
        return True
    return project.review_state == ReviewState.APPROVED


def may_moderate(actor: AnyUser, target: AnyUser, project: Project) -> str | None:
    """Why `actor` may not block `target` or void their work in `project`, or None when they
    may. Callers have checked that `actor` manages the project. Leads and superusers are out of
    reach: a lead is demoted first, so a project never loses its leads to one of them."""
    if target.pk == actor.pk:
        return _("You cannot do this to yourself.")
    if target.is_authenticated and target.is_superuser:
        return _("Platform administrators cannot be blocked or voided in a project.")
    if project_role(target, project) == Role.LEAD:
        return _("Leads cannot be blocked or voided: make them a curator or contributor first.")
    return None


def may_create_projects(user: AnyUser) -> bool:
    """Who may start a project (and lead it): any signed-in user, or staff only (PROJECT_CREATORS).
    An account whose e-mail address is still to be verified (EMAIL_VERIFICATION_REQUIRED) may
    not: otherwise throwaway accounts would multiply every per-lead quota."""
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    return settings.PROJECT_CREATORS == "all" and not _waits_for_email(user)


# Whose answers are trusted in a project without measuring them: its curators and leads, whom
# a lead chose, and superusers. Everyone else proves themselves (`tasks.selectors.trust`).
PROVEN_ROLES = (Role.LEAD, Role.CURATOR)


def project_proven_by_role(project: Project, user_ids: set[int]) -> set[int]:
    """Those of `user_ids` trusted in `project` by their role alone."""
    if not user_ids:
        return set()
    members = Membership.objects.filter(
        project=project, user_id__in=user_ids, role__in=PROVEN_ROLES
    ).values_list("user_id", flat=True)
    staff = get_user_model().objects.filter(pk__in=user_ids, is_superuser=True)
    # One statement: each reconciliation asks.
    return set(members.union(staff.values_list("pk", flat=True)))
