"""Reconciled results per field, their history, and curators' resolutions."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tasks.explanations import explanation_text
from tasks.models.projects import Project
from tasks.models.work import Task


class FieldStatus(models.TextChoices):
    AGREED = "agreed", _("Agreed")
    NEEDS_MORE = "needs_more", pgettext_lazy("field status", "Needs more transcriptions")
    DISPUTED = "disputed", _("Disputed")
    BLANK = "blank", _("Blank")
    RESOLVED = "resolved", pgettext_lazy("field status", "Resolved by a curator")


class FieldResult(models.Model):
    """The reconciled value of one field of one task."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="field_results")
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="field_results")
    key = models.CharField(_("field"), max_length=64)
    value = models.JSONField(_("value"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=FieldStatus.choices)
    agreement = models.FloatField(_("agreement"), default=0.0)
    support = models.PositiveSmallIntegerField(_("support"), default=0)
    n = models.PositiveSmallIntegerField(_("answers"), default=0)
    method = models.CharField(_("method"), max_length=40, blank=True)
    # [{"value": ..., "weight": ..., "users": [ids]}], best first.
    alternatives = models.JSONField(default=list, blank=True)
    # The explanation in English, and as parts ([{"code": ..., "params": {...}}], see
    # worker.consensus.explain) that pages and the API render in the reader's language.
    explanation = models.CharField(max_length=300, blank=True)
    explanation_parts = models.JSONField(default=list, blank=True)
    # Contributor ids whose answers agree with the value: what reliability learns from.
    agreeing = models.JSONField(default=list, blank=True)
    # What the machine reading voted for in this field (None: it did not vote), and whether
    # that is the value: what the machine's weight is learnt from.
    machine_value = models.JSONField(null=True, blank=True)
    machine_agrees = models.BooleanField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    # Set when the field becomes disputed. The queue's priority grows with how split the answers
    # are, how much the field matters and how long it has waited; `dispute_rank` orders by it:
    # weight * (1 - agreement) * 100 points, plus one point per hour waited, written as
    # points * 3600 - disputed_at (seconds) so that the order never needs recomputing.
    disputed_at = models.DateTimeField(null=True, blank=True)
    dispute_rank = models.FloatField(null=True, blank=True)

    class Meta:
        verbose_name = _("field result")
        verbose_name_plural = _("field results")
        constraints = [
            models.UniqueConstraint(fields=["task", "key"], name="field_result_one_per_task_field")
        ]
        indexes = [
            models.Index(fields=["project", "status", "key"], name="field_result_project_status"),
            models.Index(
                fields=["project", "-dispute_rank"],
                condition=models.Q(status="disputed"),
                name="field_result_dispute_queue",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_id}.{self.key} = {self.value!r} ({self.status})"

    @property
    def explanation_text(self) -> str:
        """The explanation in the active language (the stored English for older rows)."""
        return explanation_text(parts=self.explanation_parts, stored=self.explanation)


class ResolutionReason(models.TextChoices):
    READING_CHECKED = "reading_checked", _("Checked on the image")
    CONSENSUS_WRONG = "consensus_wrong", _("The majority misread it")
    CONVENTION = "convention", _("Project convention")
    TYPO = "typo", _("Typing error")
    ILLEGIBLE = "illegible", _("Illegible")
    NEEDS_EYES = "needs_eyes", _("Needs more readers")
    OTHER = "other", _("Other")


class TaskClaim(models.Model):
    """A curator's short hold on a task under review, so two curators never settle the same
    entry at once. Expired claims are free to take."""

    task = models.OneToOneField(Task, on_delete=models.CASCADE, related_name="claim")
    curator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    claimed_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")

    def __str__(self) -> str:
        return f"task {self.task_id} claimed by {self.curator_id}"


class ChangeCause(models.TextChoices):
    RECONCILE = "reconcile", _("Reconciliation")
    RESOLUTION = "resolution", _("Curator resolution")
    REOPEN = "reopen", _("Reopened")


class FieldResultVersion(models.Model):
    """A past state of a field result: each reconciliation or decision that changed it."""

    field_result = models.ForeignKey(FieldResult, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    value = models.JSONField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=FieldStatus.choices)
    agreement = models.FloatField(default=0.0)
    support = models.PositiveSmallIntegerField(default=0)
    n = models.PositiveSmallIntegerField(default=0)
    method = models.CharField(max_length=40, blank=True)
    alternatives = models.JSONField(default=list, blank=True)
    explanation = models.CharField(max_length=300, blank=True)
    explanation_parts = models.JSONField(default=list, blank=True)
    cause = models.CharField(max_length=16, choices=ChangeCause.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # The field result's columns each version keeps.
    KEPT = (
        "value",
        "status",
        "agreement",
        "support",
        "n",
        "method",
        "alternatives",
        "explanation",
        "explanation_parts",
    )

    class Meta:
        verbose_name = _("field result version")
        verbose_name_plural = _("field result versions")
        constraints = [
            models.UniqueConstraint(
                fields=["field_result", "version"], name="field_result_version_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.field_result_id} v{self.version}"

    @classmethod
    def of(cls, result: FieldResult, *, cause: str, actor: Any = None) -> FieldResultVersion:
        """An unsaved copy of `result` as it stands, recording why it changed and who did it."""
        kept = {name: getattr(result, name) for name in cls.KEPT}
        return cls(field_result=result, version=result.version, cause=cause, actor=actor, **kept)


class ResolutionDecision(models.TextChoices):
    ACCEPT = "accept", _("Accept an answer")
    VALUE = "value", _("Type the right value")
    ILLEGIBLE = "illegible", _("Illegible on the image")
    MORE = "more", _("Ask for more transcriptions")
    REOPEN = "reopen", _("Reopen")


class Resolution(models.Model):
    """A curator's decision on a field result, with its reason: the audit trail."""

    field_result = models.ForeignKey(
        FieldResult, on_delete=models.CASCADE, related_name="resolutions"
    )
    curator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="resolutions"
    )
    decision = models.CharField(max_length=16, choices=ResolutionDecision.choices)
    reason = models.CharField(max_length=40, choices=ResolutionReason.choices, blank=True)
    note = models.TextField(blank=True, max_length=2000)
    value_before = models.JSONField(null=True, blank=True)
    value_after = models.JSONField(null=True, blank=True)
    status_before = models.CharField(max_length=16, choices=FieldStatus.choices)
    status_after = models.CharField(max_length=16, choices=FieldStatus.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("resolution")
        verbose_name_plural = _("resolutions")
        indexes = [models.Index(fields=["field_result", "created_at"], name="resolution_history")]

    def __str__(self) -> str:
        return f"{self.decision} on {self.field_result_id} by {self.curator_id}"
