"""Known answers from an expert's CSV, and settled images promoted: every bad file refused
whole with a precise message, nothing saved."""

from __future__ import annotations

import pytest

from tasks.models import KnownAnswer, KnownAnswerSource, KnownAnswerUse, TaskState
from tasks.services.known_answer_import import (
    MAX_CSV_BYTES,
    KnownAnswersRefused,
    known_answers_import,
)
from tasks.services.known_answers import KnownAnswerConflict, known_answer_promote
from tests.factories import TaskFactory, UserFactory
from tests.helpers import api_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def images(project):
    return [
        TaskFactory(project=project, state=TaskState.REFERENCE, original_name="a.jpg"),
        TaskFactory(project=project, state=TaskState.REFERENCE, original_name="b.jpg"),
    ]


def load(project, text, use=KnownAnswerUse.KNOWN, lead=None):
    return known_answers_import(
        project=project, data=text.encode(), use=use, actor=lead or UserFactory()
    )


def refused(project, data):
    with pytest.raises(KnownAnswersRefused) as caught:
        known_answers_import(
            project=project,
            data=data if isinstance(data, bytes) else data.encode(),
            use="known",
            actor=UserFactory(),
        )
    assert not KnownAnswer.objects.exists()
    return caught.value


def test_a_csv_makes_known_answers_with_notes_and_markers(project, images):
    report = load(
        project,
        "file,scientificName,eventDate,eventDate.note_fr,eventDate.note_en,locality\n"
        "a.jpg,Quercus ilex L.,12 VI 1898,Chiffres romains,Roman numerals,[illegible]\n"
        "b.jpg,Rosa canina L.,1901,,,\n",
    )
    assert (report.created, report.updated) == (2, 0)
    first = KnownAnswer.objects.get(task=images[0])
    assert first.values["eventDate"] == "12 VI 1898"
    assert first.markers == {"locality": "illegible"}
    assert first.notes == {"eventDate": {"fr": "Chiffres romains", "en": "Roman numerals"}}
    assert first.source == KnownAnswerSource.EXPERT


def test_sending_the_file_again_updates_instead_of_duplicating(project, images):
    text = "file;scientificName\na.jpg;Quercus ilex L.\n"  # a French spreadsheet's semicolons
    load(project, text)
    report = load(project, text.replace("ilex", "robur"), use=KnownAnswerUse.PRACTICE)
    assert (report.created, report.updated) == (0, 1)
    known = KnownAnswer.objects.get()
    assert (known.values["scientificName"], known.use) == ("Quercus robur L.", "practice")


def test_an_untouched_real_image_leaves_the_real_stream(project):
    task = TaskFactory(project=project, original_name="c.jpg")
    load(project, f"task,scientificName\n{task.pk},Quercus ilex L.\n")
    task.refresh_from_db()
    assert task.state == TaskState.REFERENCE


def test_an_image_already_transcribed_is_refused_and_nothing_is_saved(project, images, transcribe):
    task = TaskFactory(project=project, original_name="c.jpg", target=2)
    transcribe(project, {"scientificName": "Quercus ilex L."}, task=task)
    error = refused(project, "file,scientificName\na.jpg,Quercus ilex L.\nc.jpg,Quercus\n")
    assert any("Line 3" in line and "promote it" in line for line in error.errors)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("", "The file is empty"),
        (b"\xff\xfe\x00f\x00i", "not UTF-8"),
        ("file,scientificName\x00\n", "binary data"),
        ("name,scientificName\na.jpg,x\n", "must name a column file"),
        ("file,scientificName,hack\na.jpg,x,y\n", "Unknown columns: hack"),
        ("file,file,scientificName\na.jpg,a.jpg,x\n", "named twice"),
        ("file\na.jpg\n", "No column is a key"),
        ('file,scientificName\na.jpg,"unclosed\n', "not valid CSV"),
        ("file,scientificName\n\n", "holds no known answer"),
    ],
)
def test_a_bad_file_is_refused_whole_with_a_precise_message(project, images, data, message):
    assert message in refused(project, data).message()


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("zzz.jpg,Quercus,12/06/1898", "no image zzz.jpg"),
        ("a.jpg,Quercus", "2 cells where the header has 3"),
        ("a.jpg,Quercus,the day after", "eventDate"),
        ("a.jpg,Quercus\u202e,1898", "scientificName: Control characters"),
        (",Quercus,1898", "give the image's file name or task number"),
    ],
)
def test_a_bad_line_is_named_and_nothing_is_saved(project, images, row, message):
    text = f"file,scientificName,eventDate\nb.jpg,Rosa,1901\n{row}\n"
    error = refused(project, text)
    assert any(line.startswith("Line 3:") and message in line for line in error.errors), (
        error.errors
    )


def test_a_line_naming_an_image_twice_is_refused(project, images):
    error = refused(project, "file,scientificName\na.jpg,x\na.jpg,y\n")
    assert any("already on an earlier line" in line for line in error.errors)


def test_a_hostile_note_is_refused(project, images):
    error = refused(project, f"file,scientificName,scientificName.note_en\na.jpg,x,{'n' * 1001}\n")
    assert any("at most 1000 characters" in line for line in error.errors)


def test_a_file_over_the_limit_is_refused_before_reading(project, images):
    assert "send it in parts" in refused(project, b"x" * (MAX_CSV_BYTES + 1)).message()


def test_only_leads_send_known_answers_and_a_refusal_lists_the_lines(project, images, lead):
    upload = {"use": "known"}
    from django.core.files.uploadedfile import SimpleUploadedFile

    def send(user, text):
        return api_client(user).post(
            f"/api/projects/{project.slug}/known-answers/",
            {**upload, "file": SimpleUploadedFile("k.csv", text.encode(), "text/csv")},
            format="multipart",
        )

    contributor = UserFactory()
    assert send(contributor, "file,scientificName\na.jpg,x\n").status_code in (403, 404)
    bad = send(lead, "file,scientificName\nzzz.jpg,x\n")
    assert bad.status_code == 400
    assert bad.json()["error"]["errors"] == ["Line 2: no image zzz.jpg in this project."]
    good = send(lead, "file,scientificName\na.jpg,x\n")
    assert good.status_code == 201
    assert good.json()["created"] == 1


def test_a_settled_image_is_promoted_from_its_settled_values(project, complete_tasks, lead):
    tasks, _people = complete_tasks
    known = known_answer_promote(task=tasks[0], use=KnownAnswerUse.KNOWN, actor=lead)
    assert known.source == KnownAnswerSource.SETTLED
    assert known.values["scientificName"] == "Quercus ilex L."
    tasks[0].refresh_from_db()
    assert tasks[0].state == TaskState.REFERENCE


def test_an_unsettled_image_is_not_promoted(project, lead):
    task = TaskFactory(project=project)
    with pytest.raises(KnownAnswerConflict):
        known_answer_promote(task=task, use=KnownAnswerUse.KNOWN, actor=lead)
    response = api_client(lead).post(f"/api/tasks/{task.pk}/known-answer/", {}, format="json")
    assert response.status_code == 409
    assert not KnownAnswer.objects.exists()


def test_a_contributor_may_not_promote_nor_edit_known_answers(project, complete_tasks, lead):
    tasks, people = complete_tasks
    response = api_client(people[0]).post(f"/api/tasks/{tasks[0].pk}/known-answer/", {})
    assert response.status_code == 403
    known = known_answer_promote(task=tasks[1], use=KnownAnswerUse.KNOWN, actor=lead)
    patch = api_client(people[0]).patch(
        f"/api/known-answers/{known.pk}/", {"active": False}, format="json"
    )
    assert patch.status_code == 403
    ok = api_client(lead).patch(
        f"/api/known-answers/{known.pk}/",
        {"active": False, "notes": {"scientificName": {"fr": "Auteur abrégé L."}}},
        format="json",
    )
    assert ok.status_code == 200
    known.refresh_from_db()
    assert known.active is False
    assert known.notes["scientificName"]["fr"] == "Auteur abrégé L."
    hostile = api_client(lead).patch(
        f"/api/known-answers/{known.pk}/", {"notes": {"nope": {"fr": "x"}}}, format="json"
    )
    assert hostile.status_code == 400


def test_leads_list_the_known_answers_a_page_at_a_time(project, images, lead):
    load(project, "file,scientificName\na.jpg,Quercus ilex L.\nb.jpg,Rosa\n")
    page = api_client(lead).get(f"/api/projects/{project.slug}/known-answers/?limit=1").json()
    assert page["count"] == 2
    assert [(k["image"], k["answers"]) for k in page["results"]] == [("a.jpg", 0)]
