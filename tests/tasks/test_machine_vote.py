"""The machine reading's vote in the platform's reconciliation: it settles a tie on a printed
value without a third volunteer, is stored apart from the people's votes, learns its weight
from settled values, can be turned off per project, and reading an image after its answers
came reconciles it again."""

from __future__ import annotations

import pytest

from tasks.models import FieldResult, ImageReading, MachineReliability, ReadingStatus, Task
from tasks.services.reliability import project_reliability_refresh
from tests.factories import TaskFactory
from tests.tasks.exports import VALUES

PRINTED = "Environs de Saint-Guilhem-le-Désert"
SLIP = "Environs de Saint-Guilhem-le-Dessert"
TEXT = f"HERBIER DE MONTPELLIER\n{PRINTED}\nLeg. J. Dupont"


@pytest.fixture
def task(project):
    project.machine_reading = True
    project.redundancy_min, project.redundancy_max = 2, 3
    project.save()
    task = TaskFactory(project=project, target=2)
    ImageReading.objects.create(
        task=task, project=project, status=ReadingStatus.DONE, text=TEXT, words=[]
    )
    return task


def two_answers(project, transcribe, task):
    transcribe(project, {**VALUES, "locality": PRINTED}, task=task)
    transcribe(project, {**VALUES, "locality": SLIP}, task=task)
    return FieldResult.objects.get(task=task, key="locality")


def test_the_machine_settles_a_tie_on_a_printed_value_without_a_third_volunteer(
    project, transcribe, task
):
    locality = two_answers(project, transcribe, task)
    assert (locality.status, locality.value) == ("agreed", PRINTED)
    assert (locality.machine_value, locality.machine_agrees) == (PRINTED, True)
    assert locality.n == 2
    # People only among the stored backers and alternatives.
    assert all(isinstance(user, int) for user in locality.agreeing)
    assert all("machine" not in alt["users"] for alt in locality.alternatives)
    assert Task.objects.get(pk=task.pk).state == "complete"


def test_without_the_machine_vote_the_tie_asks_a_third_volunteer(project, transcribe, task):
    project.machine_vote = False
    project.save()
    locality = two_answers(project, transcribe, task)
    assert locality.status == "needs_more"
    assert locality.machine_value is None
    assert Task.objects.get(pk=task.pk).state == "needs_more"


def test_the_machine_learns_its_weight_per_field_type_from_settled_values(
    project, transcribe, task
):
    two_answers(project, transcribe, task)
    project_reliability_refresh(project_id=project.pk)
    learnt = MachineReliability.objects.get(project=project, field_type="text")
    assert learnt.total > 0
    assert learnt.correct == learnt.total


def test_reading_an_image_after_its_answers_came_reconciles_it_again(
    project, transcribe, task, monkeypatch, django_capture_on_commit_callbacks
):
    from crowd.storage import media_files
    from tasks.services import readings
    from worker.ocr import Reading, Word

    ImageReading.objects.filter(task=task).delete()
    locality = two_answers(project, transcribe, task)
    assert locality.status == "needs_more"
    words = [
        Word(text=word, box=(10 * n, 10, 8, 8), confidence=95.0, line=1, block=1)
        for n, word in enumerate(PRINTED.split())
    ]
    monkeypatch.setattr(
        readings,
        "image_read",
        lambda path, **options: Reading(tuple(words), "5", ("fra",), (), 1.0, 0.1),
    )
    name = f"projects/{project.pk}/originals/a.jpg"
    Task.objects.filter(pk=task.pk).update(image=name)
    path = media_files().path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"image")
    ImageReading.objects.create(task=task, project=project)
    with django_capture_on_commit_callbacks(execute=True):
        assert readings.task_image_read(task_id=task.pk) == "done"
    locality.refresh_from_db()
    assert (locality.status, locality.value) == ("agreed", PRINTED)
