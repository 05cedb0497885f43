"""Writes about people: accounts and API tokens."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from knox.models import AuthToken

from crowd.errors import DomainError
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


class EmailVerificationInvalid(DomainError):
    code = "invalid_link"


_VERIFICATION_SALT = "crowd.accounts.email-verification"


def email_verification_token(*, user: User) -> str:
    """A signed, timestamped token naming the account and the address it vouches for: once the
    address changes, links sent to the old one no longer verify anything."""
    return signing.dumps({"u": user.pk, "e": user.email.strip().lower()}, salt=_VERIFICATION_SALT)


def email_verification_send(*, user: User, link: Callable[[str], str]) -> None:
    """Mail `user` a verification link, made by `link` from the token, after commit."""
    if not user.email:
        return
    url = link(email_verification_token(user=user))
    context = {"user": user, "url": url, "days": settings.EMAIL_VERIFICATION_DAYS}
    subject = " ".join(render_to_string("registration/verify_email_subject.txt", context).split())
    body = render_to_string("registration/verify_email.txt", context)
    # Robust: a mail relay that fails does not undo the committed account; the person asks for
    # another link (logged).
    transaction.on_commit(lambda: send_mail(subject, body, None, [user.email]), robust=True)


@transaction.atomic
def email_verify(*, token: str) -> User:
    """Mark the address named by `token` as verified. Raises EmailVerificationInvalid when the
    link is forged, expired, or for an address the account no longer has."""
    max_age = timedelta(days=settings.EMAIL_VERIFICATION_DAYS)
    try:
        data = signing.loads(token, salt=_VERIFICATION_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise EmailVerificationInvalid(
            _("This verification link has expired: ask for a new one.")
        ) from None
    except signing.BadSignature:
        raise EmailVerificationInvalid(_("This verification link is not valid.")) from None
    user = User.objects.select_for_update().filter(pk=data.get("u"), is_active=True).first()
    if user is None or user.email.strip().lower() != data.get("e"):
        raise EmailVerificationInvalid(
            _("This link was sent to an address your account no longer has: ask for a new one.")
        )
    if not user.email_verified:
        user.email_verified = True
        user.save(update_fields=["email_verified"])
    return user
