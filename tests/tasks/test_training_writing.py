"""Writing a tutorial and a field guide: pictures checked as images are, texts as hostile."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from PIL import Image

from tasks.selectors.training import guide_entries, tutorial_steps
from tasks.services.training import (
    PictureRefused,
    crop_parse,
    guide_entry_save,
    guide_example_save,
    picture_from,
    tutorial_step_delete,
    tutorial_step_save,
    tutorial_steps_order,
)
from tasks.values import ValuesRejected
from tests.factories import ProjectFactory, TaskFactory, UserFactory
from tests.helpers import api_client
from tests.images import PDF, image_bytes, zip_bytes

pytestmark = pytest.mark.django_db


def step(project, **changes):
    fields = {"title_fr": "Bienvenue", "title_en": "Welcome", "body_fr": "Lisez", "body_en": "Read"}
    return tutorial_step_save(project=project, **{**fields, **changes})


def test_steps_are_added_at_the_end_reordered_and_deleted(project):
    first, second = step(project), step(project, title_en="Zoom", highlight="zoom")
    assert [s.pk for s in tutorial_steps(project=project)] == [first.pk, second.pk]
    tutorial_steps_order(project=project, step_ids=[second.pk, first.pk])
    assert [s.pk for s in tutorial_steps(project=project)] == [second.pk, first.pk]
    with pytest.raises(ValuesRejected):
        tutorial_steps_order(project=project, step_ids=[second.pk])
    tutorial_step_delete(project=project, step=first)
    assert [s.pk for s in tutorial_steps(project=project)] == [second.pk]


@pytest.mark.parametrize(
    "changes",
    [
        {"title_fr": ""},
        {"title_en": "x" * 201},
        {"body_fr": "Cliquez \u202eici"},
        {"highlight": "field:nope"},
        {"highlight": "javascript:alert(1)"},
    ],
)
def test_a_hostile_or_incomplete_step_is_refused(project, changes):
    with pytest.raises(ValuesRejected):
        step(project, **changes)
    assert not tutorial_steps(project=project)


def test_a_step_may_point_at_a_field_of_the_template(project):
    assert step(project, highlight="field:eventDate").highlight == "field:eventDate"


def test_a_crop_of_a_projects_image_becomes_the_steps_picture(project):
    task = TaskFactory(project=project)
    task.image.save("sheet.jpg", ContentFile(image_bytes((400, 200))), save=True)
    picture = picture_from(project=project, task=task, crop=crop_parse("0.5,0.5,0.5,0.5"))
    made = step(project, picture=picture)
    with made.image.open("rb") as stored, Image.open(stored) as image:
        assert image.size == (200, 100)
        assert image.format == "JPEG"


def test_an_image_of_another_project_cannot_be_cropped(project):
    other = TaskFactory(project=ProjectFactory())
    other.image.save("sheet.jpg", ContentFile(image_bytes()), save=True)
    with pytest.raises(PictureRefused):
        picture_from(project=project, task=other)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (PDF, "not an image"),
        (zip_bytes([("a.jpg", image_bytes())]), "not an image"),
        (b"", "empty"),
        (image_bytes()[:60], ""),
    ],
)
def test_an_upload_that_is_no_image_is_refused_with_its_reason(project, data, message):
    with pytest.raises(PictureRefused) as caught:
        picture_from(project=project, upload=io.BytesIO(data))
    assert message.lower() in caught.value.message().lower()


def test_a_decompression_bomb_is_refused(project, settings):
    settings.IMAGE_MAX_PIXELS = 1000
    with pytest.raises(PictureRefused) as caught:
        picture_from(project=project, upload=io.BytesIO(image_bytes((100, 100))))
    assert caught.value.message()


@pytest.mark.parametrize("raw", ["1,2,3", "a,b,c,d", "0.9,0,0.5,0.5"])
def test_a_crop_outside_the_image_or_malformed_is_refused(project, raw):
    task = TaskFactory(project=project)
    task.image.save("sheet.jpg", ContentFile(image_bytes()), save=True)
    with pytest.raises((ValuesRejected, PictureRefused)):
        picture_from(project=project, task=task, crop=crop_parse(raw))


def test_the_field_guide_follows_the_template_and_holds_examples(project):
    guide_entry_save(project=project, field_key="eventDate", body_fr="Date", body_en="Date")
    entry = guide_entry_save(project=project, field_key="scientificName", body_en="Names")
    guide_example_save(entry=entry, value="Quercus ilex L.", note_en="L. is Linnaeus")
    keys = [e.field_key for e in guide_entries(project=project)]
    assert keys == ["scientificName", "eventDate"]  # the template's order
    with pytest.raises(ValuesRejected):
        guide_entry_save(project=project, field_key="nope", body_en="x")
    with pytest.raises(ValuesRejected):
        guide_example_save(entry=entry, value="")
    # Rewriting an entry replaces it rather than adding another.
    guide_entry_save(project=project, field_key="eventDate", body_en="Dates as written")
    assert len(guide_entries(project=project)) == 2


def test_the_training_api_gives_the_tutorial_and_guide_in_the_readers_language(project):
    step(project)
    entry = guide_entry_save(project=project, field_key="eventDate", body_fr="Jour", body_en="Day")
    guide_example_save(entry=entry, value="12 VI 1898", note_fr="Mois romain", note_en="Roman")
    client = api_client(UserFactory())
    english = client.get(f"/api/projects/{project.slug}/training/").json()
    assert english["tutorial"][0]["title"] == "Welcome"
    assert english["guide"][0]["examples"][0]["note"] == "Roman"
    client.credentials(HTTP_ACCEPT_LANGUAGE="fr")
    french = client.get(f"/api/projects/{project.slug}/training/", HTTP_ACCEPT_LANGUAGE="fr")
    assert french.json()["guide"][0]["body"] == "Jour"


def test_a_private_projects_training_is_hidden_from_outsiders(db):
    private = ProjectFactory(visibility="members")
    response = api_client(UserFactory()).get(f"/api/projects/{private.slug}/training/")
    assert response.status_code == 404


def test_only_leads_see_the_contributors_training_figures(project, lead, contributor):
    url = f"/api/projects/{project.slug}/contributors/training/"
    assert api_client(contributor).get(url).status_code == 403
    assert api_client(lead).get(url).status_code == 200
