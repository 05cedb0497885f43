"""Members of a project: each person's role in it, and how far their answers are trusted."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tasks.models.projects import Project


class Role(models.TextChoices):
    LEAD = "lead", _("Lead")
    CURATOR = "curator", _("Curator")
    CONTRIBUTOR = "contributor", _("Contributor")


class Membership(models.Model):
    """A person's role in one project. Public projects also accept non-members as contributors."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
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

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="reliabilities")
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


class ContributorTrust(models.Model):
    """How a contributor's answers compare with reference values in a project: values settled
    by curators, or accepted with the support of a proven contributor other than them.

    Counted by `project_reliability_refresh`; whether that makes them proven is read with the
    current settings (`tasks.selectors.trust`), so changing a threshold takes effect at once.
    Agreement among unproven accounts is never a comparison: it proves nothing.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="trusts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    compared = models.PositiveIntegerField(_("answers compared with reference values"), default=0)
    agreed = models.PositiveIntegerField(_("answers that agreed"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("contributor trust")
        verbose_name_plural = _("contributor trust")
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="trust_one_per_contributor"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.agreed}/{self.compared}"
