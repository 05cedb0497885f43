"""The template builder's pages: project creation takes the template the builder made (or the
preset's without one), the form still works without JavaScript, and a project's settings give
the builder the fields it may no longer remove nor retype, which saving refuses anyway."""

from __future__ import annotations

import json
import re

from django.urls import reverse

from tasks.models import Project, Transcription
from tasks.presets import PRESETS
from tests.factories import TaskFactory


def new_project(client, **extra):
    data = {
        "title_fr": "Fiches",
        "title_en": "Cards",
        "slug": "cards",
        "preset": "reference",
        "visibility": "members",
        **extra,
    }
    return client.post(reverse("project-new"), data, HTTP_ACCEPT_LANGUAGE="en")


def builder_config(response) -> dict:
    match = re.search(
        rb'<script id="template-builder-config" type="application/json">(.*?)</script>',
        response.content,
        re.S,
    )
    assert match, "no builder configuration in the page"
    return json.loads(match[1])


def test_the_creation_page_works_without_javascript_and_carries_the_builder(client, outsider):
    client.force_login(outsider)
    response = client.get(reverse("project-new"), HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    # The textarea is the form's field; the builder, outside the form, is hidden until its
    # script shows it, and the Create button is the form's from after the builder.
    form = html[html.index('<form method="post" class="stacked" id="project-new"') :]
    form = form[: form.index("</form>")]
    assert 'name="fields_json"' in form
    assert "data-template-builder" not in form
    assert re.search(r"<section class=\"builder\" data-template-builder[^>]*\bhidden>", html)
    assert '<button type="submit" form="project-new">' in html
    assert 'value="herbarium" required id="id_preset_0" checked' in html
    config = builder_config(response)
    assert config["validate_url"] == "/api/templates/validate/"
    assert config["presets"]["reference"] == PRESETS["reference"]["fields"]
    assert config["locked"] == {}
    assert "scientificName" in config["terms"]["dwc"]
    assert "container-title" in config["terms"]["csl"]
    assert config["validation"]["number"] == ["integer", "max", "min"]


def test_a_project_is_created_with_the_template_the_builder_wrote(client, outsider):
    client.force_login(outsider)
    fields = [
        {
            "key": "medium",
            "type": "select",
            "label": {"fr": "Support", "en": "Medium"},
            "vocabulary": [{"value": "papier", "synonyms": ["paper"]}],
        },
        {"key": "title", "type": "text", "label": {"fr": "Titre", "en": "Title"}},
    ]
    response = new_project(client, fields_json=json.dumps(fields))
    assert response.status_code == 302
    template = Project.objects.get(slug="cards").template
    assert template.fields == fields
    assert (template.preset, template.metadata_shown) == ("reference", ["cardNumber"])


def test_an_empty_template_field_means_the_presets_fields(client, outsider):
    client.force_login(outsider)
    assert new_project(client, fields_json="  ").status_code == 302
    assert Project.objects.get(slug="cards").template.fields == PRESETS["reference"]["fields"]


def test_a_template_with_problems_creates_nothing_and_says_where_they_are(client, outsider):
    client.force_login(outsider)
    fields = [{"key": "title", "type": "text", "label": {"fr": "<b>Titre</b>", "en": "Title"}}]
    response = new_project(client, fields_json=json.dumps(fields))
    assert response.status_code == 400
    assert b"fields[0].label.fr: plain text only: &#x27;&lt;b&gt;&#x27; looks like HTML" in (
        response.content
    )
    assert not Project.objects.filter(slug="cards").exists()
    # The lead's JSON comes back in the textarea, for the builder to load again.
    assert "&lt;b&gt;Titre&lt;/b&gt;" in response.content.decode()


def test_json_nested_too_deeply_is_a_message_on_both_pages_not_a_server_error(
    client, outsider, project, lead
):
    deep = "[" * 100_000 + "]" * 100_000
    client.force_login(outsider)
    response = new_project(client, fields_json=deep)
    assert response.status_code == 400
    assert b"Not valid JSON: arrays and objects are nested too deeply." in response.content
    client.force_login(lead)
    response = client.post(
        reverse("project-settings", args=[project.slug]),
        {"section": "template", "template-fields_json": deep},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert b"Not valid JSON: arrays and objects are nested too deeply." in response.content


def test_settings_give_the_builder_the_fields_volunteers_have_answered(client, project, lead):
    client.force_login(lead)
    url = reverse("project-settings", args=[project.slug])
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    config = builder_config(response)
    assert config["validate_url"] == f"/api/projects/{project.slug}/template/validate/"
    assert (config["locked"], config["presets"]) == ({}, {})
    assert b"Volunteers have already transcribed with this template" not in response.content

    Transcription.objects.create(
        project=project,
        task=TaskFactory(project=project),
        user=lead,
        values={},
        idempotency_key="k",
    )
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    locked = builder_config(response)["locked"]
    assert locked == {field["key"]: field["type"] for field in project.template.fields}
    assert b"Volunteers have already transcribed with this template" in response.content

    # The server refuses what the builder does not offer.
    fields = [dict(f) for f in project.template.fields if f["key"] != "habitat"]
    response = client.post(
        url,
        {"section": "template", "template-fields_json": json.dumps(fields)},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert b"Field habitat already has transcriptions and cannot be removed." in response.content
