"""Reads for the leads' Training pages: the known answers and what they received, the images a
lead may promote or crop, and the columns of the known-answer CSV."""

from __future__ import annotations

from django.db.models import Count, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from tasks.models import GuideEntry, KnownAnswer, Project, Task, TaskState
from tasks.models.training import Highlight
from worker.template import FieldSpec

# States whose image is shown: a pending one has no picture yet, a withdrawn one left.
PICTURED_STATES = (
    TaskState.OPEN,
    TaskState.NEEDS_MORE,
    TaskState.COMPLETE,
    TaskState.DISPUTED,
    TaskState.RESOLVED,
    TaskState.REFERENCE,
)


def known_answers_listed(*, project: Project) -> QuerySet[KnownAnswer]:
    """The project's known answers with the number of answers each received, by image."""
    return (
        KnownAnswer.objects.filter(project=project)
        .select_related("task")
        .annotate(answers=Count("checks"))
        .order_by("task_id")
    )


def known_answer_of(*, project: Project, known_id: int) -> KnownAnswer | None:
    return KnownAnswer.objects.select_related("task").filter(project=project, pk=known_id).first()


def settled_tasks(*, project: Project) -> QuerySet[Task]:
    """Images a curator or the crowd settled (complete or resolved), newest first: the ones a
    lead may promote to known answers."""
    return Task.objects.filter(
        project=project, state__in=(TaskState.COMPLETE, TaskState.RESOLVED)
    ).order_by("-pk")


def pictured_tasks(*, project: Project, limit: int = 12) -> list[Task]:
    """A few of the project's images with a thumbnail, to crop a picture from (training images
    first: they are the ones a lead chose to teach with)."""
    tasks = Task.objects.filter(project=project, state__in=PICTURED_STATES).exclude(thumbnail="")
    reference = list(tasks.filter(state=TaskState.REFERENCE).order_by("pk")[:limit])
    others = tasks.exclude(state=TaskState.REFERENCE).order_by("pk")[: limit - len(reference)]
    return [*reference, *others]


def project_task(*, project: Project, task_id: int | None) -> Task | None:
    if task_id is None:
        return None
    return Task.objects.filter(project=project, pk=task_id).first()


def known_answers_csv_header(*, specs: tuple[FieldSpec, ...]) -> list[str]:
    """The columns of a known-answer CSV: `file`, the template's keys, then each key's notes."""
    keys = [spec.key for spec in specs]
    notes = [f"{key}.note_{language}" for key in keys for language in ("fr", "en")]
    return ["file", *keys, *notes]


def highlight_choices(*, specs: tuple[FieldSpec, ...]) -> list[tuple[str, object]]:
    """What a tutorial step may point at, grouped as a select shows them: nothing, a field of
    the template, or a tool of the transcription page."""
    language = (get_language() or "fr")[:2]
    tools = [(value, label) for value, label in Highlight.choices if value]
    fields = [(f"field:{spec.key}", spec.label_in(language)) for spec in specs]
    return [
        ("", Highlight.NONE.label),
        (_("Fields of the template"), fields),
        (_("Tools of the transcription page"), tools),
    ]


def guide_entries_by_key(*, project: Project) -> dict[str, GuideEntry]:
    entries = GuideEntry.objects.filter(project=project).annotate(example_count=Count("examples"))
    return {entry.field_key: entry for entry in entries}


def guide_entry_of(*, project: Project, field_key: str) -> GuideEntry | None:
    return (
        GuideEntry.objects.filter(project=project, field_key=field_key)
        .prefetch_related("examples")
        .first()
    )
