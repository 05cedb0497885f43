"""People: accounts and their per-project roles."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person using the platform: contributor, curator or lead depending on the project."""

    display_name = models.CharField(_("display name"), max_length=80, blank=True)
    credit_me = models.BooleanField(
        _("name me in credits"),
        default=False,
        help_text=_("Show my display name among the contributors credited in data exports."),
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, blank=True
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def public_name(self) -> str:
        return self.display_name or self.username


class Role(models.TextChoices):
    LEAD = "lead", _("Lead")
    CURATOR = "curator", _("Curator")
    CONTRIBUTOR = "contributor", _("Contributor")


class Membership(models.Model):
    """A person's role in one project. Public projects also accept non-members as contributors."""

    project = models.ForeignKey(
        "tasks.Project", on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(
        _("role"), max_length=16, choices=Role.choices, default=Role.CONTRIBUTOR
    )
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "user"], name="membership_one_role_per_project"
            ),
        ]
        indexes = [models.Index(fields=["user", "project"], name="membership_user_project")]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.project}"


class ContributorReliability(models.Model):
    """How far a contributor's answers of one field type agree with settled values in a
    project, and the vote weight that follows (see worker.consensus.reliability)."""

    project = models.ForeignKey(
        "tasks.Project", on_delete=models.CASCADE, related_name="reliabilities"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reliabilities"
    )
    field_type = models.CharField(max_length=16)
    correct = models.FloatField(default=0.0)
    total = models.FloatField(default=0.0)
    weight = models.FloatField(default=1.0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("contributor reliability")
        verbose_name_plural = _("contributor reliabilities")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "user", "field_type"], name="reliability_one_per_type"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.field_type} {self.weight:.2f}"
