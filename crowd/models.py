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
    # Recognition, both off until the person turns them on (tasks.selectors.recognition).
    rank_me = models.BooleanField(
        _("show me in rankings"),
        default=False,
        help_text=_("List my display name and agreed values in the rankings of my projects."),
    )
    profile_public = models.BooleanField(
        _("public profile"),
        default=False,
        help_text=_("Anyone may see my display name, projects and badges at my profile's address."),
    )
    # The public profile's address (/people/<handle>/): random, so that it tells nothing of the
    # user name people sign in with. Made at the first opt-in, kept while the account lives.
    profile_handle = models.CharField(max_length=16, unique=True, null=True, blank=True)

    # Set while a save changes the password or deactivates the account (crowd.signals).
    _credentials_changed: bool = False

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def public_name(self) -> str:
        return self.display_name or self.username
