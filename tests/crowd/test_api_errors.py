"""The error body everywhere under /api/, whatever went wrong and whatever the settings."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import UserFactory


@pytest.fixture
def strict_client(db):
    # Browsers' rules: a session cookie, and CSRF checked on unsafe methods.
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(UserFactory())
    return client


@pytest.mark.parametrize(
    "path",
    ["/api/nothing/", "/api/batches/%C2%86/files/", "/api/projects/a%0Ab/tasks/", "/api/"],
)
def test_an_address_no_route_takes_answers_the_error_body_even_in_debug_mode(
    strict_client, settings, path
):
    # Found by the API fuzz test: Django answered its HTML debugging page, and its HTML CSRF
    # refusal for writes, where clients expect JSON.
    settings.DEBUG = True
    for response in (strict_client.get(path), strict_client.post(path)):
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json()["error"]["code"] == "not_found"


def test_an_address_without_its_final_slash_is_still_redirected(strict_client):
    response = strict_client.get("/api/projects")
    assert response.status_code == 301
    assert response["Location"] == "/api/projects/"


@pytest.fixture
def lead_api(db):
    from tests.factories import MembershipFactory
    from tests.helpers import api_client

    membership = MembershipFactory(role="lead")
    return api_client(membership.user), f"/api/projects/{membership.project.slug}/"


def test_json_nested_too_deeply_to_decode_is_a_400_on_every_endpoint(lead_api):
    # Python's decoder raises RecursionError there, which DRF let through as a server error.
    api, project = lead_api
    deep = "[" * 50_000 + "]" * 50_000
    response = api.generic("PATCH", project, deep, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "JSON parse error: arrays and objects are nested too deeply."
    )


def test_a_body_over_the_upload_limit_is_the_error_body_under_api_and_a_page_elsewhere(
    lead_api, client, settings
):
    # Django refuses it before any view: its HTML 400 page, where API clients expect JSON.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    api, project = lead_api
    response = api.generic("PATCH", project, "x" * 2048, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "status": 400,
            "code": "invalid",
            "message": "The request is too large: at most 1.0\xa0KB.",
        }
    }
    response = client.post("/accounts/login/", {"username": "x" * 2048})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
