"""What leads did that no other row keeps: the audit log's own entries.

Curators' decisions, blocks, voids, known answers and project reviews are rows of their own,
with who and when; the audit page reads them there. These entries record the rest: a batch's
priority changed or the batch withdrawn, the project archived or restored, a member's role
given, changed or taken away, news posted, corrected or deleted (a post's title kept, so that
a deleted one is still named). Written by the service that acted, in its transaction; never
changed afterwards.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tasks.models.batches import Batch
from tasks.models.projects import Project


class AuditKind(models.TextChoices):
    BATCH_PRIORITY = "batch_priority", _("Batch priority changed")
    BATCH_WITHDRAWN = "batch_withdrawn", _("Batch withdrawn")
    PROJECT_ARCHIVED = "project_archived", _("Project archived")
    PROJECT_RESTORED = "project_restored", _("Project restored")
    MEMBER_ROLE = "member_role", _("Member's role given or changed")
    MEMBER_REMOVED = "member_removed", _("Member removed")
    NEWS_PUBLISHED = "news_published", _("News posted")
    NEWS_UPDATED = "news_updated", _("News corrected")
    NEWS_DELETED = "news_deleted", _("News deleted")


class AuditEntry(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=32, choices=AuditKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Whom it concerned (a member), and which batch, when it concerned one.
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    batch = models.ForeignKey(
        Batch, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # What changed: {"before": ..., "after": ...} (a priority, a role, a post's title),
    # {"tasks": n}, {"title": ...} (a post).
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [models.Index(fields=["project", "created_at"], name="audit_project_time")]

    def __str__(self) -> str:
        return f"{self.kind} in {self.project_id}"
