"""The leads' tutorial and field guide pages: steps, entries, examples, their pictures, refusals."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tasks.models import GuideEntry, GuideExample, TaskState, TutorialStep
from tests.factories import ProjectFactory, TaskFactory
from tests.images import PDF, image_bytes, jpeg
from tests.tasks.training_pages import (
    step_data,
    text,
    tutorial_step,  # noqa: F401 (the step fixture)
    url,
)


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
