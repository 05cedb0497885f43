"""Recognition: what each volunteer's answers earned in a project (agreed values per image, kept
with the month the answer was given) and the badges they were awarded, each with its date.

Both are written by services only (tasks.services.recognition), in the transaction that changes
what they count: a reconciliation or a curator's decision refreshes the image's tallies, and
badges are awarded then. The rules are in worker/recognition.py."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tasks.models.projects import Project
from tasks.models.work import Task


class AnswerTally(models.Model):
    """How many of one volunteer's answers on one image match the value the project settled on
    (agreed, or resolved by a curator), and how many of those a curator kept in a dispute.
    Rows with nothing agreed are not kept. Rebuilt from the field results, so idempotent."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The first day of the (local) month the answer was sent: monthly rankings sum by it, and
    # an answer settled later still counts in the month it was given.
    month = models.DateField()
    agreed = models.PositiveSmallIntegerField(default=0)
    kept = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("agreed values of an answer")
        verbose_name_plural = _("agreed values of answers")
        constraints = [
            models.UniqueConstraint(fields=["task", "user"], name="answer_tally_one_per_answer"),
        ]
        indexes = [
            # A volunteer's sums in a project, and the all-time ranking (index-only on
            # PostgreSQL, which stores the included columns in the index).
            models.Index(
                fields=["project", "user"],
                include=["agreed", "kept", "month"],
                name="answer_tally_project_user",
            ),
            # A month's ranking reads that month's rows only.
            models.Index(
                fields=["project", "month", "user"],
                include=["agreed"],
                name="answer_tally_project_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.task_id}: {self.agreed} agreed"


class BadgeKind(models.TextChoices):
    FIRST_TRANSCRIPTION = "first_transcription", _("First transcription")
    AGREED_100 = "agreed_100", _("100 agreed values")
    AGREED_1000 = "agreed_1000", _("1,000 agreed values")
    FIELD_TYPE_MASTERED = "field_type_mastered", _("Field type mastered")
    KEPT_BY_CURATOR = "kept_by_curator", _("Sharp eye")
    FLAG_CONFIRMED = "flag_confirmed", _("Keen observer")
    THREE_MONTHS = "three_months", _("Faithful")


class Badge(models.Model):
    """A badge a volunteer earned in a project, once, with the date. `detail` is the field type
    of a mastery badge, empty otherwise."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="badges"
    )
    kind = models.CharField(_("badge"), max_length=32, choices=BadgeKind.choices)
    detail = models.CharField(max_length=32, blank=True, default="")
    earned_at = models.DateTimeField(_("earned on"))

    class Meta:
        verbose_name = _("badge")
        verbose_name_plural = _("badges")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "user", "kind", "detail"], name="badge_once_per_project"
            ),
        ]
        indexes = [models.Index(fields=["user", "earned_at"], name="badge_user_earned")]

    def __str__(self) -> str:
        return f"{self.kind}{':' + self.detail if self.detail else ''} for {self.user_id}"
