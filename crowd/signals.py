"""What follows a change to an account, whoever makes it (its owner, a password reset, the
admin, a command): the model's save is the one place they all go through."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from crowd.models import User
from crowd.services import user_credentials_revoke
from crowd.sockets import sessions_ended_on_commit

_WATCHED = {"password", "is_active", "email"}


@receiver(pre_save, sender=User)
def _note_credential_changes(sender: Any, instance: User, update_fields: Any, **_: Any) -> None:
    instance._credentials_changed = False
    if instance.pk is None or (update_fields is not None and not _WATCHED & set(update_fields)):
        return
    before = User.objects.filter(pk=instance.pk).values("password", "is_active", "email").first()
    if before is None:
        return
    instance._credentials_changed = before["password"] != instance.password or (
        before["is_active"] and not instance.is_active
    )
    if before["email"].strip().lower() != instance.email.strip().lower():
        # A verification vouches for one address: a new one must be verified again.
        instance.email_verified = False


@receiver(post_save, sender=User)
def _revoke_after_credential_changes(sender: Any, instance: User, **_: Any) -> None:
    if getattr(instance, "_credentials_changed", False):
        instance._credentials_changed = False
        user_credentials_revoke(user=instance)


@receiver(user_logged_out)
def _sockets_close_after_log_out(sender: Any, request: Any, user: Any, **_: Any) -> None:
    if user is not None and user.pk is not None:
        sessions_ended_on_commit(user_id=user.pk, session_key=request.session.session_key)
