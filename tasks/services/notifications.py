"""Notifications: the one way to create them, reading them, and each person's settings.

Other services call `notifications_create` (or its helpers below) inside their transaction;
after the commit, each recipient's notification sockets hear the new unread count, and those
who asked for an e-mail per notification get one from a job. In the page a notification is
always shown; by e-mail only once its recipient asked for it (`NotificationSettings`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from crowd.errors import DomainError
from crowd.models import User
from tasks import jobs
from tasks.events import event_send, notifications_group
from tasks.models import (
    EmailMode,
    FieldResult,
    News,
    Notification,
    NotificationKind,
    NotificationSettings,
    Project,
)
from tasks.notification_texts import excerpt, safe_path
from tasks.selectors.notifications import (
    notifications_unread_count,
    project_audience,
    project_readers_among,
)


class NotificationRefused(DomainError):
    code = "invalid"


def _merge(kind: str, before: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """One notification standing for several events of the same kind and group."""
    if kind == NotificationKind.DECISION:
        merged = {**before, **new}
        for count in ("kept", "changed"):
            merged[count] = int(before.get(count, 0)) + int(new.get(count, 0))
        return merged
    return {**before, **new}


def _notified_on_commit(recipient_ids: set[int], kind: str, mailed_now: list[int]) -> None:
    """After commit: every recipient's sockets hear their unread count; the notifications of
    those who asked for an e-mail each are mailed by a job (delayed a little on real workers,
    so that a curator's run of decisions makes one e-mail, the notifications being merged)."""

    def send() -> None:
        for user_id in sorted(recipient_ids):
            event_send(
                notifications_group(user_id),
                "notifications",
                {"unread": notifications_unread_count(user_id=user_id), "kind": kind},
            )
        for notification_id in mailed_now:
            jobs.job_send(
                jobs.NOTIFICATION_EMAIL,
                notification_id,
                countdown=settings.NOTIFICATION_EMAIL_DELAY_SECONDS or None,
            )

    transaction.on_commit(send, robust=True)


@transaction.atomic
def notifications_create(
    *,
    recipient_ids: Iterable[int],
    kind: str,
    project: Project | None = None,
    actor: User | None = None,
    payload: dict[str, Any] | None = None,
    group_key: str = "",
) -> list[Notification]:
    """Notify each of `recipient_ids` (the actor and inactive accounts excepted). With a
    `group_key`, a recipient's unread and unmailed notification of the same kind and key is
    updated instead of a new one made. Returns the notifications made or updated."""
    if kind not in NotificationKind.values:
        raise ValueError(f"unknown notification kind {kind!r}")
    payload = dict(payload or {})
    wanted = {int(pk) for pk in recipient_ids}
    if actor is not None:
        wanted.discard(actor.pk)
    if not wanted:
        return []
    active = set(User.objects.filter(pk__in=wanted, is_active=True).values_list("pk", flat=True))
    if not active:
        return []
    now = timezone.now()
    made: list[Notification] = []
    pending: dict[int, Notification] = {}
    if group_key:
        for existing in Notification.objects.select_for_update().filter(
            recipient_id__in=active,
            kind=kind,
            group_key=group_key,
            read_at__isnull=True,
            emailed_at__isnull=True,
        ):
            pending.setdefault(existing.recipient_id, existing)
    fresh: list[Notification] = []
    for user_id in sorted(active):
        merged = pending.get(user_id)
        if merged is not None:
            merged.payload = _merge(kind, merged.payload, payload)
            merged.created_at = now
            merged.actor = actor
            merged.save(update_fields=["payload", "created_at", "actor"])
            made.append(merged)
        else:
            fresh.append(
                Notification(
                    recipient_id=user_id,
                    kind=kind,
                    project=project,
                    actor=actor,
                    group_key=group_key,
                    payload=payload,
                    created_at=now,
                )
            )
    made.extend(Notification.objects.bulk_create(fresh))
    immediate: dict[int, list[str]] = dict(
        NotificationSettings.objects.filter(
            user_id__in=active, email=EmailMode.IMMEDIATE
        ).values_list("user_id", "email_kinds")
    )
    mailed_now = [n.pk for n in made if kind in immediate.get(n.recipient_id, ())]
    _notified_on_commit(active, kind, mailed_now)
    return made


def notification_create(
    *,
    recipient: User,
    kind: str,
    project: Project | None = None,
    actor: User | None = None,
    payload: dict[str, Any] | None = None,
    group_key: str = "",
) -> Notification | None:
    """One person's notification (see `notifications_create`); None when nobody is told."""
    made = notifications_create(
        recipient_ids=[recipient.pk],
        kind=kind,
        project=project,
        actor=actor,
        payload=payload,
        group_key=group_key,
    )
    return made[0] if made else None


def comment_notifications_create(
    *,
    kind: str,
    recipient_ids: Iterable[int],
    actor: User,
    project: Project,
    comment_id: int,
    text: str,
    link: str,
    task_id: int | None = None,
) -> list[Notification]:
    """A reply to someone's comment, or a mention of them (`kind` is `reply` or `mention`):
    the comment's start is quoted, `link` (a path on this site) leads to it. The caller has
    checked that each recipient may see the comment."""
    if kind not in (NotificationKind.REPLY, NotificationKind.MENTION):
        raise ValueError(f"not a comment notification: {kind!r}")
    if not safe_path(link):
        raise ValueError("a comment notification links to a path on this site")
    return notifications_create(
        recipient_ids=recipient_ids,
        kind=kind,
        project=project,
        actor=actor,
        payload={
            "comment": comment_id,
            "task": task_id,
            "excerpt": excerpt(text),
            "link": link,
        },
    )


@transaction.atomic
def comment_notifications_withdraw(*, comment_id: int) -> int:
    """A curator hid a comment: the replies and mentions it caused go, read or not, so that
    its text (quoted in them) is no longer shown in the page nor mailed in a later e-mail or
    digest; their recipients' counters hear of it after the commit. Showing the comment again
    does not bring them back. Returns how many went."""
    told = Notification.objects.filter(
        kind__in=(NotificationKind.REPLY, NotificationKind.MENTION), payload__comment=comment_id
    )
    recipients = set(told.values_list("recipient_id", flat=True))
    deleted, _rows = told.delete()
    if recipients:
        _notified_on_commit(recipients, "", [])
    return deleted


def decision_notifications_create(*, result: FieldResult, curator: User) -> None:
    """After a curator settled `result`: each volunteer who answered the field hears whether
    their answer was kept. One notification per volunteer and project while unread, however
    many fields are settled (its counts grow)."""
    answered: set[int] = set()
    for alternative in result.alternatives:
        answered.update(int(user) for user in alternative.get("users", ()))
    kept = {int(user) for user in result.agreeing}
    # Volunteers are not told which curator decided (the curators' identity is theirs).
    answered.discard(curator.pk)
    # A volunteer who may no longer read the project hears nothing of it.
    answered = project_readers_among(result.project, answered)
    for outcome, users in (("kept", answered & kept), ("changed", answered - kept)):
        if users:
            notifications_create(
                recipient_ids=users,
                kind=NotificationKind.DECISION,
                project=result.project,
                payload={outcome: 1, "task": result.task_id},
                group_key=f"decisions-{result.project_id}",
            )


def news_notifications_create(*, news: News) -> list[Notification]:
    """News to every member of the project and everyone who transcribed there and may still
    read it (`project_audience`)."""
    return notifications_create(
        recipient_ids=project_audience(news.project),
        kind=NotificationKind.NEWS,
        project=news.project,
        actor=news.author,
        payload={"news": news.pk, "title": news.title},
    )


def work_done_notification_create(
    *, kind: str, recipient_id: int | None, project_id: int, payload: dict[str, Any]
) -> None:
    """A batch ingest or an export finished: its lead hears of it, in the page always (a
    page left open shows the end live too; we cannot know whether it still is), by e-mail
    as their settings say."""
    if recipient_id is None:
        return
    project = Project.objects.filter(pk=project_id).first()
    if project is None:
        return
    notifications_create(recipient_ids=[recipient_id], kind=kind, project=project, payload=payload)


def _unread_changed_on_commit(user_id: int) -> None:
    _notified_on_commit({user_id}, "", [])


@transaction.atomic
def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read: those of `ids` (others' are ignored), or all.
    Returns how many changed."""
    mine = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        mine = mine.filter(pk__in=list(ids))
    changed = mine.update(read_at=timezone.now())
    if changed:
        _unread_changed_on_commit(user.pk)
    return changed


@transaction.atomic
def notification_settings_update(
    *, user: User, email: str, email_kinds: Iterable[str]
) -> NotificationSettings:
    """What the person wants by e-mail: `off`, `immediate` or `daily`, and of which kinds."""
    if email not in EmailMode.values:
        raise NotificationRefused(_("Choose how you want to receive e-mail."))
    kinds = sorted(set(email_kinds))
    if any(kind not in NotificationKind.values for kind in kinds):
        raise NotificationRefused(_("Unknown kind of notification."))
    found, _created = NotificationSettings.objects.select_for_update().get_or_create(user=user)
    found.email, found.email_kinds = email, kinds
    found.save()
    return found


@transaction.atomic
def notifications_email_stop(*, user_id: int) -> None:
    """No more e-mail for this person (the unsubscribe link)."""
    found, _created = NotificationSettings.objects.select_for_update().get_or_create(
        user_id=user_id
    )
    if found.email != EmailMode.OFF:
        found.email = EmailMode.OFF
        found.save(update_fields=["email", "updated_at"])


@transaction.atomic
def notifications_forget(*, user_id: int) -> None:
    """An account closed: its notifications and settings go, and notifications it caused
    no longer name it."""
    Notification.objects.filter(recipient_id=user_id).delete()
    NotificationSettings.objects.filter(user_id=user_id).delete()
    Notification.objects.filter(Q(actor_id=user_id)).update(actor=None)
