"""Training: a project's tutorial and field guide, and the known answers that teach and
measure contributors (practice images, and known-answer images met blind in the real stream).

Known-answer and practice answers are `KnownAnswerCheck` rows, never transcriptions: they
cannot count towards progress, another image's consensus or an export by construction.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from tasks.models.projects import Project
from tasks.models.work import Lease, Task


def training_image_path(instance: TutorialStep | GuideExample, filename: str) -> str:
    return f"projects/{instance.project_id}/training/{filename}"


def _in_language(french: str, english: str) -> str:
    if (get_language() or "fr").startswith("en"):
        return english or french
    return french or english


class Highlight(models.TextChoices):
    """What a tutorial step may point at on the transcription page, besides a field."""

    NONE = "", _("Nothing")
    VIEWER = "viewer", _("The image viewer")
    ZOOM = "zoom", _("The zoom buttons")
    ROTATE = "rotate", _("The rotate button")
    GUIDE = "guide", _("The field guide button")
    MARKERS = "markers", _("The illegible and absent buttons")
    SKIP = "skip", _("The skip button")
    SUBMIT = "submit", _("The submit button")


class TutorialStep(models.Model):
    """One step of a project's tutorial, shown in order on a volunteer's first visit."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tutorial_steps")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    title_fr = models.CharField(_("title (French)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    body_fr = models.TextField(_("text (French)"), max_length=4000, blank=True)
    body_en = models.TextField(_("text (English)"), max_length=4000, blank=True)
    # An uploaded picture or a crop of one of the project's images, made by the service.
    image = models.FileField(_("image"), upload_to=training_image_path, max_length=255, blank=True)
    # "field:<key>" or one of Highlight's values.
    highlight = models.CharField(_("highlight"), max_length=80, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("tutorial step")
        verbose_name_plural = _("tutorial steps")
        ordering = ["project", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.project_id}#{self.position} {self.title_en}"

    @property
    def title(self) -> str:
        return _in_language(self.title_fr, self.title_en)

    @property
    def body(self) -> str:
        return _in_language(self.body_fr, self.body_en)


class GuideEntry(models.Model):
    """How to read and write one field on this project's material."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="guide_entries")
    field_key = models.CharField(_("field"), max_length=64)
    body_fr = models.TextField(_("text (French)"), max_length=8000, blank=True)
    body_en = models.TextField(_("text (English)"), max_length=8000, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("field guide entry")
        verbose_name_plural = _("field guide entries")
        constraints = [
            models.UniqueConstraint(fields=["project", "field_key"], name="guide_one_per_field"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.field_key}"

    @property
    def body(self) -> str:
        return _in_language(self.body_fr, self.body_en)


class GuideExample(models.Model):
    """An example of a field guide entry: a crop of a label and the value to write for it."""

    entry = models.ForeignKey(GuideEntry, on_delete=models.CASCADE, related_name="examples")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    image = models.FileField(_("image"), upload_to=training_image_path, max_length=255, blank=True)
    value = models.CharField(_("value to write"), max_length=500)
    note_fr = models.CharField(_("note (French)"), max_length=1000, blank=True)
    note_en = models.CharField(_("note (English)"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("field guide example")
        verbose_name_plural = _("field guide examples")
        ordering = ["entry", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.entry_id} {self.value}"

    @property
    def note(self) -> str:
        return _in_language(self.note_fr, self.note_en)


class KnownAnswerUse(models.TextChoices):
    KNOWN = "known", _("Known answer among the real images")
    PRACTICE = "practice", _("Practice")


class KnownAnswerSource(models.TextChoices):
    EXPERT = "expert", _("Expert values")
    SETTLED = "settled", _("Settled by the project")


class KnownAnswer(models.Model):
    """The expert's values for one image, used to teach (practice) or to measure (served blind
    among real images). An image of a training batch has state `reference` and never enters the
    real stream; a settled image promoted to a known answer keeps its state and its result."""

    task = models.OneToOneField(Task, on_delete=models.CASCADE, related_name="known_answer")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="known_answers")
    use = models.CharField(
        _("use"), max_length=16, choices=KnownAnswerUse.choices, default=KnownAnswerUse.KNOWN
    )
    source = models.CharField(
        _("source"),
        max_length=16,
        choices=KnownAnswerSource.choices,
        default=KnownAnswerSource.EXPERT,
    )
    values = models.JSONField(_("values"), default=dict)
    markers = models.JSONField(_("markers"), default=dict, blank=True)
    # Per field key: {"fr": "...", "en": "..."}: why the expert read it so, shown as feedback.
    notes = models.JSONField(_("notes"), default=dict, blank=True)
    active = models.BooleanField(_("in use"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("known answer")
        verbose_name_plural = _("known answers")
        indexes = [
            models.Index(
                fields=["project", "use", "task"],
                condition=models.Q(active=True),
                name="known_answer_in_use",
            )
        ]

    def __str__(self) -> str:
        return f"known answer of task {self.task_id} ({self.use})"


class KnownAnswerCheck(models.Model):
    """A contributor's answer on a known-answer or practice image, compared field by field.

    `outcome` is `{key: {"type": field type, "match": bool}}`, written once, at submission, with
    the template and known answer of that moment."""

    known_answer = models.ForeignKey(KnownAnswer, on_delete=models.PROTECT, related_name="checks")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+")
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    lease = models.ForeignKey(
        Lease, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    practice = models.BooleanField(default=False)
    values = models.JSONField(default=dict)
    markers = models.JSONField(default=dict, blank=True)
    outcome = models.JSONField(default=dict)
    compared = models.PositiveSmallIntegerField(default=0)
    matched = models.PositiveSmallIntegerField(default=0)
    idempotency_key = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("answer on a known-answer image")
        verbose_name_plural = _("answers on known-answer images")
        constraints = [
            models.UniqueConstraint(fields=["task", "user"], name="check_one_per_task_user"),
            models.UniqueConstraint(fields=["user", "idempotency_key"], name="check_idempotency"),
        ]
        indexes = [
            models.Index(fields=["project", "user", "created_at"], name="check_project_user"),
        ]

    def __str__(self) -> str:
        return f"check {self.pk}: {self.matched}/{self.compared}"
