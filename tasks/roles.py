"""Who may do what in a project: the one place where roles are turned into permissions.

Pages, API views and WebSocket consumers all ask `project_capabilities` or `project_require`,
so a rule changed here changes everywhere.
"""

from __future__ import annotations

from enum import StrEnum

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from crowd.users import AnyUser
from tasks.models import Membership, Project, ProjectStatus, Role, Visibility


class Capability(StrEnum):
    VIEW = "view"  # see the project, its progress and its public data
    CONTRIBUTE = "contribute"  # ask for tasks and submit transcriptions
    CURATE = "curate"  # see every answer, settle disputes
    MANAGE = "manage"  # edit settings and template, upload batches, manage members


_ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.LEAD: frozenset(Capability),
    Role.CURATOR: frozenset({Capability.VIEW, Capability.CONTRIBUTE, Capability.CURATE}),
    Role.CONTRIBUTOR: frozenset({Capability.VIEW, Capability.CONTRIBUTE}),
}


def project_role(user: AnyUser, project: Project) -> str | None:
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.filter(project=project, user=user).values_list("role", flat=True).first()
    )


def project_capabilities(
    user: AnyUser, project: Project, *, role: str | None = None
) -> frozenset[Capability]:
    """What `user` may do in `project`. Pass `role` when already known to save a query."""
    if user.is_authenticated and user.is_superuser:
        granted = set(Capability)
    else:
        role = role if role is not None else project_role(user, project)
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
                granted.add(Capability.CONTRIBUTE)
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
        and project_role(user, project) is None
        and project.visibility == Visibility.PUBLIC
        and project.status == ProjectStatus.ACTIVE
    )


def projects_visible_to(user: AnyUser) -> QuerySet[Project]:
    """Projects `user` may see: `project_capabilities`' VIEW rule as a query, kept beside it so
    that the two change together."""
    projects = Project.objects.all()
    if user.is_authenticated and user.is_superuser:
        return projects
    public = Q(visibility=Visibility.PUBLIC) & ~Q(status=ProjectStatus.DRAFT)
    if not user.is_authenticated:
        return projects.filter(public)
    memberships = Membership.objects.filter(user=user)
    as_member = Q(pk__in=memberships.values("project")) & ~Q(status=ProjectStatus.DRAFT)
    as_staff = Q(pk__in=memberships.filter(role__in=[Role.LEAD, Role.CURATOR]).values("project"))
    return projects.filter(public | as_member | as_staff)


def project_can(user: AnyUser, project: Project, capability: Capability) -> bool:
    return capability in project_capabilities(user, project)


def project_require(
    user: AnyUser, project: Project, capability: Capability
) -> frozenset[Capability]:
    """Raise 404 when `user` may not even see `project` (its existence stays private), 403 when
    they see it but lack `capability`. Returns the user's capabilities."""
    capabilities = project_capabilities(user, project)
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
    }
    return messages[capability]


def may_create_projects(user: AnyUser) -> bool:
    """Who may start a project (and lead it): any signed-in user, or staff only (PROJECT_CREATORS)."""
    if not user.is_authenticated:
        return False
    return settings.PROJECT_CREATORS == "all" or user.is_staff
