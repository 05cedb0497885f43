"""Notifications by e-mail: one per notification for those who asked (`immediate`), a daily
digest for the others who asked (`daily`); never to those who did not.

Each message is in the recipient's language, plain text and HTML, with an unsubscribe link
that works without signing in (a signed token) and the headers of RFC 8058 (one-click
unsubscribe from the mail client). A notification is mailed at most once: whoever mails it
first sets `emailed_at` by compare-and-set; a failed send clears it again, so the next run
tries again."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from crowd.errors import DomainError
from crowd.models import User
from tasks.models import EmailMode, Notification, NotificationSettings
from tasks.notification_texts import notification_link, notification_text

logger = logging.getLogger(__name__)

_UNSUBSCRIBE_SALT = "tasks.notifications.unsubscribe"
# A link in an old message keeps working this long.
UNSUBSCRIBE_DAYS = 180
# A digest gathers what is new since the last one, and never what is older than this.
DIGEST_REACH = timedelta(days=7)
# A digest goes at most once per this period; beat runs the job every hour, so a run missed
# (beat down, a deployment) is caught up an hour later.
DIGEST_EVERY = timedelta(hours=23)
# Immediate e-mails the job did not send (a lost broker message): the periodic run sends them
# once they are this old, and up to a day old.
IMMEDIATE_REPAIR_AFTER = timedelta(minutes=10)


class UnsubscribeInvalid(DomainError):
    code = "invalid_link"


def unsubscribe_token(*, user_id: int) -> str:
    return signing.dumps({"u": user_id}, salt=_UNSUBSCRIBE_SALT)


def unsubscribe_user(*, token: str) -> User:
    """The account an unsubscribe token names. UnsubscribeInvalid when the token is forged,
    expired, or names an account that no longer exists."""
    try:
        data = signing.loads(
            token, salt=_UNSUBSCRIBE_SALT, max_age=timedelta(days=UNSUBSCRIBE_DAYS)
        )
    except signing.SignatureExpired:
        raise UnsubscribeInvalid(
            _("This link has expired: change your e-mail settings on your profile page.")
        ) from None
    except signing.BadSignature:
        raise UnsubscribeInvalid(_("This unsubscribe link is not valid.")) from None
    user_id = data.get("u") if isinstance(data, dict) else None
    user = (
        User.objects.filter(pk=user_id, is_active=True).first()
        if isinstance(user_id, int)
        else None
    )
    if user is None:
        raise UnsubscribeInvalid(_("This unsubscribe link is not valid."))
    return user


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}" if path else ""


def _message(
    user: User, notifications: list[Notification], *, digest: bool
) -> EmailMultiAlternatives:
    language = user.preferred_language or settings.LANGUAGE_CODE
    with translation.override(language):
        items = [
            {"text": notification_text(n), "link": _absolute(notification_link(n))}
            for n in notifications
        ]
        unsubscribe = _absolute(
            reverse("notifications-unsubscribe", args=[unsubscribe_token(user_id=user.pk)])
        )
        context = {
            "user": user,
            "items": items,
            "digest": digest,
            "site_name": settings.SITE_NAME,
            "settings_url": _absolute(reverse("profile")) + "#notification-settings",
            "list_url": _absolute(reverse("notifications")),
            "unsubscribe_url": unsubscribe,
        }
        if digest:
            subject = ngettext(
                "%(site)s: %(count)d new notification",
                "%(site)s: %(count)d new notifications",
                len(items),
            ) % {"site": settings.SITE_NAME, "count": len(items)}
        else:
            subject = f"{settings.SITE_NAME}: {items[0]['text']}"
        text = render_to_string("notifications/email.txt", context)
        html = render_to_string("notifications/email.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split())[:200],
        body=text,
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def _claim(ids: list[int], now: datetime) -> list[int]:
    """The notifications of `ids` nobody mailed yet, now marked mailed by this caller alone."""
    with transaction.atomic():
        free = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk__in=ids, emailed_at__isnull=True)
            .values_list("pk", flat=True)
        )
        claimed = Notification.objects.filter(pk__in=free, emailed_at__isnull=True).update(
            emailed_at=now
        )
    return free if claimed == len(free) else []


def _send(user: User, ids: list[int], *, digest: bool, now: datetime) -> bool:
    claimed = _claim(ids, now)
    if not claimed:
        return False
    notifications = list(
        Notification.objects.filter(pk__in=claimed)
        .select_related("project", "actor")
        .order_by("created_at", "pk")
    )
    try:
        _message(user, notifications, digest=digest).send()
    except Exception:
        # Not mailed after all: the next run tries again.
        Notification.objects.filter(pk__in=claimed, emailed_at=now).update(emailed_at=None)
        raise
    return True


def _mailable(user: User | None) -> bool:
    """Only to an address its owner confirmed (where the platform asks for confirmation):
    otherwise anyone could sign up with someone else's address, turn e-mail on, and have
    comments they wrote mailed to a stranger from this site."""
    if user is None or not user.is_active or not user.email:
        return False
    return user.email_verified or not settings.EMAIL_VERIFICATION_REQUIRED


def notification_email_send(*, notification_id: int) -> bool:
    """Mail one notification to a recipient who asked for an e-mail per notification, unless
    it was read or mailed meanwhile. Idempotent. True when this call mailed it."""
    notification = (
        Notification.objects.select_related("recipient")
        .filter(pk=notification_id, emailed_at__isnull=True, read_at__isnull=True)
        .first()
    )
    if notification is None or not _mailable(notification.recipient):
        return False
    preferences = NotificationSettings.objects.filter(user_id=notification.recipient_id).first()
    if (
        preferences is None
        or preferences.email != EmailMode.IMMEDIATE
        or not preferences.mails(notification.kind)
    ):
        return False
    return _send(notification.recipient, [notification.pk], digest=False, now=timezone.now())


def notifications_digest_send(*, now: datetime | None = None) -> int:
    """The daily digests that are due: to each person who asked for one and whose last went
    out DIGEST_EVERY ago or more, one e-mail with their unread notifications not mailed yet
    (of the kinds they chose). Also mails the immediate e-mails a lost job message left
    unsent. Idempotent: a notification is never mailed twice. Returns how many e-mails
    went."""
    now = now or timezone.now()
    sent = 0
    due = NotificationSettings.objects.filter(email=EmailMode.DAILY, user__is_active=True).exclude(
        digest_sent_at__gt=now - DIGEST_EVERY
    )
    for preferences in due.select_related("user").order_by("pk").iterator(chunk_size=200):
        user = preferences.user
        if not _mailable(user):
            continue
        ids = list(
            Notification.objects.filter(
                recipient=user,
                read_at__isnull=True,
                emailed_at__isnull=True,
                kind__in=preferences.email_kinds,
                created_at__gte=now - DIGEST_REACH,
            ).values_list("pk", flat=True)[:200]
        )
        if not ids:
            continue
        try:
            mailed = _send(user, ids, digest=True, now=now)
        except Exception:
            logger.exception("could not mail the digest of user %s", user.pk)
            continue
        if mailed:
            sent += 1
            NotificationSettings.objects.filter(pk=preferences.pk).update(digest_sent_at=now)
    left = Notification.objects.filter(
        emailed_at__isnull=True,
        read_at__isnull=True,
        created_at__lte=now - IMMEDIATE_REPAIR_AFTER,
        created_at__gte=now - timedelta(days=1),
        recipient__notification_settings__email=EmailMode.IMMEDIATE,
    ).values_list("pk", flat=True)
    for notification_id in list(left[:1000]):
        try:
            sent += notification_email_send(notification_id=notification_id)
        except Exception:
            logger.exception("could not mail notification %s", notification_id)
    return sent
