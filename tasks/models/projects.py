"""Projects (transcription campaigns) and their field templates."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from worker.exports.records import LICENCES
from worker.template import (
    FieldSpec,
    MetadataSpec,
    TemplateError,
    metadata_parse,
    metadata_read,
    template_parse,
)
from worker.training import levels_parse

LICENCE_CHOICES = [(code, licence.name) for code, licence in LICENCES.items()]


class ProjectStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    FINISHED = "finished", _("Finished")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    MEMBERS = "members", _("Members only")


class ReviewState(models.TextChoices):
    NONE = "none", _("Not reviewed")
    REQUESTED = "requested", _("Review requested")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class AssignmentOrder(models.TextChoices):
    DEPTH = "depth", _("Depth first: finish started tasks first")
    BREADTH = "breadth", _("Breadth first: fewest transcriptions first")
    RANDOM = "random", _("Random")


# Settings of the training page (levels and feedback), not of the settings page.
TRAINING_FIELDS = ("known_answer_feedback", "levels", "min_level")
# Machine reading (OCR): whether images are read, in which languages, and whether the reading
# votes in the consensus.
MACHINE_FIELDS = ("machine_reading", "machine_languages", "machine_vote")

# Tesseract's model names joined by "+": "fra+eng+lat".
machine_languages_validator = RegexValidator(
    r"^[a-z]{3}(_[a-z]+)?(\+[a-z]{3}(_[a-z]+)?){0,9}$",
    _('Language codes as the OCR engine names its models, joined by "+": fra+eng+lat.'),
)


class Project(models.Model):
    # What a lead may change (project_update, the settings page, PATCH in the API).
    EDITABLE_FIELDS = (
        "title_fr",
        "title_en",
        "description_fr",
        "description_en",
        "status",
        "visibility",
        "redundancy_min",
        "redundancy_max",
        "agreement_threshold",
        "lease_minutes",
        "assignment_order",
        "licence",
        "data_open",
        "transcriptions_open",
        *MACHINE_FIELDS,
        *TRAINING_FIELDS,
    )

    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    title_fr = models.CharField(_("title (French)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    description_fr = models.TextField(_("description (French)"), blank=True, max_length=10_000)
    description_en = models.TextField(_("description (English)"), blank=True, max_length=10_000)
    status = models.CharField(
        _("status"), max_length=16, choices=ProjectStatus.choices, default=ProjectStatus.DRAFT
    )
    visibility = models.CharField(
        _("visibility"), max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    redundancy_min = models.PositiveSmallIntegerField(
        _("minimum transcriptions per image"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
    )
    redundancy_max = models.PositiveSmallIntegerField(
        _("maximum transcriptions per image"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
    )
    agreement_threshold = models.FloatField(
        _("agreement threshold"),
        default=0.6,
        validators=[MinValueValidator(0.5), MaxValueValidator(1.0)],
        help_text=_("Weighted share of answers the winning value needs to be accepted (0.5 to 1)."),
    )
    lease_minutes = models.PositiveSmallIntegerField(
        _("lease duration (minutes)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
        help_text=_("How long a contributor holds an image before it goes back to the queue."),
    )
    date_day_first = models.BooleanField(
        _("dates are written day first"),
        default=True,
        help_text=_("Read 12/06/1898 as 12 June (day first) rather than 6 December."),
    )
    geopoint_tolerance_m = models.PositiveIntegerField(
        _("coordinate tolerance (metres)"),
        default=1000,
        validators=[MinValueValidator(1), MaxValueValidator(100_000)],
        help_text=_("Coordinates closer than this agree."),
    )
    licence = models.CharField(
        _("licence of the data"),
        max_length=20,
        choices=LICENCE_CHOICES,
        default="CC-BY-4.0",
        help_text=_("Every export carries it. GBIF publishes CC0, CC BY and CC BY-NC data only."),
    )
    # A persistent identifier for the project's records in exports (Darwin Core occurrenceID),
    # independent of the address the platform answers at.
    export_uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    data_open = models.BooleanField(
        _("open data"),
        default=False,
        help_text=_(
            "Anyone who may see the project may download its exports; otherwise only its leads."
        ),
    )
    transcriptions_open = models.BooleanField(
        _("open raw transcriptions"),
        default=False,
        help_text=_(
            "Once the project is finished and its data open, exports for everyone carry every "
            "transcription as typed (under pseudonyms), not only the settled values."
        ),
    )
    machine_reading = models.BooleanField(
        _("machine reading"),
        default=False,
        help_text=_(
            "Each new image is read by OCR: volunteers may show the words it read over the "
            "image and pick them, and the results search finds them. Never a pre-filled form."
        ),
    )
    machine_languages = models.CharField(
        _("languages of the machine reading"),
        max_length=100,
        default="fra+eng+lat",
        validators=[machine_languages_validator],
        help_text=_("OCR language models, joined by +: fra (French), eng (English), lat (Latin)."),
    )
    machine_vote = models.BooleanField(
        _("the machine reading votes"),
        default=True,
        help_text=_(
            "Where the machine read one of the volunteers' answers to a field on the image, it "
            "counts as one more vote, weighted by how often it was right in this project. "
            "Answers built from the machine's words do not count it twice."
        ),
    )
    known_answer_feedback = models.BooleanField(
        _("feedback on known-answer images"),
        default=True,
        help_text=_(
            "After answering a known-answer image, the contributor sees what matched and what "
            "an expert read. Turn it off if you fear that accounts share the answers."
        ),
    )
    # Levels 2, 3…: [{"answers": 5, "accuracy": 80}], parsed by worker.training.levels_parse.
    levels = models.JSONField(_("levels"), default=list, blank=True)
    min_level = models.PositiveSmallIntegerField(
        _("level needed to transcribe"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_("Below it, a contributor may only practise."),
    )
    # Staff approval needed before a project opens to the public (PROJECT_REVIEW); the decisions
    # themselves are kept in ProjectReviewEntry.
    review_state = models.CharField(
        _("review"), max_length=16, choices=ReviewState.choices, default=ReviewState.NONE
    )
    review_reason = models.TextField(_("reason of the last review decision"), blank=True)
    assignment_order = models.CharField(
        _("assignment order"),
        max_length=16,
        choices=AssignmentOrder.choices,
        default=AssignmentOrder.DEPTH,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Counts written by the progress job (one GROUP BY over the task index), read by every page:
    # pages never count a million tasks themselves.
    progress = models.JSONField(_("progress"), default=dict, blank=True, editable=False)
    progress_updated_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Deleting a project archives it: hidden from everyone but staff, takes no work, keeps every
    # row. Only `manage.py project_purge` removes data, after writing an export.
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True, editable=False)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(redundancy_min__lte=models.F("redundancy_max")),
                name="project_redundancy_min_lte_max",
            ),
        ]
        indexes = [models.Index(fields=["status", "visibility"], name="project_status_visibility")]

    def __str__(self) -> str:
        return self.title

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    @property
    def title(self) -> str:
        return self.title_en if (get_language() or "fr").startswith("en") else self.title_fr

    @property
    def description(self) -> str:
        if (get_language() or "fr").startswith("en"):
            return self.description_en or self.description_fr
        return self.description_fr or self.description_en

    def clean(self) -> None:
        try:
            levels = levels_parse(self.levels)
        except ValueError as error:
            raise ValidationError({"levels": str(error)}) from error
        if levels and self.min_level > len(levels) + 1:
            raise ValidationError(
                {
                    "min_level": _("There is no level %(level)s: the highest is %(top)s.")
                    % {"level": self.min_level, "top": len(levels) + 1}
                }
            )
        template = Template.objects.filter(project_id=self.pk).first() if self.pk else None
        asked = max((spec.level for spec in template.specs), default=1) if template else 1
        if levels and asked > len(levels) + 1:
            raise ValidationError(
                {
                    "levels": _(
                        "A field of the template asks level %(level)s: keep at least that many "
                        "levels."
                    )
                    % {"level": asked}
                }
            )
        if (
            self.redundancy_min
            and self.redundancy_max
            and self.redundancy_min > self.redundancy_max
        ):
            raise ValidationError(
                {
                    "redundancy_max": _("The maximum must be at least the minimum (%(min)s).")
                    % {"min": self.redundancy_min}
                }
            )


class ProjectReviewEntry(models.Model):
    """One step of a project's review, kept for the audit: who asked, approved or refused, why."""

    class Action(models.TextChoices):
        REQUESTED = "requested", _("Review requested")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="review_entries")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    reason = models.TextField(_("reason"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("project review step")
        verbose_name_plural = _("project review steps")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.project_id} {self.action}"


# (template id, version, updated_at) -> parsed specs; any save changes updated_at.
_PARSED_SPECS: dict[tuple[int, int, str], tuple[FieldSpec, ...]] = {}


class Template(models.Model):
    """The ordered fields of a project, stored as JSON and validated by `template_parse`.

    `version` goes up at each change, so results can say which template they were made with.
    """

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="template")
    fields = models.JSONField(_("fields"), default=list)
    metadata_shown = models.JSONField(
        _("metadata shown to contributors"),
        default=list,
        blank=True,
        help_text=_(
            "Per-image metadata (catalogue number, barcode…) shown read-only beside the form, in "
            "order: a key, or a key with its label in French and English."
        ),
    )
    preset = models.CharField(_("preset"), max_length=40, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("template")
        verbose_name_plural = _("templates")

    def __str__(self) -> str:
        return f"{self.project.slug} v{self.version}"

    def clean(self) -> None:
        try:
            template_parse(self.fields)
        except TemplateError as error:
            raise ValidationError({"fields": list(error.errors)}) from error
        try:
            metadata_parse(self.metadata_shown)
        except TemplateError as error:
            raise ValidationError({"metadata_shown": list(error.errors)}) from error

    @property
    def specs(self) -> tuple[FieldSpec, ...]:
        # Parsed once per process and template state: a template with a long vocabulary takes
        # milliseconds to parse, and every submission needs it.
        if self.pk is None or self.updated_at is None:
            return template_parse(self.fields)
        key = (self.pk, self.version, self.updated_at.isoformat())
        specs = _PARSED_SPECS.get(key)
        if specs is None:
            if len(_PARSED_SPECS) > 256:
                _PARSED_SPECS.clear()
            specs = _PARSED_SPECS[key] = template_parse(self.fields)
        return specs

    @property
    def metadata_specs(self) -> tuple[MetadataSpec, ...]:
        """The metadata contributors see, in order, with its labels. Read leniently: a key
        stored before keys needed a label, and without a default one, is left out."""
        return metadata_read(self.metadata_shown)

    def field_keys(self) -> list[str]:
        return [field["key"] for field in self.fields]

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "fields": self.fields,
            "metadata_shown": self.metadata_shown,
        }
