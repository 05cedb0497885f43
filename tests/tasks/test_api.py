"""The REST API: roles on every endpoint, consistent error bodies, token authentication."""

from __future__ import annotations

from knox.models import AuthToken

from tasks.models import Membership, Project, Role
from tasks.services.progress import project_progress_refresh
from tests.factories import PASSWORD, MembershipFactory, ProjectFactory, TaskFactory, UserFactory
from tests.helpers import as_user


def test_the_project_list_shows_visible_projects_with_progress_counts(api, project, outsider):
    TaskFactory.create_batch(3, project=project)
    TaskFactory(project=project, state="complete")
    project_progress_refresh(project_id=project.pk)
    ProjectFactory(visibility="members")
    body = as_user(api, outsider).get("/api/projects/").json()
    assert body["count"] == 1
    [item] = body["results"]
    assert item["slug"] == project.slug
    assert item["progress"]["tasks"]["open"] == 3
    assert item["progress"]["tasks"]["complete"] == 1
    assert item["progress"]["tasks"]["total"] == 4
    assert item["progress"]["done_percent"] == 25.0


def test_project_detail_tells_the_requester_what_they_may_do(api, project, curator):
    body = as_user(api, curator).get(f"/api/projects/{project.slug}/").json()
    assert body["capabilities"] == ["contribute", "curate", "discuss", "view"]


def test_a_members_only_project_is_404_with_an_error_body_for_outsiders(api, outsider):
    private = ProjectFactory(visibility="members")
    response = as_user(api, outsider).get(f"/api/projects/{private.slug}/")
    assert response.status_code == 404
    assert response.json() == {
        "error": {"status": 404, "code": "not_found", "message": "No such project."}
    }


def test_a_contributor_gets_403_on_every_lead_endpoint(api, project, contributor):
    as_user(api, contributor)
    slug = project.slug
    responses = [
        api.patch(f"/api/projects/{slug}/", {"status": "paused"}, format="json"),
        api.put(f"/api/projects/{slug}/template/", {"fields": []}, format="json"),
        api.get(f"/api/projects/{slug}/members/"),
        api.post(
            f"/api/projects/{slug}/members/", {"username": contributor.username, "role": "lead"}
        ),
        api.delete(f"/api/projects/{slug}/members/{contributor.username}/"),
    ]
    assert [r.status_code for r in responses] == [403] * 5
    assert all(r.json()["error"]["code"] == "permission_denied" for r in responses)
    assert Membership.objects.get(project=project, user=contributor).role == Role.CONTRIBUTOR
    assert Project.objects.get(pk=project.pk).status == "active"


def test_a_lead_of_another_project_has_no_rights_here(api, project):
    other_lead = MembershipFactory(role=Role.LEAD).user
    response = as_user(api, other_lead).patch(
        f"/api/projects/{project.slug}/", {"status": "paused"}, format="json"
    )
    assert response.status_code == 403


def test_anonymous_writes_are_refused(api, project):
    response = api.patch(f"/api/projects/{project.slug}/", {"status": "paused"}, format="json")
    assert response.status_code in {401, 403}
    assert response.json()["error"]["status"] == response.status_code


def test_a_lead_updates_settings_and_bad_values_get_field_errors(api, project, lead):
    as_user(api, lead)
    response = api.patch(
        f"/api/projects/{project.slug}/", {"redundancy_min": 4, "redundancy_max": 3}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert "redundancy_max" in response.json()["error"]["fields"]
    response = api.patch(f"/api/projects/{project.slug}/", {"lease_minutes": 0}, format="json")
    assert response.json()["error"]["fields"]["lease_minutes"]
    response = api.patch(
        f"/api/projects/{project.slug}/", {"status": "paused", "lease_minutes": 10}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["lease_minutes"]) == ("paused", 10)


def test_a_template_update_reports_each_problem_per_field(api, project, lead):
    response = as_user(api, lead).put(
        f"/api/projects/{project.slug}/template/",
        {
            "fields": [
                {"key": "x", "type": "select", "label": "X"},
                {"key": "x", "type": "text", "label": "Y"},
            ]
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["fields"] == [
        "fields[0].vocabulary: a select field needs a list of at least one option",
        "fields[1].key: 'x' is already the key of fields[0]",
    ]


def test_a_field_with_transcriptions_cannot_be_removed_from_the_template(api, project, lead):
    from tasks.models import Transcription

    task = TaskFactory(project=project)
    Transcription.objects.create(
        project=project, task=task, user=lead, values={}, idempotency_key="k1"
    )
    fields = [f for f in project.template.fields if f["key"] != "habitat"]
    response = as_user(api, lead).put(
        f"/api/projects/{project.slug}/template/", {"fields": fields}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["fields"] == [
        "Field habitat already has transcriptions and cannot be removed."
    ]


def test_members_are_managed_by_leads(api, project, lead):
    newcomer = UserFactory(username="newcomer")
    as_user(api, lead)
    response = api.post(
        f"/api/projects/{project.slug}/members/", {"username": "newcomer", "role": "curator"}
    )
    assert response.status_code == 200
    assert {
        m["username"]: m["role"]
        for m in api.get(f"/api/projects/{project.slug}/members/").json()["results"]
    } == {
        lead.username: "lead",
        "newcomer": "curator",
    }
    assert api.delete(f"/api/projects/{project.slug}/members/newcomer/").status_code == 204
    assert not Membership.objects.filter(user=newcomer).exists()
    response = api.post(
        f"/api/projects/{project.slug}/members/", {"username": "nobody", "role": "curator"}
    )
    assert response.status_code == 404


def test_a_token_authenticates_api_requests(api, project):
    lead = MembershipFactory(project=project, role=Role.LEAD).user
    response = api.post("/api/auth/token/", {"username": lead.username, "password": PASSWORD})
    assert response.status_code == 200
    token = response.json()["token"]
    [stored] = AuthToken.objects.filter(user=lead)
    assert token.startswith(stored.token_key)
    assert token not in stored.digest
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/me/").json()["username"] == lead.username
    assert (
        api.patch(f"/api/projects/{project.slug}/", {"status": "paused"}, format="json").status_code
        == 200
    )


def test_a_wrong_password_gets_no_token(api, outsider):
    response = api.post("/api/auth/token/", {"username": outsider.username, "password": "wrong"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_creating_a_project_through_the_api(api, outsider):
    response = as_user(api, outsider).post(
        "/api/projects/",
        {"slug": "biblio", "title_fr": "Biblio", "title_en": "Biblio", "preset": "reference"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["capabilities"] == [
        "curate",
        "discuss",
        "manage",
        "view",
    ]  # a draft: nobody contributes yet


def test_the_openapi_schema_and_docs_are_served(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert "/api/projects/{slug}/" in schema.json()["paths"]
    assert api.get("/api/docs/").status_code == 200


def test_unknown_api_paths_answer_with_the_error_shape(api):
    response = api.get("/api/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_outsiders_cannot_read_the_template_or_members_of_a_private_project(api, outsider):
    private = ProjectFactory(visibility="members")
    as_user(api, outsider)
    assert api.get(f"/api/projects/{private.slug}/template/").status_code == 404
    assert api.get(f"/api/projects/{private.slug}/members/").status_code == 404


def test_the_last_lead_cannot_be_demoted(api, project, lead):
    response = as_user(api, lead).post(
        f"/api/projects/{project.slug}/members/", {"username": lead.username, "role": "contributor"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["role"] == [
        "A project needs at least one lead: name another lead first."
    ]
    assert Membership.objects.get(project=project, user=lead).role == Role.LEAD


def test_a_project_never_counted_shows_every_progress_count_as_zero(api, outsider):
    project = ProjectFactory()
    assert project.progress == {}
    api.force_authenticate(outsider)
    progress = api.get(f"/api/projects/{project.slug}/").json()["progress"]
    assert progress["done_percent"] == 0.0
    assert progress["transcriptions"] == 0
    assert progress["tasks"]["total"] == 0
    assert progress["fields"]["disputed"] == 0


def test_a_new_project_answers_its_complete_progress_on_creation(api, outsider):
    api.force_authenticate(outsider)
    body = {"slug": "new-one", "title_fr": "Un", "title_en": "One", "preset": "herbarium"}
    response = api.post("/api/projects/", body, format="json")
    assert response.status_code == 201
    assert {"tasks", "fields", "transcriptions", "done_percent"} <= set(response.json()["progress"])
