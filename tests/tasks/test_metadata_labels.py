"""An image's metadata under the template's labels: contributors read the keys the template
shows, named in their language, never a raw key; curators and leads read every key."""

from __future__ import annotations

import pytest

from tasks.models import Template
from tests.factories import MembershipFactory, ProjectFactory, TaskFactory, UserFactory
from tests.helpers import api_client, page_client

pytestmark = pytest.mark.django_db

METADATA = {
    "catalogNumber": "P00012345",
    "Numéro d'inventaire": "INV-7",
    "inv_2019": "old",
    "donor": "Mme Privée",
    "institution": "MNHN",
}
SHOWN = [
    "catalogNumber",
    {"key": "Numéro d'inventaire", "label": {"fr": "Inventaire", "en": "Inventory"}},
    # Listed before keys needed labels, without a default one: contributors do not see it.
    "inv_2019",
]


@pytest.fixture
def task(project):
    # Stored as an older version of the platform stored it (no validation on the way).
    Template.objects.filter(project=project).update(metadata_shown=SHOWN)
    return TaskFactory(project=project, metadata=METADATA)


def next_task(user, project, language="en"):
    response = api_client(user).post(
        f"/api/projects/{project.slug}/next-task/", HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 200, response.content
    return response.json()["task"]


@pytest.mark.parametrize(
    ("language", "labels"),
    [("fr", ["Numéro de catalogue", "Inventaire"]), ("en", ["Catalogue number", "Inventory"])],
)
def test_a_contributor_reads_the_shown_keys_under_their_labels_in_their_language(
    project, task, outsider, language, labels
):
    body = next_task(outsider, project, language)
    assert body["metadata_labelled"] == [
        {"key": "catalogNumber", "label": labels[0], "value": "P00012345", "shown": True},
        {"key": "Numéro d'inventaire", "label": labels[1], "value": "INV-7", "shown": True},
    ]
    assert body["metadata"] == {"catalogNumber": "P00012345", "Numéro d'inventaire": "INV-7"}
    # Nothing unlabelled and nothing unlisted reaches a contributor.
    for hidden in ("inv_2019", "donor", "Mme Privée", "institution", "MNHN"):
        assert hidden not in str(body)


def test_curators_read_every_key_labelled_where_a_label_is_known(project, task, curator):
    body = api_client(curator).get(f"/api/tasks/{task.pk}/review/").json()["task"]
    assert body["metadata"] == METADATA
    assert body["metadata_labelled"] == [
        {"key": "catalogNumber", "label": "Catalogue number", "value": "P00012345", "shown": True},
        {"key": "Numéro d'inventaire", "label": "Inventory", "value": "INV-7", "shown": True},
        {"key": "donor", "label": "donor", "value": "Mme Privée", "shown": False},
        {"key": "institution", "label": "Institution", "value": "MNHN", "shown": False},
        {"key": "inv_2019", "label": "inv_2019", "value": "old", "shown": False},
    ]
    listed = api_client(curator).get(f"/api/projects/{project.slug}/tasks/").json()["results"]
    assert [entry["key"] for entry in listed[0]["metadata_labelled"]] == [
        "catalogNumber",
        "Numéro d'inventaire",
        "donor",
        "institution",
        "inv_2019",
    ]
    detail = api_client(curator).get(f"/api/tasks/{task.pk}/").json()
    assert len(detail["metadata_labelled"]) == 5


def test_a_contributor_who_transcribed_an_image_reads_only_its_shown_metadata(
    project, task, outsider, transcribe
):
    transcribe(project, {"scientificName": "Quercus ilex L."}, user=outsider, task=task)
    body = api_client(outsider).get(f"/api/tasks/{task.pk}/").json()
    assert [entry["key"] for entry in body["metadata_labelled"]] == [
        "catalogNumber",
        "Numéro d'inventaire",
    ]
    assert "donor" not in str(body)
    # The review API and the list are curators' only.
    assert api_client(outsider).get(f"/api/tasks/{task.pk}/review/").status_code == 403
    assert api_client(outsider).get(f"/api/projects/{project.slug}/tasks/").status_code == 403


def template_put(user, project, metadata_shown):
    return api_client(user).put(
        f"/api/projects/{project.slug}/template/",
        {"fields": project.template.fields, "metadata_shown": metadata_shown},
        format="json",
    )


def test_a_lead_names_the_keys_and_the_template_stores_them(project, lead):
    response = template_put(
        lead, project, ["catalogNumber", {"key": "inv_2019", "label": "Inventaire 2019"}]
    )
    assert response.status_code == 200, response.content
    stored = [
        "catalogNumber",
        {"key": "inv_2019", "label": {"fr": "Inventaire 2019", "en": "Inventaire 2019"}},
    ]
    assert response.json()["metadata_shown"] == stored
    assert Template.objects.get(project=project).metadata_shown == stored


@pytest.mark.parametrize(
    ("metadata_shown", "message"),
    [
        (
            ["inv_2019"],
            "metadata_shown[0]: 'inv_2019' has no default label: give it one in French and "
            'English, e.g. {"key": "inv_2019", "label": {"fr": "…", "en": "…"}}',
        ),
        (
            [{"key": "barcode", "label": {"fr": "<b>Code</b>\x1b[31m", "en": "Barcode"}}],
            "metadata_shown[0].label.fr: control characters and direction overrides are not allowed",
        ),
        (
            [{"key": "barcode", "label": {"fr": "Code", "en": "Bar\u2066code"}}],
            "metadata_shown[0].label.en: control characters and direction overrides are not allowed",
        ),
        (["k" * 300], "metadata_shown[0].key: at most 100 characters (300 given)"),
        (
            "catalogNumber",
            'metadata_shown: a list of metadata keys, e.g. ["catalogNumber", "barcode"]',
        ),
    ],
)
def test_hostile_metadata_labels_are_refused_with_precise_messages(
    project, lead, metadata_shown, message
):
    response = template_put(lead, project, metadata_shown)
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["metadata_shown"] == [message]
    assert Template.objects.get(project=project).version == 1


def test_only_leads_name_the_metadata(project, curator, contributor):
    for user in (curator, contributor):
        assert template_put(user, project, ["catalogNumber"]).status_code == 403
    private = ProjectFactory(visibility="members")
    outsider = MembershipFactory(project=project, role="lead").user  # a lead elsewhere
    assert template_put(outsider, private, ["catalogNumber"]).status_code == 404


def settings_post(user, project, lines):
    return page_client(user).post(
        f"/projects/{project.slug}/settings/",
        {
            "section": "template",
            "template-fields_json": __import__("json").dumps(project.template.fields),
            "template-metadata_shown": lines,
        },
    )


def test_the_settings_page_writes_one_key_a_line_with_its_labels(project, lead):
    response = settings_post(
        lead,
        project,
        "catalogNumber\n\ninv_2019 | Inventaire 2019 | Inventory 2019\nbarcode | Code",
    )
    assert response.status_code == 302
    assert Template.objects.get(project=project).metadata_shown == [
        "catalogNumber",
        {"key": "inv_2019", "label": {"fr": "Inventaire 2019", "en": "Inventory 2019"}},
        {"key": "barcode", "label": {"fr": "Code", "en": "Code"}},
    ]
    page = page_client(lead).get(f"/projects/{project.slug}/settings/").content.decode()
    assert "inv_2019 | Inventaire 2019 | Inventory 2019" in page


def test_the_settings_page_says_which_line_is_wrong_and_why(project, lead):
    response = settings_post(
        lead,
        project,
        "catalogNumber\ninv_2019\nbarcode | Code | Barcode | extra\n"
        "catalogNumber\nnote | Note\x07 | Note\nplace |  | Place",
    )
    assert response.status_code == 400
    page = response.content.decode()
    for message in (
        "Line 2: inv_2019 has no default label: write it as inv_2019 | French label | English label.",
        "Line 3: write key | French label | English label.",
        "Line 4: catalogNumber is already on line 1.",
        "Line 5: the French label: control characters and direction overrides are not allowed",
        "Line 6: the French label: missing; the interface ships in French and English",
    ):
        assert message in page, message
    assert Template.objects.get(project=project).version == 1


def test_the_settings_page_names_listed_keys_contributors_do_not_see(project, task, lead):
    page = page_client(lead).get(f"/projects/{project.slug}/settings/").content.decode()
    assert "Not shown to contributors until you give them a label: inv_2019." in page


def test_an_image_without_the_listed_keys_shows_nothing(project, outsider):
    Template.objects.filter(project=project).update(metadata_shown=["catalogNumber"])
    TaskFactory(project=project, metadata={"catalogNumber": "  ", "donor": "x"})
    body = next_task(UserFactory(), project)
    assert body["metadata_labelled"] == []
