"""API reads of a project's data: tasks, field results, decisions, contributors' figures; who
sees what, filters and pagination."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from tasks.models import Batch, FieldResult, Resolution, Role, Task, Template
from tasks.services.leases import lease_grant
from tasks.services.review import field_result_resolve
from tests.factories import MembershipFactory, ProjectFactory, TaskFactory, UserFactory
from tests.helpers import as_user

BASE = {"scientificName": "Quercus ilex L.", "country": "France", "locality": "Grenoble"}


@pytest.fixture
def project(db):
    return ProjectFactory(redundancy_min=2, redundancy_max=2)


@pytest.fixture
def transcribed(project, transcribe):
    """A task transcribed by two contributors; the second reads `second` differently."""

    def make(*users, task=None, **second):
        task = task or TaskFactory(project=project, target=2)
        for index, user in enumerate(users):
            values = BASE if index == 0 else {**BASE, **second}
            transcribe(project, values, user=user, task=task)
        return Task.objects.get(pk=task.pk)

    return make


def test_curators_list_a_projects_tasks_filtered_by_state_and_batch(api, project, curator):
    batch = Batch.objects.create(project=project, name="first")
    in_batch = TaskFactory(project=project, batch=batch)
    TaskFactory(project=project, state="complete")
    TaskFactory(project=ProjectFactory())
    as_user(api, curator)
    everything = api.get(f"/api/projects/{project.slug}/tasks/").json()
    assert everything["count"] == 2
    assert {"id", "state", "batch", "image", "metadata"} <= set(everything["results"][0])
    complete = api.get(f"/api/projects/{project.slug}/tasks/?state=complete").json()
    assert [t["state"] for t in complete["results"]] == ["complete"]
    by_batch = api.get(f"/api/projects/{project.slug}/tasks/?batch={batch.pk}").json()
    assert [t["id"] for t in by_batch["results"]] == [in_batch.pk]


def test_the_task_list_is_paginated_with_limit_and_offset(api, project, curator):
    TaskFactory.create_batch(5, project=project)
    body = as_user(api, curator).get(f"/api/projects/{project.slug}/tasks/?limit=2&offset=2").json()
    assert body["count"] == 5
    assert len(body["results"]) == 2
    assert "offset=4" in body["next"]


def test_a_wrong_filter_is_a_400_with_the_error_body(api, project, curator):
    response = as_user(api, curator).get(f"/api/projects/{project.slug}/tasks/?state=lost")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"state"}
    response = api.get(f"/api/projects/{project.slug}/field-results/?batch=²")
    assert response.status_code == 400


def test_contributors_may_not_list_tasks_nor_field_results(api, project, contributor):
    as_user(api, contributor)
    for path in ("tasks", "field-results", "resolutions"):
        response = api.get(f"/api/projects/{project.slug}/{path}/")
        assert response.status_code == 403, path


def test_a_curator_sees_every_answer_and_result_of_a_task(api, project, curator, transcribed):
    first, second = UserFactory(), UserFactory()
    task = transcribed(first, second, locality="Lyon")
    body = as_user(api, curator).get(f"/api/tasks/{task.pk}/").json()
    assert body["full"] is True
    assert {t["username"] for t in body["transcriptions"]} == {first.username, second.username}
    assert {r["key"] for r in body["field_results"]} >= {"locality", "scientificName"}


def test_a_contributor_sees_only_their_own_answer_and_no_results(api, project, transcribed):
    first, second = UserFactory(), UserFactory()
    task = transcribed(first, second, locality="Lyon")
    body = as_user(api, second).get(f"/api/tasks/{task.pk}/").json()
    assert body["full"] is False
    assert [t["username"] for t in body["transcriptions"]] == [second.username]
    assert body["transcriptions"][0]["values"]["locality"] == "Lyon"
    assert body["field_results"] == []
    assert "Grenoble" not in str(body)


def test_a_contributor_sees_only_the_metadata_the_template_shows(
    api, project, curator, transcribed
):
    Template.objects.filter(project=project).update(metadata_shown=["catalogNumber"])
    first, second = UserFactory(), UserFactory()
    task = TaskFactory(
        project=project, target=2, metadata={"catalogNumber": "MTC1", "donor": "private"}
    )
    transcribed(first, second, task=task)
    mine = as_user(api, second).get(f"/api/tasks/{task.pk}/").json()
    assert mine["metadata"] == {"catalogNumber": "MTC1"}
    full = as_user(api, curator).get(f"/api/tasks/{task.pk}/").json()
    assert full["metadata"] == {"catalogNumber": "MTC1", "donor": "private"}


def test_a_contributor_holding_a_lease_sees_the_image_but_no_answer(api, project, transcribed):
    first, holder = UserFactory(), UserFactory()
    task = transcribed(first)
    lease = lease_grant(project=project, user=holder)
    assert lease.task_id == task.pk
    body = as_user(api, holder).get(f"/api/tasks/{task.pk}/").json()
    assert body["transcriptions"] == []
    assert body["field_results"] == []


def test_a_contributor_who_never_worked_on_a_task_may_not_see_it(api, project, transcribed):
    task = transcribed(UserFactory())
    response = as_user(api, UserFactory()).get(f"/api/tasks/{task.pk}/")
    assert response.status_code == 403


def test_a_task_of_a_members_only_project_is_404_to_outsiders(api, db):
    task = TaskFactory(project=ProjectFactory(visibility="members"))
    response = as_user(api, UserFactory()).get(f"/api/tasks/{task.pk}/")
    assert response.status_code == 404
    assert api.get("/api/tasks/99999999999/").status_code == 404


def test_field_results_are_filtered_by_status_key_and_batch(api, project, curator, transcribed):
    batch = Batch.objects.create(project=project, name="b")
    # Two values disputed in the batch, and the same two outside it: each filter counts.
    task = transcribed(
        UserFactory(),
        UserFactory(),
        task=TaskFactory(project=project, batch=batch),
        locality="Lyon",
        country="Italie",
    )
    other = transcribed(UserFactory(), UserFactory(), locality="Lyon", country="Italie")
    as_user(api, curator)
    url = f"/api/projects/{project.slug}/field-results/"
    disputed = api.get(f"{url}?status=disputed").json()["results"]
    assert {(r["task"], r["key"]) for r in disputed} == {
        (task.pk, "locality"),
        (task.pk, "country"),
        (other.pk, "locality"),
        (other.pk, "country"),
    }
    only = api.get(f"{url}?status=disputed&key=locality&batch={batch.pk}").json()
    assert [(r["task"], r["key"]) for r in only["results"]] == [(task.pk, "locality")]
    one_task = api.get(f"{url}?task={task.pk}").json()
    assert {r["task"] for r in one_task["results"]} == {task.pk}


def test_the_audit_trail_lists_decisions_of_a_value_and_of_a_project(
    api, project, curator, transcribed
):
    task = transcribed(UserFactory(), UserFactory(), locality="Lyon")
    locality = FieldResult.objects.get(task=task, key="locality")
    field_result_resolve(
        field_result_id=locality.pk, curator=curator, decision="value", value="Grenoble (Isère)",
        reason="reading_checked", note="label",
    )  # fmt: skip
    as_user(api, curator)
    [entry] = api.get(f"/api/field-results/{locality.pk}/resolutions/").json()["results"]
    assert entry["decision"] == "value"
    assert entry["curator"] == curator.username
    assert entry["value_before"] is None or entry["value_before"] != entry["value_after"]
    assert entry["value_after"] == "Grenoble (Isère)"
    assert entry["key"] == "locality"
    project_trail = api.get(f"/api/projects/{project.slug}/resolutions/?key=locality").json()
    assert [e["id"] for e in project_trail["results"]] == [entry["id"]]
    by_other = api.get(f"/api/projects/{project.slug}/resolutions/?curator=nobody").json()
    assert by_other["count"] == 0


def test_the_project_audit_trail_filters_by_key_decision_and_batch(
    api, project, curator, transcribed
):
    batch = Batch.objects.create(project=project, name="b")
    inside = transcribed(
        UserFactory(), UserFactory(), task=TaskFactory(project=project, batch=batch),
        locality="Lyon", country="Italie",
    )  # fmt: skip
    outside = transcribed(UserFactory(), UserFactory(), locality="Lyon")
    decided = {}
    for task, key, decision in (
        (inside, "locality", "value"),
        (inside, "country", "illegible"),
        (outside, "locality", "value"),
    ):
        result = FieldResult.objects.get(task=task, key=key)
        field_result_resolve(
            field_result_id=result.pk, curator=curator, decision=decision,
            value="Grenoble" if decision == "value" else None, reason="reading_checked",
        )  # fmt: skip
        decided[(task.pk, key)] = Resolution.objects.filter(field_result=result).get().pk
    as_user(api, curator)
    url = f"/api/projects/{project.slug}/resolutions/"

    def ids(query):
        return {e["id"] for e in api.get(url, query).json()["results"]}

    assert ids({"key": "locality"}) == {
        decided[(inside.pk, "locality")],
        decided[(outside.pk, "locality")],
    }
    assert ids({"decision": "illegible"}) == {decided[(inside.pk, "country")]}
    assert ids({"batch": batch.pk}) == {
        decided[(inside.pk, "locality")],
        decided[(inside.pk, "country")],
    }


def test_a_contributor_may_not_read_the_decisions_on_a_value(api, project, transcribed):
    first = UserFactory()
    task = transcribed(first, UserFactory(), locality="Lyon")
    locality = FieldResult.objects.get(task=task, key="locality")
    response = as_user(api, first).get(f"/api/field-results/{locality.pk}/resolutions/")
    assert response.status_code == 403


def test_leads_see_each_contributors_figures(api, project, lead, transcribed):
    agreeing, other = UserFactory(display_name="Ada"), UserFactory()
    transcribed(agreeing, other)  # unanimous: every field agreed
    body = as_user(api, lead).get(f"/api/projects/{project.slug}/contributors/").json()
    assert body["count"] == 2
    rows = {row["username"]: row for row in body["results"]}
    assert rows[agreeing.username]["display_name"] == "Ada"
    assert rows[agreeing.username]["transcriptions"] == 1
    assert rows[agreeing.username]["settled"] > 0
    assert rows[agreeing.username]["agreement_rate"] == 1.0
    assert rows[agreeing.username]["last_active"] is not None


def test_curators_may_not_read_contributors_figures(api, project, curator):
    response = as_user(api, curator).get(f"/api/projects/{project.slug}/contributors/")
    assert response.status_code == 403


def test_anyone_signed_in_reads_their_own_figures(api, project, transcribed):
    first, second = UserFactory(), UserFactory()
    transcribed(first, second, locality="Lyon")
    mine = as_user(api, second).get(f"/api/projects/{project.slug}/my-stats/").json()
    assert mine["username"] == second.username
    assert mine["transcriptions"] == 1
    # The disputed locality is not settled yet: it counts for nobody.
    assert mine["settled"] == mine["agreed"] > 0
    newcomer = as_user(api, UserFactory()).get(f"/api/projects/{project.slug}/my-stats/").json()
    assert newcomer["transcriptions"] == 0
    assert newcomer["agreement_rate"] is None


def test_members_and_batches_lists_are_paginated(api, project, lead):
    MembershipFactory.create_batch(3, project=project, role=Role.CONTRIBUTOR)
    Batch.objects.create(project=project, name="one")
    as_user(api, lead)
    members = api.get(f"/api/projects/{project.slug}/members/?limit=2").json()
    assert members["count"] == 4
    assert len(members["results"]) == 2
    batches = api.get(f"/api/projects/{project.slug}/batches/?state=receiving").json()
    assert [b["name"] for b in batches["results"]] == ["one"]


def test_projects_are_filtered_by_status(api, project, outsider):
    ProjectFactory(status="paused")
    body = as_user(api, outsider).get("/api/projects/?status=paused").json()
    assert [p["status"] for p in body["results"]] == ["paused"]


def test_a_token_is_revoked_by_deleting_it(api, outsider):
    from crowd.services import token_create

    _, key = token_create(user=outsider)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.delete("/api/auth/token/").status_code == 204
    response = client.get("/api/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_requests_without_credentials_are_401_naming_the_token_scheme(api):
    response = api.get("/api/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["error"]["code"] == "not_authenticated"


def test_anyone_who_sees_a_project_with_open_data_reads_its_field_results(
    api, project, contributor, transcribed
):
    transcribed(UserFactory(), UserFactory())
    as_user(api, contributor)
    assert api.get(f"/api/projects/{project.slug}/field-results/").status_code == 403
    project.data_open = True
    project.save(update_fields=["data_open"])
    body = api.get(f"/api/projects/{project.slug}/field-results/").json()
    assert body["count"] > 0
    # The rest of the data stays with curators and leads.
    assert api.get(f"/api/projects/{project.slug}/resolutions/").status_code == 403
    assert api.get(f"/api/projects/{project.slug}/tasks/").status_code == 403


def test_a_decision_without_a_reason_is_listed_with_the_empty_reason_the_schema_allows(
    api, project, curator
):
    task = TaskFactory(project=project)
    result = FieldResult.objects.create(
        project=project, task=task, key="locality", value="Lyon", status="resolved"
    )
    Resolution.objects.create(
        field_result=result, curator=curator, decision="more", reason="",
        status_before="disputed", status_after="needs_more",
    )  # fmt: skip
    api.force_authenticate(curator)
    [entry] = api.get(f"/api/projects/{project.slug}/resolutions/").json()["results"]
    assert entry["reason"] == ""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    reason = schema["components"]["schemas"]["ResolutionRead"]["properties"]["reason"]
    allowed = [
        schema["components"]["schemas"][option["$ref"].rsplit("/", 1)[1]].get("enum", [])
        for option in reason["oneOf"]
    ]
    assert "" in [value for values in allowed for value in values]
