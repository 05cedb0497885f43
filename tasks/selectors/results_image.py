"""Reads of one image in the results browser: its fields with their values, explanations and
history, and every answer it was given. For curators and leads (see results_browser)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.http import Http404
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from tasks.explanations import explanation_text
from tasks.models import (
    FieldResult,
    FieldResultVersion,
    FieldStatus,
    KnownAnswer,
    Project,
    Resolution,
    Task,
    TaskState,
    Transcription,
)
from tasks.models.results import ChangeCause
from tasks.shown import value_shown
from worker.template import FieldSpec


@dataclass(frozen=True)
class ValueVersion:
    """One state a field's value went through: who or what made it, and why."""

    version: int
    shown: str
    status: str
    status_label: str
    agreement: float
    cause: str
    cause_label: str
    actor: str  # the curator's public name; "" for a reconciliation
    at: datetime
    explanation: str
    reason: str = ""  # a curator's reason and note, for their decisions
    note: str = ""


@dataclass(frozen=True)
class FieldView:
    key: str
    label: str
    type: str
    result: FieldResult | None
    shown: str = ""
    status_label: str = ""
    explanation: str = ""
    history: list[ValueVersion] = field(default_factory=list)


@dataclass(frozen=True)
class Answer:
    """One transcription: who gave it, when, and what they typed per field."""

    contributor: str
    at: datetime
    void: bool
    typed: dict[str, str]
    markers: dict[str, str]


@dataclass(frozen=True)
class ImageView:
    task: Task
    fields: list[FieldView]
    answers: list[Answer]
    known_answer: KnownAnswer | None
    training: bool  # a training image, or a real one holding a known answer


def task_of_project(*, project: Project, task_id: int, with_training: bool) -> Task:
    """The project's image `task_id`; 404 when there is none, or when it is a training image
    and the reader may not see those."""
    task = Task.objects.select_related("batch").filter(project=project, pk=task_id).first()
    if task is None or (task.state == TaskState.REFERENCE and not with_training):
        raise Http404(_("No such image."))
    return task


def image_view(*, project: Project, task: Task, with_training: bool) -> ImageView:
    """Everything the image page shows of `task`, in the reader's language."""
    language = (get_language() or "fr")[:2]
    specs = {spec.key: spec for spec in project.template.specs}
    results = {result.key: result for result in FieldResult.objects.filter(task=task)}
    histories = _histories(list(results.values()), specs)
    keys = list(specs) + sorted(key for key in results if key not in specs)
    fields = []
    for key in keys:
        spec = specs.get(key)
        result = results.get(key)
        field_type = spec.type if spec else "text"
        fields.append(
            FieldView(
                key=key,
                label=_label(spec, key, language),
                type=field_type,
                result=result,
                shown=value_shown(result.value, field_type) if result else "",
                status_label=str(FieldStatus(result.status).label) if result else "",
                explanation=result.explanation_text if result else "",
                history=histories.get(result.pk, []) if result else [],
            )
        )
    known = KnownAnswer.objects.filter(task=task).first() if with_training else None
    return ImageView(
        task=task,
        fields=fields,
        answers=_answers(task),
        known_answer=known,
        training=with_training and (task.state == TaskState.REFERENCE or known is not None),
    )


def _label(spec: FieldSpec | None, key: str, language: str) -> str:
    return spec.label_in(language) if spec else key


def _answers(task: Task) -> list[Answer]:
    rows = Transcription.objects.filter(task=task).select_related("user").order_by("created_at")
    answers = []
    for row in rows:
        values = row.values if isinstance(row.values, dict) else {}
        markers = row.markers if isinstance(row.markers, dict) else {}
        answers.append(
            Answer(
                # As the review page names contributors: by their user name.
                contributor=row.user.username,
                at=row.created_at,
                void=row.void_id is not None,
                typed={str(key): str(value) for key, value in values.items()},
                markers={str(key): str(value) for key, value in markers.items()},
            )
        )
    return answers


def _histories(
    results: list[FieldResult], specs: dict[str, FieldSpec]
) -> dict[int, list[ValueVersion]]:
    """Each field result's versions, oldest first; a curator's decision with its reason and
    note (each decision wrote one version and one resolution, in the same order)."""
    types = {
        result.pk: specs[result.key].type if result.key in specs else "text" for result in results
    }
    decisions: dict[int, list[Resolution]] = {}
    for decision in Resolution.objects.filter(field_result__in=results).order_by(
        "created_at", "pk"
    ):
        decisions.setdefault(decision.field_result_id, []).append(decision)
    histories: dict[int, list[ValueVersion]] = {}
    versions = (
        FieldResultVersion.objects.filter(field_result__in=results)
        .select_related("actor")
        .order_by("field_result_id", "version", "pk")
    )
    for version in versions:
        decided = version.cause in (ChangeCause.RESOLUTION, ChangeCause.REOPEN)
        queue = decisions.get(version.field_result_id, [])
        resolution = queue.pop(0) if decided and queue else None
        histories.setdefault(version.field_result_id, []).append(
            ValueVersion(
                version=version.version,
                shown=value_shown(version.value, types[version.field_result_id]),
                status=version.status,
                status_label=str(FieldStatus(version.status).label),
                agreement=version.agreement,
                cause=version.cause,
                cause_label=str(ChangeCause(version.cause).label),
                actor=version.actor.public_name if version.actor else "",
                at=version.created_at,
                explanation=explanation_text(
                    parts=version.explanation_parts, stored=version.explanation
                ),
                reason=resolution.get_reason_display() if resolution else "",
                note=resolution.note if resolution else "",
            )
        )
    return histories
