"""Who is acting: the signed-in user behind a request, or nobody. Project roles and what they
allow are in tasks.roles."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from crowd.models import User

AnyUser = User | AnonymousUser


def acting_user(user: AnyUser) -> User:
    """The signed-in user behind a write; views call it after their permission checks."""
    if not isinstance(user, User):
        raise PermissionDenied(_("Log in first."))
    return user
