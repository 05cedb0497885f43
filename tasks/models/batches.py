"""The files of a batch: one row per uploaded (or fetched) file, so that progress and each
file's fate are queryable while the batch is ingested."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tasks.models.projects import Project
from tasks.models.work import Task


class BatchState(models.TextChoices):
    # A IIIF import waits here while a job reads its manifest (never inside the request).
    READING = "reading", _("Reading the manifest")
    RECEIVING = "receiving", _("Receiving files")
    INGESTING = "ingesting", _("Ingesting")
    DONE = "done", pgettext_lazy("batch state", "Done")
    FAILED = "failed", _("Failed")
    WITHDRAWN = "withdrawn", pgettext_lazy("batch state", "Withdrawn")


class BatchPurpose(models.TextChoices):
    DATA = "data", _("Images to transcribe")
    TRAINING = "training", _("Training images (known answers, kept out of the real stream)")


class Batch(models.Model):
    """Images uploaded together by a lead, ingested by one job."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="batches")
    name = models.CharField(_("name"), max_length=200)
    purpose = models.CharField(
        _("purpose"), max_length=16, choices=BatchPurpose.choices, default=BatchPurpose.DATA
    )
    state = models.CharField(
        _("state"), max_length=16, choices=BatchState.choices, default=BatchState.RECEIVING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    files_total = models.PositiveIntegerField(default=0)
    files_ok = models.PositiveIntegerField(default=0)
    files_duplicate = models.PositiveIntegerField(default=0)
    files_failed = models.PositiveIntegerField(default=0)
    # [{"file": name, "error": reason}], one per rejected file.
    errors = models.JSONField(default=list, blank=True)
    # --- Ingest: where its files wait, what they came from, what the CSV said.
    # Media-relative folder of the uploaded files until each is ingested (random, unlisted).
    folder = models.CharField(max_length=200, blank=True)
    source_url = models.URLField(_("IIIF manifest"), max_length=2000, blank=True)
    # Reading the manifest (state `reading`): attempts made (the cap counts redelivered and
    # resumed messages too), when the last began, and why the batch failed if it could not be
    # read, as a code and parameters put into words when read (tasks.batch_messages).
    source_attempts = models.PositiveSmallIntegerField(default=0)
    source_tried_at = models.DateTimeField(null=True, blank=True)
    source_error_code = models.CharField(max_length=40, blank=True)
    source_error_params = models.JSONField(default=dict, blank=True)
    # The metadata CSV's rows by file name ({name: {column: value}}), kept until ingest starts.
    metadata_rows = models.JSONField(default=dict, blank=True)
    # What the lead should know that is no file's failure: [{"code": ..., "params": {...}}]
    # (CSV rows naming no uploaded file, files without a row).
    notices = models.JSONField(default=list, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # Given to each of its images (Task.priority, higher served first), now and as they are
    # ingested: set by `batch_priority_set`.
    priority = models.SmallIntegerField(
        _("priority"), default=0, help_text=_("Higher is served first.")
    )

    class Meta:
        verbose_name = _("batch")
        verbose_name_plural = _("batches")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["project", "-created_at"], name="batch_project_recent")]

    def __str__(self) -> str:
        return self.name


class BatchFileState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    OK = "ok", pgettext_lazy("batch file state", "Ingested")
    DUPLICATE = "duplicate", _("Already in the project")
    FAILED = "failed", pgettext_lazy("batch file state", "Failed")
    WITHDRAWN = "withdrawn", pgettext_lazy("batch file state", "Withdrawn")


# States a file does not leave.
BATCH_FILE_FINAL = (
    BatchFileState.OK,
    BatchFileState.DUPLICATE,
    BatchFileState.FAILED,
    BatchFileState.WITHDRAWN,
)


class BatchFile(models.Model):
    """One file of a batch: its name as the lead gave it, where it waits, and its fate.

    A file is stored under a name of our own (`stored`), never the one it came with, so no name
    in an upload or a zip can point anywhere else. The error is kept as a code and parameters
    and put into words when read, in the reader's language.
    """

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="files")
    position = models.PositiveIntegerField()
    name = models.CharField(_("file name"), max_length=500)
    source_url = models.URLField(max_length=2000, blank=True)
    # Media-relative path of the file waiting to be ingested; emptied once it is.
    stored = models.CharField(max_length=300, blank=True)
    size = models.BigIntegerField(null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=BatchFileState.choices, default=BatchFileState.PENDING
    )
    error_code = models.CharField(max_length=40, blank=True)
    error_params = models.JSONField(default=dict, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    task = models.ForeignKey(
        Task, on_delete=models.SET_NULL, null=True, blank=True, related_name="batch_files"
    )
    # Set by the job working on the file (compare-and-set), so that a redelivered message does
    # not ingest it twice at the same time; a claim older than the broker's visibility timeout
    # is stale.
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Ingest jobs that claimed the file (each one an attempt, finished or not), and when its
    # last job was sent: the sweep re-sends a pending file only once in a while, and gives up
    # on it after a few attempts (tasks.services.batches.batches_resume).
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("batch file")
        verbose_name_plural = _("batch files")
        ordering = ["batch", "position"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "position"], name="batch_file_position"),
        ]
        indexes = [models.Index(fields=["batch", "state"], name="batch_file_state")]

    def __str__(self) -> str:
        return self.name
