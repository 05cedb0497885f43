"""The files of a batch: one row per uploaded (or fetched) file, so that progress and each
file's fate are queryable while the batch is ingested."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tasks.models.work import Batch, Task


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
