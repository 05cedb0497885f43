"""The machine reading as volunteers and leads meet it: the words of an image through the API
(to the people given the image only), the provenance of answers built from them (checked,
stored, exported), and the results search finding images by the words the machine read."""

from __future__ import annotations

import pytest

from crowd.storage import media_files
from tasks.models import ImageReading, ReadingStatus, Transcription, Visibility
from tasks.selectors.exports import export_records
from tasks.selectors.results_browser import ResultFilters, results_browse
from tasks.services.leases import lease_grant
from tasks.services.search import documents_rebuild
from tests.factories import ProjectFactory, TaskFactory, UserFactory
from tests.helpers import api_client, prove

WORDS = [
    {"t": "Montpellier", "b": [40, 30, 200, 40], "c": 93.0, "l": 1, "k": 1},
    {"t": "Quercus", "b": [40, 90, 150, 40], "c": 91.5, "l": 2, "k": 1},
    {"t": "Xylophage", "b": [500, 500, 10, 10], "c": 12.0, "l": 3, "k": 2},
]


def read(task, words=WORDS, **fields):
    """Store a finished reading as the job would."""
    from tasks.services.readings import reading_text

    return ImageReading.objects.create(
        task=task,
        project=task.project,
        status=fields.pop("status", ReadingStatus.DONE),
        engine="tesseract",
        words=words,
        text=reading_text(words),
        **fields,
    )


@pytest.fixture
def task(project):
    project.machine_reading = True
    project.save()
    return TaskFactory(project=project, image_width=900, image_height=600)


def test_a_volunteer_given_the_image_reads_its_words_with_their_boxes(project, task):
    read(task)
    volunteer = UserFactory()
    lease = lease_grant(project=project, user=volunteer)
    assert lease is not None
    assert lease.task_id == task.pk
    response = api_client(volunteer).get(f"/api/tasks/{task.pk}/reading/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["width"], body["height"]) == ("done", 900, 600)
    assert body["words"][0] == {
        "text": "Montpellier",
        "box": [40, 30, 200, 40],
        "confidence": 93.0,
        "line": 1,
    }
    assert len(body["words"]) == 3


def test_a_volunteer_never_given_the_image_may_not_read_it(project, task):
    read(task)
    response = api_client(UserFactory()).get(f"/api/tasks/{task.pk}/reading/")
    assert response.status_code == 403


def test_an_outsider_of_a_private_project_does_not_learn_the_image_exists(db):
    private = ProjectFactory(visibility=Visibility.MEMBERS, machine_reading=True)
    task = TaskFactory(project=private)
    read(task)
    response = api_client(UserFactory()).get(f"/api/tasks/{task.pk}/reading/")
    assert response.status_code == 404


def test_a_curator_reads_why_a_reading_failed_in_their_language(project, task, curator):
    read(task, words=[], status=ReadingStatus.FAILED, error_code="timeout", error_detail="120 s")
    client = api_client(curator)
    body = client.get(f"/api/tasks/{task.pk}/reading/").json()
    assert body["status"] == "failed"
    assert body["reason"] == "The OCR engine took too long (over 120 s)."
    assert body["words"] == []
    french = client.get(f"/api/tasks/{task.pk}/reading/", HTTP_ACCEPT_LANGUAGE="fr").json()
    assert french["reason"] != body["reason"]


def test_an_image_without_a_reading_says_so(project, task, curator):
    body = api_client(curator).get(f"/api/tasks/{task.pk}/reading/").json()
    assert (body["status"], body["words"]) == ("none", [])


def submit(project, user, values, machine_fields):
    lease = lease_grant(project=project, user=user)
    return api_client(user).post(
        f"/api/tasks/{lease.task_id}/transcriptions/",
        {
            "lease": lease.pk,
            "values": values,
            "idempotency_key": f"k-{user.pk}",
            "machine_fields": machine_fields,
        },
        format="json",
    )


def test_the_fields_that_took_machine_words_are_recorded_with_the_transcription(project, task):
    volunteer = prove(project, UserFactory())
    response = submit(
        project,
        volunteer,
        {"scientificName": "Quercus ilex", "locality": "Montpellier", "recordedBy": ""},
        ["locality", "scientificName", "locality", "recordedBy"],
    )
    assert response.status_code == 201, response.content
    # Sorted, once each; a field left empty took nothing.
    assert Transcription.objects.get().machine_fields == ["locality", "scientificName"]
    assert response.json()["machine_fields"] == ["locality", "scientificName"]


@pytest.mark.parametrize(
    ("machine_fields", "message"),
    [
        (["locality", "nowhere"], "Not fields of this project: nowhere."),
        ("locality", "A list of the template's field keys is expected."),
        (["x"] * 201, "A list of the template's field keys is expected."),
    ],
)
def test_a_provenance_naming_no_field_of_the_template_is_refused_and_nothing_recorded(
    project, task, machine_fields, message
):
    response = submit(project, UserFactory(), {"locality": "Montpellier"}, machine_fields)
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["machine_fields"] == [message]
    assert not Transcription.objects.exists()


def test_json_lines_exports_say_which_fields_took_machine_words(project, task):
    volunteer = prove(project, UserFactory())
    response = submit(
        project, volunteer, {"scientificName": "Quercus", "locality": "Montpellier"}, ["locality"]
    )
    assert response.status_code == 201, response.content
    (record,) = export_records(project, base_url="http://x", transcriptions=True)
    (entry,) = record.transcriptions
    assert entry.machine_fields == ("locality",)


def test_the_search_finds_an_image_nobody_transcribed_by_a_word_the_machine_read(project, task):
    other = TaskFactory(project=project)
    read(task)
    documents_rebuild(project_id=project.pk)
    found, _plan = results_browse(
        project=project, filters=ResultFilters(query="montpellier"), with_training=False
    )
    assert list(found.values_list("pk", flat=True)) == [task.pk]
    assert other.pk not in found.values_list("pk", flat=True)
    # A word read with little confidence is no word to search for.
    nothing, _plan = results_browse(
        project=project, filters=ResultFilters(query="xylophage"), with_training=False
    )
    assert not nothing.exists()


def test_a_reading_stored_by_the_job_is_searchable_at_once(project, task, tesseract_free_read):
    found, _plan = results_browse(
        project=project, filters=ResultFilters(query="Quercus"), with_training=False
    )
    assert list(found.values_list("pk", flat=True)) == [task.pk]


@pytest.fixture
def tesseract_free_read(task, monkeypatch):
    """The job's service with the engine's answer given: what it stores, not how it reads."""
    from tasks.services import readings
    from worker.ocr import Reading, Word

    def engine(path, **options):
        words = tuple(Word.from_data(word) for word in WORDS)
        return Reading(words, "5.3.0", ("fra",), (), 1.0, 0.5)

    monkeypatch.setattr(readings, "image_read", engine)
    task.image.name = f"projects/{task.project_id}/originals/a.jpg"
    task.save()
    path = media_files().path(task.image.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"image")
    ImageReading.objects.create(task=task, project=task.project)
    assert readings.task_image_read(task_id=task.pk) == ReadingStatus.DONE
