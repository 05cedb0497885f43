"""Exports: a job that writes a project's data in one standard, and the file it made."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tasks.models.projects import Project


class ExportState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")


class ExportFormatChoice(models.TextChoices):
    CSV = "csv", _("CSV: one row per image, with the consensus")
    RAW_CSV = "raw-csv", _("Raw CSV: one row per transcription")
    JSONL = "jsonl", _("JSON Lines: every value with its provenance")
    DWCA = "dwca", _("Darwin Core Archive (GBIF)")
    CSL_JSON = "csl-json", _("CSL-JSON (Zotero, citation processors)")
    BIBTEX = "bibtex", _("BibTeX")
    IIIF = "iiif", _("IIIF Presentation 3 manifests with annotations")


class Export(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="exports")
    format = models.CharField(_("format"), max_length=16, choices=ExportFormatChoice.choices)
    state = models.CharField(
        _("state"), max_length=16, choices=ExportState.choices, default=ExportState.QUEUED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Made for everyone who may download the project's open data: settled images only, and raw
    # transcriptions only when the project's leads opened them. Others are for leads alone.
    public = models.BooleanField(_("for everyone"), default=False)
    # Scheme and host the export's links are built on (the address the lead used).
    base_url = models.CharField(max_length=300)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Moved by every progress write: a running export whose heartbeat stops lost its worker.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # Which run owns the export: a run re-sent by the sweep gets a new token, and the old run,
    # if it was only slow, finds its writes refused and stops.
    attempt = models.CharField(max_length=32, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    total = models.PositiveIntegerField(_("images"), default=0)
    done = models.PositiveIntegerField(default=0)
    records = models.PositiveIntegerField(_("records written"), default=0)
    # Relative to EXPORT_ROOT.
    path = models.CharField(max_length=300, blank=True)
    size = models.BigIntegerField(_("size in bytes"), null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["project", "-created_at"], name="export_project_recent")]

    def __str__(self) -> str:
        return f"{self.project.slug} {self.format} #{self.pk} ({self.state})"

    @property
    def percent(self) -> int:
        if self.state == ExportState.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0
