"""Known answers and training images for the training tests."""

from __future__ import annotations

from tasks.models import KnownAnswer, KnownAnswerUse, TaskState
from tasks.services.known_answers import known_answer_save
from tests.factories import TaskFactory

EXPERT = {"scientificName": "Quercus ilex L.", "country": "France", "eventDate": "12/06/1898"}
NOTES = {"eventDate": {"fr": "Écrit 12 VI 1898 sur l'étiquette.", "en": "Written 12 VI 1898."}}


def known_image(project, *, use=KnownAnswerUse.KNOWN, values=None, lead=None) -> KnownAnswer:
    """A training image of `project` with a known answer (EXPERT unless `values`)."""
    task = TaskFactory(project=project, state=TaskState.REFERENCE)
    known_answer_save(
        project=project,
        task=task,
        use=use,
        source="expert",
        values=dict(values or EXPERT),
        markers={},
        notes=NOTES,
        actor=lead,
    )
    return KnownAnswer.objects.get(task=task)
