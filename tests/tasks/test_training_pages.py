"""The leads' Training pages: tutorial, field guide, known answers, contributors and levels.
Who may open them, what each form saves, and what each refusal says."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from tasks.models import (
    ContributorReliability,
    GuideEntry,
    GuideExample,
    KnownAnswer,
    KnownAnswerCheck,
    Project,
    Task,
    TaskState,
    TutorialStep,
)
from tests.factories import MembershipFactory, ProjectFactory, TaskFactory, UserFactory
from tests.helpers import page_client
from tests.images import PDF, image_bytes, jpeg


def url(name, project, *args):
    return reverse(name, args=[project.slug, *args])


def picture(data=None, name="label.jpg"):
    return SimpleUploadedFile(name, data if data is not None else jpeg(size=(200, 100)))


def pictured_task(project, *, state=TaskState.OPEN, size=(200, 100), seed=0, name=None):
    task = TaskFactory(project=project, state=state, original_name=name or f"sheet-{seed}.jpg")
    task.image.save(f"{seed}.jpg", ContentFile(jpeg(seed=seed, size=size)), save=False)
    task.thumbnail.save(f"{seed}-t.jpg", ContentFile(jpeg(seed=seed, size=(40, 20))), save=False)
    task.save()
    return task


def jpeg_size(field):
    with field.open("rb") as stored:
        return Image.open(io.BytesIO(stored.read())).size


def step_data(**changes):
    data = {
        "step-title_fr": "Le viseur",
        "step-title_en": "The viewer",
        "step-body_fr": "Zoomez sur l’étiquette.",
        "step-body_en": "Zoom on the label.",
        "step-highlight": "",
        "step-crop_task": "",
        "step-crop": "",
    }
    data.update(changes)
    return data


def text(response):
    return response.content.decode()


def found(pattern, page):
    match = re.search(pattern, page, re.S)
    assert match is not None, pattern
    return match[1]


@pytest.fixture
def lead_page(lead):
    return page_client(lead)


@pytest.fixture
def step(project):
    return TutorialStep.objects.create(
        project=project, position=1, title_fr="Bienvenue", title_en="Welcome"
    )


@pytest.fixture
def known(project):
    task = TaskFactory(project=project, state=TaskState.REFERENCE, original_name="ref-1.jpg")
    return KnownAnswer.objects.create(
        task=task,
        project=project,
        values={"scientificName": "Quercus ilex L.", "eventDate": "1898-06-12"},
        markers={"habitat": "illegible"},
    )


# --- Who may open them -----------------------------------------------------------------------


def pages(project, step, known):
    return [
        url("project-training", project),
        url("project-training-step", project, step.pk),
        url("project-training-guide", project),
        url("project-training-guide-field", project, "eventDate"),
        url("project-training-known", project),
        url("project-training-known-template", project),
        url("project-training-known-edit", project, known.pk),
        url("project-training-contributors", project),
        url("project-training-levels", project),
    ]


def posts(project, step, known, task):
    return [
        (url("project-training", project), step_data()),
        (url("project-training-step", project, step.pk), step_data()),
        (url("project-training-step-move", project, step.pk), {"direction": "down"}),
        (url("project-training-step-delete", project, step.pk), {}),
        (url("project-training-guide-field", project, "eventDate"), {"section": "entry"}),
        (url("project-training-known", project), {}),
        (url("project-training-known-edit", project, known.pk), {"use": "practice"}),
        (url("project-training-known-set", project, known.pk), {"active": "0"}),
        (url("project-training-promote", project, task.pk), {"use": "known"}),
        (url("project-training-levels", project), {}),
    ]


def test_a_lead_opens_every_training_page(lead_page, project, step, known):
    for address in pages(project, step, known):
        assert lead_page.get(address).status_code == 200, address


@pytest.mark.parametrize("role", ["contributor", "curator"])
def test_contributors_and_curators_get_403_on_every_training_page_and_form(
    request, project, step, known, role
):
    client = page_client(request.getfixturevalue(role))
    task = TaskFactory(project=project, state=TaskState.COMPLETE)
    for address in pages(project, step, known):
        assert client.get(address).status_code == 403, address
    for address, data in posts(project, step, known, task):
        assert client.post(address, data).status_code == 403, address
    assert TutorialStep.objects.filter(pk=step.pk).exists()
    known.refresh_from_db()
    assert (known.use, known.active) == ("known", True)
    assert Task.objects.get(pk=task.pk).state == TaskState.COMPLETE


def test_who_may_not_see_a_members_only_project_gets_404(db, outsider):
    project = ProjectFactory(visibility="members")
    lead = MembershipFactory(project=project, role="lead").user
    step = TutorialStep.objects.create(project=project, title_fr="a", title_en="a")
    task = TaskFactory(project=project, state=TaskState.REFERENCE)
    known = KnownAnswer.objects.create(task=task, project=project, values={})
    client = page_client(outsider)
    for address in pages(project, step, known):
        assert client.get(address).status_code == 404, address
    for address, data in posts(project, step, known, task):
        assert client.post(address, data).status_code == 404, address
    assert page_client(lead).get(url("project-training", project)).status_code == 200


def test_anonymous_visitors_are_sent_to_log_in(client, project, step, known):
    for address in pages(project, step, known):
        response = client.get(address)
        assert response.status_code == 302, address
        assert response["Location"].startswith(reverse("login"))


def test_a_lead_of_another_project_cannot_touch_this_one(project, step, known):
    other_lead = MembershipFactory(role="lead").user  # lead of a project of their own
    client = page_client(other_lead)
    assert client.get(url("project-training", project)).status_code == 403
    assert client.post(url("project-training-step-delete", project, step.pk)).status_code == 403
    assert TutorialStep.objects.filter(pk=step.pk).exists()


def test_every_training_form_needs_its_csrf_token(lead, project, step):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(lead)
    address = url("project-training-step-delete", project, step.pk)
    assert client.post(address).status_code == 403
    assert TutorialStep.objects.filter(pk=step.pk).exists()
    page = text(client.get(url("project-training", project)))
    token = found(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    forms = re.findall(r"<form [^>]*method=\"post\"[^>]*>(.*?)</form>", page, re.S)
    assert forms
    assert all("csrfmiddlewaretoken" in form for form in forms)
    assert client.post(address, {"csrfmiddlewaretoken": token}).status_code == 302
    assert not TutorialStep.objects.filter(pk=step.pk).exists()


def test_the_project_and_settings_pages_link_leads_to_training(project, lead, contributor):
    training = url("project-training", project)
    for name in ("project-detail", "project-settings"):
        assert training in text(page_client(lead).get(url(name, project)))
    assert training not in text(page_client(contributor).get(url("project-detail", project)))


# --- Tutorial --------------------------------------------------------------------------------


def test_a_lead_adds_a_step_with_an_uploaded_picture_and_previews_it_in_both_languages(
    lead_page, project
):
    data = step_data(**{"step-picture": picture(), "step-highlight": "field:scientificName"})
    response = lead_page.post(url("project-training", project), data)
    assert response.status_code == 302
    step = TutorialStep.objects.get(project=project)
    assert (step.title_fr, step.title_en, step.highlight) == (
        "Le viseur",
        "The viewer",
        "field:scientificName",
    )
    assert step.image.name.endswith(".jpg")
    assert jpeg_size(step.image) == (200, 100)
    page = text(lead_page.get(url("project-training", project)))
    preview = page[page.index('id="preview-heading"') :]
    assert "Le viseur" in preview
    assert "The viewer" in preview
    assert "Look at: Scientific name" in preview
    assert "Regardez : Nom scientifique" in preview
    assert "Step 1 of 1" in preview
    assert "Étape 1 sur 1" in preview
    assert step.image.url in preview


def test_a_step_picture_can_be_a_crop_of_one_of_the_projects_images(lead_page, project):
    task = pictured_task(project, size=(200, 100))
    data = step_data(**{"step-crop_task": task.pk, "step-crop": "0.5,0,0.5,0.5"})
    assert lead_page.post(url("project-training", project), data).status_code == 302
    assert jpeg_size(TutorialStep.objects.get(project=project).image) == (100, 50)


def test_the_tutorial_page_offers_the_projects_images_to_crop(lead_page, project):
    task = pictured_task(project)
    page = text(lead_page.get(url("project-training", project)))
    assert f'data-pick-task="{task.pk}"' in page
    assert task.thumbnail.url in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"step-picture": picture(PDF, "label.jpg")}, "Not an image"),
        ({"step-title_en": "Zoom\u202e"}, "Control characters are not allowed."),
        ({"step-title_en": "x" * 201}, "Ensure this value has at most 200 characters"),
        ({"step-title_fr": ""}, "This field is required."),
        ({"step-crop": "half"}, "Give the crop as left,top,width,height."),
        ({"step-crop": "0.1,0.1,0.2,0.2"}, "Choose the image to crop"),
        ({"step-highlight": "field:nothere"}, "Select a valid choice."),
    ],
)
def test_a_refused_step_says_why_and_saves_nothing(lead_page, project, changes, message):
    response = lead_page.post(url("project-training", project), step_data(**changes))
    assert response.status_code == 400
    assert message in text(response)
    assert not TutorialStep.objects.filter(project=project).exists()


def test_a_crop_of_another_projects_image_or_outside_the_image_is_refused(lead_page, project):
    elsewhere = pictured_task(ProjectFactory())
    response = lead_page.post(
        url("project-training", project), step_data(**{"step-crop_task": elsewhere.pk})
    )
    assert response.status_code == 400
    assert f"No image {elsewhere.pk} in this project." in text(response)
    mine = pictured_task(project)
    data = step_data(**{"step-crop_task": mine.pk, "step-crop": "0.8,0,0.5,0.5"})
    response = lead_page.post(url("project-training", project), data)
    assert response.status_code == 400
    assert "The crop must lie inside the image." in text(response)
    assert not TutorialStep.objects.filter(project=project).exists()


def test_a_lead_edits_a_step_and_removes_its_picture(lead_page, project, step):
    step.image.save("p.jpg", ContentFile(jpeg()), save=True)
    page = text(lead_page.get(url("project-training-step", project, step.pk)))
    assert "Remove the picture" in page
    assert 'value="Welcome"' in page
    data = step_data(**{"step-title_en": "Hello", "step-picture_remove": "on"})
    response = lead_page.post(url("project-training-step", project, step.pk), data)
    assert response.status_code == 302
    step.refresh_from_db()
    assert (step.title_en, bool(step.image)) == ("Hello", False)


def test_a_step_of_another_project_is_not_found(lead_page, project):
    foreign = TutorialStep.objects.create(project=ProjectFactory(), title_fr="a", title_en="a")
    assert lead_page.get(url("project-training-step", project, foreign.pk)).status_code == 404
    response = lead_page.post(url("project-training-step-delete", project, foreign.pk))
    assert response.status_code == 404
    assert TutorialStep.objects.filter(pk=foreign.pk).exists()


def test_a_lead_moves_steps_up_and_down_and_deletes_one(lead_page, project):
    a, _b, c = (
        TutorialStep.objects.create(project=project, position=n, title_fr=t, title_en=t)
        for n, t in enumerate("abc", start=1)
    )

    def order():
        return list(
            TutorialStep.objects.filter(project=project)
            .order_by("position")
            .values_list("title_en", flat=True)
        )

    lead_page.post(url("project-training-step-move", project, c.pk), {"direction": "up"})
    assert order() == ["a", "c", "b"]
    lead_page.post(url("project-training-step-move", project, a.pk), {"direction": "down"})
    assert order() == ["c", "a", "b"]
    lead_page.post(url("project-training-step-move", project, c.pk), {"direction": "up"})
    assert order() == ["c", "a", "b"]  # the top stays the top
    response = lead_page.post(url("project-training-step-move", project, a.pk), {"direction": "x"})
    assert response.status_code == 400
    lead_page.post(url("project-training-step-delete", project, a.pk))
    assert order() == ["c", "b"]
    page = text(lead_page.get(url("project-training", project)))
    assert 'data-confirm="delete_step"' in page


# --- Field guide -----------------------------------------------------------------------------


def test_the_guide_lists_every_field_of_the_template(lead_page, project):
    page = text(lead_page.get(url("project-training-guide", project)))
    for key in project.template.field_keys():
        assert f'data-guide-field="{key}"' in page


def test_a_lead_writes_a_fields_entry_and_adds_and_deletes_an_example(lead_page, project):
    address = url("project-training-guide-field", project, "eventDate")
    response = lead_page.post(
        address,
        {
            "section": "entry",
            "entry-body_fr": "Écrivez la date comme l’étiquette.",
            "entry-body_en": "Write the date as the label does.",
        },
    )
    assert response.status_code == 302
    entry = GuideEntry.objects.get(project=project, field_key="eventDate")
    assert entry.body_en == "Write the date as the label does."
    task = pictured_task(project)
    response = lead_page.post(
        address,
        {
            "section": "example",
            "example-value": "12 juin 1898",
            "example-note_fr": "Mois en toutes lettres",
            "example-note_en": "Month in words",
            "example-crop_task": task.pk,
            "example-crop": "0,0,0.5,1",
        },
    )
    assert response.status_code == 302
    example = GuideExample.objects.get(entry=entry)
    assert (example.value, example.note_en) == ("12 juin 1898", "Month in words")
    assert jpeg_size(example.image) == (100, 100)
    page = text(lead_page.get(address))
    assert "12 juin 1898" in page
    assert "Month in words" in page
    assert "Write the date as the label does." in page
    delete = url("project-training-example-delete", project, "eventDate", example.pk)
    assert lead_page.post(delete).status_code == 302
    assert not GuideExample.objects.filter(pk=example.pk).exists()


def test_an_example_may_come_before_the_entrys_text(lead_page, project):
    response = lead_page.post(
        url("project-training-guide-field", project, "recordedBy"),
        {"section": "example", "example-value": "Coste", "example-picture": picture()},
    )
    assert response.status_code == 302
    assert GuideExample.objects.get(entry__field_key="recordedBy").value == "Coste"


def test_refused_guide_texts_and_pictures_say_why(lead_page, project):
    address = url("project-training-guide-field", project, "eventDate")
    response = lead_page.post(address, {"section": "entry", "entry-body_fr": "a\u200fb"})
    assert response.status_code == 400
    assert "Control characters are not allowed." in text(response)
    response = lead_page.post(
        address,
        {
            "section": "example",
            "example-value": "1898",
            "example-picture": picture(b"not an image"),
        },
    )
    assert response.status_code == 400
    assert "Not an image" in text(response)
    assert not GuideExample.objects.exists()
    assert lead_page.post(address, {"section": "nonsense"}).status_code == 400


def test_a_field_outside_the_template_has_no_guide_page(lead_page, project):
    assert lead_page.get(url("project-training-guide-field", project, "nope")).status_code == 404


# --- Contributors and levels -----------------------------------------------------------------


def test_leads_see_each_contributors_known_answer_accuracy_and_weights(lead_page, project, known):
    volunteer = UserFactory(username="jeanne")
    KnownAnswerCheck.objects.create(
        known_answer=known,
        project=project,
        task=known.task,
        user=volunteer,
        outcome={
            "scientificName": {"type": "text", "match": True},
            "eventDate": {"type": "date", "match": False},
        },
        compared=2,
        matched=1,
        idempotency_key="k1",
    )
    ContributorReliability.objects.create(
        project=project, user=volunteer, field_type="text", weight=0.87
    )
    page = text(lead_page.get(url("project-training-contributors", project)))
    row = found(r'<tr data-contributor="jeanne">(.*?)</tr>', page)
    cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
    # Username, answers given, known-answer images, then accuracy in template order.
    assert cells[:4] == ["jeanne", "0", "1", "100.0"]
    assert "not measured" in cells[4]  # recordedBy: never compared
    assert cells[6] == "0.0"  # eventDate
    assert cells[-1] == "0.87"


def levels_data(rows, *, min_level=1, feedback=True, total=None):
    data = {
        "levels-TOTAL_FORMS": str(total or len(rows)),
        "levels-INITIAL_FORMS": "0",
        "levels-MIN_NUM_FORMS": "0",
        "levels-MAX_NUM_FORMS": "9",
        "min_level": str(min_level),
    }
    if feedback:
        data["known_answer_feedback"] = "on"
    for index, (answers, accuracy) in enumerate(rows):
        data[f"levels-{index}-answers"] = answers
        data[f"levels-{index}-accuracy"] = accuracy
    return data


def test_a_lead_sets_levels_the_level_to_transcribe_and_the_feedback(lead_page, project):
    address = url("project-training-levels", project)
    response = lead_page.post(
        address, levels_data([(5, 70), (20, 85), ("", "")], min_level=2, feedback=False)
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.levels == [{"answers": 5, "accuracy": 70}, {"answers": 20, "accuracy": 85}]
    assert (project.min_level, project.known_answer_feedback) == (2, False)
    page = text(lead_page.get(address))
    assert 'name="levels-1-answers" value="20"' in page
    assert 'name="levels-2-answers"' in page  # room to add more


@pytest.mark.parametrize(
    ("rows", "min_level", "message"),
    [
        ([(20, 85), (5, 70)], 1, "Level 3 must ask at least as many answers"),
        ([(5, "")], 1, "Give both the answers and the accuracy, or neither."),
        ([(5, 101)], 1, "Ensure this value is less than or equal to 100."),
        ([(5, 70)], 3, "There are only 2 levels: nobody could reach this one."),
    ],
)
def test_levels_that_cannot_work_are_refused(lead_page, project, rows, min_level, message):
    response = lead_page.post(
        url("project-training-levels", project), levels_data(rows, min_level=min_level)
    )
    assert response.status_code == 400
    assert message in text(response)
    assert Project.objects.get(pk=project.pk).levels == []


def test_the_levels_page_lists_the_fields_that_ask_a_level(lead_page, project):
    fields = list(project.template.fields)
    fields[-1] = {**fields[-1], "level": 2}
    project.template.fields = fields
    project.template.save()
    page = text(lead_page.get(url("project-training-levels", project)))
    assert "Coordinates (<code>coordinates</code>): level 2" in page


def test_saving_the_settings_page_keeps_the_training_settings(lead_page, project):
    # The settings form once carried these: an unchecked box turned the feedback off at each save.
    Project.objects.filter(pk=project.pk).update(
        levels=[{"answers": 3, "accuracy": 80}], min_level=2, known_answer_feedback=True
    )
    response = lead_page.post(
        url("project-settings", project),
        {
            "section": "settings",
            "settings-title_fr": "T",
            "settings-title_en": "T",
            "settings-status": "active",
            "settings-visibility": "public",
            "settings-redundancy_min": 2,
            "settings-redundancy_max": 3,
            "settings-agreement_threshold": 0.6,
            "settings-lease_minutes": 30,
            "settings-assignment_order": "depth",
            "settings-licence": "CC0-1.0",
            "settings-machine_languages": "fra+eng+lat",
        },
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.known_answer_feedback, project.min_level) == (True, 2)
    assert project.levels == [{"answers": 3, "accuracy": 80}]


# --- In French ---------------------------------------------------------------------------------


def test_the_training_pages_speak_french(lead, project, step, known):
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(lead)
    assert "Tutoriel" in text(client.get(url("project-training", project)))
    assert "Guide des champs" in text(client.get(url("project-training-guide", project)))
    assert "Réponses connues" in text(client.get(url("project-training-known", project)))
    assert "Niveaux" in text(client.get(url("project-training-levels", project)))
    assert "Contributeurs" in text(client.get(url("project-training-contributors", project)))


def test_a_decompression_bomb_as_a_picture_is_refused_with_the_reason(lead_page, project, settings):
    settings.IMAGE_MAX_PIXELS = 10_000
    bomb = picture(image_bytes((200, 100), format="PNG"), "bomb.png")
    response = lead_page.post(
        url("project-training-guide-field", project, "eventDate"),
        {"section": "example", "example-value": "1898", "example-picture": bomb},
    )
    assert response.status_code == 400
    assert "it could be a decompression bomb" in text(response)
    assert not GuideExample.objects.exists()
