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
from django.dispatch import Signal
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
    if User.objects.filter(username__iexact=username).exists() or username.lower().startswith(
        DELETED_PREFIX
    ):
        # Names of closed accounts are the platform's: nobody may pass for one.
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


@transaction.atomic
def profile_update(
    *, user: User, display_name: str, credit_me: bool, preferred_language: str
) -> User:
    """What a person says about themselves: the name others see, whether the credits name them,
    the language of their pages and mail. Raises ValidationError on a name others could be
    misled by (hidden characters) or a language the platform does not speak."""
    user.display_name = display_name
    user.credit_me = credit_me
    user.preferred_language = preferred_language
    user.full_clean(exclude=["password", "username", "email"])
    user.save(update_fields=["display_name", "credit_me", "preferred_language"])
    return user


@transaction.atomic
def email_change(*, user: User, email: str, password: str, link: Callable[[str], str]) -> User:
    """A new address, confirmed by the account's password, verified again by a link sent to it
    (the old address no longer receives password resets)."""
    if not user.check_password(password):
        raise ValidationError({"password": _("The password is not right.")})
    if User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
        raise ValidationError({"email": _("Another account uses this address.")})
    user.email = email
    user.full_clean(exclude=["password", "username"])
    user.save()  # crowd.signals: a new address is not verified
    email_verification_send(user=user, link=link)
    return user


DELETED_PREFIX = "deleted-"

# Sent (with `user_id`) inside the transaction that closes an account, so that the domain
# forgets what it keeps only for the person (their notifications); `crowd` does not know the
# domain's models.
account_closed = Signal()


@transaction.atomic
def account_delete(*, user: User, password: str) -> None:
    """Close the account for good, on its password. What identifies the person goes (user name,
    address, display name, credits, rankings, public profile); the account row stays, inactive
    and unusable, because the transcriptions stay: they are part of the projects' data, counted in every consensus and
    exported under the project's pseudonym, which never named anyone. Deactivation ends the
    account's leases, API tokens and sessions (crowd.signals, tasks.receivers)."""
    if not user.check_password(password):
        raise ValidationError({"password": _("The password is not right.")})
    user.username = f"{DELETED_PREFIX}{user.pk}"
    user.email = ""
    user.display_name = ""
    user.first_name = user.last_name = ""
    user.credit_me = False
    # Out of rankings, and the public profile's address is gone for good.
    user.rank_me = user.profile_public = False
    user.profile_handle = None
    user.email_verified = False
    user.is_active = False
    user.is_staff = user.is_superuser = False
    user.set_unusable_password()
    user.save()
    account_closed.send(sender=User, user_id=user.pk)
