"""Project news: leads post, edit and delete them; a post notifies the project's people.
Each act is recorded in the project's audit log.

Each service checks that the actor leads the project (`Capability.MANAGE`), so that no caller
can forget it; callers rate-limit posting."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crowd.models import User
from tasks.markup import markdown_render
from tasks.models import AuditKind, News, Project
from tasks.roles import Capability, project_can
from tasks.services.audit import audit_record
from tasks.services.notifications import news_notifications_create

TITLE_MAX = 200
BODY_MAX = 20_000
# Line breaks and tabs are fine in a body; other control and direction characters are not.
_HIDDEN = frozenset({"Cc", "Cf", "Co", "Cs", "Cn"})
_BODY_ALLOWED = frozenset("\n\r\t")


def _require_lead(actor: User, project: Project) -> None:
    if not project_can(actor, project, Capability.MANAGE):
        raise PermissionDenied(_("Only the project's leads may post news."))


def _check(title: str, body: str) -> tuple[str, str]:
    title, body = title.strip(), body.strip()
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = [_("Give the news a title.")]
    elif len(title) > TITLE_MAX:
        errors["title"] = [
            _("The title is too long: %(max)d characters at most.") % {"max": TITLE_MAX}
        ]
    elif any(unicodedata.category(ch) in _HIDDEN for ch in title):
        errors["title"] = [_("Use visible characters only (no control or direction characters).")]
    if not body:
        errors["body"] = [_("Write the news.")]
    elif len(body) > BODY_MAX:
        errors["body"] = [
            _("The text is too long: %(max)d characters at most (it has %(n)d).")
            % {"max": BODY_MAX, "n": len(body)}
        ]
    elif any(unicodedata.category(ch) in _HIDDEN and ch not in _BODY_ALLOWED for ch in body):
        errors["body"] = [_("Use visible characters only (no control or direction characters).")]
    if errors:
        raise ValidationError(errors)
    return title, body


@transaction.atomic
def news_publish(*, project: Project, author: User, title: str, body: str) -> News:
    """Publish a post (Markdown, rendered and sanitised once here) and notify the project's
    members and volunteers. The project's leads only (PermissionDenied otherwise);
    ValidationError names each field that is wrong."""
    _require_lead(author, project)
    title, body = _check(title, body)
    news = News.objects.create(
        project=project, author=author, title=title, body=body, body_html=markdown_render(body)
    )
    news_notifications_create(news=news)
    audit_record(
        project=project, kind=AuditKind.NEWS_PUBLISHED, actor=author, details={"title": title}
    )
    return news


@transaction.atomic
def news_update(*, actor: User, news: News, title: str, body: str) -> News:
    """Correct a post (no new notification). The project's leads only."""
    _require_lead(actor, news.project)
    title, body = _check(title, body)
    before = news.title
    news.title, news.body, news.body_html = title, body, markdown_render(body)
    news.save(update_fields=["title", "body", "body_html", "updated_at"])
    audit_record(
        project=news.project_id,
        kind=AuditKind.NEWS_UPDATED,
        actor=actor,
        details={"before": before, "after": title},
    )
    return news


@transaction.atomic
def news_delete(*, actor: User, news: News) -> None:
    """Delete a post. The project's leads only."""
    _require_lead(actor, news.project)
    audit_record(
        project=news.project_id,
        kind=AuditKind.NEWS_DELETED,
        actor=actor,
        details={"title": news.title},
    )
    news.delete()
