"""Moderation: people blocked from a project, and contributors whose work a lead voided.

Each row is its own audit record: who acted, when and why, and who lifted it, when and why.
Lifting never deletes the row; acting again adds a new one, so the history reads in order.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tasks.models.projects import Project

REASON_MAX_LENGTH = 1000


class ModerationRecord(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("since"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"), max_length=REASON_MAX_LENGTH)
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lift_reason = models.TextField(
        _("reason for lifting"), max_length=REASON_MAX_LENGTH, blank=True
    )

    class Meta:
        abstract = True

    @property
    def active(self) -> bool:
        return self.lifted_at is None


class ProjectBlock(ModerationRecord):
    """A person a lead stopped from seeing (members-only projects), getting tasks and
    submitting in one project."""

    class Meta:
        verbose_name = _("block")
        verbose_name_plural = _("blocks")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "user"],
                condition=models.Q(lifted_at__isnull=True),
                name="block_one_active_per_project_user",
            ),
        ]
        indexes = [models.Index(fields=["user", "project"], name="block_user_project")]

    def __str__(self) -> str:
        return f"block of {self.user_id} in {self.project_id}"


class ContributorVoid(ModerationRecord):
    """A lead's decision that a contributor's transcriptions in a project count for nothing:
    they stay stored, marked with this record, and leave every consensus."""

    class Meta:
        verbose_name = _("voided work")
        verbose_name_plural = _("voided work")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "user"],
                condition=models.Q(lifted_at__isnull=True),
                name="void_one_active_per_project_user",
            ),
        ]
        indexes = [models.Index(fields=["user", "project"], name="void_user_project")]

    def __str__(self) -> str:
        return f"void of {self.user_id} in {self.project_id}"
