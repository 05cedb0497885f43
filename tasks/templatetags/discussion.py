"""Template helpers of the discussion: authors' names as readers may see them, and the board's
latest topics on the project page (templates/projects/_board.html)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from crowd.models import User
from crowd.services import DELETED_PREFIX
from tasks.models import Project
from tasks.roles import Capability, project_capabilities
from tasks.selectors.discussion import board_latest

register = template.Library()


@register.filter
def author_name(user: User | None) -> str:
    """The name shown for a comment's author: a closed account names nobody."""
    if user is None or (not user.is_active and user.username.startswith(DELETED_PREFIX)):
        return _("A closed account")
    return user.public_name


@register.simple_tag(takes_context=True)
def board_summary(context: Any, project: Project) -> dict[str, Any]:
    user = context["request"].user
    granted = project_capabilities(user, project)
    return {"topics": board_latest(project), "may_post": Capability.DISCUSS in granted}
