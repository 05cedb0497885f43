"""Template tags of notifications and news: the header's counter, the profile's settings form,
a project's latest news."""

from __future__ import annotations

from typing import Any

from django import template

from tasks.models import News, Project
from tasks.notification_forms import NotificationSettingsForm
from tasks.selectors.notifications import (
    notification_settings_of,
    notifications_unread_count,
    project_news,
)

register = template.Library()

LATEST_NEWS = 3


@register.simple_tag(takes_context=True)
def unread_notifications(context: Any) -> int:
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return 0
    return notifications_unread_count(user_id=user.pk)


@register.simple_tag(takes_context=True)
def notification_settings_form(context: Any) -> NotificationSettingsForm:
    found = notification_settings_of(context["user"].pk)
    return NotificationSettingsForm(
        initial={"email": found.email, "email_kinds": list(found.email_kinds)}
    )


@register.simple_tag
def latest_news(project: Project) -> list[News]:
    return list(project_news(project)[:LATEST_NEWS])
