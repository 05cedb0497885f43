"""Writes about people: accounts and API tokens."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from knox.models import AuthToken

from crowd.models import User
from crowd.sockets import sessions_ended_on_commit


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


@transaction.atomic
def token_create(*, user: User) -> tuple[AuthToken, str]:
    """A new API token for `user`: the row (which keeps only a hash, and the expiry) and the key,
    which is shown once and never stored. The account's expired tokens go at the same time."""
    AuthToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
    return AuthToken.objects.create(user=user)


@transaction.atomic
def token_revoke(*, user: User, token: AuthToken | None = None) -> None:
    """Delete one of `user`'s API tokens, or all of them when `token` is None: requests carrying
    them are refused from then on."""
    tokens = AuthToken.objects.filter(user=user)
    if token is not None:
        tokens = tokens.filter(pk=token.pk)
    tokens.delete()


@transaction.atomic
def user_credentials_revoke(*, user: User) -> None:
    """After a password change or reset, or a deactivation: every API token of the account is
    revoked, and its open sockets are told to check their session again (those whose session
    no longer holds close)."""
    token_revoke(user=user)
    sessions_ended_on_commit(user_id=user.pk)
