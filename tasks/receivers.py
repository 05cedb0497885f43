"""Reactions to changes made outside the services, chiefly by staff in the admin."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from crowd.services import account_closed
from tasks.models import Lease
from tasks.services.leases import leases_end
from tasks.services.notifications import notifications_forget


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="tasks-leases-of-inactive")
def leases_end_when_deactivated(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A deactivated account (the admin's "active" box) can no longer sign in; the images it
    held go back to the queue at once instead of at expiry."""
    if not instance.is_active:
        leases_end(leases=Lease.objects.filter(user_id=instance.pk))


@receiver(account_closed, dispatch_uid="tasks-notifications-of-closed")
def notifications_forget_when_closed(sender: Any, user_id: int, **kwargs: Any) -> None:
    """A closed account's notifications and settings are kept for nobody: they go."""
    notifications_forget(user_id=user_id)
