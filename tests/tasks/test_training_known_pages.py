"""The leads' known-answer pages: the CSV of expert values and its template, the list (notes,
use, in use), the promotion of settled images; and training batches from the upload page."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tasks.models import Batch, KnownAnswer, KnownAnswerSource, Task, TaskState
from tests.factories import ProjectFactory, TaskFactory
from tests.images import jpeg
from tests.tasks.uploads import batch_status, post_batch, upload


def url(name, project, *args):
    return reverse(name, args=[project.slug, *args])


def text(response):
    return response.content.decode()


def found(pattern, page):
    match = re.search(pattern, page, re.S)
    assert match is not None, pattern
    return match[1]


def csv_file(content, name="known.csv"):
    return SimpleUploadedFile(name, content.encode() if isinstance(content, str) else content)


@pytest.fixture
def references(project):
    return [
        TaskFactory(project=project, state=TaskState.REFERENCE, original_name=f"ref-{n}.jpg")
        for n in (1, 2)
    ]


def send(client, project, content, use="known"):
    return client.post(
        url("project-training-known", project),
        {"upload-file": csv_file(content), "upload-use": use},
    )


def test_the_csv_template_names_file_the_keys_and_their_notes(lead_page, project):
    response = lead_page.get(url("project-training-known-template", project))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    header = next(csv.reader(io.StringIO(response.content.decode())))
    keys = project.template.field_keys()
    assert header[: len(keys) + 1] == ["file", *keys]
    assert header[len(keys) + 1 :] == [f"{k}.note_{lang}" for k in keys for lang in ("fr", "en")]


def test_a_lead_sends_expert_values_and_sees_them_listed(lead_page, project, references):
    content = (
        "file;scientificName;eventDate;habitat;eventDate.note_fr;eventDate.note_en\n"
        "ref-1.jpg;Quercus ilex L.;12/06/1898;[illegible];Écrite au crayon;In pencil\n"
        "ref-2.jpg;Pinus pinea L.;1902;;;\n"
    )
    response = send(lead_page, project, content, use="practice")
    assert response.status_code == 302
    known = KnownAnswer.objects.get(task=references[0])
    assert (known.use, known.source) == ("practice", KnownAnswerSource.EXPERT)
    assert known.values["scientificName"] == "Quercus ilex L."
    assert known.markers == {"habitat": "illegible"}
    assert known.notes["eventDate"] == {"fr": "Écrite au crayon", "en": "In pencil"}
    page = text(lead_page.get(url("project-training-known", project)))
    assert "Known answers saved: 2 new, 0 updated." in page
    assert f'data-known="{known.pk}"' in page
    assert "ref-1.jpg" in page
    assert "Practice" in page


def test_a_csv_with_bad_lines_is_refused_line_by_line_and_nothing_is_saved(
    lead_page, project, references
):
    content = (
        "file,scientificName,eventDate\n"
        "ref-1.jpg,Quercus ilex L.,1898\n"
        "nowhere.jpg,Pinus,1902\n"
        "ref-2.jpg,Pinus,not a date at all\n"
        "ref-1.jpg,Again,1900\n"
    )
    response = send(lead_page, project, content)
    assert response.status_code == 400
    page = text(response)
    refusal = found(r"<div [^>]*data-refusal>(.*?)</div>", page)
    assert "Nothing was saved: correct these lines and send the file again." in refusal
    assert "Line 3: no image nowhere.jpg in this project." in refusal
    assert "Line 4: eventDate:" in refusal
    assert "Line 5: this image is already on an earlier line." in refusal
    assert not KnownAnswer.objects.exists()
    assert set(Task.objects.values_list("state", flat=True)) == {TaskState.REFERENCE}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"file,scientificName\nref-1.jpg,\x00\x01\n", "The file is not a CSV file"),
        (b"file,colour\nref-1.jpg,red\n", "Unknown columns: colour."),
        (b"\xff\xfe\x00bad", "not UTF-8"),
        (b"scientificName\nQuercus\n", "The first line must name a column file"),
    ],
)
def test_files_that_are_no_known_answer_csv_are_refused_with_the_reason(
    lead_page, project, references, content, message
):
    response = send(lead_page, project, content)
    assert response.status_code == 400
    assert message in text(response)
    assert not KnownAnswer.objects.exists()


def test_an_upload_without_a_file_asks_for_one(lead_page, project):
    response = lead_page.post(url("project-training-known", project), {"upload-use": "known"})
    assert response.status_code == 400
    assert "This field is required." in text(response)


@pytest.fixture
def known(project, references):
    return KnownAnswer.objects.create(
        task=references[0], project=project, values={"scientificName": "Quercus ilex L."}
    )


def test_a_lead_writes_the_notes_of_a_known_answer_in_both_languages(lead_page, project, known):
    address = url("project-training-known-edit", project, known.pk)
    page = text(lead_page.get(address))
    assert "Quercus ilex L." in page
    assert 'name="note_fr_scientificName"' in page
    response = lead_page.post(
        address,
        {
            "use": "practice",
            "active": "on",
            "note_fr_scientificName": "L’auteur est abrégé",
            "note_en_scientificName": "The author is abbreviated",
        },
    )
    assert response.status_code == 302
    known.refresh_from_db()
    assert known.notes == {
        "scientificName": {"fr": "L’auteur est abrégé", "en": "The author is abbreviated"}
    }
    assert (known.use, known.active) == ("practice", True)
    assert 'value="The author is abbreviated"' in text(lead_page.get(address))


def test_hostile_notes_are_refused_on_their_field(lead_page, project, known):
    response = lead_page.post(
        url("project-training-known-edit", project, known.pk),
        {"use": "known", "note_en_scientificName": "a\u202eb"},
    )
    assert response.status_code == 400
    assert "no control characters" in text(response)
    known.refresh_from_db()
    assert known.notes == {}


def test_a_lead_switches_the_use_and_stops_and_restarts_serving_from_the_list(
    lead_page, project, known
):
    address = url("project-training-known-set", project, known.pk)
    assert lead_page.post(address, {"use": "practice"}).status_code == 302
    known.refresh_from_db()
    assert (known.use, known.active) == ("practice", True)
    lead_page.post(address, {"active": "0"})
    known.refresh_from_db()
    assert (known.use, known.active) == ("practice", False)
    page = text(lead_page.get(url("project-training-known", project)))
    assert "Serve ref-1.jpg again" in page
    lead_page.post(address, {"active": "1"})
    known.refresh_from_db()
    assert known.active
    assert lead_page.post(address, {"use": "nonsense"}).status_code == 400


def test_a_known_answer_of_another_project_is_not_found(lead_page, project):
    other = ProjectFactory()
    task = TaskFactory(project=other, state=TaskState.REFERENCE)
    foreign = KnownAnswer.objects.create(task=task, project=other, values={})
    assert lead_page.get(url("project-training-known-edit", project, foreign.pk)).status_code == 404
    response = lead_page.post(
        url("project-training-known-set", project, foreign.pk), {"active": "0"}
    )
    assert response.status_code == 404
    assert KnownAnswer.objects.get(pk=foreign.pk).active


def test_a_lead_promotes_a_settled_image_from_the_list(lead_page, project, lead, complete_tasks):
    tasks, _people = complete_tasks
    page = text(lead_page.get(url("project-training-known", project)))
    for task in tasks:
        assert f'data-settled="{task.pk}"' in page
    response = lead_page.post(
        url("project-training-promote", project, tasks[0].pk), {"use": "known"}
    )
    assert response.status_code == 302
    known = KnownAnswer.objects.get(task=tasks[0])
    assert (known.source, known.use) == (KnownAnswerSource.SETTLED, "known")
    assert known.values["scientificName"] == "Quercus ilex L."
    assert Task.objects.get(pk=tasks[0].pk).state == TaskState.REFERENCE
    page = text(lead_page.get(url("project-training-known", project)))
    assert f'data-settled="{tasks[0].pk}"' not in page
    assert f'data-known="{known.pk}"' in page


def test_promoting_an_image_that_is_not_settled_says_why(lead_page, project):
    task = TaskFactory(project=project, state=TaskState.OPEN)
    response = lead_page.post(
        url("project-training-promote", project, task.pk), {"use": "practice"}, follow=True
    )
    assert "Only a settled image (complete or resolved) can become a known answer." in text(
        response
    )
    assert not KnownAnswer.objects.exists()
    foreign = TaskFactory(project=ProjectFactory(), state=TaskState.COMPLETE)
    response = lead_page.post(
        url("project-training-promote", project, foreign.pk), {"use": "known"}
    )
    assert response.status_code == 404


def test_the_known_answer_lists_are_paginated(lead_page, project):
    for n in range(55):
        task = TaskFactory(project=project, state=TaskState.REFERENCE, original_name=f"r{n}.jpg")
        KnownAnswer.objects.create(task=task, project=project, values={})
    first = text(lead_page.get(url("project-training-known", project)))
    second = text(lead_page.get(url("project-training-known", project) + "?page=2"))
    assert first.count("data-known=") == 50
    assert second.count("data-known=") == 5
    assert "Page 1 of 2" in first


# --- Training batches ------------------------------------------------------------------------


def test_the_upload_page_offers_training_batches(lead_page, project):
    page = text(lead_page.get(url("project-batches", project)))
    assert 'name="purpose" id="purpose-data" value="data" checked' in page
    assert 'value="training"' in page
    assert "Training images (known answers, kept out of the real stream)" in page


def test_a_training_batch_becomes_reference_images_out_of_the_real_stream(
    api, lead, project, committed
):
    response = post_batch(
        api,
        lead,
        project,
        committed,
        files=[upload("ref-a.jpg", jpeg(seed=1)), upload("ref-b.jpg", jpeg(seed=2))],
        purpose="training",
    )
    assert response.status_code == 201, response.content
    assert response.json()["purpose"] == "training"
    batch = Batch.objects.get(pk=response.json()["id"])
    assert batch.purpose == "training"
    assert batch_status(api, batch.pk)["counts"]["ok"] == 2
    states = set(Task.objects.filter(batch=batch).values_list("state", flat=True))
    assert states == {TaskState.REFERENCE}


def test_an_ordinary_batch_stays_data_and_an_unknown_purpose_is_refused(
    api, lead, project, committed
):
    response = post_batch(
        api, lead, project, committed, files=[upload("a.jpg", jpeg(seed=3))], purpose="bogus"
    )
    assert response.status_code == 400
    assert "purpose" in response.json()["error"]["fields"]
    response = post_batch(api, lead, project, committed, files=[upload("a.jpg", jpeg(seed=3))])
    assert response.status_code == 201
    assert Batch.objects.get(pk=response.json()["id"]).purpose == "data"


def test_import_batch_brings_training_images_in_with_its_training_option(project, tmp_path):
    image = tmp_path / "ref.jpg"
    image.write_bytes(jpeg(seed=9))
    call_command("import_batch", project.slug, str(image), "--training", stdout=io.StringIO())
    call_command("import_batch", project.slug, str(image), stdout=io.StringIO())
    purposes = list(Batch.objects.order_by("pk").values_list("purpose", flat=True))
    assert purposes == ["training", "data"]


def test_the_known_answers_api_answers_a_page_at_a_time(api, lead, project):
    for n in range(3):
        task = TaskFactory(project=project, state=TaskState.REFERENCE, original_name=f"r{n}.jpg")
        KnownAnswer.objects.create(task=task, project=project, values={})
    api.force_authenticate(lead)
    body = api.get(f"/api/projects/{project.slug}/known-answers/?limit=2").json()
    assert body["count"] == 3
    assert [known["image"] for known in body["results"]] == ["r0.jpg", "r1.jpg"]
    body = api.get(body["next"]).json()
    assert [known["image"] for known in body["results"]] == ["r2.jpg"]


def test_the_page_says_which_expected_values_are_not_checked(lead_page, lead, project, references):
    known = KnownAnswer.objects.create(
        task=references[0],
        project=project,
        values={"scientificName": "non lisible", "eventDate": "1898", "habitat": ""},
        markers={"habitat": "illegible"},
    )
    page = text(lead_page.get(url("project-training-known-edit", project, known.pk)))
    unchecked = re.findall(r"<tr>.*?</tr>", page, re.S)
    said = {
        key: "data-unchecked" in row
        for row in unchecked
        for key in ("scientificName", "eventDate", "habitat")
        if f"<code>{key}</code>" in row
    }
    assert said == {"scientificName": True, "eventDate": False, "habitat": True}
    assert "a placeholder, read as illegible" in page
    french = Client(HTTP_ACCEPT_LANGUAGE="fr")
    french.force_login(lead)
    page = text(french.get(url("project-training-known-edit", project, known.pk)))
    assert "une mention tenant lieu de valeur, lue comme illisible" in page
