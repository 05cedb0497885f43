"""The work itself: batches of images, tasks (one image each), leases and transcriptions."""

from __future__ import annotations

import random
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tasks.models.projects import Project


class TaskState(models.TextChoices):
    PENDING = "pending", _("Being prepared")
    OPEN = "open", pgettext_lazy("task state", "Open")
    NEEDS_MORE = "needs_more", pgettext_lazy("task state", "Needs more transcriptions")
    COMPLETE = "complete", pgettext_lazy("task state", "Complete")
    DISPUTED = "disputed", _("Disputed")
    RESOLVED = "resolved", pgettext_lazy("task state", "Resolved by a curator")
    WITHDRAWN = "withdrawn", pgettext_lazy("task state", "Withdrawn")
    # An image of a training batch: it has (or will have) a known answer, is served only as a
    # practice or known-answer image and never counts as data.
    REFERENCE = "reference", pgettext_lazy("task state", "Training image")


# Tasks a contributor may be given.
ASSIGNABLE_STATES = (TaskState.OPEN, TaskState.NEEDS_MORE)


class TaskStep(models.TextChoices):
    """What a task asks for now (worker/template/steps.py): its label, then, in a template with
    georeference fields, a point for its settled locality."""

    LABEL = "label", pgettext_lazy("task step", "Label")
    GEOREFERENCE = "georeference", pgettext_lazy("task step", "Georeference")


def shuffle_key_new() -> float:
    return random.random()  # noqa: S311 (an order, not a secret)


def task_image_path(task: Task, filename: str) -> str:
    return f"projects/{task.project_id}/originals/{filename}"


def task_thumbnail_path(task: Task, filename: str) -> str:
    return f"projects/{task.project_id}/thumbnails/{filename}"


class Task(models.Model):
    """One image to transcribe, the unit of assignment (not a Celery job)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tasks")
    batch = models.ForeignKey(
        "tasks.Batch", on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks"
    )
    state = models.CharField(
        _("state"), max_length=16, choices=TaskState.choices, default=TaskState.PENDING
    )
    # The step `state`, `target` and `transcription_count` are about. A database default too:
    # statements written by hand (bulk loads, benchmarks) need not name it.
    step = models.CharField(
        _("step"),
        max_length=16,
        choices=TaskStep.choices,
        default=TaskStep.LABEL,
        db_default=TaskStep.LABEL,
    )
    priority = models.SmallIntegerField(
        _("priority"), default=0, help_text=_("Higher is served first.")
    )
    # How many transcriptions the task currently wants in its step: the project's minimum,
    # raised one at a time while contributors disagree, up to the project's maximum.
    target = models.PositiveSmallIntegerField(_("transcriptions wanted"), default=2)
    # Transcriptions of its step that count: voided ones are left out, so the image asks for
    # others.
    transcription_count = models.PositiveIntegerField(_("transcriptions"), default=0)
    # A random position fixed at creation: "random" order walks an index from a random point
    # instead of sorting a million rows by random().
    shuffle_key = models.FloatField(default=shuffle_key_new, editable=False)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    image = models.FileField(_("image"), upload_to=task_image_path, max_length=255, blank=True)
    image_width = models.PositiveIntegerField(null=True, blank=True)
    image_height = models.PositiveIntegerField(null=True, blank=True)
    thumbnail = models.FileField(
        _("thumbnail"), upload_to=task_thumbnail_path, max_length=255, blank=True
    )
    # Media-relative folder holding the IIIF Image API level-0 tiles and their info.json.
    iiif_path = models.CharField(max_length=255, blank=True)
    content_hash = models.CharField(_("SHA-256 of the original"), max_length=64, blank=True)
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The image's last activity: a transcription, a reconciliation that changed something, a
    # curator's decision (and any full save).
    updated_at = models.DateTimeField(auto_now=True)
    last_transcribed_at = models.DateTimeField(null=True, blank=True)
    reconciled_at = models.DateTimeField(null=True, blank=True)
    # The image's confidence: the lowest agreement among its fields, a value a curator settled
    # counting as certain; None before its first reconciliation. Written with the field results
    # (reconciliation, curators' decisions), read by the results browser's sort.
    agreement = models.FloatField(_("agreement"), null=True, blank=True)
    # Set with each transcription, cleared by the reconciliation that read it (both hold the
    # task row lock): the sweep re-sends whatever a lost message left pending.
    reconcile_pending = models.BooleanField(default=False)
    # When its reconciliation job was last sent (cleared when the broker refused it): while
    # pending, a job is on its way and answers need not send another; the sweep re-sends one
    # that waited SWEEP_RECONCILE_AFTER_SECONDS.
    reconcile_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "content_hash"],
                condition=~models.Q(content_hash=""),
                name="task_unique_image_per_project",
            ),
        ]
        indexes = [
            # Progress counts: an index-only GROUP BY state per project. With the id, the
            # results browser's pages of one state (or sorted by state) in id order.
            models.Index(fields=["project", "state", "id"], name="task_project_state_id"),
            # The results browser's sorts: lowest agreement first (of all images, or of one
            # state: agreement and state go together, so walking the first index for one state
            # would read most others first), latest activity first.
            models.Index(fields=["project", "agreement", "id"], name="task_project_agreement"),
            models.Index(
                fields=["project", "state", "agreement", "id"], name="task_state_agreement"
            ),
            models.Index(fields=["project", "updated_at", "id"], name="task_project_updated"),
            # The assignment queues, partial so that finished tasks cost nothing to skip over.
            models.Index(
                fields=["project", "-priority", "-transcription_count", "id"],
                condition=models.Q(state__in=["open", "needs_more"]),
                name="task_queue_depth",
            ),
            models.Index(
                fields=["project", "-priority", "transcription_count", "id"],
                condition=models.Q(state__in=["open", "needs_more"]),
                name="task_queue_breadth",
            ),
            models.Index(
                fields=["project", "-priority", "shuffle_key"],
                condition=models.Q(state__in=["open", "needs_more"]),
                name="task_queue_random",
            ),
            # The georeference step's queue: the few images whose label is settled, among many
            # whose label is not (and its count on the project page, index only).
            models.Index(
                fields=["project", "-priority", "id"],
                condition=models.Q(state__in=["open", "needs_more"], step="georeference"),
                name="task_queue_georeference",
            ),
            models.Index(fields=["last_transcribed_at"], name="task_last_transcribed"),
            # Sweep: transcribed but not reconciled since.
            models.Index(
                fields=["last_transcribed_at"],
                condition=models.Q(reconcile_pending=True),
                name="task_reconcile_pending",
            ),
        ]

    def __str__(self) -> str:
        return self.original_name or f"task {self.pk}"


class LeaseState(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("lease state", "Active")
    SUBMITTED = "submitted", _("Submitted")
    RELEASED = "released", _("Released")
    EXPIRED = "expired", _("Expired")


class SkipReason(models.TextChoices):
    UNREADABLE = "unreadable", _("Unreadable")
    WRONG_PROJECT = "wrong_project", _("Does not belong to this project")
    OTHER = "other", _("Other")


class LeaseKind(models.TextChoices):
    DATA = "data", _("Real image")
    KNOWN = "known", _("Known-answer image")
    PRACTICE = "practice", _("Practice image")


class Lease(models.Model):
    """A contributor's temporary hold on a task. Any lease, past or present, marks the task as
    seen by that contributor, so it is never served to them again."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="leases")
    # No index of its own: `lease_user_state_task` begins with the person (and every index
    # costs each lease two writes: ending a lease changes its state, which indexes hold).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="leases", db_index=False
    )
    state = models.CharField(max_length=16, choices=LeaseState.choices, default=LeaseState.ACTIVE)
    # What the image was served as. Never shown to the contributor for a known-answer image:
    # it must look like any other until the answer is in.
    kind = models.CharField(max_length=16, choices=LeaseKind.choices, default=LeaseKind.DATA)
    # The step it was granted for: a task is seen, and answered, once per step.
    step = models.CharField(
        max_length=16, choices=TaskStep.choices, default=TaskStep.LABEL, db_default=TaskStep.LABEL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    skip_reason = models.CharField(max_length=16, choices=SkipReason.choices, blank=True)
    skip_note = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("lease")
        verbose_name_plural = _("leases")
        constraints = [
            models.UniqueConstraint(
                fields=["task", "user"],
                condition=models.Q(state="active"),
                name="lease_one_active_per_task_user",
            ),
        ]
        # Every index on live leases alone (state = active) begins with the image. Counting an
        # image's live leases, which next-task does for each image it passes, is then always a
        # lookup: with an index beginning with anything else, a planner whose statistics
        # predate a rush of new leases (a launch, a new installation) may read every live
        # lease of the platform for each image instead.
        indexes = [
            # The person's leases: the images they saw (by state: those they passed or
            # answered), and whether they hold one now, among the few live, not the many
            # they ever held.
            models.Index(fields=["user", "state", "task"], name="lease_user_state_task"),
            models.Index(
                fields=["task", "expires_at"],
                condition=models.Q(state="active"),
                name="lease_active_by_task",
            ),
        ]

    def __str__(self) -> str:
        return f"lease {self.pk} on {self.task_id} for {self.user_id}"


class ImmutableRecordError(RuntimeError):
    """A submitted transcription was about to be changed; they are kept as submitted."""


class Transcription(models.Model):
    """One contributor's submitted values for one task. Never edited after submission."""

    # PROTECT all the way up: deleting a task, a project or a person never takes volunteers'
    # work with it (projects are archived; a purge is a staff command that exports first).
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="transcriptions")
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="transcriptions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="transcriptions"
    )
    lease = models.ForeignKey(
        Lease, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    values = models.JSONField(default=dict)
    # Per field: "illegible" or "absent" (not on the image), when the contributor said so.
    markers = models.JSONField(default=dict, blank=True)
    # Provenance: the keys of the fields into which the contributor inserted words of the
    # machine reading (their browser says so); such answers are not independent of the machine.
    machine_fields = models.JSONField(default=list, blank=True)
    # Provenance of each point (tasks.georeference): {"<geopoint key>": {"source": "label" |
    # "map" | "gazetteer", "uncertainty_m": int | None, "place": {"id", "name"} | None}}.
    georeference = models.JSONField(default=dict, blank=True)
    # The step answered: the label's fields, or the georeference fields (its lease's step).
    step = models.CharField(
        max_length=16, choices=TaskStep.choices, default=TaskStep.LABEL, db_default=TaskStep.LABEL
    )
    idempotency_key = models.CharField(max_length=64)
    template_version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set while a lead has voided this contributor's work in the project: kept, but left out
    # of every consensus. Changed only by the moderation services (never by `save`).
    void = models.ForeignKey(
        "tasks.ContributorVoid",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transcriptions",
    )

    class Meta:
        verbose_name = _("transcription")
        verbose_name_plural = _("transcriptions")
        constraints = [
            # One answer per person and step: who read the label may georeference it too.
            models.UniqueConstraint(
                fields=["task", "user", "step"], name="transcription_one_per_task_user_step"
            ),
            models.UniqueConstraint(
                fields=["user", "idempotency_key"], name="transcription_idempotency"
            ),
        ]
        indexes = [
            models.Index(fields=["task", "created_at"], name="transcription_task_order"),
            models.Index(fields=["project", "created_at"], name="transcription_project_time"),
            models.Index(
                fields=["user", "project", "created_at"], name="transcription_user_project"
            ),
        ]

    def __str__(self) -> str:
        return f"transcription {self.pk} of task {self.task_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # An invariant, not business logic: what a contributor submitted is evidence.
        if not self._state.adding:
            raise ImmutableRecordError("A submitted transcription cannot be changed.")
        super().save(*args, **kwargs)
