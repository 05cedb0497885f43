"""Machine reading (OCR) of images: one row per image, its words kept as JSON.

One row per image rather than one per word: an image has a few dozen to a few thousand words,
always read and written together (the viewer's layer, the search document, the machine's
vote), never queried one by one.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tasks.models.projects import Project
from tasks.models.work import Task


class ReadingStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("machine reading", "Waiting")
    RUNNING = "running", pgettext_lazy("machine reading", "Reading")
    DONE = "done", pgettext_lazy("machine reading", "Read")
    FAILED = "failed", pgettext_lazy("machine reading", "Failed")


class ImageReading(models.Model):
    """What the OCR engine read on one image (tasks.services.readings writes it)."""

    task = models.OneToOneField(
        Task, on_delete=models.CASCADE, primary_key=True, related_name="reading"
    )
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(
        _("status"), max_length=16, choices=ReadingStatus.choices, default=ReadingStatus.PENDING
    )
    engine = models.CharField(_("engine"), max_length=40, blank=True)
    engine_version = models.CharField(_("engine version"), max_length=40, blank=True)
    # The models used ("fra+eng+lat"), and those asked for that this machine lacks.
    languages = models.CharField(_("languages"), max_length=100, blank=True)
    languages_missing = models.CharField(_("languages missing"), max_length=100, blank=True)
    # 1 when read at full size; below 1 when the image was downscaled first (its boxes are
    # still in the pixels of the full-size image).
    scale = models.FloatField(default=1.0)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    # Why it failed (worker.ocr codes, or "image_missing", "time_limit", "internal") and the
    # engine's own words.
    error_code = models.CharField(max_length=40, blank=True)
    error_detail = models.CharField(max_length=500, blank=True)
    # [{"t": text, "b": [x, y, w, h], "c": confidence 0-100, "l": line, "k": block}], in
    # reading order (worker.ocr.Word).
    words = models.JSONField(default=list, blank=True)
    # The words as lines, one per line: what search and the machine's vote read.
    text = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # When its job was last sent: the sweep re-sends only what waited RESEND_AFTER since.
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("machine reading")
        verbose_name_plural = _("machine readings")
        indexes = [
            models.Index(fields=["project", "status"], name="reading_project_status"),
        ]

    def __str__(self) -> str:
        return f"machine reading of task {self.task_id}"


class MachineReliability(models.Model):
    """The machine reading's weight as a voter in one project, per field type: learnt from
    settled values as a contributor's is (tasks.services.reliability)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    field_type = models.CharField(max_length=16)
    correct = models.FloatField(default=0.0)
    total = models.FloatField(default=0.0)
    weight = models.FloatField(default=1.0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("machine reliability")
        verbose_name_plural = _("machine reliabilities")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "field_type"], name="machine_reliability_unique"
            )
        ]

    def __str__(self) -> str:
        return f"machine weight for {self.field_type} in project {self.project_id}"
