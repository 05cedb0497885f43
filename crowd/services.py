"""Writes about people: accounts and API tokens."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from crowd.models import User


@transaction.atomic
def user_create(
    *, username: str, email: str, password: str, display_name: str = "", credit_me: bool = False
) -> User:
    """Create an account. Raises ValidationError on a taken name or a weak password."""
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This user name is taken.")})
    user = User(username=username, email=email, display_name=display_name, credit_me=credit_me)
    validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    return user


def token_revoke(*, user: User) -> None:
    """Delete `user`'s API token: requests carrying it are refused from then on. Harmless when
    they have none; the next token request makes a new one."""
    Token.objects.filter(user=user).delete()
