"""People: accounts. Their roles in projects live with the projects (tasks.models.members)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from crowd.validators import display_name_validate


class User(AbstractUser):
    """A person using the platform: contributor, curator or lead depending on the project."""

    display_name = models.CharField(
        _("display name"), max_length=80, blank=True, validators=[display_name_validate]
    )
    credit_me = models.BooleanField(
        _("name me in credits"),
        default=False,
        help_text=_("Show my display name among the contributors credited in data exports."),
    )
    email_verified = models.BooleanField(
        _("e-mail verified"),
        default=False,
        help_text=_("The owner followed the link sent to this address."),
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, blank=True
    )

    # Set while a save changes the password or deactivates the account (crowd.signals).
    _credentials_changed: bool = False

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def public_name(self) -> str:
        return self.display_name or self.username
