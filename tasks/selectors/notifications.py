"""Reads about notifications and news: counts, lists, settings, who hears a project's news."""

from __future__ import annotations

from django.db.models import QuerySet

from crowd.users import AnyUser
from tasks.models import (
    Membership,
    News,
    Notification,
    NotificationSettings,
    Project,
    ProjectBlock,
    Transcription,
    Visibility,
)


def notifications_unread_count(*, user_id: int) -> int:
    return Notification.objects.filter(recipient_id=user_id, read_at__isnull=True).count()


def notifications_of(user: AnyUser) -> QuerySet[Notification]:
    """The person's own notifications, newest first (nobody else's, whatever the ids asked)."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient_id=user.pk).select_related("project", "actor")


def notification_settings_of(user_id: int) -> NotificationSettings:
    """The person's settings; defaults (in the page only) when they never chose."""
    found = NotificationSettings.objects.filter(user_id=user_id).first()
    return found if found is not None else NotificationSettings(user_id=user_id)


def project_audience(project: Project) -> set[int]:
    """Who hears a project's news: its members, and on a public project everyone who
    transcribed there; never someone who may no longer read it (a volunteer of a members-only
    project whose membership ended, a person its leads blocked). The rule of
    `tasks.roles.project_capabilities` as a query: a news title of a members-only project
    reaches nobody outside it."""
    audience = set(Membership.objects.filter(project=project).values_list("user_id", flat=True))
    if project.visibility == Visibility.PUBLIC:
        volunteers = (
            Transcription.objects.filter(task__project=project)
            .order_by()
            .values_list("user_id", flat=True)
            .distinct()
        )
        audience |= {pk for pk in volunteers if pk is not None}
    return project_readers_among(project, audience)


def project_readers_among(project: Project, user_ids: set[int]) -> set[int]:
    """Those of `user_ids` who may read `project` now: anyone on a public project, members
    only on a members-only one, never a person its leads blocked."""
    if project.visibility != Visibility.PUBLIC:
        user_ids = set(
            Membership.objects.filter(project=project, user_id__in=user_ids).values_list(
                "user_id", flat=True
            )
        )
    blocked = ProjectBlock.objects.filter(
        project=project, user_id__in=user_ids, lifted_at__isnull=True
    ).values_list("user_id", flat=True)
    return user_ids - set(blocked)


def project_news(project: Project) -> QuerySet[News]:
    return News.objects.filter(project=project).select_related("author")
