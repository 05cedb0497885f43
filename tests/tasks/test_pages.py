"""Pages: what each role sees and may do."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from tasks.models import Membership, Project, Role
from tests.factories import PASSWORD, MembershipFactory, ProjectFactory, UserFactory


def settings_url(project):
    return reverse("project-settings", args=[project.slug])


@pytest.fixture
def private_project(db):
    return ProjectFactory(
        visibility="members", title_en="Secret herbarium", title_fr="Herbier secret"
    )


def test_home_lists_public_projects_but_not_private_ones_to_outsiders(
    client, project, private_project
):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert project.title_en.encode() in response.content
    assert b"Secret herbarium" not in response.content


def test_members_see_their_private_project_on_the_home_page(client, private_project):
    member = MembershipFactory(project=private_project).user
    client.force_login(member)
    assert b"Secret herbarium" in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content


def test_a_non_member_gets_404_on_a_members_only_project(client, private_project, outsider):
    client.force_login(outsider)
    assert client.get(reverse("project-detail", args=[private_project.slug])).status_code == 404
    assert client.get(settings_url(private_project)).status_code == 404


def test_a_contributor_cannot_open_the_lead_settings(client, project, contributor):
    client.force_login(contributor)
    response = client.get(settings_url(project))
    assert response.status_code == 403
    response = client.post(
        settings_url(project), {"section": "settings", "settings-title_fr": "Pris"}
    )
    assert response.status_code == 403
    assert Project.objects.get(pk=project.pk).title_fr != "Pris"


def test_a_curator_cannot_open_the_lead_settings_either(client, project, curator):
    client.force_login(curator)
    assert client.get(settings_url(project)).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in_for_settings(client, project):
    response = client.get(settings_url(project))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_lead_changes_the_settings(client, project, lead):
    client.force_login(lead)
    assert client.get(settings_url(project)).status_code == 200
    data = {
        "section": "settings",
        "settings-title_fr": "Nouveau titre",
        "settings-title_en": "New title",
        "settings-description_fr": "",
        "settings-description_en": "",
        "settings-status": "paused",
        "settings-visibility": "members",
        "settings-redundancy_min": 3,
        "settings-redundancy_max": 4,
        "settings-agreement_threshold": 0.8,
        "settings-lease_minutes": 20,
        "settings-assignment_order": "breadth",
        "settings-licence": "CC0-1.0",
        "settings-data_open": "on",
        "settings-machine_reading": "on",
        "settings-machine_languages": "fra+lat",
    }
    response = client.post(settings_url(project), data)
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.licence, project.data_open) == ("CC0-1.0", True)
    # Machine reading on, in French and Latin; the vote's box left unticked turns it off.
    assert (project.machine_reading, project.machine_languages, project.machine_vote) == (
        True,
        "fra+lat",
        False,
    )
    assert (project.title_en, project.status, project.redundancy_min, project.assignment_order) == (
        "New title",
        "paused",
        3,
        "breadth",
    )


def test_settings_with_a_minimum_above_the_maximum_are_refused_with_a_message(
    client, project, lead
):
    client.force_login(lead)
    data = {
        "section": "settings",
        "settings-title_fr": "T",
        "settings-title_en": "T",
        "settings-status": "active",
        "settings-visibility": "public",
        "settings-redundancy_min": 5,
        "settings-redundancy_max": 2,
        "settings-agreement_threshold": 0.8,
        "settings-lease_minutes": 20,
        "settings-assignment_order": "depth",
    }
    response = client.post(settings_url(project), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert b"The maximum must be at least the minimum (5)." in response.content
    assert Project.objects.get(pk=project.pk).redundancy_min == 2


def test_a_lead_edits_the_template_and_sees_precise_errors(client, project, lead):
    client.force_login(lead)
    fields = [*project.template.fields, {"key": "notes", "type": "memo", "label": "Notes"}]
    response = client.post(
        settings_url(project),
        {
            "section": "template",
            "template-fields_json": json.dumps(fields),
            "template-metadata_shown": "",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert b"fields[10].type: &#x27;memo&#x27; is not a field type" in response.content
    fields[-1]["type"] = "text"
    response = client.post(
        settings_url(project),
        {
            "section": "template",
            "template-fields_json": json.dumps(fields),
            "template-metadata_shown": "barcode",
        },
    )
    assert response.status_code == 302
    project.template.refresh_from_db()
    assert project.template.field_keys()[-1] == "notes"
    assert project.template.metadata_shown == ["barcode"]
    assert project.template.version == 2


def test_broken_json_in_the_template_is_reported_with_its_position(client, project, lead):
    client.force_login(lead)
    response = client.post(
        settings_url(project),
        {"section": "template", "template-fields_json": '[{"key": }]'},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert b"Not valid JSON" in response.content
    assert b"line 1, column 10" in response.content


def test_a_lead_adds_a_member_and_cannot_remove_the_last_lead(client, project, lead):
    newcomer = UserFactory(username="newcomer")
    client.force_login(lead)
    response = client.post(
        settings_url(project),
        {"section": "member", "member-username": "newcomer", "member-role": "curator"},
    )
    assert response.status_code == 302
    assert Membership.objects.get(project=project, user=newcomer).role == Role.CURATOR
    response = client.post(
        reverse("project-member-remove", args=[project.slug, lead.username]),
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert Membership.objects.filter(project=project, user=lead, role=Role.LEAD).exists()
    assert b"A project needs at least one lead" in response.content


def test_a_signed_in_user_creates_a_project_from_a_preset_and_becomes_its_lead(client, outsider):
    client.force_login(outsider)
    response = client.post(
        reverse("project-new"),
        {
            "title_fr": "Fiches",
            "title_en": "Cards",
            "slug": "cards",
            "preset": "reference",
            "visibility": "public",
        },
    )
    assert response.status_code == 302
    project = Project.objects.get(slug="cards")
    assert project.status == "draft"
    assert project.template.preset == "reference"
    assert Membership.objects.get(project=project, user=outsider).role == Role.LEAD


def test_creating_a_project_with_a_taken_slug_says_so(client, project, outsider):
    client.force_login(outsider)
    response = client.post(
        reverse("project-new"),
        {
            "title_fr": "X",
            "title_en": "X",
            "slug": project.slug,
            "preset": "herbarium",
            "visibility": "public",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert b"already exists" in response.content


def test_only_staff_create_projects_when_the_platform_says_so(client, outsider, settings):
    settings.PROJECT_CREATORS = "staff"
    client.force_login(outsider)
    assert client.get(reverse("project-new")).status_code == 403


def test_a_draft_project_is_hidden_from_its_contributors(client, db):
    draft = ProjectFactory(status="draft")
    contributor = MembershipFactory(project=draft, role=Role.CONTRIBUTOR).user
    client.force_login(contributor)
    assert client.get(reverse("project-detail", args=[draft.slug])).status_code == 404


def test_the_settings_form_refuses_a_post_without_csrf_token(project, lead):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.login(username=lead.username, password=PASSWORD)
    response = strict.post(settings_url(project), {"section": "settings"})
    assert response.status_code == 403


def test_only_leads_remove_members(client, project, contributor, outsider):
    url = reverse("project-member-remove", args=[project.slug, contributor.username])
    client.force_login(contributor)
    assert client.post(url).status_code == 403
    client.force_login(outsider)
    assert client.post(url).status_code == 403
    assert Membership.objects.filter(project=project, user=contributor).exists()


def test_a_members_only_project_page_and_member_removal_are_404_for_outsiders(
    client, private_project, outsider
):
    member = MembershipFactory(project=private_project).user
    client.force_login(outsider)
    url = reverse("project-member-remove", args=[private_project.slug, member.username])
    assert client.post(url).status_code == 404
    assert Membership.objects.filter(project=private_project, user=member).exists()


@pytest.mark.parametrize("page", ["project-transcribe", "project-review"])
def test_pages_that_show_points_label_latitude_and_longitude_in_the_readers_language(
    client, project, curator, page
):
    # The page's scripts say a point "lat. 33.5329, long. -5.2694", never a bare "a,b" in which
    # a swap cannot be seen.
    client.force_login(curator)
    response = client.get(reverse(page, args=[project.slug]), HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    assert '<li data-key="point">lat. %(lat)s, long. %(lon)s</li>' in response.content.decode()
