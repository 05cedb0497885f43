"""API answers that once contradicted the schema or failed; each found by the API fuzz test
(tests/stack/test_api_fuzz.py) unless said otherwise."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from crowd.models import Role
from tasks.models import FieldResult, Resolution
from tests.factories import MembershipFactory, ProjectFactory, TaskFactory


@pytest.fixture
def api():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


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


def test_a_decision_without_a_reason_is_listed_with_the_empty_reason_the_schema_allows(
    api, project
):
    curator = MembershipFactory(project=project, role=Role.CURATOR).user
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


def test_a_batch_filter_in_other_digits_is_a_400_not_a_server_error(api, project):
    # Found in review: "²".isdigit() is true, and int("²") raised.
    curator = MembershipFactory(project=project, role=Role.CURATOR).user
    api.force_authenticate(curator)
    response = api.get(f"/api/projects/{project.slug}/disputes/?batch=²")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"batch"}
