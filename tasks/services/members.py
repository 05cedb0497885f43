"""Writes about project members: adding, changing and removing roles."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crowd.models import User
from tasks.events import access_changed_on_commit
from tasks.models import AuditKind, Membership, Project, Role
from tasks.services.audit import audit_record


@transaction.atomic
def membership_set(*, project: Project, user: User, role: str, actor: User | None) -> Membership:
    """Give `user` a role in `project` (creating or changing the membership).

    Callers check that `actor` may manage the project. A project always keeps one lead.
    """
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    _lock_memberships(project)
    access_changed_on_commit(project.pk)
    membership = Membership.objects.filter(project=project, user=user).first()
    if membership is None:
        _audit(project, AuditKind.MEMBER_ROLE, actor, user, {"before": None, "after": role})
        return Membership.objects.create(project=project, user=user, role=role, added_by=actor)
    if membership.role == Role.LEAD and role != Role.LEAD:
        _ensure_another_lead(project=project, user=user)
    if membership.role != role:
        _audit(
            project, AuditKind.MEMBER_ROLE, actor, user, {"before": membership.role, "after": role}
        )
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, project: Project, user: User, actor: User | None = None) -> None:
    _lock_memberships(project)
    membership = Membership.objects.filter(project=project, user=user).first()
    if membership is None:
        return
    if membership.role == Role.LEAD:
        _ensure_another_lead(project=project, user=user)
    _audit(project, AuditKind.MEMBER_REMOVED, actor, user, {"before": membership.role})
    membership.delete()
    access_changed_on_commit(project.pk)


def _audit(
    project: Project, kind: str, actor: User | None, user: User, details: dict[str, Any]
) -> None:
    audit_record(project=project, kind=kind, actor=actor, subject=user, details=details)


def _lock_memberships(project: Project) -> None:
    """Membership changes of one project take turns on the project row: two leads demoting
    each other at once must leave one lead, not a deadlock or none."""
    Project.objects.select_for_update().filter(pk=project.pk).values_list("pk", flat=True).get()


def _ensure_another_lead(*, project: Project, user: User) -> None:
    others = Membership.objects.filter(project=project, role=Role.LEAD).exclude(user=user)
    if not others.exists():
        raise ValidationError(
            {"role": _("A project needs at least one lead: name another lead first.")}
        )
